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
  'other',
] as const;
export type GeneaEventType = (typeof GENEA_EVENT_TYPES)[number];

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
  door?: SummaryRef;
  location?: SummaryRef & { timezone: string | null };
  card?: SummaryRef & { type: string | null };
  resource?: SummaryRef & { type: string | null };
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

interface Classification {
  type: GeneaEventType;
  reason?: string;
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
    return { type: 'other' };
  }
  // Older flat payloads carry no action: classify from the message where it says enough.
  if (GRANTED_MESSAGE.test(hint)) return { type: 'access.granted' };
  const denied = DENIED_MESSAGE.exec(hint);
  if (denied) return denial(denied[1], hint);
  const resource = RESOURCE_MESSAGE.exec(hint);
  if (resource) return { type: `resource.${resource[1].toLowerCase() as ResourceAction}` };
  return { type: 'other' };
}

function ref(source: Record<string, unknown>, nameKey: string, uuidKey = 'uuid'): SummaryRef {
  return { name: text(source[nameKey]), uuid: text(source[uuidKey]) };
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
  const { type, reason } = classifyFields(action, message);
  const summary: GeneaSummary = {
    type,
    action,
    message,
    uuid: text(event.uuid),
    time: isoTime(event.event_time) ?? isoTime(event.created_at),
  };
  if (reason !== undefined) summary.reason = reason;

  const actor = firstRecord(event.actor);
  if (actor && (text(actor.user_name) ?? text(actor.user_uuid) ?? text(actor.user_email)) !== null) {
    summary.user = {
      ...ref(actor, 'user_name', 'user_uuid'),
      email: text(actor.user_email),
      type: text(actor.type),
    };
  } else if (text(event.user_name) !== null) {
    summary.user = { name: text(event.user_name), uuid: null, email: null, type: null };
  }

  const door = firstRecord(event.door);
  if (door) summary.door = ref(door, 'name');

  const location = firstRecord(event.location);
  if (location) {
    summary.location = { ...ref(location, 'name'), timezone: text(location.timezone) };
  } else if (text(event.site_location) !== null) {
    summary.location = { name: text(event.site_location), uuid: null, timezone: null };
  }

  const card = firstRecord(event.card);
  if (card) summary.card = { ...ref(card, 'card_number'), type: text(card.type) };

  const resource = firstRecord(event.audit_resource);
  if (resource) summary.resource = { ...ref(resource, 'name'), type: text(resource.type) };

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
