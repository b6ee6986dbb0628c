'use strict';
// A stand-in for Genea's REST API on loopback, following /work/shared/genea-api.md and nothing more: the Bearer
// check, POST /v2/api_key/verify, the paged door and location lists, and PUT /v2/door/{uuid}/lock|unlock|quick_unlock.
// Doors keep their lock state; an offline door refuses commands with 422 and Genea's meta.message. Tests script
// other answers (401, 422, 429, 500, slow, cut off, not JSON) with answerNext(), and count what arrived in
// `requests`.
const http = require('node:http');

const COMMANDS = ['lock', 'unlock', 'quick_unlock'];

/** A door as Genea lists it (a few of its many fields). */
function door(uuid, fields = {}) {
  return {
    uuid,
    name: `Door ${uuid}`,
    description: null,
    location_uuid: 'location-hq',
    is_locked: true,
    is_online: true,
    is_lockdown: false,
    is_door_force_seen: false,
    is_door_held_seen: false,
    door_access_mode: 'CARD',
    controller: { uuid: 'controller-1', name: 'Controller 1', mac: null, model: null, timezone: null, is_online: true },
    ...fields,
  };
}

class GeneaApiStandIn {
  /**
   * @param {object} [options]
   * @param {Record<string, string>} [options.keys] accepted API keys and the customer uuid of each
   * @param {object[]} [options.doors] the customer's doors (see door())
   * @param {object[]} [options.locations]
   * @param {number} [options.maxPageSize] the largest page the stand-in serves (Genea's is unknown)
   * @param {number} [options.badKeyStatus] what a wrong key gets: 401 (default) or 403
   */
  static async start(options = {}) {
    const standIn = new GeneaApiStandIn(options);
    await new Promise((resolve) => standIn.server.listen(0, '127.0.0.1', resolve));
    standIn.url = `http://127.0.0.1:${standIn.server.address().port}`;
    return standIn;
  }

  constructor({ keys = {}, doors = [], locations = [], maxPageSize = 100, badKeyStatus = 401 } = {}) {
    this.keys = keys;
    this.doors = doors.map((d) => ({ ...d }));
    this.locations = locations;
    this.maxPageSize = maxPageSize;
    this.badKeyStatus = badKeyStatus;
    /** Every request: { method, path, query, authorization, body, at }. */
    this.requests = [];
    /** Scripted answers, each used by the first request it matches. */
    this.scripted = [];
    this.sockets = new Set();
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /**
   * The next request matching `match` (method and path, e.g. 'PUT /v2/door/d1/lock', or a RegExp on that) gets
   * `answer` instead of the stand-in's own: { status, body (object, or a string sent as is), headers,
   * delayMs (wait before answering), hangUp (close the connection without an answer) }. `times` repeats it.
   */
  answerNext(match, answer, times = 1) {
    for (let i = 0; i < times; i++) this.scripted.push({ match, answer });
  }

  /** Requests whose "METHOD path" matches `pattern` (string: exact path without query; RegExp). */
  count(pattern) {
    return this.requests.filter((r) => matches(pattern, r)).length;
  }

  commands(uuid) {
    return this.requests
      .filter((r) => r.method === 'PUT' && r.path.startsWith(`/v2/door/${uuid}/`))
      .map((r) => r.path.slice(`/v2/door/${uuid}/`.length));
  }

  doorState(uuid) {
    return this.doors.find((d) => d.uuid === uuid);
  }

  /** Changes the door list between listings: `fields` merged into door `uuid` (added with door() when absent). */
  updateDoor(uuid, fields) {
    const known = this.doorState(uuid);
    if (known) Object.assign(known, fields);
    else this.doors.push(door(uuid, fields));
  }

  /** Takes door `uuid` off the list. */
  removeDoor(uuid) {
    this.doors = this.doors.filter((d) => d.uuid !== uuid);
  }

  handle(req, res) {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url, 'http://stand-in');
      const text = Buffer.concat(chunks).toString('utf8');
      let body;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        body = text;
      }
      const entry = {
        method: req.method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        body,
        at: Date.now(),
      };
      this.requests.push(entry);
      const index = this.scripted.findIndex((s) => matches(s.match, entry));
      const scripted = index >= 0 ? this.scripted.splice(index, 1)[0].answer : null;
      const answer = scripted ?? this.answer(entry);
      const reply = () => {
        if (answer.hangUp) return req.socket.destroy();
        const raw = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? {});
        const type = typeof answer.body === 'string' ? 'text/html' : 'application/json';
        res.writeHead(answer.status, { 'Content-Type': type, ...answer.headers }).end(raw);
      };
      if (answer.delayMs) setTimeout(reply, answer.delayMs);
      else reply();
    });
  }

  /** What Genea's API answers, as far as genea-api.md tells. */
  answer({ method, path, query, authorization, body }) {
    const key = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    const customer = key === undefined ? undefined : this.keys[key];
    if (customer === undefined) {
      return { status: this.badKeyStatus, body: { error: { message: 'Invalid API key' } } };
    }
    if (method === 'POST' && path === '/v2/api_key/verify') {
      if (body?.api_key !== key) return { status: 401, body: { error: 'api_key does not match' } };
      return {
        status: 200,
        body: { data: { customer_uuid: customer, name: 'Stand-in key' }, meta: { message: 'OK' } },
      };
    }
    const list = /^\/v2\/customer\/([^/]+)\/(door|location)$/.exec(path);
    if (method === 'GET' && list) {
      if (list[1] !== customer) return { status: 403, body: { meta: { message: 'Not your customer' } } };
      return this.page(list[2] === 'door' ? this.doors : this.locations, query);
    }
    const command = /^\/v2\/door\/([^/]+)\/([a-z_]+)$/.exec(path);
    if (method === 'PUT' && command && COMMANDS.includes(command[2])) {
      const target = this.doorState(decodeURIComponent(command[1]));
      if (!target) return { status: 404, body: { error: 'Door not found' } };
      if (!target.is_online) return { status: 422, body: { meta: { message: 'Door is offline' } } };
      if (command[2] === 'quick_unlock') return { status: 200, body: { meta: { message: 'Quick grant sent' } } };
      target.is_locked = command[2] === 'lock';
      return {
        status: 200,
        body: { data: { ...target }, meta: { message: target.is_locked ? 'Door locked' : 'Door unlocked' } },
      };
    }
    return { status: 404, body: { error: { message: `No route ${method} ${path}` } } };
  }

  page(items, query) {
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

  async close() {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

function matches(pattern, entry) {
  const line = `${entry.method} ${entry.path}`;
  return pattern instanceof RegExp ? pattern.test(line) : pattern === line;
}

module.exports = { GeneaApiStandIn, door };
