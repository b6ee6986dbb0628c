/**
 * What a receiver remembers of its recent deliveries, for the editor's delivery inspector: a bounded list of
 * records, newest first. Pure: the receiver hands in what it answered and knows; nothing secret gets in (no
 * secret, no signature value, no header but the media type a hint names).
 */
import { bodyText, parseEventBody, REJECTIONS, type DeliveryVerdict, type Rejection } from './delivery';
import { summarise, type GeneaSummary } from './event';

/** Something the receiver knows about a delivery beyond its status, as a catalog code and English text. */
export interface DeliveryHint {
  readonly code: HintCode;
  readonly text: string;
  readonly values?: Readonly<Record<string, string>>;
}

/** The answers a receiver gives: REJECTIONS by name, those with data in them, and the two of an accepted one. */
export type ReasonCode =
  | keyof typeof REJECTIONS
  | 'accepted'
  | 'duplicate'
  | 'sourceForbidden'
  | 'proxyHopsMissing'
  | 'bodyTooLarge'
  | 'bodyTimeout'
  | 'bodyUnreadable'
  | 'clientClosed';

export type HintCode =
  | 'no-signature-header'
  | 'previous-secret'
  | 'content-type'
  | 'no-content-type'
  | 'empty-body'
  | 'not-json'
  | 'json-not-object'
  | 'stale-event';

/** One delivery as the admin API lists it. */
export interface DeliveryRecord {
  readonly id: string;
  /** When it was answered, ISO-8601. */
  readonly time: string;
  /** The client address as the allow-list sees it. */
  readonly ip: string | null;
  readonly method: string;
  /** Body bytes received; `null` when the body was not read. */
  readonly bytes: number | null;
  readonly status: number;
  readonly reason: string;
  /** The reason as a catalog code, for the editor to show it in the user's language; absent for one unknown. */
  readonly reasonCode?: ReasonCode;
  /** What the reason's text names (a size, a time, an address), for its catalog text. */
  readonly reasonValues?: Readonly<Record<string, string>>;
  readonly hint?: DeliveryHint;
  /** Set when the signature was valid and the body an event: accepted, or refused for its age. */
  readonly type?: string;
  readonly uuid?: string | null;
  readonly action?: string | null;
  readonly message?: string | null;
  readonly duplicate?: boolean;
  /** Whether it was accepted and its event is still kept (see `eventBudgetBytes`), so it can be replayed. */
  readonly replayable?: boolean;
  /** How often it was replayed. */
  readonly replays?: number;
}

/** One delivery with its event, for the detail view. */
export interface DeliveryDetail extends DeliveryRecord {
  readonly event?: Record<string, unknown>;
}

export interface DeliveryCounts {
  /** New events accepted and handed on. */
  accepted: number;
  /** Retries answered 200 and not handed on again. */
  duplicates: number;
  rejected: number;
  replayed: number;
}

/** What the receiver hands in about one answered delivery. */
export interface DeliveryFacts {
  readonly ip: string | null;
  readonly method: string;
  /** The request's Content-Type, read for the hint of a 415 only. */
  readonly contentType?: string;
  /** The body, when it was read. */
  readonly body?: Buffer;
  readonly answer: Rejection | Extract<DeliveryVerdict, { accepted: true }>;
}

interface Entry {
  readonly id: string;
  readonly at: number;
  readonly ip: string | null;
  readonly method: string;
  readonly bytes: number | null;
  readonly status: number;
  readonly reason: string;
  readonly hint: DeliveryHint | undefined;
  /** Handed on (or answered as a duplicate): only these can be replayed. */
  readonly accepted: boolean;
  /**
   * When the signature was valid and the body an event: copied from the summary of an accepted one (the flow may
   * change the message's own), read from the body of one refused for its age.
   */
  readonly event: Pick<GeneaSummary, 'type' | 'uuid' | 'action' | 'message'> | undefined;
  readonly duplicate: boolean;
  /** What its texts cost, counted in the budget beside the body. */
  readonly textBytes: number;
  /** A copy of the event's bytes, exactly as received; dropped first when over the budget. */
  body: Buffer | undefined;
  replays: number;
}

