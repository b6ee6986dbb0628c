/**
 * The "Genea deliveries" sidebar tab: every deployed receiver's recent deliveries, live (the runtime side is
 * delivery-inspector.ts). Comms only says which receiver changed, as it reaches every editor whatever its user may
 * read: the lists come from the admin API, which checks `genea-webhook-in.read`. Added and removed with the
 * genea-webhook-in type (index.ts).
 */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- used by index.ts, a script of the same page
const geneaDeliveriesSidebar = (function () {
  const TAB = 'genea-deliveries';
  const TOPIC = 'genea-webhook-in/deliveries/+';

  interface Hint {
    code: string;
    text: string;
    values?: Record<string, string>;
  }
  interface Delivery {
    id: string;
    time: string;
    ip: string | null;
    method: string;
    bytes: number | null;
    status: number;
    reason: string;
    reasonCode?: string;
    reasonValues?: Record<string, string>;
    hint?: Hint;
    type?: string;
    uuid?: string | null;
    action?: string | null;
    message?: string | null;
    duplicate?: boolean;
    replayable?: boolean;
    replays?: number;
    event?: object;
  }
  interface Receiver {
    id: string;
    path: string | null;
    listening: boolean;
    counts: { accepted: number; duplicates: number; rejected: number; replayed: number };
  }
  /** What comms says: receiver `id` changed, or was removed. */
  interface Notice {
    id: string;
    removed?: boolean;
  }
  interface ApiError {
    error?: string;
  }

  type Translate = (key: string, values?: Record<string, string | number>) => string;

  const receivers = new Map<string, { receiver: Receiver; deliveries: Delivery[] }>();
  /** The open row: its receiver, its delivery and, once fetched, its event. */
  let open: { receiver: string; delivery: string; event?: object } | undefined;
  let t: Translate = (key) => key;
  let content: JQuery | undefined;

  const api = (id: string, rest = ''): string => `genea-webhook-in/${encodeURIComponent(id)}/deliveries${rest}`;

  function failed(xhr: JQuery.jqXHR): string {
    const error = (xhr.responseJSON as ApiError | undefined)?.error;
    if (error) return t(`genea-webhook-in.deliveries.errors.${error}`);
    if (xhr.status === 401 || xhr.status === 403) return t('genea-webhook-in.deliveries.errors.not-authorized');
    return t('genea-webhook-in.deliveries.errors.failed', { status: xhr.status || '—' });
  }

  function receiverName(receiver: Receiver): string {
    const node = RED.nodes.node(receiver.id);
    return (node && (node as { name?: string }).name) || '';
  }

  /** The catalog's text of `code` below `group`, else the runtime's English `text`. */
  function translated(group: string, code: string | undefined, text: string, values?: Record<string, string>): string {
    if (code === undefined) return text;
    const key = `genea-webhook-in.deliveries.${group}.${code}`;
    const found = t(key, values ?? {});
    return found === key ? text : found;
  }

  const hintText = (hint: Hint): string => translated('hints', hint.code, hint.text, hint.values);
  const reasonText = (entry: Delivery): string =>
    translated('reasons', entry.reasonCode, entry.reason, entry.reasonValues);

  /** Handed on, or answered 200 as a duplicate: every refusal has another status. */
  const isAccepted = (entry: Delivery): boolean => entry.status === 200;

  function detailView(entry: Delivery, receiverId: string): JQuery {
    const detail = $('<div class="genea-deliveries-detail">');
    const facts = [
      entry.method,
      entry.ip ?? '?',
      entry.bytes === null ? '' : t('genea-webhook-in.deliveries.bytes', { bytes: entry.bytes }),
    ];
    $('<div class="genea-deliveries-facts">').text(facts.filter(Boolean).join(' · ')).appendTo(detail);
    const accepted = isAccepted(entry);
    if (!accepted) $('<div class="genea-deliveries-reason">').text(reasonText(entry)).appendTo(detail);
    if (entry.hint) $('<div class="genea-deliveries-hint">').text(hintText(entry.hint)).appendTo(detail);
    // Only a signed event has one to show; an event refused for its age is shown but not replayed.
    if (entry.type === undefined) return detail;
    const notKept = (): JQuery =>
      $('<div class="genea-deliveries-hint">').text(t('genea-webhook-in.deliveries.notKept')).appendTo(detail);
    if (accepted && !entry.replayable) {
      notKept();
      return detail;
    }
    const buttons = $('<div class="genea-deliveries-buttons">').appendTo(detail);
    const pre = $('<pre class="genea-deliveries-event">').appendTo(detail);
    const copy = $('<button type="button" class="red-ui-button red-ui-button-small genea-deliveries-copy">')
      .append($('<i class="fa fa-clipboard">'), ' ', $('<span>').text(t('genea-webhook-in.deliveries.copy')))
      .appendTo(buttons);
    const show = (event: object): void => {
      const json = JSON.stringify(event, null, 2);
      pre.text(json);
      copy.on('click', function () {
        RED.clipboard.copyText(json, this, 'clipboard.copyMessageValue');
      });
    };
    if (open?.event) show(open.event);
    else {
      pre.text('…');
      $.getJSON(api(receiverId, `/${encodeURIComponent(entry.id)}`))
        .done((full: Delivery) => {
          if (open?.delivery !== entry.id) return;
          if (!full.event) {
            buttons.remove();
            pre.remove();
            notKept();
            return;
          }
          open.event = full.event;
          show(full.event);
        })
        .fail((xhr: JQuery.jqXHR) => pre.text(failed(xhr)));
    }
    if (!accepted) return detail;
    const replay = $('<button type="button" class="red-ui-button red-ui-button-small genea-deliveries-replay">')
      .append($('<i class="fa fa-repeat">'), ' ', $('<span>').text(t('genea-webhook-in.deliveries.replay')))
      .appendTo(buttons);
    replay.on('click', function () {
      const button = $(this).prop('disabled', true);
      $.ajax({ url: api(receiverId, `/${encodeURIComponent(entry.id)}/replay`), type: 'POST', dataType: 'json' })
        .always(() => button.prop('disabled', false))
        .done(() => RED.notify(t('genea-webhook-in.deliveries.replayed', { type: entry.type ?? '' }), 'success'))
        .fail((xhr: JQuery.jqXHR) => RED.notify(failed(xhr), 'error'));
    });
    return detail;
  }

  function row(entry: Delivery, receiverId: string): JQuery {
    const accepted = isAccepted(entry);
    const item = $('<li class="genea-deliveries-row">')
      .attr('data-delivery', entry.id)
      .toggleClass('genea-deliveries-rejected', !accepted);
    const line = $('<div class="genea-deliveries-line">').appendTo(item);
    $('<span class="genea-deliveries-time">').text(new Date(entry.time).toLocaleTimeString()).appendTo(line);
    $('<span class="genea-deliveries-status">').text(String(entry.status)).appendTo(line);
    $('<span class="genea-deliveries-what">')
      .text(accepted ? (entry.type ?? '') : reasonText(entry))
      .appendTo(line);
    if (entry.uuid) $('<code class="genea-deliveries-uuid">').text(entry.uuid).appendTo(line);
    if (entry.duplicate) {
      $('<span class="genea-deliveries-duplicate">').text(t('genea-webhook-in.deliveries.duplicate')).appendTo(line);
    }
    if (entry.replays) {
      $('<span class="genea-deliveries-replays">')
        .text(t('genea-webhook-in.deliveries.replays', { count: entry.replays }))
        .appendTo(line);
    }
    line.on('click', () => {
      const opening = open?.delivery !== entry.id;
      open = opening ? { receiver: receiverId, delivery: entry.id } : undefined;
      render();
    });
    if (open?.delivery === entry.id) item.addClass('selected').append(detailView(entry, receiverId));
    return item;
  }

  function section(receiver: Receiver, deliveries: Delivery[]): JQuery {
    const { counts } = receiver;
    const box = $('<div class="genea-deliveries-receiver">').attr('data-receiver', receiver.id);
    const header = $('<div class="genea-deliveries-header">').appendTo(box);
    // Named: the name, then the path; unnamed: the path once (the id when it does not listen).
    const name = receiverName(receiver);
    $('<a href="#" class="genea-deliveries-name">')
      .text(name || receiver.path || receiver.id)
      .on('click', (event) => {
        event.preventDefault();
        RED.view.reveal(receiver.id);
      })
      .appendTo(header);
    if (name && receiver.path) $('<code>').text(receiver.path).appendTo(header);
    if (!receiver.listening) $('<span>').text(t('genea-webhook-in.deliveries.notListening')).appendTo(header);
    $('<button type="button" class="red-ui-button red-ui-button-small genea-deliveries-clear">')
      .attr('title', t('genea-webhook-in.deliveries.clear'))
      .append($('<i class="fa fa-trash">'))
      .on('click', function () {
        $.ajax({ url: api(receiver.id), type: 'DELETE' }).fail((xhr: JQuery.jqXHR) => RED.notify(failed(xhr), 'error'));
      })
      .appendTo(header);
    $('<div class="genea-deliveries-counts">').text(t('genea-webhook-in.deliveries.counts', counts)).appendTo(box);
    const list = $('<ol class="genea-deliveries-list">').appendTo(box);
    if (deliveries.length === 0) {
      $('<li class="genea-deliveries-empty">').text(t('genea-webhook-in.deliveries.none')).appendTo(list);
    }
    for (const entry of deliveries) list.append(row(entry, receiver.id));
    return box;
  }

  function render(): void {
    if (!content) return;
    const scroll = content.scrollTop() ?? 0;
    content.empty();
    if (receivers.size === 0) {
      $('<div class="genea-deliveries-placeholder">')
        .text(t('genea-webhook-in.deliveries.noReceivers'))
        .appendTo(content);
    }
    for (const { receiver, deliveries } of receivers.values()) content.append(section(receiver, deliveries));
    content.scrollTop(scroll);
  }

  /**
   * Fetches are numbered; per receiver, the number of the newest one shown (or of its removal). An answer to an
   * older fetch than one already shown may hold an older list, and is dropped.
   */
  let fetches = 0;
  const shown = new Map<string, number>();

  function show(fetch: number, id: string, state?: { receiver: Receiver; deliveries: Delivery[] }): void {
    if ((shown.get(id) ?? 0) > fetch) return;
    shown.set(id, fetch);
    if (state) receivers.set(id, state);
    else receivers.delete(id);
    if (open?.receiver === id && !receivers.get(id)?.deliveries.some((d) => d.id === open?.delivery)) {
      open = undefined;
    }
    render();
  }

  /**
   * Fetches the receivers and the list of each (of `only`): when the tab is added or shown, in case a notice was
   * missed, and after each notice.
   */
  function refresh(only?: string): void {
    const fetch = ++fetches;
    $.getJSON('genea-webhook-in/deliveries').done((list: Receiver[]) => {
      const known = new Set(list.map((receiver) => receiver.id));
      for (const id of only === undefined ? [...receivers.keys()] : [only]) if (!known.has(id)) show(fetch, id);
      for (const receiver of list) {
        if (only !== undefined && receiver.id !== only) continue;
        $.getJSON(api(receiver.id)).done((deliveries: Delivery[]) =>
          show(fetch, receiver.id, { receiver, deliveries }),
        );
      }
      render();
    });
  }

  function notice(_topic: string, data: Notice): void {
    if (data.removed) show(++fetches, data.id);
    else refresh(data.id);
  }

  return {
    /** Adds the tab; `translate` is the node type's catalog. */
    add(translate: Translate): void {
      t = translate;
      content = $('<div class="genea-deliveries">');
      RED.sidebar.addTab({
        id: TAB,
        label: t('genea-webhook-in.deliveries.name'),
        name: t('genea-webhook-in.deliveries.name'),
        content: content[0],
        enableOnEdit: true,
        iconClass: 'fa fa-inbox',
        onchange: () => refresh(),
      });
      RED.comms.subscribe(TOPIC, notice);
      refresh();
    },
    remove(): void {
      RED.comms.unsubscribe(TOPIC, notice);
      RED.sidebar.removeTab(TAB);
      content = undefined;
    },
    /** Shows the tab with receiver `id` in view. */
    show(id: string): void {
      RED.sidebar.show(TAB);
      const box = content?.find(`[data-receiver="${CSS.escape(id)}"]`);
      if (box?.length) box[0].scrollIntoView({ block: 'start' });
    },
  };
})();
