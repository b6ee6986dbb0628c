/**
 * What each Genea filter node lets through, from its flow-JSON properties:
 * the event kinds and options of each node type, and the location / door /
 * user conditions they share. Missing properties take their defaults.
 * Free of Node-RED.
 */
import { ANTI_PASSBACK_REASON, RESOURCE_ACTIONS, toCode, type GeneaSummary, type ResourceAction } from './event';
import { pickTimeZone } from './day-tracker';

export const GRANTED_MODES = ['all', 'first-of-day', 'first-per-user-of-day'] as const;
export type GrantedMode = (typeof GRANTED_MODES)[number];
export const DEFAULT_RESOURCE_ACTIONS: readonly ResourceAction[] = ['created', 'updated', 'deleted'];
/** What `genea-door-event` can pass: the `door.*` types without their prefix. */
export const DOOR_EVENT_KINDS = [
  'forced_open',
  'held_open',
  'alarm',
  'secured',
  'mode_changed',
  'quick_grant',
] as const;
export type DoorEventKind = (typeof DOOR_EVENT_KINDS)[number];
export const DEFAULT_DOOR_EVENT_KINDS: readonly DoorEventKind[] = ['forced_open', 'held_open', 'alarm', 'secured'];
export const CONDITION_PROPERTIES = ['location', 'door', 'user'] as const;
export type ConditionProperty = (typeof CONDITION_PROPERTIES)[number];

/** A property value the node cannot work with; the node reports it and lets nothing through. */
export interface SettingError {
  property: string;
  value: string;
  /** Why, in the words of the JavaScript engine where it has some (a regular expression's syntax error). */
  detail?: string;
}

/** A property value the node works around (a time zone it does not know: the server's is used). */
export type SettingWarning = SettingError;

export interface FirstOfDay {
  perUser: boolean;
  /** The node's `timezone` when valid: used for events whose location has no valid zone. */
  timeZone: string | undefined;
}

export interface FilterRule {
  /** Whether the event passes this node's type, options and conditions. */
  accepts(summary: GeneaSummary): boolean;
  /** Set for the first-of-day modes: the event must also be the first of its local day. */
  firstOfDay?: FirstOfDay;
  errors: SettingError[];
  warnings: SettingWarning[];
}

type Props = Record<string, unknown>;
type Test = (summary: GeneaSummary) => boolean;

/** A value written `/.../flags` is a regular expression. */
const REGEX_LITERAL = /^\/(.*)\/([a-z]*)$/s;

function ref(summary: GeneaSummary, property: ConditionProperty): unknown[] {
  const value: unknown = summary[property];
  if (typeof value !== 'object' || value === null) return [];
  const { name, uuid } = value as { name?: unknown; uuid?: unknown };
  return [name, uuid];
}

/**
 * The test of one condition: `null` when it is empty (no condition). It
 * passes when the event's name or uuid equals the value ignoring case, or
 * matches it when the value is written `/regex/`.
 */
export function compileCondition(property: ConditionProperty, value: unknown): Test | SettingError | null {
  if (typeof value !== 'string' || value.trim() === '') return null;
  const wanted = value.trim();
  const literal = REGEX_LITERAL.exec(wanted);
  let matches: (candidate: string) => boolean;
  if (literal) {
    let regex: RegExp;
    try {
      regex = new RegExp(literal[1], literal[2]);
    } catch (err) {
      return { property, value, detail: err instanceof Error ? err.message : String(err) };
    }
    matches = (candidate) => {
      regex.lastIndex = 0; // a `g` or `y` flag must not make the test depend on the previous one
      return regex.test(candidate);
    };
  } else {
    const lower = wanted.toLowerCase();
    matches = (candidate) => candidate.trim().toLowerCase() === lower;
  }
  return (summary) => ref(summary, property).some((candidate) => typeof candidate === 'string' && matches(candidate));
}

function isSettingError(value: Test | SettingError | null): value is SettingError {
  return value !== null && typeof value === 'object';
}

/** A list property: an array of strings, or (written by hand) one comma-separated string. */
function list(value: unknown): string[] {
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [];
  return items.filter((item): item is string => typeof item === 'string' && item.trim() !== '').map((s) => s.trim());
}

function bool(value: unknown, fallback: boolean): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  return fallback;
}

