(function () {
  const { checkRedisUrl, redactRedisUrl, DEFAULT_REDIS_URL } = geneaLib['redis-url'];

  interface RedisCredentials {
    username: string;
    password: string;
    has_password?: boolean;
  }

  interface TestAnswer {
    ok?: boolean;
    version?: string;
    kind?: 'auth' | 'unreachable';
    reason?: string;
    /** Set when the endpoint refused the request: a catalog key below genea-redis.errors. */
    error?: string;
  }

  /** What Node-RED puts into a password input that stands for the stored value, unchanged. */
  const STORED = '__PWRD__';

  interface RedisProps {
    name: string;
    url: string;
    prefix: string;
    credentials?: RedisCredentials;
  }

  RED.nodes.registerType<RedisProps, RedisCredentials>('genea-redis', {
    category: 'config',
    defaults: {
      name: { value: '' },
      url: {
        value: 'redis://127.0.0.1:6379',
        required: true,
        validate: function (value: string, opt) {
          const checked = checkRedisUrl(value);
          if (!('problem' in checked)) return true;
          return opt ? this._(`genea-redis.validation.${checked.problem}`) : false;
        },
      },
      prefix: { value: 'genea:' },
    },
    credentials: {
      username: { type: 'text' },
      password: { type: 'password' },
    },
    icon: 'genea-redis.svg',
    paletteLabel: function () {
      return this._('genea-redis.paletteLabel');
    },
    label: function () {
      // A URL may carry a password: the label (shown in every select and the config sidebar) never does.
      return this.name || redactRedisUrl(this.url || DEFAULT_REDIS_URL);
    },
    labelStyle: function () {
      return this.name ? 'node_label_italic' : '';
    },
    oneditprepare: function () {
      const t = (key: string, values?: Record<string, string>): string => this._(key, values);
      const nodeId = this.id;
      const passwordInput = $('#node-config-input-password');
      const urlInput = $('#node-config-input-url');
      const result = $('#genea-redis-test-result');
      const stored = Boolean(this.credentials?.has_password);
      const typedPassword = (): string => String(passwordInput.val() ?? '');
      const showState = (): void => {
        const typed = typedPassword();
        const key = stored && typed === STORED ? 'passwordSet' : typed !== '' ? 'passwordTyped' : 'passwordNone';
        $('#genea-redis-password-state').text(t(`genea-redis.${key}`));
        result.text('').css('color', '');
      };
      passwordInput.on('input change', showState);
      urlInput.on('input change', () => result.text(''));
      showState();

      $('#genea-redis-test').on('click', function (event) {
        event.preventDefault();
        const show = (text: string, ok: boolean): void => {
          result
            .text(text)
            .css('color', ok ? 'var(--red-ui-text-color-success, #3a9b3a)' : 'var(--red-ui-text-color-error, #d6615f)');
        };
        const url = String(urlInput.val() ?? '');
        const checked = checkRedisUrl(url);
        if ('problem' in checked) return show(t(`genea-redis.validation.${checked.problem}`), false);
        const typed = typedPassword();
        const username = String($('#node-config-input-username').val() ?? '');
        // A typed password is sent once for the test, not stored; the deployed one is named by the node's id.
        const request = stored && typed === STORED ? { id: nodeId, url, username } : { url, username, password: typed };
        const button = $(this).prop('disabled', true);
        result.text(t('genea-redis.test.running')).css('color', '');
        $.ajax({
          url: 'genea-redis/test',
          type: 'POST',
          contentType: 'application/json; charset=utf-8',
          data: JSON.stringify(request),
          dataType: 'json',
        })
          .always(() => button.prop('disabled', false))
          .done((answer: TestAnswer) => {
            if (answer.ok) return show(t('genea-redis.test.ok', { version: answer.version ?? '' }), true);
            show(t(`genea-redis.test.${answer.kind ?? 'unreachable'}`, { reason: answer.reason ?? '' }), false);
          })
          .fail((xhr: JQuery.jqXHR) => {
            const answer = (xhr.responseJSON ?? {}) as TestAnswer;
            if (answer.error) return show(t(`genea-redis.errors.${answer.error}`, { url: '' }), false);
            if (xhr.status === 401 || xhr.status === 403) return show(t('genea-redis.test.notAuthorized'), false);
            show(t('genea-redis.test.http', { status: String(xhr.status || '—') }), false);
          });
      });
    },
  });
})();
