/**
 * One delivery, from raw bytes to verdict: verify → parse → classify → dedupe.
 * Pure: the receiver node reads the request and writes the answer around it.
 */
import { createHash } from 'node:crypto';
import { verifySignature } from './signature';
import { summarise, type GeneaEvent, type GeneaSummary } from './event';

export const SIGNATURE_HEADER = 'x-sequr-signature';

export interface Rejection {
  readonly status: number;
  /** Short plain text for the HTTP answer and the log: never anything secret. */
  readonly reason: string;
}

export type DeliveryVerdict =
  | {
      readonly accepted: true;
      readonly status: 200;
      readonly reason: string;
      readonly duplicate: boolean;
      /** Which secret the signature matched: 0 the current one, 1 the previous one (a rotation under way). */
      readonly secretIndex: number;
      /** What identifies the event in the duplicate window (see `duplicateKey`): short, whatever the event. */
      readonly key: string;
      readonly event: GeneaEvent;
      readonly summary: GeneaSummary;
    }
  | (Rejection & { readonly accepted: false });

export const REJECTIONS = {
  methodNotAllowed: { status: 405, reason: 'Method not allowed: Genea deliveries are POST requests' },
  noSecret: { status: 503, reason: 'Receiver not ready: no webhook secret is configured' },
  unsupportedType: { status: 415, reason: 'Unsupported Content-Type: expected application/json' },
  missingSignature: { status: 401, reason: 'Missing X-Sequr-Signature header' },
  malformedSignature: { status: 401, reason: 'Malformed X-Sequr-Signature header: expected sha1=<hex>' },
  wrongSignature: { status: 401, reason: 'Signature does not match the configured secret' },
  notJsonObject: { status: 400, reason: 'Body is not a JSON object' },
  staleEvent: { status: 400, reason: 'Event too old: its event_time is more than maxEventAgeMinutes ago' },
  undatedEvent: { status: 400, reason: 'Event has no valid event_time, which maxEventAgeMinutes requires' },
  rawBodyUnavailable: {
    status: 500,
    reason: 'Receiver misconfigured: the raw request body was consumed before it could be verified',
  },
  closing: { status: 503, reason: 'Receiver is restarting: retry the delivery' },
  badAllowList: { status: 503, reason: 'Receiver misconfigured: invalid source allow-list (see the Node-RED log)' },
  sharedState: { status: 503, reason: 'Receiver not ready: shared state (Redis) unavailable, retry the delivery' },
} as const satisfies Record<string, Rejection>;

/** `application/json`, `application/<x>+json`, with or without parameters. */
export function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  const semi = header.indexOf(';');
  const type = (semi === -1 ? header : header.slice(0, semi)).trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/**
 * What makes two deliveries the same event: its `uuid` (with its type, action and time, so that two
 * different events sharing a short numeric id are never taken for one), else the exact body. Hashed, so a
 * remembered event costs the same few bytes however long its fields are.
 */
export function duplicateKey(event: GeneaEvent, body: Buffer): string {
  const uuid = event.uuid;
  if ((typeof uuid === 'string' && uuid !== '') || (typeof uuid === 'number' && Number.isFinite(uuid))) {
    const identity = JSON.stringify([
      String(uuid),
      event.event_type ?? null,
      event.event_action ?? null,
      event.event_time ?? null,
    ]);
    return `event:${createHash('sha256').update(identity).digest('base64url')}`;
  }
  return `body:${createHash('sha256').update(body).digest('base64url')}`;
}

/** The body as JSON text: UTF-8, a byte-order mark tolerated (JSON.parse does not). */
export function bodyText(body: Buffer): string {
  const start = body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
  return body.toString('utf8', start);
}

/** The JSON object a delivery's body holds, or `null` when it holds anything else. */
export function parseEventBody(body: Buffer): Record<string, unknown> | null {
  let value: unknown;
  try {
    value = JSON.parse(bodyText(body));
  } catch {
    return null;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

function refuse(rejection: Rejection): DeliveryVerdict {
  return { ...rejection, accepted: false };
}

export interface DeliveryOptions {
  /** Refuse events whose `event_time` is older than this, ms; 0 or missing: no limit. */
  maxEventAgeMs?: number;
  /** The time to measure the age at, ms since the epoch (default: now). */
  now?: number;
}

/**
 * Why an event is refused as too old for `maxEventAgeMs`, or null. A signed event cannot be altered, only
 * sent again: the limit keeps a captured delivery from being replayed once the duplicate window forgot it.
 */
function staleness(event: GeneaEvent, maxEventAgeMs: number, now: number): Rejection | null {
  const time = typeof event.event_time === 'string' ? Date.parse(event.event_time) : NaN;
  if (Number.isNaN(time)) return REJECTIONS.undatedEvent;
  return now - time > maxEventAgeMs ? REJECTIONS.staleEvent : null;
}

/**
 * Verifies, parses, checks the age of and classifies one delivery whose raw bytes are `body`. Whether it is a
 * duplicate is the next step, the claim of its `key` in a ClaimStore (`asDuplicate` then marks the verdict).
 */
export function processDelivery(
  body: Buffer,
  signature: unknown,
  secrets: readonly string[],
  options: DeliveryOptions = {},
): DeliveryVerdict {
  const check = verifySignature(body, signature, secrets);
  if (!check.valid) {
    if (check.problem === 'missing') return refuse(REJECTIONS.missingSignature);
    return refuse(check.problem === 'malformed' ? REJECTIONS.malformedSignature : REJECTIONS.wrongSignature);
  }
  const event = parseEventBody(body);
  if (event === null) return refuse(REJECTIONS.notJsonObject);
  const { maxEventAgeMs = 0 } = options;
  const stale = maxEventAgeMs > 0 ? staleness(event, maxEventAgeMs, options.now ?? Date.now()) : null;
  if (stale) return refuse(stale);
  return {
    accepted: true,
    status: 200,
    reason: 'Accepted',
    duplicate: false,
    secretIndex: check.secretIndex,
    key: duplicateKey(event, body),
    event,
    summary: summarise(event),
  };
}

export type AcceptedVerdict = Extract<DeliveryVerdict, { accepted: true }>;

/** The verdict for a copy of an event whose key was already claimed: answered 200, emitted no more. */
export function asDuplicate(verdict: AcceptedVerdict): AcceptedVerdict {
  return { ...verdict, duplicate: true, reason: 'Duplicate: already accepted' };
}
