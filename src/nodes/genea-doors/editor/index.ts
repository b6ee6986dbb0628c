(function () {
  // Keep in step with refreshMinutes in src/lib/door-state.ts.
  const MAX_REFRESH_MINUTES = 1440;

  interface DoorsNode {
    name: string;
    api: string;
    refreshMinutes: string;
  }

  RED.nodes.registerType<DoorsNode>('genea-doors', {
    category: 'Genea',
    color: '#B5D8EE',
    defaults: {
      name: { value: '' },
      api: {
        value: '',
        type: 'genea-api',
        required: true,
        validate: function (value: string, opt) {
          if (value === '' || value === '_ADD_') return opt ? this._('genea-doors.validation.api') : false;
          // A config node without a key is invalid (see genea-api): so is every node listing through it.
          const valid = (RED.nodes.node(value) as { valid?: boolean } | null)?.valid !== false;
          return valid || (opt ? this._('genea-doors.validation.apiNoKey') : false);
        },
      },
      refreshMinutes: {
        value: '5',
        validate: function (value: string, opt) {
          const text = String(value ?? '').trim();
          const minutes = Number(text);
          const valid = text === '' || (Number.isFinite(minutes) && minutes >= 0 && minutes <= MAX_REFRESH_MINUTES);
          return valid || (opt ? this._('genea-doors.validation.refreshMinutes') : false);
        },
      },
    },
    inputs: 1,
    outputs: 2,
    icon: 'genea-doors.svg',
    paletteLabel: function () {
      return this._('genea-doors.paletteLabel');
    },
    label: function () {
      return this.name || this._('genea-doors.nodeLabel');
    },
    labelStyle: function () {
      return this.name ? 'node_label_italic' : '';
    },
    outputLabels: function (index: number) {
      return this._(index === 0 ? 'genea-doors.outputs.changes' : 'genea-doors.outputs.all');
    },
    inputLabels: function () {
      return this._('genea-doors.inputs.events');
    },
    oneditprepare: function () {
      // Live validation: the field says what is wrong as it is typed, not only on deploy.
      const input = $('#node-input-refreshMinutes');
      const tip = $('#genea-doors-refresh-tip');
      const check = (): void => {
        const text = String(input.val() ?? '').trim();
        const minutes = text === '' ? 5 : Number(text);
        const valid = Number.isFinite(minutes) && minutes >= 0 && minutes <= MAX_REFRESH_MINUTES;
        input.toggleClass('input-error', !valid);
        tip.text(
          !valid
            ? this._('genea-doors.validation.refreshMinutes')
            : minutes === 0
              ? this._('genea-doors.label.refreshNever')
              : this._('genea-doors.label.refreshEvery', { minutes: String(minutes) }),
        );
      };
      input.on('input change', check);
      check();
    },
  });
})();
