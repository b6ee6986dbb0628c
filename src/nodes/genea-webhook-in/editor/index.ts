(function () {
  // The runtime's own path rule (src/lib/receiver-path.ts), so that both always agree.
  const PATH = new RegExp(RED.settings.geneaWebhookInPathPattern ?? '^$');
  const DEFAULT_PATH: string = '/genea';
  const { SourceAllowList } = geneaLib['source-allow-list'];
  const LIMITS = {
    maxBodyKiB: { min: 1, max: 102400 },
    dedupeMinutes: { min: 0, max: 1440 },
    trustedProxies: { min: 0, max: 10 },
    maxEventAgeMinutes: { min: 0, max: 525600 },
  };

  /** The key express finds a path under: case and a trailing slash do not tell two receivers apart. */
  const routeKey = (path: string): string => path.trim().replace(/\/$/, '').toLowerCase();

  /** Paths of the other receivers in the workspace (disabled ones listen nowhere). */
  function otherReceiverPaths(id: string): Set<string> {
    const paths = new Set<string>();
    for (const node of RED.nodes.filterNodes({ type: 'genea-webhook-in' }) as Array<{
      id: string;
      d?: boolean;
      url?: unknown;
    }>) {
      if (node.id !== id && !node.d && typeof node.url === 'string') paths.add(routeKey(node.url));
    }
    return paths;
  }

  /**
   * Whether `path` (below httpNodeRoot) is one the editor's own apps serve, when both roots overlap: the
   * runtime refuses it, as a receiver there would take the admin API's request bodies. Routes other nodes
   * mount on the admin app are checked by the runtime only.
   */
  function editorServes(path: string): boolean {
    const admin = RED.settings.geneaWebhookInAdminPaths;
    if (!admin || admin.root === false) return false;
    const nodeRoot = typeof RED.settings.httpNodeRoot === 'string' ? RED.settings.httpNodeRoot : '/';
    const full = `/${nodeRoot}/${path}`.replace(/\/{2,}/g, '/').toLowerCase();
    const adminRoot = `/${admin.root}/`.replace(/\/{2,}/g, '/').toLowerCase();
    if (!`${full}/`.startsWith(adminRoot)) return false;
    const within = full.slice(adminRoot.length - 1);
    return within === '/' || admin.segments.includes(within.split('/')[1] ?? '');
  }

  /** Paths of the core `http in` nodes in the workspace: the runtime refuses to share a path with one. */
  function httpInPaths(): Set<string> {
    const nodes = RED.nodes.filterNodes({ type: 'http in' }) as Array<{ d?: boolean; url?: unknown }>;
    return new Set(
      nodes
        .filter((n) => !n.d && typeof n.url === 'string')
        .map((n) => routeKey(`/${String(n.url).replace(/^\//, '')}`)),
    );
  }

  /** `/genea`, else the first of `/genea-2`, `/genea-3`, ... that no other receiver uses. */
  function freePath(id: string): string {
    const taken = new Set([...otherReceiverPaths(id), ...httpInPaths()]);
    let path = DEFAULT_PATH;
    for (let n = 2; taken.has(routeKey(path)); n++) path = `${DEFAULT_PATH}-${n}`;
    return path;
  }

  interface TestEventAnswer {
    /** Set when the receiver answered: its status and plain-text reason. */
    status?: number;
    reason?: string;
    /** Set when the endpoint itself refused: a catalog key below genea-webhook-in.test.errors. */
    error?: string;
    message?: string;
    details?: Record<string, string>;
  }

  /** The URL Genea must POST to: this editor's origin, httpNodeRoot and the node's path. */
  function fullUrl(path: string): string {
    const root = typeof RED.settings.httpNodeRoot === 'string' ? RED.settings.httpNodeRoot : '/';
    const joined = `/${root}/${path}`.replace(/\/{2,}/g, '/');
    return `${window.location.origin}${joined}`;
  }

  function receiverAnswer(event: string, answer: TestEventAnswer): Record<string, string | number> {
    return { event, status: answer.status ?? '', reason: answer.reason ?? '' };
  }

  /**
   * Whether a secret was typed into the config node since the last deploy: Node-RED keeps a node's credentials in
   * the editor only from its dialog to the next deploy.
   */
  function typedSecret(configId: unknown): boolean {
    const config = typeof configId === 'string' ? RED.nodes.node(configId) : null;
    const creds = (config as { credentials?: { has_secret?: boolean } } | null)?.credentials;
    return creds?.has_secret === true;
  }

  /**
   * A whole number within `range`, as typed in the dialog; a message for anything else. Missing (a flow
   * written by hand or an older version) means the runtime's default, so it is valid too.
   */
  function integerIn(range: { min: number; max: number }, message: string) {
    return function (
      this: { _(key: string, values: Record<string, number>): string },
      value: string | number | undefined,
      opt?: object,
    ) {
      if (value === undefined || value === null) return true;
      const n = Number(value);
      const valid = String(value).trim() !== '' && Number.isInteger(n) && n >= range.min && n <= range.max;
      return valid || (opt ? this._(message, range) : false);
    };
  }

  RED.nodes.registerType('genea-webhook-in', {
    category: 'Genea',
    color: '#8FC1E3',
    defaults: {
      name: { value: '' },
      config: {
        value: '',
        type: 'genea-config',
        required: true,
        validate: function (value: string, opt) {
          if (value === '' || value === '_ADD_') return opt ? this._('genea-webhook-in.validation.config') : false;
          // A config node without a secret is invalid (see genea-config): so is every receiver using it.
          const valid = (RED.nodes.node(value) as { valid?: boolean } | null)?.valid !== false;
          return valid || (opt ? this._('genea-webhook-in.validation.configNoSecret') : false);
        },
      },
      url: {
        value: DEFAULT_PATH,
        required: true,
        validate: function (value: string, opt) {
          const path = typeof value === 'string' ? value.trim() : '';
          if (!PATH.test(path)) return opt ? this._('genea-webhook-in.validation.url') : false;
          if (editorServes(path)) return opt ? this._('genea-webhook-in.validation.urlEditor', { path }) : false;
          if (otherReceiverPaths(this.id).has(routeKey(path))) {
            return opt ? this._('genea-webhook-in.validation.urlInUse', { path }) : false;
          }
          const httpIn = httpInPaths().has(routeKey(path));
          return !httpIn || (opt ? this._('genea-webhook-in.validation.urlHttpIn', { path }) : false);
        },
      },
      maxBodyKiB: {
        value: 1024,
        validate: integerIn(LIMITS.maxBodyKiB, 'genea-webhook-in.validation.maxBodyKiB'),
      },
      dedupeMinutes: {
        value: 10,
        validate: integerIn(LIMITS.dedupeMinutes, 'genea-webhook-in.validation.dedupeMinutes'),
      },
      // Optional: the duplicate window in Redis, shared by replicas; none keeps it in this process.
      redis: { value: '', type: 'genea-redis', required: false },
      allowList: {
        value: '',
        // The runtime's own parser: what passes here is what the deployed node accepts.
        validate: function (value: string, opt) {
          const { errors } = SourceAllowList.parse(value ?? '');
          if (errors.length === 0) return true;
          if (!opt) return false;
          return errors.map((error) => this._(`genea-webhook-in.allowList.${error.problem}`, error)).join('; ');
        },
      },
      trustedProxies: {
        value: 0,
        validate: integerIn(LIMITS.trustedProxies, 'genea-webhook-in.validation.trustedProxies'),
      },
      maxEventAgeMinutes: {
        value: 0,
        validate: integerIn(LIMITS.maxEventAgeMinutes, 'genea-webhook-in.validation.maxEventAgeMinutes'),
      },
    },
    inputs: 0,
    outputs: 2,
    icon: 'genea-webhook.svg',
    paletteLabel: function () {
      return this._('genea-webhook-in.paletteLabel');
    },
    outputLabels: function (index: number) {
      return this._(index === 0 ? 'genea-webhook-in.label.events' : 'genea-webhook-in.label.rejected');
    },
    label: function () {
      return this.name || this._('genea-webhook-in.nodeLabel', { path: this.url || '' });
    },
    labelStyle: function () {
      return this.name ? 'node_label_italic' : '';
    },
    onadd: function () {
      // A receiver dropped from the palette gets a path no other receiver in the workspace has.
      this.url = freePath(this.id);
    },
    // The "Genea" sidebar tab of recent deliveries (deliveries.ts) lives as long as the type.
    onpaletteadd: function () {
      geneaDeliveriesSidebar.add((key, values) => this._(key, values));
    },
    onpaletteremove: function () {
      geneaDeliveriesSidebar.remove();
    },
    oneditprepare: function () {
      // The jQuery handlers below get their element as `this`: take the node's catalog and id now.
      const t: typeof this._ = (...args) => this._(...args);
      const nodeId = this.id;
      // A flow written by hand may leave the optional numbers out: show the defaults the runtime uses, so that
      // Done stores them rather than empty fields.
      const node = this as unknown as Record<string, unknown> & {
        _def: { defaults: Record<string, { value: unknown }> };
      };
      for (const prop of Object.keys(LIMITS)) {
        if (node[prop] === undefined || node[prop] === null) {
          $(`#node-input-${prop}`).val(String(node._def.defaults[prop].value));
        }
      }
      const pathInput = $('#node-input-url');
      const urlOutput = $('#genea-webhook-in-full-url');
      const showUrl = (): void => {
        const path = String(pathInput.val() ?? '').trim();
        urlOutput.text(PATH.test(path) ? fullUrl(path) : t('genea-webhook-in.label.fullUrlInvalid'));
      };
      pathInput.on('input change', showUrl);
      showUrl();
      $('#genea-webhook-in-copy-url').on('click', function (event) {
        event.preventDefault();
        const path = String(pathInput.val() ?? '').trim();
        // copyText shows its "copied" popover on a jQuery target, and gives the focus back afterwards.
        if (PATH.test(path)) RED.clipboard.copyText(fullUrl(path), $(this), 'clipboard.copyMessageValue');
      });

      $('#genea-webhook-in-show-deliveries').on('click', (event) => {
        event.preventDefault();
        geneaDeliveriesSidebar.show(nodeId);
      });

      const select = $('#genea-webhook-in-test-event');
      for (const type of RED.settings.geneaWebhookInSampleEvents ?? []) {
        $('<option>').val(type).text(type).appendTo(select);
      }
      $('#genea-webhook-in-send-test').on('click', function (event) {
        event.preventDefault();
        const button = $(this).prop('disabled', true);
        const request = {
          event: String(select.val() ?? ''),
          url: String(pathInput.val() ?? '').trim(),
          config: $('#node-input-config').val(),
        };
        $.ajax({
          url: `genea-webhook-in/${encodeURIComponent(nodeId)}/test`,
          type: 'POST',
          contentType: 'application/json; charset=utf-8',
          data: JSON.stringify(request),
          dataType: 'json',
        })
          .always(() => button.prop('disabled', false))
          .done((answer: TestEventAnswer) => {
            RED.notify(t('genea-webhook-in.test.delivered', receiverAnswer(request.event, answer)), 'success');
          })
          .fail((xhr: JQuery.jqXHR) => {
            const answer = (xhr.responseJSON ?? {}) as TestEventAnswer;
            let text: string;
            if (answer.status !== undefined) {
              text = t('genea-webhook-in.test.refused', receiverAnswer(request.event, answer));
            } else if (answer.error === 'no-secret' && typedSecret(request.config)) {
              text = t('genea-webhook-in.test.errors.secret-not-deployed');
            } else if (answer.error) {
              text = t(`genea-webhook-in.test.errors.${answer.error}`, answer.details ?? {});
            } else if (xhr.status === 401 || xhr.status === 403) {
              text = t('genea-webhook-in.test.errors.not-authorized');
            } else {
              text = t('genea-webhook-in.test.errors.failed', { status: xhr.status || '—' });
            }
            RED.notify(text, 'error');
          });
      });
    },
  });
})();
