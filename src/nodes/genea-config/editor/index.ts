(function () {
  interface ConfigCredentials {
    secret: string;
    previousSecret: string;
    has_secret?: boolean;
  }

  // `credentials` as the editor holds it: passwords are never sent back, only `has_<name>`.
  RED.nodes.registerType<{ name: string; credentials?: ConfigCredentials }, ConfigCredentials>('genea-config', {
    category: 'config',
    defaults: {
      name: { value: '' },
    },
    credentials: {
      secret: {
        type: 'password',
        required: true,
        validate: function (value: string, opt) {
          return value.trim() !== '' || (opt ? this._('genea-config.validation.secret') : false);
        },
      },
      previousSecret: { type: 'password' },
    },
    label: function () {
      return this.name || this._('genea-config.nodeLabel');
    },
    labelStyle: function () {
      return this.name ? 'node_label_italic' : '';
    },
    oneditprepare: function () {
      // An arrow keeps `this` (the node) for the message catalog inside the input handler.
      const t = (key: string): string => this._(key);
      const secretInput = $('#node-config-input-secret');
      // Node-RED never sends a stored password back: it reports `has_secret` and fills the input with a
      // placeholder that stands for "unchanged".
      const stored = Boolean(this.credentials?.has_secret);
      const showState = (): void => {
        const typed = String(secretInput.val() ?? '');
        const key =
          stored && typed === '__PWRD__' ? 'secretSet' : typed.trim() !== '' ? 'secretTyped' : 'secretMissing';
        $('#genea-config-secret-state').text(t(`genea-config.${key}`));
      };
      secretInput.on('input change', showState);
      showState();
    },
  });
})();
