'use strict';
// Two real Node-RED processes (replicas) running the same flow on one real redis-server: a receiver and a
// first-of-day filter sharing one genea-redis config node. Genea's retry of an event accepted by one replica is
// not emitted again by the other, the same event sent to both at once is emitted once, the first arrival of the
// day passes once across both; Redis down answers 503 (never 200) and the retry after its restart is emitted
// once; a wrong password is a red status and 503; the password is in no flow file, GET /flows or trace log.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { NodeRedProcess } = require('../support/red-process');
const { RedisServer } = require('../support/redis-server');
const { Collector } = require('../support/collector');
const { opensslSignature } = require('../support/openssl');
const { granted, denied, BERLIN } = require('../fixtures/event-builders');

const SECRET = 'e2e-replicas-secret-3f7a0d';
const TRACE = { logging: { console: { level: 'trace', metrics: false, audit: false } } };

function flow(collector, redis, password = redis.password) {
  return [
    { id: 'tab', type: 'tab', label: 'Genea' },
    { id: 'cfg', type: 'genea-config', name: 'Genea', credentials: { secret: SECRET } },
    { id: 'shared', type: 'genea-redis', url: redis.url, prefix: 'e2e:', credentials: { password } },
    {
      id: 'rx',
      type: 'genea-webhook-in',
      z: 'tab',
      config: 'cfg',
      url: '/genea',
      redis: 'shared',
      wires: [['events', 'first'], []],
    },
    ...collector.sinkNodes('events', '/events', 'tab'),
    {
      id: 'first',
      type: 'genea-access-granted',
      z: 'tab',
      mode: 'first-of-day',
      redis: 'shared',
      wires: [['arrivals']],
    },
    ...collector.sinkNodes('arrivals', '/arrivals', 'tab'),
  ];
}

/** POSTs `event` signed to `red`'s receiver; resolves with { status, text }. */
async function deliver(red, event) {
  const body = JSON.stringify(event);
  const res = await fetch(red.url('/genea'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Sequr-Signature': opensslSignature(body, SECRET) },
    body,
  });
  return { status: res.status, text: await res.text() };
}

const uuids = (collector, at) => collector.on(at).map((entry) => entry.body.payload.uuid);

/** Counts of each uuid emitted on `at`. */
function emitted(collector, at) {
  const counts = new Map();
  for (const uuid of uuids(collector, at)) counts.set(uuid, (counts.get(uuid) ?? 0) + 1);
  return counts;
}

