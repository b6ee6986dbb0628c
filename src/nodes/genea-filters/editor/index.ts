(function () {
  type Instance<P extends Conditions> = import('node-red').EditorNodeInstance<P>;

  /** The properties every filter has: the conditions and the name. */
  interface Conditions {
    name: string;
    location: string;
    door: string;
    user: string;
  }
  interface GrantedProps extends Conditions {
    mode: string;
    timezone: string;
    redis: string;
  }
  interface DeniedProps extends Conditions {
    includeAntiPassback: boolean;
    reasons: string[];
  }
  interface ResourceChangeProps extends Conditions {
    actions: string[];
    resourceTypes: string[];
  }
  interface DoorEventProps extends Conditions {
    kinds: string[];
  }

  const REGEX_LITERAL = /^\/(.*)\/([a-z]*)$/s;
  const CODE = /^[A-Za-z0-9_]+$/;
  const DEFAULT_ACTIONS = ['created', 'updated', 'deleted'];
  const DOOR_KINDS = ['forced_open', 'held_open', 'alarm', 'secured', 'mode_changed', 'quick_grant'];
  const DEFAULT_DOOR_KINDS = DOOR_KINDS.slice(0, 4);
  const COLOR = '#B5D8EE';

  // Shared by the node definitions (which stay literal objects: the flow library reads them).
  function italicWhenNamed(this: Instance<Conditions>): string {
    return this.name ? 'node_label_italic' : '';
  }
  function inputLabel(this: Instance<Conditions>): string {
    return this._('genea-filters.label.input');
  }
  function outputLabel(this: Instance<Conditions>): string {
    return this._('genea-filters.label.output');
  }

  /** Empty, a name or uuid, or a `/regular expression/` that compiles. */
  function isValidCondition(value: string): boolean {
    const literal = REGEX_LITERAL.exec(String(value ?? '').trim());
    if (!literal) return true;
    try {
      new RegExp(literal[1], literal[2]);
      return true;
    } catch {
      return false;
    }
  }

  /** Empty (the server's zone), or a zone this browser's Intl knows; the runtime checks again and warns. */
  function isValidTimeZone(value: string): boolean {
    const zone = String(value ?? '').trim();
    if (zone === '') return true;
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }

  function isCodeList(value: unknown): boolean {
    return Array.isArray(value) && value.every((code) => typeof code === 'string' && CODE.test(code));
  }

  /** A list property: missing (flows written without it get the default), or a list of codes. */
  function isOptionalCodeList(value: unknown): boolean {
    return value === undefined || isCodeList(value);
  }

  /** Same values, in any order. */
  function sameSet(a: readonly string[], b: readonly string[]): boolean {
    return a.length === b.length && b.every((value) => a.includes(value));
  }

  /** `CARD_NOT_FOUND, +2`: a list short enough for a node label. */
  function shortList(node: Instance<Conditions>, values: string[]): string {
    if (values.length <= 2) return values.join(', ');
    return `${values.slice(0, 2).join(', ')} ${node._('genea-filters.label.more', { count: values.length - 2 })}`;
  }

  /** The node label: its name, else what it passes and where. */
  function label(node: Instance<Conditions>, details: string[]): string {
    if (node.name) return node.name;
    const parts = [...details, node.location, node.door, node.user].filter((part) => part);
    const base = node._(`genea-filters.palette.${node.type}`);
    return parts.length > 0 ? `${base}: ${parts.join(' · ')}` : base;
  }

  /** Comma-separated codes typed by hand, upper-cased. */
  function typedCodes(input: JQuery): string[] {
    return String(input.val() ?? '')
      .split(',')
      .map((code) => code.trim().toUpperCase())
      .filter((code) => code !== '');
  }

  /**
   * Validates `field` as the user types: marks it and shows `message` under it while `isValid()` is false.
   * (Node-RED's own per-property validation only marks the field, without saying why.)
   */
  function explain(field: JQuery, isValid: () => boolean, message: string): void {
    const hint = $('<div class="form-tips">')
      .css({ color: 'var(--red-ui-text-color-error, #d6615f)', marginTop: '4px' })
      .text(message)
      .insertAfter(field);
    const check = (): void => {
      const valid = isValid();
      field.toggleClass('input-error', !valid);
      hint.toggle(!valid);
    };
    field.on('input change', check);
    check();
  }

  /** Live validation of the location, door and user conditions, shared by every filter's dialog. */
  function prepareConditions(node: Instance<Conditions>): void {
    for (const property of ['location', 'door', 'user']) {
      const input = $(`#node-input-${property}`);
      explain(input, () => isValidCondition(String(input.val() ?? '')), node._('genea-filters.validation.regex'));
    }
  }

  /**
   * Fills `container` with one checkbox per known value (ticked when in
   * `selected`, shown as `labelOf` says) and puts selected values that are
   * not known into `other`, a free-entry field validated as the user types.
   */
  function choiceList(
    node: Instance<Conditions>,
    container: JQuery,
    known: readonly string[],
    selected: string[],
    other?: JQuery,
    labelOf: (value: string) => string = (value) => value,
  ): void {
    for (const value of known) {
      const id = `${container.attr('id')}-${value}`;
      $('<label>')
        .css({ display: 'block', width: 'auto', margin: 0 })
        .append(
          $('<input type="checkbox">')
            .attr({ id, value })
            .css({ width: 'auto', margin: '0 6px 0 0', verticalAlign: 'middle' })
            .prop('checked', selected.includes(value)),
          $('<span>').text(labelOf(value)),
        )
        .appendTo(container);
    }
    if (!other) return;
    other.val(selected.filter((value) => !known.includes(value)).join(', '));
    explain(other, () => isCodeList(typedCodes(other)), node._('genea-filters.validation.codes'));
  }

  /** Live validation of a choice list of which at least one must be ticked. */
  function requireOne(container: JQuery, message: string): void {
    explain(container, () => container.find('input:checked').length > 0, message);
  }

  /** The values ticked in `container`, then those typed into `other`, without repeats. */
  function chosen(container: JQuery, other?: JQuery): string[] {
    const ticked = container
      .find('input:checked')
      .map((_index, input) => String($(input).val()))
      .get();
    const typed = other ? typedCodes(other).filter((code) => CODE.test(code)) : [];
    return Array.from(new Set([...ticked, ...typed]));
  }

  RED.nodes.registerType<GrantedProps>('genea-access-granted', {
    category: 'Genea',
    color: COLOR,
    defaults: {
      name: { value: '' },
      mode: {
        value: 'all',
        validate: function (value: string) {
          return value === undefined || ['all', 'first-of-day', 'first-per-user-of-day'].includes(value);
        },
      },
      timezone: { value: '', validate: isValidTimeZone },
      // Optional: first-of-day decided in shared state (Redis) for several replicas; none decides in this process.
      redis: { value: '', type: 'genea-redis', required: false },
      location: { value: '', validate: isValidCondition },
      door: { value: '', validate: isValidCondition },
      user: { value: '', validate: isValidCondition },
    },
    inputs: 1,
    outputs: 1,
    icon: 'genea-access-granted.svg',
    paletteLabel: function () {
      return this._('genea-filters.palette.genea-access-granted');
    },
    label: function () {
      return label(this, this.mode && this.mode !== 'all' ? [this._(`genea-filters.modeShort.${this.mode}`)] : []);
    },
    labelStyle: italicWhenNamed,
    inputLabels: inputLabel,
    outputLabels: outputLabel,
    oneditprepare: function () {
      const zones = RED.settings.geneaAccessGrantedTimeZones ?? [];
      $('#genea-filters-timezones').append(zones.map((zone) => $('<option>').attr('value', zone)));
      const mode = $('#node-input-mode');
      const showTimeZone = (): void => {
        $('.genea-filters-timezone-row').toggle(mode.val() !== 'all');
      };
      mode.on('change', showTimeZone);
      showTimeZone();
      const timezone = $('#node-input-timezone');
      explain(
        timezone,
        () => isValidTimeZone(String(timezone.val() ?? '')),
        this._('genea-filters.validation.timezone'),
      );
      prepareConditions(this);
    },
  });

  RED.nodes.registerType<DeniedProps>('genea-access-denied', {
    category: 'Genea',
    color: COLOR,
    defaults: {
      name: { value: '' },
      includeAntiPassback: { value: true },
      reasons: { value: [], validate: isOptionalCodeList },
      location: { value: '', validate: isValidCondition },
      door: { value: '', validate: isValidCondition },
      user: { value: '', validate: isValidCondition },
    },
    inputs: 1,
    outputs: 1,
    icon: 'genea-access-denied.svg',
    paletteLabel: function () {
      return this._('genea-filters.palette.genea-access-denied');
    },
    label: function () {
      const details = this.reasons?.length ? [shortList(this, this.reasons)] : [];
      if (this.includeAntiPassback === false) details.push(this._('genea-filters.label.noAntiPassback'));
      return label(this, details);
    },
    labelStyle: italicWhenNamed,
    inputLabels: inputLabel,
    outputLabels: outputLabel,
    oneditprepare: function () {
      // Flows written before this property existed lack it: the default is to include anti-passback.
      $('#node-input-includeAntiPassback').prop('checked', this.includeAntiPassback !== false);
      choiceList(
        this,
        $('#genea-filters-reasons'),
        RED.settings.geneaAccessDeniedReasons ?? [],
        this.reasons ?? [],
        $('#genea-filters-reasons-other'),
      );
      prepareConditions(this);
    },
    oneditsave: function () {
      this.reasons = chosen($('#genea-filters-reasons'), $('#genea-filters-reasons-other'));
    },
  });

  RED.nodes.registerType<Conditions>('genea-anti-passback', {
    category: 'Genea',
    color: COLOR,
    defaults: {
      name: { value: '' },
      location: { value: '', validate: isValidCondition },
      door: { value: '', validate: isValidCondition },
      user: { value: '', validate: isValidCondition },
    },
    inputs: 1,
    outputs: 1,
    icon: 'genea-anti-passback.svg',
    paletteLabel: function () {
      return this._('genea-filters.palette.genea-anti-passback');
    },
    label: function () {
      return label(this, []);
    },
    labelStyle: italicWhenNamed,
    inputLabels: inputLabel,
    outputLabels: outputLabel,
    oneditprepare: function () {
      prepareConditions(this);
    },
  });

  RED.nodes.registerType<ResourceChangeProps>('genea-resource-change', {
    category: 'Genea',
    color: COLOR,
    defaults: {
      name: { value: '' },
      actions: {
        value: ['created', 'updated', 'deleted'],
        validate: function (value: string) {
          return value === undefined || (isCodeList(value) && value.length > 0);
        },
      },
      resourceTypes: { value: [], validate: isOptionalCodeList },
      location: { value: '', validate: isValidCondition },
      door: { value: '', validate: isValidCondition },
      user: { value: '', validate: isValidCondition },
    },
    inputs: 1,
    outputs: 1,
    icon: 'genea-resource-change.svg',
    paletteLabel: function () {
      return this._('genea-filters.palette.genea-resource-change');
    },
    label: function () {
      const actions = this.actions ?? DEFAULT_ACTIONS;
      const details = sameSet(actions, DEFAULT_ACTIONS) ? [] : [shortList(this, actions)];
      if (this.resourceTypes?.length) details.push(shortList(this, this.resourceTypes));
      return label(this, details);
    },
    labelStyle: italicWhenNamed,
    inputLabels: inputLabel,
    outputLabels: outputLabel,
    oneditprepare: function () {
      const actions = $('#genea-filters-actions');
      const knownActions = RED.settings.geneaResourceChangeActions ?? DEFAULT_ACTIONS;
      choiceList(this, actions, knownActions, this.actions ?? DEFAULT_ACTIONS);
      requireOne(actions, this._('genea-filters.validation.actions'));
      choiceList(
        this,
        $('#genea-filters-resourceTypes'),
        RED.settings.geneaResourceChangeTypes ?? [],
        this.resourceTypes ?? [],
        $('#genea-filters-resourceTypes-other'),
      );
      prepareConditions(this);
    },
    oneditsave: function () {
      this.actions = chosen($('#genea-filters-actions'));
      this.resourceTypes = chosen($('#genea-filters-resourceTypes'), $('#genea-filters-resourceTypes-other'));
    },
  });

  RED.nodes.registerType<DoorEventProps>('genea-door-event', {
    category: 'Genea',
    color: COLOR,
    defaults: {
      name: { value: '' },
      kinds: {
        value: ['forced_open', 'held_open', 'alarm', 'secured'],
        validate: function (value: unknown) {
          return (
            value === undefined ||
            (Array.isArray(value) &&
              value.length > 0 &&
              value.every((kind: unknown) => DOOR_KINDS.includes(String(kind))))
          );
        },
      },
      location: { value: '', validate: isValidCondition },
      door: { value: '', validate: isValidCondition },
      user: { value: '', validate: isValidCondition },
    },
    inputs: 1,
    outputs: 1,
    icon: 'genea-door-event.svg',
    paletteLabel: function () {
      return this._('genea-filters.palette.genea-door-event');
    },
    label: function () {
      const kinds = this.kinds ?? DEFAULT_DOOR_KINDS;
      const shown = kinds.map((kind) => this._(`genea-filters.kindShort.${kind}`));
      return label(this, sameSet(kinds, DEFAULT_DOOR_KINDS) ? [] : [shortList(this, shown)]);
    },
    labelStyle: italicWhenNamed,
    inputLabels: inputLabel,
    outputLabels: outputLabel,
    oneditprepare: function () {
      const kinds = $('#genea-filters-kinds');
      const known = RED.settings.geneaDoorEventKinds ?? DOOR_KINDS;
      choiceList(this, kinds, known, this.kinds ?? DEFAULT_DOOR_KINDS, undefined, (kind) =>
        this._(`genea-filters.kind.${kind}`),
      );
      requireOne(kinds, this._('genea-filters.validation.kinds'));
      prepareConditions(this);
    },
    oneditsave: function () {
      this.kinds = chosen($('#genea-filters-kinds'));
    },
  });
})();
