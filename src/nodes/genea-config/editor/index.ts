(function () {
  interface ConfigCredentials {
    secret: string;
    previousSecret: string;
    has_secret?: boolean;
  }
  type ConfigNode = { id: string; type: string; users?: object[]; credentials?: Partial<ConfigCredentials> };

  const TYPE = 'genea-config';
  /**
   * Whether each config node has a secret, as last known: from Node-RED's own credentials endpoint (which reports
   * `has_secret`, never the secret) for nodes loaded or imported without credentials, else from what the dialog
   * set. Node-RED keeps a node's `credentials` only until the next deploy, so the last answer is remembered here.
   */
  const secretKnown: Record<string, boolean> = {};
  /** The config node whose dialog is open: its Secret field is checked there, not its name. */
  let editing: string | null = null;

  function hasSecret(node: ConfigNode): boolean | undefined {
    const creds = node.credentials;
    if (creds && ('has_secret' in creds || 'secret' in creds)) {
      // `secret` is what was typed or imported; an unchanged stored secret is only `has_secret`.
      const typed = creds.secret;
      secretKnown[node.id] =
        typeof typed === 'string' && typed !== '__PWRD__' ? typed.trim() !== '' : creds.has_secret === true;
    }
    return secretKnown[node.id];
  }

  /** Validates `node` and the nodes using it again once the server said whether it holds a secret. */
  function learnSecretState(node: ConfigNode): void {
    if (node.type !== TYPE || hasSecret(node) !== undefined) return;
    $.getJSON(`credentials/${TYPE}/${encodeURIComponent(node.id)}`)
      .done((creds: { has_secret?: boolean }) => {
        if (hasSecret(node) !== undefined) return;
        secretKnown[node.id] = creds.has_secret === true;
        for (const target of [node, ...(node.users ?? [])]) RED.editor.validateNode(target);
        RED.view.redraw(true);
      })
      .fail(() => undefined); // Not permitted or gone: no triangle rather than a wrong one.
  }
  RED.events.on('nodes:add', learnSecretState);

  // `credentials` as the editor holds it: passwords are never sent back, only `has_<name>`.
  RED.nodes.registerType<{ name: string; credentials?: ConfigCredentials }, ConfigCredentials>('genea-config', {
    category: 'config',
    defaults: {
      // The name carries the node's validity without a secret: Node-RED validates credentials only in the dialog.
      name: {
        value: '',
        validate: function (_value: string, opt) {
          const valid = editing === this.id || hasSecret(this) !== false;
          return valid || (opt ? this._('genea-config.validation.noSecret') : false);
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
      editing = this.id;
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
    oneditsave: function () {
      editing = null;
    },
    oneditcancel: function () {
      editing = null;
    },
  });
})();
