/**
 * The practice Genea: a local HTTP server that answers the part of Genea's REST API this package calls, as
 * docs/genea.md describes it and nothing more (the Bearer check, POST /v2/api_key/verify, the paged door and
 * location lists, PUT /v2/door/{uuid}/lock|unlock|quick_unlock), and sends the door events Genea would send for
 * those commands to a receiver, signed as Genea signs (X-Sequr-Signature: sha1=HMAC of the body bytes). One
 * implementation for users (`npm start`, the `genea-practice` command) and for the tests, which also script other
 * answers (answerNext), read what arrived (requests, commands), and change doors or raise door alarms.
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { GeneaDoorRecord, GeneaLocationRecord } from '../lib/genea-api';
import { stableUuid } from '../lib/sample-details';
import { signBody } from '../lib/signature';

const COMMANDS = ['lock', 'unlock', 'quick_unlock'] as const;
type Command = (typeof COMMANDS)[number];
const DELIVERY_TIMEOUT_MS = 10_000;

/** A door as Genea lists it; `uuid` is what the practice Genea keys it by. */
export interface PracticeDoor extends GeneaDoorRecord {
  uuid: string;
}

/** A request as it arrived. */
export interface PracticeRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  accept: string | undefined;
  contentType: string | undefined;
  /** The parsed JSON body, the text when it is not JSON, undefined when empty. */
  body: unknown;
  at: number;
}

/** An answer of the server's own, or one a test scripts with answerNext(). */
export interface PracticeAnswer {
  status: number;
  /** An object is sent as JSON, a string as it is (text/html). */
  body?: unknown;
  headers?: Record<string, string>;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Close the connection without an answer. */
  hangUp?: boolean;
}

/** Where door events go: a receiver's URL and its webhook secret. */
export interface PracticeReceiver {
  url: string;
  secret: string;
}

/** A door event sent to the receiver: its answer's status and text, or why it got none. */
export interface PracticeDelivery {
  event: Record<string, unknown>;
  status: number | null;
  reason: string;
}

export interface PracticeGeneaOptions {
  /** Accepted API keys and the customer uuid of each (no key: every request is refused). */
  keys?: Record<string, string>;
  doors?: PracticeDoor[];
  locations?: GeneaLocationRecord[];
  /** The largest page it serves (Genea's is unknown). */
  maxPageSize?: number;
  /** What a wrong key gets: 401 (default) or 403 (Genea does not document which). */
  badKeyStatus?: number;
  /** Where door events go; none: no events are sent. */
  receiver?: PracticeReceiver | null;
  /** Called with each door event sent, once its answer (or failure) is known. */
  onDelivery?: (delivery: PracticeDelivery) => void;
  /** Default 0 (a free port) on 127.0.0.1. */
  port?: number;
  host?: string;
}

/** The door alarms and their end that sendDoorEvent() raises. */
export const DOOR_SENSOR_EVENTS = ['forced_open', 'held_open', 'secured'] as const;
export type DoorSensorEvent = (typeof DOOR_SENSOR_EVENTS)[number];

type Pattern = string | RegExp;

/** A door with every documented field: `fields` over null where nothing is known. */
export function door(uuid: string, fields: Partial<PracticeDoor> = {}): PracticeDoor {
  return {
    uuid,
    name: `Door ${uuid}`,
    description: null,
    location_uuid: 'location-hq',
    is_locked: true,
    is_online: true,
    last_online_at: null,
    last_offline_at: null,
    is_lockdown: false,
    is_door_force_seen: false,
    last_door_force_seen_at: null,
    is_door_held_seen: false,
    last_door_held_seen_at: null,
    is_elevator_door: false,
    door_access_mode: 'CARD',
    door_access_time: null,
    reader_model: null,
    controller: { uuid: 'controller-1', name: 'Controller 1', mac: null, model: null, timezone: null, is_online: true },
    created_at: null,
    updated_at: null,
    ...fields,
  };
}

