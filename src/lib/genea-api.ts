/**
 * A client of Genea's REST API (what docs/genea.md documents, nothing more): key verification,
 * the paged door and location lists, and the three door commands. Door commands run one after the other per
 * door, in call order; lock, unlock and reads are retried once on a network error or a 5xx, a quick grant
 * (which opens the door each time) never. The API key is never part of an error, a result or a log line: every text
 * taken from Genea, success or failure, goes through redactKey.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { checkBaseUrl } from './base-url';

export { checkBaseUrl, DEFAULT_BASE_URL, type BaseUrlProblem } from './base-url';

export const REQUEST_TIMEOUT_MS = 10_000;
/** Genea's own integrations page with this size; the maximum Genea allows is unknown. */
export const PAGE_SIZE = 100;
/** A guard against a `page_count` that never ends (100 000 doors at 100 a page). */
const MAX_PAGES = 1000;
/** Larger answers are cut off: a door list of 100 doors is well below. */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

export const DOOR_COMMANDS = ['lock', 'unlock', 'quick_unlock'] as const;
export type DoorCommand = (typeof DOOR_COMMANDS)[number];
export const DOOR_ACTIONS = [...DOOR_COMMANDS, 'list'] as const;
export type DoorAction = (typeof DOOR_ACTIONS)[number];

/** Door uuids as they may appear in a URL path: no slashes, dots or spaces, so a path cannot be bent. */
const DOOR_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export function isDoorAction(value: unknown): value is DoorAction {
  return typeof value === 'string' && (DOOR_ACTIONS as readonly string[]).includes(value);
}

export function isDoorId(value: unknown): value is string {
  return typeof value === 'string' && DOOR_ID.test(value);
}

/** A door as Genea lists it; most fields may be null, and unknown ones are kept. */
export interface GeneaDoorRecord {
  uuid?: string | null;
  name?: string | null;
  description?: string | null;
  location_uuid?: string | null;
  is_locked?: boolean | null;
  is_online?: boolean | null;
  [field: string]: unknown;
}

/** A location as Genea lists it. */
export interface GeneaLocationRecord {
  uuid?: string | null;
  name?: string | null;
  timezone?: string | null;
  [field: string]: unknown;
}

export interface CommandResult {
  /** `data.is_locked` of Genea's answer; null when it says nothing. */
  locked: boolean | null;
  /** `meta.message` of Genea's answer; null when there is none. */
  message: string | null;
}

export interface Verification {
  customerUuid: string;
  message: string | null;
}

export type ApiFailure =
  | 'key' // 401, 403
  | 'not-found' // 404
  | 'refused' // 422
  | 'rate-limited' // 429
  | 'server' // 5xx
  | 'http' // any other non-2xx
  | 'timeout'
  | 'unreachable'
  | 'bad-answer'; // a 2xx without what it must carry: not JSON, or no customer_uuid or data list

/** A failed request: what went wrong, in words a user can act on, never with the key. */
export class GeneaApiError extends Error {
  readonly kind: ApiFailure;
  /** The HTTP status, or null when there was no answer. */
  readonly status: number | null;
  /** Genea's reason (meta.message, error.message or error), else the HTTP status text; '' when none. */
  readonly reason: string;
  /** The Retry-After header of a 429, as sent; null when absent. */
  readonly retryAfter: string | null;
  /** False only when the request certainly never reached a server (no connection was made, or it was never sent). */
  readonly mayHaveArrived: boolean;
  /** True when the key verification failed, so the command it came before was never sent. */
  readonly inVerification: boolean;
  /** How many times the request was sent (2 after a retry). */
  attempts = 1;

  constructor(
    kind: ApiFailure,
    detail: string,
    fields: {
      status?: number | null;
      reason?: string;
      retryAfter?: string | null;
      mayHaveArrived?: boolean;
      inVerification?: boolean;
    } = {},
  ) {
    super(detail);
    this.name = 'GeneaApiError';
    this.kind = kind;
    this.status = fields.status ?? null;
    this.reason = fields.reason ?? '';
    this.retryAfter = fields.retryAfter ?? null;
    this.mayHaveArrived = fields.mayHaveArrived ?? true;
    this.inVerification = fields.inVerification ?? false;
  }

