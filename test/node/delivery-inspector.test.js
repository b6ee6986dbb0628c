'use strict';
// The delivery inspector inside Node-RED (test helper): what a receiver records of every kind of answer, that
// nothing secret is kept, the admin API (list, detail, replay, clear) and the live updates over comms.
const assert = require('node:assert/strict');
const { helper, load, sign } = require('../support/helper');
const events = require('../fixtures/events');

const SECRET = 'inspector-secret-5d1c';
const OLD_SECRET = 'inspector-previous-2b8e';
const CUSTOM_HEADER_VALUE = 'custom-header-value-77f1';

function flow(receiver = {}) {
  return [
    { id: 'cfg', type: 'genea-config', name: 'genea' },
    { id: 'rx', type: 'genea-webhook-in', config: 'cfg', url: '/genea', wires: [['out'], ['bad']], ...receiver },
    { id: 'out', type: 'helper' },
    { id: 'bad', type: 'helper' },
  ];
}
const credentials = { cfg: { secret: SECRET, previousSecret: OLD_SECRET } };

let comms;
const listened = new WeakSet();
/** A "node module" that only listens to what the runtime publishes to the editors (once per runtime). */
function captureComms(RED) {
  if (listened.has(RED.events)) return;
  listened.add(RED.events);
  RED.events.on('comms', (message) => comms.push(message));
}

let serial = 0;
const fresh = (event = events.granted) => ({ ...event, uuid: `inspector-${++serial}` });

function post(agent, body, { signature = sign(body, SECRET), type = 'application/json' } = {}) {
  const req = agent.post('/genea').set('Content-Type', type).set('X-Custom', CUSTOM_HEADER_VALUE);
  if (signature !== null) req.set('X-Sequr-Signature', signature);
  return req.send(body);
}

const admin = () => helper.request();
const list = async (id = 'rx') => (await admin().get(`/genea-webhook-in/${id}/deliveries`).expect(200)).body;
const tick = () => new Promise((resolve) => setTimeout(resolve, 10));
/** Resolves once `check()` holds (a positive sentinel, never a fixed wait); the test's timeout bounds it. */
async function until(check) {
  while (!check()) await tick();
}
/** The text of the last status node `id` showed. */
const statusText = (id = 'rx') => helper.getNode(id).status.lastCall?.args[0].text;