/** The practice customer's two locations. */
export const PRACTICE_LOCATIONS: readonly GeneaLocationRecord[] = [
  {
    uuid: stableUuid('location', 'Headquarters'),
    name: 'Headquarters',
    address_line1: '350 Fifth Avenue',
    address_line2: null,
    city: 'New York',
    state: 'NY',
    zip: '10118',
    phone: null,
    timezone: 'America/New_York',
  },
  {
    uuid: stableUuid('location', 'Berlin Office'),
    name: 'Berlin Office',
    address_line1: 'Friedrichstraße 100',
    address_line2: null,
    city: 'Berlin',
    state: null,
    zip: '10117',
    phone: null,
    timezone: 'Europe/Berlin',
  },
];

export const PRACTICE_CUSTOMER = stableUuid('customer', 'Practice Genea');

/**
 * A dozen doors in the two locations, uuids derived from their names as genea-webhook-send's `--door` derives them.
 * Mostly locked and online; the lobby is unlocked for the day, the roof's controller is offline (commands get 422).
 */
export function practiceDoors(): PracticeDoor[] {
  const [hq, berlin] = PRACTICE_LOCATIONS;
  const controller = (name: string, location: GeneaLocationRecord, online = true) => ({
    uuid: stableUuid('controller', name),
    name,
    mac: null,
    model: 'LP1502',
    timezone: location.timezone,
    is_online: online,
  });
  const at = (name: string, location: GeneaLocationRecord, fields: Partial<PracticeDoor> = {}) =>
    door(stableUuid('door', name), {
      name,
      location_uuid: location.uuid,
      reader_model: 'iCLASS R10',
      controller: controller(`${location.name} controller`, location),
      ...fields,
    });
  return [
    at('Main Entrance', hq),
    at('Lobby', hq, { is_locked: false, door_access_mode: null }),
    at('Back Door', hq),
    at('Loading Dock', hq),
    at('Server Room', hq, { door_access_mode: 'CARD_AND_PIN' }),
    at('Garage', hq),
    at('Roof Access', hq, {
      is_online: false,
      controller: controller('Roof controller', hq, false),
    }),
    at('Front Door', berlin),
    at('Reception', berlin, { is_locked: false, door_access_mode: null }),
    at('Kitchen', berlin, { door_access_mode: 'CARD_OR_PIN' }),
    at('Storage', berlin),
    at('Emergency Exit', berlin),
  ];
}

function matches(pattern: Pattern, request: PracticeRequest): boolean {
  const line = `${request.method} ${request.path}`;
  return pattern instanceof RegExp ? pattern.test(line) : pattern === line;
}

/** `"Prior : No, Current : Yes"`, as Genea writes a door sensor state. */
function sensorState(prior: boolean, current: boolean): string {
  return `Prior : ${prior ? 'Yes' : 'No'}, Current : ${current ? 'Yes' : 'No'}`;
}