export type ReplayLookup =
  | { readonly ok: true; readonly event: Record<string, unknown>; readonly summary: GeneaSummary }
  | { readonly ok: false; readonly problem: 'unknown' | 'rejected' | 'not-kept' };

/** Ids are unique within the process, across receivers and clears, so that a stale one is never another's. */
let lastId = 0;

const MAX_HINT_VALUE_LENGTH = 100;
/**
 * The most characters kept of any text taken from a delivery (uuid, action, message, ...): the list is for
 * telling deliveries apart; the whole event is in its detail while its body is kept.
 */
export const MAX_TEXT_LENGTH = 120;
/** What a record costs beyond its texts and body, roughly: counted so that the budget bounds the whole log. */
const RECORD_OVERHEAD_BYTES = 200;

export class DeliveryLog {
  /** Oldest first; at most `capacity`. */
  private readonly entries: Entry[] = [];
  private keptBytes = 0;
  readonly counts: DeliveryCounts = { accepted: 0, duplicates: 0, rejected: 0, replayed: 0 };

  constructor(
    readonly capacity = 50,
    /**
     * The most bytes kept, records' texts and events' bodies together: bodies are dropped, oldest first, before
     * memory grows.
     */
    readonly eventBudgetBytes = 4 * 1024 * 1024,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.length;
  }

  /** Records one answered delivery; returns its id. */
  add(facts: DeliveryFacts): string {
    const { answer } = facts;
    const accepted = 'accepted' in answer && answer.accepted;
    const duplicate = accepted && answer.duplicate;
    const summary = accepted ? answer.summary : signedRefusal(facts);
    const texts = {
      ip: keptText(facts.ip),
      method: keptText(facts.method),
      reason: keptText(answer.reason),
      event: summary && {
        type: keptText(summary.type),
        uuid: keptText(summary.uuid),
        action: keptText(summary.action),
        message: keptText(summary.message),
      },
    };
    const hint = deliveryHint(facts);
    const recordBytes = RECORD_OVERHEAD_BYTES + textBytes(texts) + textBytes(hint);
    let body: Buffer | undefined;
    if (summary && facts.body && recordBytes + facts.body.length <= this.eventBudgetBytes) {
      // A copy: the received Buffer may be a view of a much larger socket read. Small ones share a slab of
      // Node's 8 KiB pool (the cheapest copy); larger ones get their own memory.
      body = Buffer.from(facts.body);
    }
    const entry: Entry = {
      id: String(++lastId),
      at: this.now(),
      ...texts,
      bytes: facts.body ? facts.body.length : null,
      status: answer.status,
      hint,
      accepted,
      duplicate,
      textBytes: recordBytes,
      body,
      replays: 0,
    };
    if (!accepted) this.counts.rejected++;
    else if (duplicate) this.counts.duplicates++;
    else this.counts.accepted++;

    this.entries.push(entry);
    this.keptBytes += cost(entry);
    if (this.entries.length > this.capacity) this.keptBytes -= cost(this.entries.shift());
    // Records themselves are small and bounded (capacity × capped texts): bodies make room, oldest first.
    for (let i = 0; this.keptBytes > this.eventBudgetBytes && i < this.entries.length; i++) {
      this.keptBytes -= this.entries[i].body?.length ?? 0;
      this.entries[i].body = undefined;
    }
    return entry.id;
  }

  /** Bytes kept now: every record's texts and the bodies still kept (within the budget unless texts alone exceed it). */
  get bytesKept(): number {
    return this.keptBytes;
  }

  /** Every record, newest first, without events. */
  list(): DeliveryRecord[] {
    const records: DeliveryRecord[] = [];
    for (let i = this.entries.length - 1; i >= 0; i--) records.push(listed(this.entries[i]));
    return records;
  }

  /** One record with its event (when kept), or `undefined` for an id not (or no longer) here. */
  detail(id: string): DeliveryDetail | undefined {
    const entry = this.find(id);
    if (!entry) return undefined;
    const event = entry.body && parseEventBody(entry.body);
    return event ? { ...listed(entry), event } : listed(entry);
  }