describe('two Node-RED replicas sharing state on one Redis (real processes)', function () {
  this.timeout(120_000);
  let redis;
  let collector;
  let a;
  let b;

  before(async function () {
    redis = await RedisServer.start();
    collector = await Collector.start();
    [a, b] = await Promise.all([NodeRedProcess.start({ settings: TRACE }), NodeRedProcess.start({ settings: TRACE })]);
    await Promise.all([a.deploy(flow(collector, redis)), b.deploy(flow(collector, redis))]);
  });
  after(async function () {
    await a?.dispose();
    await b?.dispose();
    await collector?.close();
    await redis?.stop();
  });
  beforeEach(() => collector.reset());

  /** Sends a fresh event to `red` and waits until it was emitted: what was sent before it has been decided. */
  async function sentinel(red) {
    // Denied: it passes no first-of-day filter, so it leaves the arrivals as they are.
    const event = denied('NO_DOOR_ACCESS', { event_time: new Date().toISOString() });
    assert.equal((await deliver(red, event)).status, 200);
    const deadline = Date.now() + 10_000;
    while (!uuids(collector, '/events').includes(event.uuid)) {
      if (Date.now() > deadline) throw new Error('the sentinel event was not emitted');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return event.uuid;
  }

  it('emits an event once when one replica accepts it and Genea retries it at the other', async function () {
    const events = Array.from({ length: 20 }, () => granted({ event_time: new Date().toISOString() }));
    for (const [index, event] of events.entries()) {
      const [first, retry] = index % 2 === 0 ? [a, b] : [b, a];
      assert.equal((await deliver(first, event)).status, 200);
      assert.equal((await deliver(retry, event)).status, 200, 'a duplicate is acknowledged');
    }
    const marker = await sentinel(a);
    const counts = emitted(collector, '/events');
    for (const event of events) assert.equal(counts.get(event.uuid), 1, `${event.uuid} emitted once`);
    assert.equal(counts.size, events.length + 1, [...counts.keys()].concat(marker).join(', '));
  });

  it('emits an event sent to both replicas at the same moment once', async function () {
    const events = Array.from({ length: 20 }, () => granted({ event_time: new Date().toISOString() }));
    for (const event of events) {
      const answers = await Promise.all([deliver(a, event), deliver(b, event)]);
      assert.deepEqual(
        answers.map((answer) => answer.status),
        [200, 200],
      );
    }
    await sentinel(b);
    const counts = emitted(collector, '/events');
    for (const event of events) assert.equal(counts.get(event.uuid), 1, `${event.uuid} emitted once`);
  });

  it('passes the first arrival of the day once across both replicas', async function () {
    const day = '2026-11-26';
    const firsts = [
      granted({ event_time: `${day}T13:00:00Z` }),
      granted({ event_time: `${day}T13:00:00Z` }),
      granted({ event_time: `${day}T13:01:00Z`, location: [BERLIN] }),
      granted({ event_time: `${day}T13:01:00Z`, location: [BERLIN] }),
    ];
    // Two different events of one location and day at once, one to each replica: one passes.
    await Promise.all([deliver(a, firsts[0]), deliver(b, firsts[1])]);
    await Promise.all([deliver(b, firsts[2]), deliver(a, firsts[3])]);
    const nextDay = granted({ event_time: '2026-11-27T08:00:00Z' });
    assert.equal((await deliver(a, nextDay)).status, 200);
    await collector.waitFor('/arrivals', 3);
    await sentinel(a);
    const passed = uuids(collector, '/arrivals');
    assert.equal(passed.length, 3, passed.join(', '));
    assert.equal(passed.filter((uuid) => uuid === firsts[0].uuid || uuid === firsts[1].uuid).length, 1);
    assert.equal(passed.filter((uuid) => uuid === firsts[2].uuid || uuid === firsts[3].uuid).length, 1);
    assert.ok(passed.includes(nextDay.uuid));
  });

  it('answers 503 while Redis is down, and emits the retry once after Redis is back', async function () {
    const watcher = await a.watchEditor();
    const event = granted({ event_time: new Date().toISOString() });
    await redis.kill();
    try {
      for (const red of [a, b, a]) {
        const answer = await deliver(red, event);
        assert.equal(answer.status, 503, answer.text);
        assert.match(answer.text, /Redis/);
      }
      const red$ = (message) => message.topic === 'status/rx' && message.data.fill === 'red';
      const deadline = Date.now() + 10_000;
      while (!watcher.messages.some(red$)) {
        if (Date.now() > deadline) throw new Error(`no red status: ${JSON.stringify(watcher.messages)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.match(watcher.messages.find(red$).data.text, /Redis/);
    } finally {
      watcher.close();
      await redis.restart();
    }
    // Genea retries until one answer is 200; both replicas reconnect by themselves.
    let answer;
    const deadline = Date.now() + 20_000;
    do {
      answer = await deliver(b, event);
      if (answer.status === 200) break;
      assert.equal(answer.status, 503, answer.text);
      await new Promise((resolve) => setTimeout(resolve, 200)); // Genea waits between its retries too
    } while (Date.now() < deadline);
    assert.equal(answer.status, 200, answer.text);
    assert.equal((await deliver(a, event)).status, 200, 'the retry at the other replica is a duplicate');
    await sentinel(a);
    assert.equal(emitted(collector, '/events').get(event.uuid), 1);
  });

  it('with a wrong password: a red status that says why, and 503', async function () {
    const watcher = await b.watchEditor();
    try {
      await b.deploy(flow(collector, redis, 'not-the-redis-password'));
      const answer = await deliver(b, granted({ event_time: new Date().toISOString() }));
      assert.equal(answer.status, 503, answer.text);
      assert.match(answer.text, /shared state \(Redis\) unavailable/);
      const deadline = Date.now() + 10_000;
      const wrongPass = (message) =>
        message.topic === 'status/rx' && message.data.fill === 'red' && /WRONGPASS/.test(message.data.text);
      while (!watcher.messages.some(wrongPass)) {
        if (Date.now() > deadline) throw new Error(`no red status: ${JSON.stringify(watcher.messages)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      watcher.close();
      await b.deploy(flow(collector, redis));
    }
    assert.ok(!b.log.includes('not-the-redis-password'), 'the wrong password is in the log');
  });

  it('keeps the password out of flows.json, GET /flows and the trace-level log', async function () {
    for (const red of [a, b]) {
      assert.match(red.log, /\[trace\]/, 'the log is at trace level');
      const flowFile = fs.readFileSync(path.join(red.userDir, 'flows.json'), 'utf8');
      assert.match(flowFile, /"genea-redis"/);
      assert.ok(!flowFile.includes(redis.password), 'the password is in flows.json');
      const credentialFile = fs.readFileSync(path.join(red.userDir, 'flows_cred.json'), 'utf8');
      assert.ok(!credentialFile.includes(redis.password), 'the credential file is not encrypted');
      const flows = await red.request('GET', red.adminUrl('/flows'));
      assert.match(flows.text, /"genea-redis"/);
      assert.ok(!flows.text.includes(redis.password), 'the password is in GET /flows');
      assert.ok(!red.log.includes(redis.password), 'the password is in the log');
    }
  });
});
