(function () {
  const PATH = /^\/[A-Za-z0-9._~!$&'()+,;=@%/-]+$/;

  /** The URL Genea must POST to: this editor's origin, httpNodeRoot and the node's path. */
  function fullUrl(path: string): string {
    const root = String((RED.settings as unknown as { httpNodeRoot?: string }).httpNodeRoot ?? '/');
    const joined = `${root}/${path}`.replace(/\/{2,}/g, '/');
    return `${window.location.protocol}//${window.location.host}${joined}`;
  }

  RED.nodes.registerType('genea-webhook-in', {
    category: 'Genea',
    color: '#8FC1E3',
    defaults: {
      name: { value: '' },
      config: { value: '', type: 'genea-config', required: true },
      url: {
        value: '/genea',
        required: true,
        validate: function (value: string) {
          return PATH.test(value);
        },
      },
      maxBodyKiB: { value: 1024, required: true, validate: RED.validators.number() },
      dedupeMinutes: { value: 10, required: true, validate: RED.validators.number() },
      allowList: { value: '' },
      trustedProxies: { value: 0, validate: RED.validators.number(true) },
    },
    inputs: 0,
    outputs: 2,
    icon: 'genea-webhook.svg',
    outputLabels: function (index: number) {
      return this._(index === 0 ? 'genea-webhook-in.label.events' : 'genea-webhook-in.label.rejected');
    },
    label: function () {
      return this.name || `genea ${this.url || ''}`.trim();
    },
    labelStyle: function () {
      return this.name ? 'node_label_italic' : '';
    },
    oneditprepare: function () {
      const input = $('#node-input-url');
      const show = (): void => {
        const path = String(input.val() ?? '');
        $('#genea-webhook-in-full-url').text(PATH.test(path) ? fullUrl(path) : '—');
      };
      input.on('input change', show);
      show();
    },
  });
})();
