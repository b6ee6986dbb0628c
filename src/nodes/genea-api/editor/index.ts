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

  /** What Node-RED puts into a password input that stands for the stored value, unchanged. */
  const STORED = '__PWRD__';

  const TYPE = 'genea-api';
  type ApiConfigNode = { id: string; type: string; users?: object[]; credentials?: Partial<ApiCredentials> };
  /**
   * Whether each config node has a key, as last known: from Node-RED's credentials endpoint (which reports
   * `has_apiKey`, never the key) for nodes loaded or imported without credentials, else from what the dialog set.
   * Node-RED keeps a node's `credentials` only until the next deploy, so the last answer is remembered here.
   */
  const keyKnown: Record<string, boolean> = {};
  /** The config node whose dialog is open: its API key field is checked there, not its name. */
  let editing: string | null = null;

  function hasKey(node: ApiConfigNode): boolean | undefined {
    const creds = node.credentials;
    if (creds && ('has_apiKey' in creds || 'apiKey' in creds)) {
      const typed = creds.apiKey;
      keyKnown[node.id] =
        typeof typed === 'string' && typed !== STORED ? typed.trim() !== '' : creds.has_apiKey === true;
    }
    return keyKnown[node.id];
  }

  /** Validates `node` and the door nodes using it again once the server said whether it holds a key. */
  function learnKeyState(node: ApiConfigNode): void {
    if (node.type !== TYPE || hasKey(node) !== undefined) return;
    $.getJSON(`credentials/${TYPE}/${encodeURIComponent(node.id)}`)
      .done((creds: { has_apiKey?: boolean }) => {
        if (hasKey(node) !== undefined) return;
        keyKnown[node.id] = creds.has_apiKey === true;
        for (const target of [node, ...(node.users ?? [])]) RED.editor.validateNode(target);
        RED.view.redraw(true);
      })
      .fail(() => undefined); // Not permitted or gone: no triangle rather than a wrong one.
  }
  RED.events.on('nodes:add', learnKeyState);

  RED.nodes.registerType<{ name: string; baseUrl: string; credentials?: ApiCredentials }, ApiCredentials>('genea-api', {
    category: 'config',
    defaults: {
      // The name carries the node's validity without a key: Node-RED validates credentials only in the dialog.
      name: {
        value: '',
        validate: function (_value: string, opt) {
          const valid = editing === this.id || hasKey(this) !== false;
          return valid || (opt ? this._('genea-api.validation.noKey') : false);
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
      editing = this.id;
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
      editing = null;
    },
    oneditcancel: function () {
      editing = null;
    },
  });
})();
