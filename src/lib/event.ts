/**
 * The Genea event model: TypeScript shapes of what Genea sends, and the one
 * classification used by the receiver and by every filter node.
 * Free of Node-RED. Never throws on any JSON value.
 */

/** The normalised kinds of event. */
export const GENEA_EVENT_TYPES = [
  'access.granted',
  'access.denied',
  'access.anti_passback',
  'resource.created',
  'resource.updated',
  'resource.deleted',
  'resource.installed',
  'resource.uninstalled',
  'door.forced_open',
  'door.held_open',
  'door.alarm',
  'door.secured',
  'door.mode_changed',
  'door.quick_grant',
  'device.status',
  'other',
] as const;
export type GeneaEventType = (typeof GENEA_EVENT_TYPES)[number];

/** The states of a door alarm (`SEQUR_DOOR_POSITION_SENSOR_ALARM`) that Genea reports in `additional_info`. */
export const DOOR_ALARM_STATES = ['forced_open', 'held_open'] as const;
export type DoorAlarmState = (typeof DOOR_ALARM_STATES)[number];

export const RESOURCE_ACTIONS = ['created', 'updated', 'deleted', 'installed', 'uninstalled'] as const;
export type ResourceAction = (typeof RESOURCE_ACTIONS)[number];

/** Reason codes Genea is known to send after `SEQUR_ACCESS_DENIED_`. New ones will appear. */
export const KNOWN_DENIAL_REASONS = [
  'CARD_NOT_FOUND',
  'INVALID_PIN',
  'INVALID_TIME',
  'NO_DOOR_ACCESS',
  'DEACTIVATED_CARD',
  'AFTER_EXPIRATION_DATE',
  'BEFORE_ACTIVATION_DATE',
  'ACCESS_POINT_LOCKED',
  'INVALID_FORMAT',
  'INVALID_FACILITY_CODE',
  'INVALID_ISSUE_CODE',
  'DURESS_CODE_DETECTED',
  'AIRLOCK',
  'AREA_NOT_ENABLED',
  'COUNT_EXCEEDED',
  'ELEVATOR_FLOOR',
  'ELEVATOR_FLOOR_UNAUTHORIZED',
  'ELEVATOR_TIMEOUT',
  'ELEVATOR_UNKNOWN_ERROR',
  'HOST_APPROVAL_DENIED',
  'HOST_APPROVAL_TIMEOUT',
  'INCOMPLETE_CARD_PIN_SEQ',
  'NO_ESCORT_CARD',
  'NO_SECOND_CARD',
  'OCCUPANCY_LIMIT_REACHED',
  'UNAUTHORIZED_ASSETS',
  'USE_LIMIT',
  'ANTI_PASSBACK_VIOLATION',
] as const;

export const ANTI_PASSBACK_REASON = 'ANTI_PASSBACK_VIOLATION';

/** `audit_resource.type` values Genea is known to send on AUDIT events. Others exist. */
export const KNOWN_RESOURCE_TYPES = ['USER', 'CARD', 'ACCESS_GROUP', 'USER_LOCATION', 'CONTROLLER', 'DOOR'] as const;

type Maybe<T> = T | null | undefined;

export interface GeneaActor {
  type?: Maybe<string>;
  user_uuid?: Maybe<string>;
  user_name?: Maybe<string>;
  user_email?: Maybe<string>;
  user_avatar_url?: Maybe<string>;
  user_location_uuid?: Maybe<string>;
  user_location_role?: Maybe<string>;
  [extra: string]: unknown;
}

export interface GeneaLocation {
  uuid?: Maybe<string>;
  name?: Maybe<string>;
  address_line1?: Maybe<string>;
  address_line2?: Maybe<string>;
  city?: Maybe<string>;
  state?: Maybe<string>;
  zip?: Maybe<string>;
  phone?: Maybe<string>;
  /** IANA time zone, e.g. `America/New_York`. */
  timezone?: Maybe<string>;
  latitude?: Maybe<number | string>;
  longitude?: Maybe<number | string>;
  [extra: string]: unknown;
}