export class PracticeGenea {
  /** http://host:port, once started. */
  url = '';
  keys: Record<string, string>;
  doors: PracticeDoor[];
  locations: GeneaLocationRecord[];
  maxPageSize: number;
  badKeyStatus: number;
  receiver: PracticeReceiver | null;
  /** Every request, in order of arrival. */
  readonly requests: PracticeRequest[] = [];
  /** Every door event sent, once answered. */
  readonly deliveries: PracticeDelivery[] = [];
  private readonly scripted: { match: Pattern; answer: PracticeAnswer }[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly server: http.Server;
  private readonly onDelivery: (delivery: PracticeDelivery) => void;
  /** Door events go out one after the other, in the order they happened. */
  private sending: Promise<unknown> = Promise.resolve();

  static async start(options: PracticeGeneaOptions = {}): Promise<PracticeGenea> {
    const genea = new PracticeGenea(options);
    await genea.listen(options.port ?? 0, options.host ?? '127.0.0.1');
    return genea;
  }

  constructor({
    keys = {},
    doors = [],
    locations = [],
    maxPageSize = 100,
    badKeyStatus = 401,
    receiver = null,
    onDelivery = () => undefined,
  }: PracticeGeneaOptions = {}) {
    this.keys = keys;
    this.doors = doors.map((d) => ({ ...d }));
    this.locations = locations.map((l) => ({ ...l }));
    this.maxPageSize = maxPageSize;
    this.badKeyStatus = badKeyStatus;
    this.receiver = receiver;
    this.onDelivery = onDelivery;
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  private listen(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const address = this.server.address() as AddressInfo;
        this.url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
        resolve();
      });
    });
  }

  /**
   * The next request matching `match` ("METHOD path" such as 'PUT /v2/door/d1/lock', or a RegExp on that) gets
   * `answer` instead of the server's own; `times` repeats it.
   */
  answerNext(match: Pattern, answer: PracticeAnswer, times = 1): void {
    for (let i = 0; i < times; i++) this.scripted.push({ match, answer });
  }

  /** How many requests matched `pattern` (as in answerNext). */
  count(pattern: Pattern): number {
    return this.requests.filter((r) => matches(pattern, r)).length;
  }

  /** The commands a door got, in order: 'lock', 'unlock', 'quick_unlock'. */
  commands(uuid: string): string[] {
    const prefix = `/v2/door/${uuid}/`;
    return this.requests
      .filter((r) => r.method === 'PUT' && r.path.startsWith(prefix))
      .map((r) => r.path.slice(prefix.length));
  }

  doorState(uuid: string): PracticeDoor | undefined {
    return this.doors.find((d) => d.uuid === uuid);
  }

  /** Changes a door's listed state (no event is sent): e.g. { is_online: false }. */
  setDoor(uuid: string, fields: Partial<PracticeDoor>): PracticeDoor {
    const target = this.doorState(uuid);
    if (!target) throw new Error(`no door ${uuid}`);
    Object.assign(target, fields, { uuid });
    return target;
  }

  /** Adds a door (replacing one with the same uuid). */
  addDoor(record: PracticeDoor): void {
    this.removeDoor(record.uuid);
    this.doors.push({ ...record });
  }

  /** Removes a door; false when there was none. */
  removeDoor(uuid: string): boolean {
    const index = this.doors.findIndex((d) => d.uuid === uuid);
    if (index >= 0) this.doors.splice(index, 1);
    return index >= 0;
  }

  /**
   * A door's position sensor reports, as Genea would deliver it: `forced_open` and `held_open` raise
   * SEQUR_DOOR_POSITION_SENSOR_ALARM (the other alarm state kept as it was), `secured` sends
   * SEQUR_DOOR_POSITION_SENSOR_SECURE ending both. The door's is_door_force_seen / is_door_held_seen follow.
   * Resolves with the delivery (status null when there is no receiver or it could not be reached).
   */
  sendDoorEvent(uuid: string, kind: DoorSensorEvent): Promise<PracticeDelivery> {
    const target = this.doorState(uuid);
    if (!target) throw new Error(`no door ${uuid}`);
    if (!(DOOR_SENSOR_EVENTS as readonly string[]).includes(kind)) throw new Error(`unknown door event ${kind}`);
    const forced = target.is_door_force_seen === true;
    const held = target.is_door_held_seen === true;
    const now = new Date().toISOString();
    const next =
      kind === 'secured'
        ? { forced: false, held: false }
        : { forced: forced || kind === 'forced_open', held: held || kind === 'held_open' };
    Object.assign(target, {
      is_door_force_seen: next.forced,
      is_door_held_seen: next.held,
      ...(kind === 'forced_open' ? { last_door_force_seen_at: now } : {}),
      ...(kind === 'held_open' ? { last_door_held_seen_at: now } : {}),
    });
    const messages = { forced_open: 'Door Forced Open', held_open: 'Door Held Open', secured: 'Door Secure' };
    const event = this.doorEvent(
      target,
      kind === 'secured' ? 'SEQUR_DOOR_POSITION_SENSOR_SECURE' : 'SEQUR_DOOR_POSITION_SENSOR_ALARM',
      messages[kind],
      { type: 'SYSTEM' },
      {
        door_status: kind === 'secured' ? 'CLOSED' : 'OPEN',
        additional_info: {
          'Forced Open State': sensorState(forced, next.forced),
          'Held Open State': sensorState(held, next.held),
        },
      },
    );
    return this.deliver(event);
  }

  /** Resolves once every door event so far has been answered. */
  async settled(): Promise<void> {
    for (let pending = this.sending; ; pending = this.sending) {
      await pending;
      if (pending === this.sending) return;
    }
  }

  private doorEvent(
    target: PracticeDoor,
    action: string,
    message: string,
    actor: Record<string, unknown>,
    { door_status = null, additional_info = null }: { door_status?: string | null; additional_info?: unknown } = {},
  ): Record<string, unknown> {
    const now = new Date().toISOString();
    const place = this.locations.find((l) => l.uuid === target.location_uuid);
    const controller = (target.controller ?? null) as Record<string, unknown> | null;
    return {
      uuid: randomUUID(),
      event_time: now,
      created_at: now,
      // Genea does not document the event_type of door events: they are told apart by event_action.
      event_type: null,
      event_action: action,
      event_message: message,
      event_note: null,
      event_hw_info: null,
      actor,
      location: place ? [place] : [],
      door: { uuid: target.uuid, name: target.name ?? null, door_status, model: target.reader_model ?? null },
      controller: controller && {
        uuid: controller.uuid ?? null,
        name: controller.name ?? null,
        mac: controller.mac ?? null,
        model: controller.model ?? null,
        status: controller.is_online === false ? 'OFFLINE' : 'ONLINE',
        serial_number: null,
      },
      additional_info,
      metadata: { version: '2' },
    };
  }

  /** Queues a signed POST of `event` to the receiver, after the ones before it; none without a receiver. */
  private deliver(event: Record<string, unknown>): Promise<PracticeDelivery> {
    const receiver = this.receiver;
    if (!receiver) return Promise.resolve({ event, status: null, reason: 'no receiver' });
    const delivery = this.sending.then(async (): Promise<PracticeDelivery> => {
      const body = JSON.stringify(event);
      try {
        const res = await fetch(receiver.url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-Sequr-Signature': signBody(body, receiver.secret) },
          body,
          signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
        });
        const text = (await res.text()).replace(/\s+/g, ' ').trim().slice(0, 200);
        return { event, status: res.status, reason: text || res.statusText };
      } catch (err) {
        const cause = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
        return { event, status: null, reason: cause };
      }
    });
    this.sending = delivery.then((sent) => {
      this.deliveries.push(sent);
      this.onDelivery(sent);
    });
    return delivery;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://practice-genea');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        body = text;
      }
      const request: PracticeRequest = {
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        authorization: req.headers.authorization,
        accept: req.headers.accept,
        contentType: req.headers['content-type'],
        body,
        at: Date.now(),
      };
      this.requests.push(request);
      const index = this.scripted.findIndex((s) => matches(s.match, request));
      const scripted = index >= 0 ? this.scripted.splice(index, 1)[0].answer : null;
      const { answer, event } = scripted ? { answer: scripted, event: null } : this.answer(request);
      const reply = (): void => {
        if (answer.hangUp) {
          req.socket.destroy();
          return;
        }
        const raw = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? {});
        const type = typeof answer.body === 'string' ? 'text/html' : 'application/json';
        res.writeHead(answer.status, { 'Content-Type': type, ...answer.headers }).end(raw);
        // Genea delivers the event of a command after it has been carried out.
        if (event) void this.deliver(event);
      };
      if (answer.delayMs) setTimeout(reply, answer.delayMs);
      else reply();
    });
  }

  /** What Genea's API answers (docs/genea.md), and the door event a command causes. */
  private answer(request: PracticeRequest): { answer: PracticeAnswer; event: Record<string, unknown> | null } {
    const done = (answer: PracticeAnswer) => ({ answer, event: null });
    const { method, path, query, authorization, body } = request;
    const key = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    const customer = key === undefined ? undefined : this.keys[key];
    if (customer === undefined) {
      return done({ status: this.badKeyStatus, body: { error: { message: 'Invalid API key' } } });
    }
    if (method === 'POST' && path === '/v2/api_key/verify') {
      if ((body as { api_key?: unknown } | undefined)?.api_key !== key) {
        return done({ status: 401, body: { error: 'api_key does not match' } });
      }
      return done({
        status: 200,
        body: { data: { customer_uuid: customer, name: 'Practice key' }, meta: { message: 'OK' } },
      });
    }
    const list = /^\/v2\/customer\/([^/]+)\/(door|location)$/.exec(path);
    if (method === 'GET' && list) {
      if (list[1] !== customer) return done({ status: 403, body: { meta: { message: 'Not your customer' } } });
      return done(this.page(list[2] === 'door' ? this.doors : this.locations, query));
    }
    const command = /^\/v2\/door\/([^/]+)\/([a-z_]+)$/.exec(path);
    if (method === 'PUT' && command && (COMMANDS as readonly string[]).includes(command[2])) {
      return this.command(decodeURIComponent(command[1]), command[2] as Command);
    }
    return done({ status: 404, body: { error: { message: `No route ${method} ${path}` } } });
  }

  private command(uuid: string, action: Command): { answer: PracticeAnswer; event: Record<string, unknown> | null } {
    const target = this.doorState(uuid);
    if (!target) return { answer: { status: 404, body: { error: 'Door not found' } }, event: null };
    if (target.is_online === false) {
      return { answer: { status: 422, body: { meta: { message: 'Door is offline' } } }, event: null };
    }
    if (target.is_lockdown === true) {
      return { answer: { status: 422, body: { meta: { message: 'Door is in emergency lockdown' } } }, event: null };
    }
    const byApi = { type: 'API_KEY' };
    if (action === 'quick_unlock') {
      return {
        answer: { status: 200, body: { meta: { message: 'Quick grant sent' } } },
        event: this.doorEvent(
          target,
          'SEQUR_HOST_INITIATED_REQUEST_DOOR_USE_NOT_VERIFIED',
          'Remote door quick grant',
          byApi,
        ),
      };
    }
    const locked = action === 'lock';
    const changed = target.is_locked !== locked;
    target.is_locked = locked;
    if (changed) target.updated_at = new Date().toISOString();
    // Lock and unlock are idempotent: a door already in that state does not change its mode, so no event.
    const event = changed
      ? this.doorEvent(
          target,
          locked ? 'SEQUR_DOOR_ACCESS_MODE_CARD_ONLY' : 'SEQUR_DOOR_ACCESS_MODE_UNLOCKED',
          locked ? 'Door Access Mode Changed to Card Only' : 'Door Access Mode Changed to Unlocked',
          byApi,
        )
      : null;
    return {
      answer: {
        status: 200,
        body: { data: { ...target }, meta: { message: locked ? 'Door locked' : 'Door unlocked' } },
      },
      event,
    };
  }

  private page(items: readonly object[], query: Record<string, string>): PracticeAnswer {
    const page = Math.max(1, Number(query.page) || 1);
    const pageSize = Math.min(this.maxPageSize, Math.max(1, Number(query.page_size) || 20));
    const from = (page - 1) * pageSize;
    const data = items.slice(from, from + pageSize);
    const pagination = {
      page,
      page_size: pageSize,
      row_count: items.length,
      page_count: Math.ceil(items.length / pageSize),
      from: from + 1,
      to: from + data.length,
    };
    return { status: 200, body: { data, meta: { message: 'OK', pagination } } };
  }

  /** Stops listening, drops open connections, and waits for door events under way. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.settled();
  }
}
