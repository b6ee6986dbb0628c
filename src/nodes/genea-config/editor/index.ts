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
      secret: { type: 'password', required: true },
      previousSecret: { type: 'password' },
    },
    label: function () {
      return this.name || 'Genea webhook secret';
    },
    oneditprepare: function () {
      // Node-RED never sends a stored password back; it reports only that one is set.
      const isSet = Boolean(this.credentials?.has_secret);
      $('#genea-config-secret-state').text(this._(isSet ? 'genea-config.secretSet' : 'genea-config.secretMissing'));
    },
  });
})();