  /** The event of `id`, parsed afresh (a new object each time, whatever the flow did to the last one). */
  replayable(id: string): ReplayLookup {
    const entry = this.find(id);
    if (!entry) return { ok: false, problem: 'unknown' };
    if (!entry.accepted) return { ok: false, problem: 'rejected' };
    const event = entry.body && parseEventBody(entry.body);
    if (!event) return { ok: false, problem: 'not-kept' };
    return { ok: true, event, summary: summarise(event) };
  }

  /** Counts a replay of `id`; returns the record as listed now. */
  replayed(id: string): DeliveryRecord | undefined {
    const entry = this.find(id);
    if (!entry) return undefined;
    entry.replays++;
    this.counts.replayed++;
    return listed(entry);
  }

  /** Forgets every record and zeroes the counts. */
  clear(): void {
    this.entries.length = 0;
    this.keptBytes = 0;
    Object.assign(this.counts, { accepted: 0, duplicates: 0, rejected: 0, replayed: 0 });
  }

  private find(id: string): Entry | undefined {
    // Ids grow with time: the newest are the likeliest to be asked for.
    for (let i = this.entries.length - 1; i >= 0; i--) if (this.entries[i].id === id) return this.entries[i];
    return undefined;
  }
}

function cost(entry: Entry | undefined): number {
  return entry ? entry.textBytes + (entry.body?.length ?? 0) : 0;
}

/**
 * `text` cut to MAX_TEXT_LENGTH characters (an ellipsis marks the cut), as a string of its own: a slice of a long
 * string may keep the whole of it alive.
 */
export function keptText<T extends string | null>(text: T): T {
  if (text === null || text.length <= MAX_TEXT_LENGTH) return text;
  let end = MAX_TEXT_LENGTH - 1;
  // Never half a surrogate pair.
  if (/[\ud800-\udbff]/.test(text.charAt(end - 1))) end--;
  return ownString(`${text.slice(0, end)}…`) as T;
}

/** A copy of `text` that shares no memory with the (maybe much longer) string it was cut from. */
function ownString(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

/** The UTF-8 bytes of every string in `value`, however deep. */
function textBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value !== 'object' || value === null) return 0;
  let sum = 0;
  for (const inner of Object.values(value)) sum += textBytes(inner);
  return sum;
}

function listed(entry: Entry): DeliveryRecord {
  const record: DeliveryRecord = {
    id: entry.id,
    time: new Date(entry.at).toISOString(),
    ip: entry.ip,
    method: entry.method,
    bytes: entry.bytes,
    status: entry.status,
    reason: entry.reason,
    ...reasonOf(entry.status, entry.reason),
    ...(entry.hint && { hint: entry.hint }),
  };
  if (!entry.event) return record;
  return {
    ...record,
    ...entry.event,
    duplicate: entry.duplicate,
    replayable: entry.accepted && entry.body !== undefined,
    replays: entry.replays,
  };
}

/** The fixed reasons by their text. */
const FIXED_REASONS = new Map<string, ReasonCode>([
  ...Object.entries(REJECTIONS).map(([code, { reason }]): [string, ReasonCode] => [reason, code as ReasonCode]),
  ['Accepted', 'accepted'],
  ['Duplicate: already accepted', 'duplicate'],
]);

/** The reasons with data in them (the allow-list's and the body reader's), by status and text. */
const REASON_PATTERNS: ReadonlyArray<{ status: number; pattern: RegExp; code: ReasonCode; names: string[] }> = [
  { status: 403, pattern: /^Forbidden: source (\S+) is not allowed$/, code: 'sourceForbidden', names: ['ip'] },
  {
    status: 403,
    pattern: /^Forbidden: X-Forwarded-For does not show the (\d+) trusted proxy hop\(s\) configured$/,
    code: 'proxyHopsMissing',
    names: ['hops'],
  },
  { status: 413, pattern: /^Body larger than (\d+) bytes$/, code: 'bodyTooLarge', names: ['bytes'] },
  { status: 408, pattern: /^Body not received within (\d+) ms$/, code: 'bodyTimeout', names: ['ms'] },
  { status: 400, pattern: /^Request body could not be read$/, code: 'bodyUnreadable', names: [] },
  { status: 400, pattern: /^Client closed the request mid-body$/, code: 'clientClosed', names: [] },
];

