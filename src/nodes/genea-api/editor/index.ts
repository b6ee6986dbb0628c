(function () {
  interface ApiCredentials {
    apiKey: string;
    has_apiKey?: boolean;
  }

  interface VerifyAnswer {
    customerUuid?: string;
    message?: string | null;
    /** Set when the endpoint refused: a catalog key below genea-api.errors, and its values. */
    error?: string;
    details?: Record<string, string>;
  }

  // The runtime's own rule (src/lib/base-url.ts): https anywhere, plain http to loopback only, no query or fragment.
  const { checkBaseUrl } = geneaLib['base-url'];

  const { StoredCredential, STORED_PASSWORD: STORED } = geneaLib['stored-credential'];
  /** Whether each config node has a key: without one it is invalid, and so is every door node using it. */
  const apiKey = new StoredCredential('genea-api', 'apiKey', { getJSON: (url) => $.getJSON(url), RED });
  RED.events.on('nodes:add', apiKey.learn);

  RED.nodes.registerType<{ name: string; baseUrl: string; credentials?: ApiCredentials }, ApiCredentials>('genea-api', {
    category: 'config',
    defaults: {
      // The name carries the node's validity without a key: Node-RED validates credentials only in the dialog.
      name: {
        value: '',
        validate: function (_value: string, opt) {
          return apiKey.valid(this) || (opt ? this._('genea-api.validation.noKey') : false);
        },
      },
      baseUrl: {
        value: 'https://api.sequr.io',
        validate: function (value: string, opt) {
          return !('problem' in checkBaseUrl(value)) || (opt ? this._('genea-api.validation.baseUrl') : false);
        },
      },
    },
    credentials: {
      apiKey: {
        type: 'password',
        required: true,
        validate: function (value: string, opt) {
          return value.trim() !== '' || (opt ? this._('genea-api.validation.apiKey') : false);
        },
      },
    },
    // Node-RED names config nodes by this in the dialog title and the "Add new …" choice: never the raw type.
    paletteLabel: function () {
      return this._('genea-api.paletteLabel');
    },
    label: function () {
      return this.name || this._('genea-api.nodeLabel');
    },
    labelStyle: function () {
      return this.name ? 'node_label_italic' : '';
    },
    oneditprepare: function () {
      apiKey.editing = this.id;
      const t = (key: string, values?: Record<string, string>): string => this._(key, values);
      const nodeId = this.id;
      const keyInput = $('#node-config-input-apiKey');
      const baseUrlInput = $('#node-config-input-baseUrl');
      const result = $('#genea-api-verify-result');
      // Node-RED never sends a stored password to the editor: only `has_apiKey`, and a placeholder in the input.
      const stored = Boolean(this.credentials?.has_apiKey);
      const typedKey = (): string => String(keyInput.val() ?? '');
      const showState = (): void => {
        const typed = typedKey();
        const key = stored && typed === STORED ? 'keySet' : typed.trim() !== '' ? 'keyTyped' : 'keyMissing';
        $('#genea-api-key-state').text(t(`genea-api.${key}`));
        result.text('').css('color', '');
      };
      keyInput.on('input change', showState);
      baseUrlInput.on('input change', () => result.text(''));
      showState();

      $('#genea-api-verify').on('click', function (event) {
        event.preventDefault();
        const typed = typedKey();
        const baseUrl = String(baseUrlInput.val() ?? '');
        const show = (text: string, ok: boolean): void => {
          result
            .text(text)
            .css('color', ok ? 'var(--red-ui-text-color-success, #3a9b3a)' : 'var(--red-ui-text-color-error, #d6615f)');
        };
        if (!(stored && typed === STORED) && typed.trim() === '') return show(t('genea-api.verify.typeKey'), false);
        // A typed key is sent once to verify it, not stored; the deployed one is named by the node's id.
        const request = stored && typed === STORED ? { id: nodeId, baseUrl } : { apiKey: typed, baseUrl };
        const button = $(this).prop('disabled', true);
        result.text(t('genea-api.verify.running')).css('color', '');
        $.ajax({
          url: 'genea-api/verify',
          type: 'POST',
          contentType: 'application/json; charset=utf-8',
          data: JSON.stringify(request),
          dataType: 'json',
        })
          .always(() => button.prop('disabled', false))
          .done((answer: VerifyAnswer) => {
            const values = { customer: answer.customerUuid ?? '', message: answer.message ?? '' };
            show(t(answer.message ? 'genea-api.verify.okMessage' : 'genea-api.verify.ok', values), true);
          })
          .fail((xhr: JQuery.jqXHR) => {
            const answer = (xhr.responseJSON ?? {}) as VerifyAnswer;
            const details = answer.details ?? {};
            if (answer.error === 'api') {
              show(t(details.kind === 'key' ? 'genea-api.verify.refused' : 'genea-api.verify.failed', details), false);
            } else if (answer.error) {
              show(t(`genea-api.errors.${answer.error}`, details), false);
            } else if (xhr.status === 401 || xhr.status === 403) {
              show(t('genea-api.verify.notAuthorized'), false);
            } else {
              show(t('genea-api.verify.http', { status: String(xhr.status || '—') }), false);
            }
          });
      });
    },
    oneditsave: function () {
      apiKey.editing = null;
    },
    oneditcancel: function () {
      apiKey.editing = null;
    },
  });
})();