  /** This failure of the key verification, as the failure of the command that was therefore never sent. */
  commandNotSent(): GeneaApiError {
    const fields = { status: this.status, reason: this.reason, retryAfter: this.retryAfter };
    const failure = new GeneaApiError(this.kind, this.message, {
      ...fields,
      mayHaveArrived: false,
      inVerification: true,
    });
    failure.attempts = this.attempts;
    return failure;
  }

  /** Worth one more try for a request whose repetition changes nothing. */
  get transient(): boolean {
    return this.kind === 'server' || this.kind === 'timeout' || this.kind === 'unreachable';
  }
}

/** `Bearer <value>` as a header or a text may quote it. */
const BEARER = /\bBearer\s+[^\s,;"'<>]+/gi;
export const REDACTED = '***';

/**
 * `text` without `apiKey` (as is and URL-encoded) and without any `Bearer <value>`: for every text taken from
 * Genea, which could echo the key it was sent, and every text that may hold one (a base URL as typed).
 */
export function redactKey(text: string, apiKey: string): string {
  const key = apiKey.trim();
  let redacted = text;
  if (key !== '') {
    for (const form of new Set([key, encodeURIComponent(key)])) redacted = redacted.split(form).join(REDACTED);
  }
  return redacted.replace(BEARER, `Bearer ${REDACTED}`);
}

/** `value` with redactKey applied to every string in it (Genea's records, as lists return them). */
function redactDeep<T>(value: T, apiKey: string): T {
  if (typeof value === 'string') return redactKey(value, apiKey) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => redactDeep(item, apiKey)) as T;
  if (isRecord(value)) {
    return Object.fromEntries(Object.entries(value).map(([field, item]) => [field, redactDeep(item, apiKey)])) as T;
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmpty(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/** Genea's readable reason: `meta.message`, else `error.message`, else `error` as a string. */
export function geneaReason(body: unknown): string | null {
  if (!isRecord(body)) return null;
  const meta = isRecord(body.meta) ? nonEmpty(body.meta.message) : null;
  const error = isRecord(body.error) ? nonEmpty(body.error.message) : nonEmpty(body.error);
  return meta ?? error;
}

interface Answer {
  status: number;
  statusText: string;
  retryAfter: string | null;
  /** The parsed JSON body; undefined when the body was empty or not JSON. */
  body: unknown;
  json: boolean;
}

export interface GeneaApiOptions {
  /** Checked with checkBaseUrl; default https://api.sequr.io. */
  baseUrl?: string;
  apiKey: string;
  /** Per request; default 10 s. */
  timeoutMs?: number;
}

/** Runs tasks one after the other per key, in the order they were added. */
export class SerialQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with a task queued or running. */
  get busy(): number {
    return this.tails.size;
  }
}

/**
 * One result of `load` for every caller: while a load is in flight, callers share it; a result is kept `keepMs`
 * after it came; a failure is not kept (the next call loads again).
 */
export class SharedResult<T> {
  private current: Promise<T> | null = null;
  /** When the current result came; null while it is in flight. */
  private settledAt: number | null = null;

  constructor(
    private readonly load: () => Promise<T>,
    private readonly keepMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The result, shared while in flight and kept for `keepMs`; `fresh`: not a kept one (one in flight is shared). */
  get(fresh = false): Promise<T> {
    const kept = this.settledAt !== null && !fresh && this.now() - this.settledAt < this.keepMs;
    if (this.current && (this.settledAt === null || kept)) return this.current;
    const current = this.load();
    this.current = current;
    this.settledAt = null;
    current.then(
      () => {
        if (this.current === current) this.settledAt = this.now();
      },
      () => {
        if (this.current === current) this.current = null;
      },
    );
    return current;
  }
}

/**
 * Commands per door of one Genea (base URL), shared by every client: a redeploy or a second config node makes a
 * new client, and its lock must still wait for the unlock an earlier one has under way.
 */
const doorCommands = new SerialQueue();

export class GeneaApiClient {
  readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly timeoutMs: number;
  private verification: Promise<Verification> | null = null;

  constructor(options: GeneaApiOptions) {
    const checked = checkBaseUrl(options.baseUrl);
    if ('problem' in checked) {
      throw new TypeError(
        checked.problem === 'insecure' ? 'base URL: http only to a loopback host' : 'invalid base URL',
      );
    }
    this.baseUrl = checked.url;
    this.apiKey = options.apiKey.trim();
    this.timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
  }

  /** Verifies the key (POST /v2/api_key/verify) now, and keeps the customer it belongs to. */
  verify(): Promise<Verification> {
    const verification = this.idempotent('POST', '/v2/api_key/verify', { api_key: this.apiKey }).then((answer) => {
      const data = isRecord(answer.body) && isRecord(answer.body.data) ? answer.body.data : {};
      const customerUuid = nonEmpty(data.customer_uuid);
      if (customerUuid === null) throw badAnswer(answer, 'no customer_uuid');
      const message = geneaReason(answer.body);
      return { customerUuid, message: message === null ? null : this.redact(message) };
    });
    this.verification = verification;
    // A failed verification is not kept: the next use tries again.
    verification.catch(() => {
      if (this.verification === verification) this.verification = null;
    });
    return verification;
  }

  /** The customer of the key, verified on first use. */
  customerUuid(): Promise<string> {
    return (this.verification ?? this.verify()).then((verified) => verified.customerUuid);
  }

  /** Every door of the customer, all pages followed, as Genea returns them. */
  async listDoors(): Promise<GeneaDoorRecord[]> {
    return this.listAll<GeneaDoorRecord>('door');
  }

  /** Every location of the customer, all pages followed. */
  async listLocations(): Promise<GeneaLocationRecord[]> {
    return this.listAll<GeneaLocationRecord>('location');
  }

  /**
   * Sends `command` to `door`, after every earlier command for that door has finished. Lock and unlock are
   * retried once on a network error or a 5xx; a quick grant is sent once, whatever happens.
   */
  command(door: string, command: DoorCommand): Promise<CommandResult> {
    if (!isDoorId(door)) return Promise.reject(new TypeError('not a door uuid'));
    return doorCommands.run(`${this.baseUrl} ${door}`, async () => {
      await this.customerUuid().catch((err: unknown) => {
        throw err instanceof GeneaApiError ? err.commandNotSent() : err;
      });
      const path = `/v2/door/${encodeURIComponent(door)}/${command}`;
      const answer = command === 'quick_unlock' ? await this.once('PUT', path) : await this.idempotent('PUT', path);
      // A quick grant may answer with only meta.message or no parsable body: the 2xx is what counts.
      const data = isRecord(answer.body) && isRecord(answer.body.data) ? answer.body.data : {};
      const locked = typeof data.is_locked === 'boolean' ? data.is_locked : null;
      const meta = isRecord(answer.body) && isRecord(answer.body.meta) ? answer.body.meta : {};
      const message = nonEmpty(meta.message);
      return { locked, message: message === null ? null : this.redact(message) };
    });
  }

  private async listAll<T>(resource: 'door' | 'location'): Promise<T[]> {
    const customer = encodeURIComponent(await this.customerUuid());
    const items: T[] = [];
    for (let page = 1, pageCount = 1; page <= pageCount && page <= MAX_PAGES; page++) {
      const path = `/v2/customer/${customer}/${resource}?page=${page}&page_size=${PAGE_SIZE}`;
      const answer = await this.idempotent('GET', path);
      const body = answer.body;
      if (!isRecord(body) || !Array.isArray(body.data)) throw badAnswer(answer, 'no data list');
      items.push(...redactDeep(body.data as T[], this.apiKey));
      const pagination = isRecord(body.meta) && isRecord(body.meta.pagination) ? body.meta.pagination : {};
      const count = Number(pagination.page_count);
      // Without a readable page count, the one page is all there is; an empty page ends the list early.
      pageCount = Number.isInteger(count) && body.data.length > 0 ? count : page;
      // A partial list would pass for every door: refuse it instead.
      if (pageCount > MAX_PAGES) throw badAnswer(answer, `page_count ${pageCount} is more than ${MAX_PAGES}`);
    }
    return items;
  }

  /** A request whose repetition changes nothing: sent again once after a network error or a 5xx. */
  private async idempotent(method: string, path: string, body?: unknown): Promise<Answer> {
    try {
      return await this.once(method, path, body);
    } catch (err) {
      if (!(err instanceof GeneaApiError) || !err.transient) throw err;
      try {
        return await this.once(method, path, body);
      } catch (again) {
        if (again instanceof GeneaApiError) again.attempts = 2;
        throw again;
      }
    }
  }

  /** One request; resolves with a 2xx answer, rejects with a GeneaApiError for everything else. */
  private async once(method: string, path: string, body?: unknown): Promise<Answer> {
    const answer = await this.send(method, path, body);
    if (answer.status >= 200 && answer.status < 300) return answer;
    const reason = this.redact(geneaReason(answer.body) ?? answer.statusText);
    const detail = `${answer.status} ${reason}`.trim();
    const retryAfter = answer.retryAfter === null ? null : this.redact(answer.retryAfter);
    const fields = { status: answer.status, reason, retryAfter };
    if (answer.status === 401 || answer.status === 403) throw new GeneaApiError('key', detail, fields);
    if (answer.status === 404) throw new GeneaApiError('not-found', detail, fields);
    if (answer.status === 422) throw new GeneaApiError('refused', detail, fields);
    if (answer.status === 429) {
      const wait = retryAfter === null ? '' : ` (Retry-After: ${retryAfter})`;
      throw new GeneaApiError('rate-limited', `${detail}${wait}`, fields);
    }
    const notJson = answer.json ? '' : ' (answer is not JSON)';
    throw new GeneaApiError(answer.status >= 500 ? 'server' : 'http', `${detail}${notJson}`, fields);
  }

  /** Genea's texts come from its server; should one ever echo the key, it is cut out here. */
  private redact(text: string): string {
    return redactKey(text, this.apiKey);
  }

  private send(method: string, path: string, body?: unknown): Promise<Answer> {
    const url = new URL(this.baseUrl + path);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: http.OutgoingHttpHeaders = {
      Accept: 'application/json',
      Authorization: `Bearer ${this.apiKey}`,
      'Content-Length': payload === undefined ? 0 : Buffer.byteLength(payload),
    };
    if (payload !== undefined) headers['Content-Type'] = 'application/json';
    const client = url.protocol === 'https:' ? https : http;
    const seconds = this.timeoutMs / 1000;
    return new Promise((resolve, reject) => {
      // A fresh connection per request (no keep-alive): "connected" then tells whether the request can have arrived.
      let connected = false;
      const req = client.request(url, { method, headers, agent: false }, (res) => {
        res.on('error', fail);
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) req.destroy(new Error('answer too large'));
          else chunks.push(chunk);
        });
        res.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          let json = false;
          try {
            parsed = JSON.parse(text);
            json = true;
          } catch {
            parsed = undefined;
          }
          const retryAfter = res.headers['retry-after'];
          resolve({
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? '',
            retryAfter: typeof retryAfter === 'string' ? retryAfter : null,
            body: parsed,
            json,
          });
        });
      });
      const timer = setTimeout(() => req.destroy(new TimeoutError()), this.timeoutMs);
      req.on('socket', (socket) => {
        socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => (connected = true));
      });
      function fail(err: NodeJS.ErrnoException): void {
        clearTimeout(timer);
        if (err instanceof TimeoutError) {
          reject(new GeneaApiError('timeout', `no answer within ${seconds} s`, { mayHaveArrived: connected }));
        } else if (connected) {
          reject(
            new GeneaApiError('unreachable', `connection to ${url.host} lost (${err.code ?? err.message})`, {
              mayHaveArrived: true,
            }),
          );
        } else {
          reject(
            new GeneaApiError('unreachable', `cannot reach ${url.host} (${err.code ?? err.message})`, {
              mayHaveArrived: false,
            }),
          );
        }
      }
      req.on('error', fail);
      req.end(payload);
    });
  }
}

class TimeoutError extends Error {}

/** A 2xx that lacks what it must carry. */
function badAnswer(answer: Answer, missing: string): GeneaApiError {
  const what = answer.json ? missing : 'answer is not JSON';
  return new GeneaApiError('bad-answer', `${answer.status} ${what}`, { status: answer.status, reason: what });
}