describe('delivery inspector (node)', function () {
  before(() => helper.startServer());
  after(() => helper.stopServer());
  beforeEach(() => (comms = []));
  afterEach(() => helper.unload());

  /** Loads `nodes` with an empty list: what a receiver recorded outlives the test helper's unload, as a redeploy. */
  async function loadFlow(nodes = flow(), creds = credentials) {
    const agent = await load(nodes, creds, [captureComms]);
    await admin().delete('/genea-webhook-in/rx/deliveries');
    comms = [];
    return agent;
  }

  it('records every kind of answer, newest first, with what the receiver knows and nothing else', async function () {
    const agent = await loadFlow();
    const event = fresh();
    const body = JSON.stringify(event);
    const signatures = [sign(body, SECRET), 'sha1=' + '0'.repeat(40)];
    assert.equal((await post(agent, body)).status, 200);
    assert.equal((await post(agent, body)).status, 200);
    const rotated = JSON.stringify(fresh(events.denied));
    signatures.push(sign(rotated, OLD_SECRET));
    assert.equal((await post(agent, rotated, { signature: sign(rotated, OLD_SECRET) })).status, 200);
    assert.equal((await post(agent, body, { signature: null })).status, 401);
    assert.equal((await post(agent, body, { signature: signatures[1] })).status, 401);
    assert.equal((await post(agent, body, { signature: 'md5=abc' })).status, 401);
    assert.equal((await post(agent, body, { type: 'text/plain; charset=utf-8' })).status, 415);
    assert.equal((await agent.post('/genea').set('X-Sequr-Signature', sign(body, SECRET)).send()).status, 415);
    for (const bad of ['[1,2]', '', '{"broken":']) assert.equal((await post(agent, bad)).status, 400);
    assert.equal((await agent.get('/genea')).status, 405);

    const records = await list();
    const summary = records.map((r) => [r.status, r.reason, r.hint?.code, r.hint?.values]);
    assert.deepEqual(summary, [
      [405, 'Method not allowed: Genea deliveries are POST requests', undefined, undefined],
      [400, 'Body is not a JSON object', 'not-json', undefined],
      [400, 'Body is not a JSON object', 'empty-body', undefined],
      [400, 'Body is not a JSON object', 'json-not-object', { kind: 'array' }],
      [415, 'Unsupported Content-Type: expected application/json', 'no-content-type', undefined],
      [415, 'Unsupported Content-Type: expected application/json', 'content-type', { type: 'text/plain' }],
      [401, 'Malformed X-Sequr-Signature header: expected sha1=<hex>', undefined, undefined],
      [401, 'Signature does not match the configured secret', undefined, undefined],
      [401, 'Missing X-Sequr-Signature header', 'no-signature-header', undefined],
      [200, 'Accepted', 'previous-secret', undefined],
      [200, 'Duplicate: already accepted', undefined, undefined],
      [200, 'Accepted', undefined, undefined],
    ]);
    const [accepted] = records.slice(-1);
    assert.deepEqual(
      { ...accepted, id: undefined, time: undefined },
      {
        id: undefined,
        time: undefined,
        ip: accepted.ip,
        method: 'POST',
        bytes: Buffer.byteLength(body),
        status: 200,
        reason: 'Accepted',
        reasonCode: 'accepted',
        type: 'access.granted',
        uuid: event.uuid,
        action: event.event_action,
        message: event.event_message,
        duplicate: false,
        replayable: true,
        replays: 0,
      },
    );
    assert.match(accepted.ip, /127\.0\.0\.1$/);
    assert.ok(Date.now() - Date.parse(accepted.time) < 10_000);
    assert.equal(records[records.length - 2].duplicate, true);
    assert.equal(records[0].method, 'GET');
    assert.equal(records[0].bytes, null, 'a body never read has no size');
    assert.equal(new Set(records.map((r) => r.id)).size, records.length, 'ids are unique');

    // Nothing secret, in the list or any detail: no secret, no signature value, no other header.
    const details = await Promise.all(
      records.map(async (r) => (await admin().get(`/genea-webhook-in/rx/deliveries/${r.id}`).expect(200)).text),
    );
    const everything = JSON.stringify(records) + details.join('');
    for (const secret of [SECRET, OLD_SECRET, CUSTOM_HEADER_VALUE, ...signatures.map((s) => s.slice(5))]) {
      assert.ok(!everything.includes(secret), `kept: ${secret}`);
    }
    assert.doesNotMatch(everything, /x-custom|x-sequr-signature"|user-agent|content-length/i);
  });

  it('records the rejections before the body, the allow-list, a missing secret and an event too old', async function () {
    const agent = await loadFlow(flow({ allowList: '34.205.175.141' }));
    assert.equal((await post(agent, JSON.stringify(fresh()))).status, 403);
    await helper.setFlows(flow({ maxBodyKiB: 1 }), 'full', credentials);
    assert.equal((await post(agent, JSON.stringify({ ...fresh(), filler: 'x'.repeat(2048) }))).status, 413);
    await helper.setFlows(flow({ config: '' }), 'full', credentials);
    assert.equal((await post(agent, JSON.stringify(fresh()))).status, 503);
    await helper.setFlows(flow({ maxEventAgeMinutes: 5 }), 'full', credentials);
    const oldEvent = { ...fresh(), event_time: '2020-01-01T00:00:00.000Z' };
    const old = JSON.stringify(oldEvent);
    assert.equal((await post(agent, old)).status, 400);
    const records = await list();
    assert.deepEqual(
      records.map((r) => [r.status, r.bytes, r.hint?.code]),
      [
        [400, Buffer.byteLength(old), 'stale-event'],
        [503, null, undefined],
        [413, null, undefined],
        [403, null, undefined],
      ],
      'one receiver id, one list across the deploys',
    );
    assert.equal(records[0].hint.values.time, '2020-01-01T00:00:00.000Z');
    // Refused after its signature was verified: the record says which event it was and shows it, but never
    // replays it.
    assert.deepEqual(
      [records[0].type, records[0].uuid, records[0].duplicate, records[0].replayable],
      ['access.granted', oldEvent.uuid, false, false],
    );
    const detail = (await admin().get(`/genea-webhook-in/rx/deliveries/${records[0].id}`).expect(200)).body;
    assert.deepEqual(detail.event, oldEvent);
    await admin().post(`/genea-webhook-in/rx/deliveries/${records[0].id}/replay`).expect(409);
    assert.equal(records[1].type, undefined, 'refused before its signature was checked: no event');
    assert.match(records[3].reason, /^Forbidden: source .*127\.0\.0\.1 is not allowed$/);
  });

  it('keeps the last 50 and counts them all', async function () {
    const agent = await loadFlow();
    const uuids = [];
    for (let i = 0; i < 55; i++) {
      const event = fresh();
      uuids.push(event.uuid);
      await post(agent, JSON.stringify(event));
    }
    const records = await list();
    assert.equal(records.length, 50);
    assert.deepEqual(
      records.map((r) => r.uuid),
      uuids.slice(5).reverse(),
    );
    const [overview] = (await admin().get('/genea-webhook-in/deliveries').expect(200)).body;
    assert.deepEqual(overview, {
      id: 'rx',
      path: '/genea',
      listening: true,
      counts: { accepted: 55, duplicates: 0, rejected: 0, replayed: 0 },
    });
    const evicted = await admin().get(`/genea-webhook-in/rx/deliveries/${Number(records[49].id) - 1}`);
    assert.equal(evicted.status, 404);
    assert.equal(evicted.body.error, 'unknown-delivery');
  });

  it('shows the event as it arrived, whatever the flow did to its message', async function () {
    const agent = await loadFlow();
    let changed = false;
    helper.getNode('out').on('input', (msg) => {
      msg.payload.uuid = 'changed by the flow';
      msg.genea.type = 'changed';
      changed = true;
    });
    const event = { ...fresh(), note: 'a/b ®' };
    await post(agent, JSON.stringify(event).replace('a/b', 'a\\/b'));
    await until(() => changed);
    const [record] = await list();
    assert.equal(record.type, 'access.granted');
    const detail = (await admin().get(`/genea-webhook-in/rx/deliveries/${record.id}`).expect(200)).body;
    assert.deepEqual(detail.event, event);
    assert.equal(detail.uuid, event.uuid);
  });

  it('replays an event on output 1 as a new message, past the duplicate window, counted', async function () {
    const agent = await loadFlow();
    const out = [];
    helper.getNode('out').on('input', (msg) => out.push(msg));
    const event = fresh();
    await post(agent, JSON.stringify(event));
    await post(agent, JSON.stringify(event));
    const [duplicate, original] = await list();
    for (const id of [original.id, original.id, duplicate.id]) {
      const res = await admin().post(`/genea-webhook-in/rx/deliveries/${id}/replay`).expect(200);
      assert.equal(res.body.id, id);
    }
    await until(() => out.length >= 4);
    assert.equal(out.length, 4, 'the delivery and three replays');
    const [first, ...replays] = out;
    assert.equal(first.replay, undefined);
    for (const msg of replays) {
      assert.equal(msg.replay, true);
      assert.deepEqual(msg.payload, event);
      assert.equal(msg.topic, 'access.granted');
      assert.equal(msg.genea.uuid, event.uuid);
      assert.notEqual(msg._msgid, first._msgid);
      assert.notEqual(msg.payload, first.payload, 'a fresh copy of the event each time');
    }
    const [after] = (await admin().get('/genea-webhook-in/deliveries')).body;
    assert.equal(after.counts.replayed, 3);
    const records = await list();
    assert.deepEqual(
      records.map((r) => r.replays),
      [1, 2],
    );
    await until(() => /genea-webhook-in\.status\.replayed/.test(statusText()));
  });

  it('refuses to replay a rejected, unknown or undeployed delivery with a 4xx', async function () {
    const agent = await loadFlow();
    const out = [];
    helper.getNode('out').on('input', (msg) => out.push(msg));
    await post(agent, JSON.stringify(fresh()), { signature: null });
    await post(agent, JSON.stringify(fresh()));
    const [accepted, rejected] = await list();
    const replay = (id, delivery) => admin().post(`/genea-webhook-in/${id}/deliveries/${delivery}/replay`);
    const answers = [await replay('rx', rejected.id), await replay('rx', 'no-such'), await replay('nope', '1')];
    assert.deepEqual(
      answers.map((res) => [res.status, res.body.error]),
      [
        [409, 'rejected'],
        [404, 'unknown-delivery'],
        [404, 'unknown-receiver'],
      ],
    );
    for (const res of answers) assert.equal(typeof res.body.message, 'string');
    // Redeployed with a path it cannot listen on: the list stays, but nothing can be sent.
    await helper.setFlows(flow({ url: '/genea/:site' }), 'full', credentials);
    const notListening = await replay('rx', accepted.id);
    assert.deepEqual([notListening.status, notListening.body.error], [409, 'not-listening']);
    assert.equal((await list()).length, 2);
    assert.equal(out.length, 1, 'handed on before its 200');
  });

  it('keeps the list across a redeploy and forgets it when the receiver is removed', async function () {
    const agent = await loadFlow();
    await post(agent, JSON.stringify(fresh()));
    await helper.setFlows(flow({ name: 'renamed', url: '/genea-moved' }), 'full', credentials);
    assert.equal((await list()).length, 1);
    const [overview] = (await admin().get('/genea-webhook-in/deliveries')).body;
    assert.equal(overview.path, '/genea-moved');
    await helper.setFlows([{ id: 'cfg', type: 'genea-config' }], 'full', credentials);
    const gone = await admin().get('/genea-webhook-in/rx/deliveries');
    assert.deepEqual([gone.status, gone.body.error], [404, 'unknown-receiver']);
    assert.deepEqual((await admin().get('/genea-webhook-in/deliveries')).body, []);
    assert.deepEqual(comms.at(-1), {
      topic: 'genea-webhook-in/deliveries/rx',
      data: { id: 'rx', removed: true },
      retain: false,
    });
  });

  it('clears a list and its counts, by DELETE or POST, and the counts in the node status', async function () {
    const agent = await loadFlow();
    await post(agent, JSON.stringify(fresh()));
    await admin().delete('/genea-webhook-in/rx/deliveries').expect(204);
    assert.deepEqual(await list(), []);
    await post(agent, '[]');
    await post(agent, JSON.stringify(fresh()), { signature: null });
    await until(() => /genea-webhook-in\.status\.rejected/.test(statusText()));
    await admin().post('/genea-webhook-in/rx/deliveries/clear').expect(204);
    assert.deepEqual(await list(), []);
    const [overview] = (await admin().get('/genea-webhook-in/deliveries')).body;
    assert.deepEqual(overview.counts, { accepted: 0, duplicates: 0, rejected: 0, replayed: 0 });
    assert.equal((await admin().delete('/genea-webhook-in/nope/deliveries')).status, 404);
    // The status starts afresh too: listening, as before the first delivery.
    await until(() => statusText() === 'genea-webhook-in.status.listening');
    await post(agent, JSON.stringify(fresh()), { signature: null });
    await until(() => /rejected/.test(statusText()));
    assert.doesNotMatch(statusText(), /access\.granted/, 'the accepted event before the clear is not shown');
  });

  it('tells the editors over comms which receiver changed, never what it received', async function () {
    const agent = await loadFlow();
    const topic = 'genea-webhook-in/deliveries/rx';
    const notices = () => comms.filter((m) => m.topic === topic);
    await helper.setFlows(flow({ url: '/genea-moved' }), 'full', credentials);
    assert.deepEqual(notices(), [{ topic, data: { id: 'rx' }, retain: false }], 'announced when it starts listening');
    await helper.setFlows(flow(), 'full', credentials);
    comms = [];
    const posted = [];
    for (let i = 0; i < 10; i++) {
      const event = fresh();
      posted.push(event);
      assert.equal(
        (await post(agent, JSON.stringify(event), { signature: i % 2 ? null : undefined })).status,
        i % 2 ? 401 : 200,
      );
    }
    // A notice after the last delivery: the editor fetches the list then.
    const before = notices().length;
    assert.equal((await post(agent, JSON.stringify(fresh()))).status, 200);
    await until(() => notices().length > before);
    assert.ok(notices().length <= 11, `${notices().length} notices for 11 deliveries`);
    for (const notice of notices()) assert.deepEqual(notice.data, { id: 'rx' });
    const everything = JSON.stringify(comms);
    for (const event of posted) assert.ok(!everything.includes(event.uuid), 'no uuid over comms');
    assert.doesNotMatch(everything, /127\.0\.0\.1|Accepted|Missing|access\.granted|Access Granted/);
    assert.ok(!everything.includes(SECRET));
    assert.equal((await list()).length, 11, 'the list is there for whoever may read it');
  });
});