export interface GeneaDoor {
  uuid?: Maybe<string>;
  name?: Maybe<string>;
  door_status?: Maybe<string>;
  model?: Maybe<string>;
  [extra: string]: unknown;
}

export interface GeneaController {
  uuid?: Maybe<string>;
  name?: Maybe<string>;
  mac?: Maybe<string>;
  model?: Maybe<string>;
  status?: Maybe<string>;
  serial_number?: Maybe<string>;
  [extra: string]: unknown;
}

export interface GeneaCard {
  uuid?: Maybe<string>;
  type?: Maybe<string>;
  status?: Maybe<string>;
  card_number?: Maybe<string | number>;
  start_date?: Maybe<string>;
  end_date?: Maybe<string>;
  badge_type?: Maybe<{ uuid?: Maybe<string>; name?: Maybe<string>; [extra: string]: unknown }>;
  [extra: string]: unknown;
}

export interface GeneaAuditResource {
  id?: Maybe<string | number>;
  uuid?: Maybe<string>;
  name?: Maybe<string>;
  type?: Maybe<string>;
  [extra: string]: unknown;
}

/** A Genea webhook delivery body (current shape, with the older flat fields). Any field may be missing. */
export interface GeneaEvent {
  uuid?: Maybe<string | number>;
  event_time?: Maybe<string>;
  created_at?: Maybe<string>;
  event_type?: Maybe<string>;
  event_action?: Maybe<string>;
  event_message?: Maybe<string>;
  event_note?: unknown;
  event_hw_info?: unknown;
  actor?: Maybe<GeneaActor>;
  /** A single object in older payload versions, an array in newer ones. */
  location?: Maybe<GeneaLocation | GeneaLocation[]>;
  door?: Maybe<GeneaDoor>;
  controller?: Maybe<GeneaController>;
  card?: Maybe<GeneaCard>;
  audit_resource?: Maybe<GeneaAuditResource>;
  additional_info?: unknown;
  metadata?: unknown;
  /** Older flat payloads. */
  user_name?: Maybe<string>;
  site_location?: Maybe<string>;
  [extra: string]: unknown;
}

export interface SummaryRef {
  name: string | null;
  uuid: string | null;
}

/** The summary's `door`; on door and device events also the door's `door_status` (`OPEN`, `CLOSED`). */
export type SummaryDoor = SummaryRef & { status?: string | null };

