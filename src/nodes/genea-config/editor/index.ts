(function () {
  interface ConfigCredentials {
    secret: string;
    previousSecret: string;
    has_secret?: boolean;
  }
  const { StoredCredential, STORED_PASSWORD } = geneaLib['stored-credential'];
  /** Whether each config node has a secret: without one it is invalid, and so is every receiver using it. */
  const secret = new StoredCredential('genea-config', 'secret', { getJSON: (url) => $.getJSON(url), RED });
  RED.events.on('nodes:add', secret.learn);

  // `credentials` as the editor holds it: passwords are never sent back, only `has_<name>`.
  RED.nodes.registerType<{ name: string; credentials?: ConfigCredentials }, ConfigCredentials>('genea-config', {
    category: 'config',
    defaults: {
      // The name carries the node's validity without a secret: Node-RED validates credentials only in the dialog.
      name: {
        value: '',
        validate: function (_value: string, opt) {
          return secret.valid(this) || (opt ? this._('genea-config.validation.noSecret') : false);
        },
      },
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
    paletteLabel: function () {
      return this._('genea-config.paletteLabel');
    },
    label: function () {
      return this.name || this._('genea-config.nodeLabel');
    },
    labelStyle: function () {
      return this.name ? 'node_label_italic' : '';
    },
    oneditprepare: function () {
      secret.editing = this.id;
      // An arrow keeps `this` (the node) for the message catalog inside the input handler.
      const t = (key: string): string => this._(key);
      const secretInput = $('#node-config-input-secret');
      // Node-RED never sends a stored password back: it reports `has_secret` and fills the input with a
      // placeholder that stands for "unchanged".
      const stored = Boolean(this.credentials?.has_secret);
      const showState = (): void => {
        const typed = String(secretInput.val() ?? '');
        const key =
          stored && typed === STORED_PASSWORD ? 'secretSet' : typed.trim() !== '' ? 'secretTyped' : 'secretMissing';
        $('#genea-config-secret-state').text(t(`genea-config.${key}`));
      };
      secretInput.on('input change', showState);
      showState();
    },
    oneditsave: function () {
      secret.editing = null;
    },
    oneditcancel: function () {
      secret.editing = null;
    },
  });
})();