/** The catalog code of an answer's reason, and the values its text names; nothing for a reason not known here. */
export function reasonOf(
  status: number,
  reason: string,
): { reasonCode?: ReasonCode; reasonValues?: Record<string, string> } {
  const fixed = FIXED_REASONS.get(reason);
  if (fixed) return { reasonCode: fixed };
  for (const { status: expected, pattern, code, names } of REASON_PATTERNS) {
    const match = status === expected ? pattern.exec(reason) : null;
    if (!match) continue;
    if (names.length === 0) return { reasonCode: code };
    return { reasonCode: code, reasonValues: Object.fromEntries(names.map((name, i) => [name, match[i + 1]])) };
  }
  return {};
}

/**
 * The summary of an event refused for its age (too old, or no event_time): processDelivery checks the age only
 * after the signature was verified and the body parsed as an event, so the record can say which event it was.
 */
function signedRefusal(facts: DeliveryFacts): GeneaSummary | undefined {
  const { reason } = facts.answer;
  if (reason !== REJECTIONS.staleEvent.reason && reason !== REJECTIONS.undatedEvent.reason) return undefined;
  const event = facts.body && parseEventBody(facts.body);
  return event ? summarise(event) : undefined;
}

/** Text from a request for a hint: cut short and printable. */
function printable(text: string): string {
  return ownString(
    text
      .trim()
      .slice(0, MAX_HINT_VALUE_LENGTH)
      .replace(/[^\x20-\x7e]/g, '?'),
  );
}

/** The media type of a Content-Type header, without parameters. */
function mediaType(header: string): string {
  const semi = header.indexOf(';');
  return printable(semi === -1 ? header : header.slice(0, semi));
}

function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

/**
 * What the receiver knows about a delivery beyond its status, from facts it has, never a guess: no signature
 * header at all, the previous secret, the content type it refused, what the body held instead of an object, the
 * event_time of an event refused as too old.
 */
export function deliveryHint(facts: DeliveryFacts): DeliveryHint | undefined {
  const { answer } = facts;
  if ('accepted' in answer && answer.accepted) {
    return answer.secretIndex === 1
      ? {
          code: 'previous-secret',
          text: 'Signed with the previous secret: once Genea signs with the new one, remove the previous secret',
        }
      : undefined;
  }
  switch (answer.reason) {
    case REJECTIONS.missingSignature.reason:
      return {
        code: 'no-signature-header',
        text: 'There was no X-Sequr-Signature header at all (a proxy in front may strip it)',
      };
    case REJECTIONS.unsupportedType.reason: {
      const type = facts.contentType ? mediaType(facts.contentType) : '';
      return type === ''
        ? { code: 'no-content-type', text: 'Sent without a Content-Type header' }
        : { code: 'content-type', text: `Sent as ${type}`, values: { type } };
    }
    case REJECTIONS.notJsonObject.reason: {
      if (!facts.body) return undefined;
      const text = bodyText(facts.body);
      if (text.trim() === '') return { code: 'empty-body', text: 'The body was empty' };
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return { code: 'not-json', text: 'The body is not valid JSON' };
      }
      const kind = jsonKind(value);
      return { code: 'json-not-object', text: `The body is valid JSON, but ${kind}, not an object`, values: { kind } };
    }
    case REJECTIONS.staleEvent.reason: {
      // Refused after its signature was verified: the event_time is Genea's own.
      const time = facts.body && parseEventBody(facts.body)?.event_time;
      if (typeof time !== 'string') return undefined;
      const value = printable(time);
      return { code: 'stale-event', text: `Its event_time was ${value}`, values: { time: value } };
    }
    default:
      return undefined;
  }
}