/** `msg.genea`: a normalised summary of one event. */
export interface GeneaSummary {
  type: GeneaEventType;
  /** `event_action` as sent. */
  action: string | null;
  /** `event_message` as sent. */
  message: string | null;
  uuid: string | null;
  /** `event_time` (else `created_at`) as an ISO-8601 UTC string. */
  time: string | null;
  /** Denials only: the upper-case reason code, e.g. `CARD_NOT_FOUND`. */
  reason?: string;
  user?: SummaryRef & { email: string | null; type: string | null };
  door?: SummaryDoor;
  location?: SummaryRef & { timezone: string | null };
  card?: SummaryRef & { type: string | null };
  resource?: SummaryRef & { type: string | null };
  /** `door.forced_open`, `door.held_open`, `door.alarm`: the alarm's current states (empty on `door.alarm`). */
  alarms?: DoorAlarmState[];
  /** `door.secured`: the states that went from Yes to No. */
  resolved?: DoorAlarmState[];
  /** `door.mode_changed`: the new access mode, e.g. `UNLOCKED`, `CARD_ONLY`. */
  mode?: string;
  /** `door.mode_changed`, `door.quick_grant`: true when done through Genea's API (`actor.type` `API_KEY`). */
  remote?: boolean;
  /** `device.status`: whether the reader is online, set only when the event says so unambiguously. */
  online?: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A non-empty string, or a finite number written as a string. */
function text(value: unknown): string | null {
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

function isoTime(value: unknown): string | null {
  const raw = text(value);
  if (raw === null) return null;
  const ms = Date.parse(raw);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** `Card Not Found` → `CARD_NOT_FOUND`: the form of `reason` and of the codes filters compare with. */
export function toCode(value: string): string {
  return value
    .trim()
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

const DENIED_ACTION = /(?:^|_)ACCESS_DENIED(?:_(.*))?$|(?:^|_)DENIED(?:_(.*))?$/;
const GRANTED_ACTION = /(?:^|_)ACCESS_GRANTED(?:_|$)/;
const RESOURCE_ACTION = /(?:^|_)(CREATED|UPDATED|DELETED|INSTALLED|UNINSTALLED)$/;
const GRANTED_MESSAGE = /^\s*(?:access granted|grant access|granted access)\b/i;
const DENIED_MESSAGE = /^\s*(?:access denied|deny access|denied access)\b(?:\s*[-:–]\s*(.*))?/i;
const RESOURCE_MESSAGE = /^\s*(created|updated|deleted|installed|uninstalled)\b/i;
const ANTI_PASSBACK = /ANTI[_\s-]?PASSBACK/i;

// Door and device actions, seen in a production integration but not in Genea's docs: matched as loosely as the rest.
const DOOR_ALARM_ACTION = /(?:^|_)DOOR_POSITION_SENSOR_ALARM$/;
const DOOR_SECURE_ACTION = /(?:^|_)DOOR_POSITION_SENSOR_SECURE$/;
const DOOR_MODE_ACTION = /(?:^|_)DOOR_ACCESS_MODE_(.*[A-Z0-9].*)$/;
const QUICK_GRANT_ACTION = /(?:^|_)HOST_INITIATED_REQUEST_DOOR_USE_NOT_VERIFIED$/;
const READER_STATUS_ACTION = /(?:^|_)READER_ONLINE_STATUS_UPDATE$/;

interface Classification {
  type: GeneaEventType;
  reason?: string;
  mode?: string;
}

/** The kind of a door or device action (`code` upper-cased); a door alarm's states are read later. */
function classifyDoorAction(code: string): Classification | null {
  if (DOOR_ALARM_ACTION.test(code)) return { type: 'door.alarm' };
  if (DOOR_SECURE_ACTION.test(code)) return { type: 'door.secured' };
  const mode = DOOR_MODE_ACTION.exec(code);
  if (mode) return { type: 'door.mode_changed', mode: toCode(mode[1]) };
  if (QUICK_GRANT_ACTION.test(code)) return { type: 'door.quick_grant' };
  if (READER_STATUS_ACTION.test(code)) return { type: 'device.status' };
  return null;
}

function denial(reason: string | null | undefined, hint: string): Classification {
  const code = reason ? toCode(reason) : '';
  if (ANTI_PASSBACK.test(code) || ANTI_PASSBACK.test(hint)) {
    return { type: 'access.anti_passback', reason: ANTI_PASSBACK_REASON };
  }
  return { type: 'access.denied', reason: code === '' ? 'UNKNOWN' : code };
}

function classifyFields(action: string | null, message: string | null): Classification {
  const hint = message ?? '';
  if (action !== null) {
    const code = action.toUpperCase();
    const denied = DENIED_ACTION.exec(code);
    if (denied) {
      const suffix = denied[1] ?? denied[2];
      const fromMessage = DENIED_MESSAGE.exec(hint)?.[1];
      return denial(suffix ?? fromMessage, hint);
    }
    if (GRANTED_ACTION.test(code)) return { type: 'access.granted' };
    const resource = RESOURCE_ACTION.exec(code);
    if (resource) return { type: `resource.${resource[1].toLowerCase() as ResourceAction}` };
    return classifyDoorAction(code) ?? { type: 'other' };
  }
  // Older flat payloads carry no action: classify from the message where it says enough.
  if (GRANTED_MESSAGE.test(hint)) return { type: 'access.granted' };
  const denied = DENIED_MESSAGE.exec(hint);
  if (denied) return denial(denied[1], hint);
  const resource = RESOURCE_MESSAGE.exec(hint);
  if (resource) return { type: `resource.${resource[1].toLowerCase() as ResourceAction}` };
  return { type: 'other' };
}

/** What a state text says: `Prior : No, Current : Yes`; `null` where a part is missing or unreadable. */
interface StateReading {
  prior: boolean | null;
  current: boolean | null;
}

/** `Forced Open State`, `forced_open_state`, `forcedOpenState` → `forcedopenstate`. */
function squash(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '');
}

function flag(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return null;
  const word = value.trim().toLowerCase();
  if (word === 'yes' || word === 'true') return true;
  if (word === 'no' || word === 'false') return false;
  return null;
}

const PRIOR_PART = /\bprior\s*[:=]?\s*([a-z]+)/i;
const CURRENT_PART = /\bcurrent\s*[:=]?\s*([a-z]+)/i;

/** The current part of a state text (`Prior : No, Current : Yes` → `Yes`), or the whole text when it has none. */
function currentPart(text: string): string {
  return CURRENT_PART.exec(text)?.[1] ?? (PRIOR_PART.test(text) ? '' : text);
}

/** Reads a state in any spacing and case, as text, a boolean, or `{ prior, current }`. */
function readState(value: unknown): StateReading {
  if (typeof value === 'string') {
    return { prior: flag(PRIOR_PART.exec(value)?.[1]), current: flag(currentPart(value)) };
  }
  if (isRecord(value)) {
    const parts = new Map(Object.entries(value).map(([key, part]) => [squash(key), part]));
    return { prior: flag(parts.get('prior')), current: flag(parts.get('current')) };
  }
  return { prior: null, current: flag(value) };
}

/** `additional_info` (or another extra) as an object: as sent, or parsed from JSON text of one. */
function extras(value: unknown): Record<string, unknown> | null {
  if (typeof value !== 'string') return isRecord(value) ? value : null;
  try {
    const parsed: unknown = JSON.parse(value);
    return isRecord(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

/** The door alarm states in `additional_info`, by their key in any case and spacing (`Forced Open State`). */
function alarmStates(info: unknown): Map<DoorAlarmState, StateReading> {
  const states = new Map<DoorAlarmState, StateReading>();
  for (const [key, value] of Object.entries(extras(info) ?? {})) {
    const name = squash(key);
    const state: DoorAlarmState | null = name.includes('forced')
      ? 'forced_open'
      : name.includes('held')
        ? 'held_open'
        : null;
    if (state === null) continue;
    const reading = readState(value);
    const known = states.get(state);
    // The same state under two spellings: a Yes in either counts.
    states.set(state, {
      prior: known?.prior === true ? true : (reading.prior ?? known?.prior ?? null),
      current: known?.current === true ? true : (reading.current ?? known?.current ?? null),
    });
  }
  return states;
}

function onlineWord(value: unknown): boolean | null {
  if (typeof value !== 'string') return null;
  const word = currentPart(value).trim().toLowerCase();
  return word === 'online' ? true : word === 'offline' ? false : null;
}

/**
 * A reader's online status from the extras of `OSDP_READER_ONLINE_STATUS_UPDATE`, whose shape is not documented:
 * a key naming `online` with a yes/no, boolean or ONLINE/OFFLINE value, or a key naming a `status` with an
 * ONLINE/OFFLINE value. Undefined when the event says nothing of the kind, or says both.
 */
function onlineStatus(event: Record<string, unknown>): boolean | undefined {
  const said = new Set<boolean>();
  for (const source of [event.additional_info, event.event_hw_info]) {
    for (const [key, value] of Object.entries(extras(source) ?? {})) {
      const name = squash(key);
      const online = name.includes('online')
        ? (onlineWord(value) ?? readState(value).current)
        : name.includes('status')
          ? onlineWord(value)
          : null;
      if (online !== null) said.add(online);
    }
  }
  return said.size === 1 ? said.has(true) : undefined;
}

/** Adds what door and device events carry to `summary`, refining a door alarm's type by its current states. */
function addDoorDetails(summary: GeneaSummary, event: Record<string, unknown>): void {
  const door = firstRecord(event.door);
  if (door) summary.door = { name: text(door.name), uuid: text(door.uuid), status: text(door.door_status) };
  switch (summary.type) {
    case 'door.alarm': {
      const states = alarmStates(event.additional_info);
      const alarms = DOOR_ALARM_STATES.filter((state) => states.get(state)?.current === true);
      summary.alarms = alarms;
      if (alarms.length > 0) summary.type = alarms.includes('forced_open') ? 'door.forced_open' : 'door.held_open';
      break;
    }
    case 'door.secured': {
      const states = alarmStates(event.additional_info);
      summary.resolved = DOOR_ALARM_STATES.filter(
        (state) => states.get(state)?.prior === true && states.get(state)?.current === false,
      );
      break;
    }
    case 'door.mode_changed':
    case 'door.quick_grant':
      summary.remote = toCode(text(firstRecord(event.actor)?.type) ?? '') === 'API_KEY';
      break;
    case 'device.status': {
      const online = onlineStatus(event);
      if (online !== undefined) summary.online = online;
      break;
    }
  }
}

function firstRecord(value: unknown): Record<string, unknown> | null {
  if (Array.isArray(value)) return value.find(isRecord) ?? null;
  return isRecord(value) ? value : null;
}

/** True for a plain object that carries at least one field Genea always sends. */
export function isGeneaEvent(value: unknown): value is GeneaEvent {
  return (
    isRecord(value) &&
    (text(value.event_action) !== null || text(value.event_message) !== null || text(value.event_type) !== null)
  );
}

/**
 * The summary of any JSON object delivered by Genea: classification plus the
 * names and ids that flows match on. Unknown actions classify as `other`.
 */
export function summarise(event: Record<string, unknown>): GeneaSummary {
  const action = text(event.event_action);
  const message = text(event.event_message);
  const { type, reason, mode } = classifyFields(action, message);
  const summary: GeneaSummary = {
    type,
    action,
    message,
    uuid: text(event.uuid),
    time: isoTime(event.event_time) ?? isoTime(event.created_at),
  };
  if (reason !== undefined) summary.reason = reason;
  if (mode !== undefined) summary.mode = mode;

  const actor = firstRecord(event.actor);
  if (actor && (text(actor.user_name) ?? text(actor.user_uuid) ?? text(actor.user_email)) !== null) {
    summary.user = {
      name: text(actor.user_name),
      uuid: text(actor.user_uuid),
      email: text(actor.user_email),
      type: text(actor.type),
    };
  } else if (text(event.user_name) !== null) {
    summary.user = { name: text(event.user_name), uuid: null, email: null, type: null };
  }

  const door = firstRecord(event.door);
  if (door) summary.door = { name: text(door.name), uuid: text(door.uuid) };

  const location = firstRecord(event.location);
  if (location) {
    summary.location = { name: text(location.name), uuid: text(location.uuid), timezone: text(location.timezone) };
  } else if (text(event.site_location) !== null) {
    summary.location = { name: text(event.site_location), uuid: null, timezone: null };
  }

  const card = firstRecord(event.card);
  if (card) summary.card = { name: text(card.card_number), uuid: text(card.uuid), type: text(card.type) };

  const resource = firstRecord(event.audit_resource);
  if (resource) summary.resource = { name: text(resource.name), uuid: text(resource.uuid), type: text(resource.type) };

  if (type.startsWith('door.') || type === 'device.status') addDoorDetails(summary, event);

  return summary;
}

/**
 * Reads a Genea event from a message payload: an object, or JSON text of one
 * (a file replay, MQTT, an inject). `null` when it is neither.
 */
export function parseGeneaEvent(payload: unknown): GeneaEvent | null {
  let value = payload;
  if (typeof payload === 'string' || Buffer.isBuffer(payload)) {
    try {
      value = JSON.parse(payload.toString());
    } catch {
      return null;
    }
  }
  return isGeneaEvent(value) ? value : null;
}

/** True for a summary as `summarise` makes it (`msg.genea`), recognised by its `type`. */
export function isGeneaSummary(value: unknown): value is GeneaSummary {
  return isRecord(value) && (GENEA_EVENT_TYPES as readonly unknown[]).includes(value.type);
}

/**
 * The summary of a message: `msg.genea` when it is one (as `genea-webhook-in`
 * sends it), else the summary of `msg.payload` when that is a Genea event;
 * `null` when the message carries neither.
 */
export function summariseMessage(msg: { genea?: unknown; payload?: unknown }): GeneaSummary | null {
  if (isGeneaSummary(msg.genea)) return msg.genea;
  const event = parseGeneaEvent(msg.payload);
  return event === null ? null : summarise(event);
}