/** Combines the kind test of a node type with the shared conditions. */
function rule(props: Props, kind: Test, errors: SettingError[] = [], extra: Partial<FilterRule> = {}): FilterRule {
  const tests: Test[] = [kind];
  for (const property of CONDITION_PROPERTIES) {
    const condition = compileCondition(property, props[property]);
    if (isSettingError(condition)) errors.push(condition);
    else if (condition !== null) tests.push(condition);
  }
  return {
    accepts: (summary) => errors.length === 0 && tests.every((test) => test(summary)),
    errors,
    warnings: [],
    ...extra,
  };
}

/** `genea-access-granted`: `mode`, `timezone`. */
export function accessGrantedRule(props: Props): FilterRule {
  const mode = props.mode === undefined || props.mode === '' ? 'all' : props.mode;
  const errors: SettingError[] = [];
  if (!(GRANTED_MODES as readonly unknown[]).includes(mode))
    errors.push({ property: 'mode', value: typeof mode === 'string' ? mode : JSON.stringify(mode) });
  const timeZone = pickTimeZone(props.timezone);
  const warnings: SettingWarning[] = [];
  if (timeZone === undefined && typeof props.timezone === 'string' && props.timezone.trim() !== '') {
    warnings.push({ property: 'timezone', value: props.timezone });
  }
  const firstOfDay = mode === 'all' ? undefined : { perUser: mode === 'first-per-user-of-day', timeZone };
  return rule(props, (summary) => summary.type === 'access.granted', errors, { firstOfDay, warnings });
}

/** `genea-access-denied`: `includeAntiPassback` (default true), `reasons` (empty: any). */
export function accessDeniedRule(props: Props): FilterRule {
  const includeAntiPassback = bool(props.includeAntiPassback, true);
  const reasons = new Set(list(props.reasons).map(toCode));
  return rule(props, (summary) => {
    const antiPassback = summary.type === 'access.anti_passback';
    if (summary.type !== 'access.denied' && !(antiPassback && includeAntiPassback)) return false;
    if (reasons.size === 0) return true;
    const reason = antiPassback ? ANTI_PASSBACK_REASON : summary.reason;
    return typeof reason === 'string' && reasons.has(toCode(reason));
  });
}

/** `genea-anti-passback`: anti-passback violations only. */
export function antiPassbackRule(props: Props): FilterRule {
  return rule(props, (summary) => summary.type === 'access.anti_passback');
}

/**
 * A list property of values out of `known`, compared ignoring case: the values chosen (else `defaults`), and an
 * error for each unknown one.
 */
function choices(property: string, value: unknown, known: readonly string[], defaults: readonly string[]) {
  const chosen = list(value).map((item) => item.toLowerCase());
  const errors: SettingError[] = chosen
    .filter((item) => !known.includes(item))
    .map((item) => ({ property, value: item }));
  return { chosen: new Set(chosen.length > 0 ? chosen : defaults), errors };
}

/** `genea-resource-change`: `actions` (default created, updated, deleted), `resourceTypes` (empty: any). */
export function resourceChangeRule(props: Props): FilterRule {
  const actions = choices('actions', props.actions, RESOURCE_ACTIONS, DEFAULT_RESOURCE_ACTIONS);
  const types = new Set([...actions.chosen].map((action) => `resource.${action}`));
  const resourceTypes = new Set(list(props.resourceTypes).map(toCode));
  return rule(
    props,
    (summary) => {
      if (!types.has(summary.type)) return false;
      if (resourceTypes.size === 0) return true;
      const type: unknown = summary.resource?.type;
      return typeof type === 'string' && resourceTypes.has(toCode(type));
    },
    actions.errors,
  );
}

/**
 * `genea-door-event`: `kinds` (default forced_open, held_open, alarm, secured). A door alarm passes when any of
 * its current states is a chosen kind: a door both forced and held open passes a node that wants held_open only.
 */
export function doorEventRule(props: Props): FilterRule {
  const kinds = choices('kinds', props.kinds, DOOR_EVENT_KINDS, DEFAULT_DOOR_EVENT_KINDS);
  return rule(
    props,
    (summary) => {
      if (!summary.type.startsWith('door.')) return false;
      if (kinds.chosen.has(summary.type.slice('door.'.length))) return true;
      // msg.genea may come from elsewhere than summarise: read alarms defensively.
      const alarms: unknown = summary.alarms;
      return Array.isArray(alarms) && alarms.some((state) => typeof state === 'string' && kinds.chosen.has(state));
    },
    kinds.errors,
  );
}
