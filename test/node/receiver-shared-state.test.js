'use strict';
// genea-webhook-in with its duplicate window in Redis (a genea-redis config node on a real redis-server): claims
// under prefix + receiver id, a claim another replica made keeps the event from being emitted again, and a Redis
// that cannot answer is 503, a red status that says why and a log line, never a decision of this process alone.
const assert = require('node:assert/strict');
const { helper, load, sign } = require('../support/helper');
const events = require('../fixtures/events');
const { RedisServer } = require('../support/redis-server');
const { duplicateKey } = require('../../nodes/lib/delivery');

const SECRET = 'shared-state-secret-0c4e';
let serial = 0;
const fresh = () => ({ ...events.granted, uuid: `shared-${Date.now()}-${++serial}` });

describe('genea-webhook-in with shared state (node)', function () {
  this.timeout(15_000);
  let redis;
  let raw;
  let loads = 0;

  before(async function () {
    redis = await RedisServer.start();
    const Redis = require('ioredis');
    raw = new Redis({ host: '127.0.0.1', port: redis.port, password: redis.password, lazyConnect: true });
    raw.on('error', () => {}); // down while the tests kill Redis; it reconnects by itself
    await raw.connect();
    await helper.startServer();
  });
  after(async function () {
    raw.disconnect();
    await helper.stopServer();
    await redis.stop();
  });
  afterEach(() => helper.unload());

  /** Loads a receiver `rx` on a genea-redis node (unless `redisNode` is false); resolves with supertest and outputs. */
  async function loadReceiver({ redisNode = true } = {}) {
    const redisId = `redis-${++loads}`; // the test helper keeps credentials by node id across loads
    const agent = await load(
      [
        { id: 'cfg', type: 'genea-config' },
        ...(redisNode ? [{ id: redisId, type: 'genea-redis', url: redis.url, prefix: 'node:' }] : []),
        { id: 'rx', type: 'genea-webhook-in', config: 'cfg', url: '/genea', redis: redisId, wires: [['out'], []] },
        { id: 'out', type: 'helper' },
      ],
      { cfg: { secret: SECRET }, [redisId]: { password: redis.password } },
    );
    const out = [];
    helper.getNode('out').on('input', (msg) => out.push(msg.payload.uuid));
    return { agent, out, rx: helper.getNode('rx') };
  }

  const post = (agent, event) => {
    const body = JSON.stringify(event);
    return agent
      .post('/genea')
      .set('Content-Type', 'application/json')
      .set('X-Sequr-Signature', sign(body, SECRET))
      .send(body);
  };

  /**
   * The receiver's next status that `accept` takes (or its current one). The test helper's receiver has no message
   * catalog: a status text is its catalog key (genea-webhook-in.status.shared-state).
   */
  function statusWhere(node, accept) {
    const current = node.status.lastCall?.args[0];
    if (current && accept(current)) return Promise.resolve(current);
    return new Promise((resolve) => {
      const check = (call) => {
        if (call.args[0] && accept(call.args[0])) resolve(call.args[0]);
      };
      node.on('call:status', check);
    });
  }
  const sharedStateDown = (status) => status.fill === 'red' && /shared-state/.test(status.text);

  it('claims each event in Redis under prefix + receiver id, and emits a retry once', async function () {
    const { agent, out } = await loadReceiver();
    const event = fresh();
    assert.equal((await post(agent, event)).status, 200);
    assert.equal((await post(agent, event)).status, 200);
    const keys = await raw.keys('node:rx:*');
    assert.equal(keys.length >= 1, true, keys.join(', '));
    const sentinel = fresh();
    await post(agent, sentinel);
    while (!out.includes(sentinel.uuid)) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(
      out.filter((uuid) => uuid === event.uuid),
      [event.uuid],
    );
  });

  it('does not emit an event another replica has claimed, and leaves that claim alone', async function () {
    const { agent, out } = await loadReceiver();
    const event = fresh();
    const body = JSON.stringify(event);
    // The other replica runs the same flow: the same receiver id, so the same key.
    const key = `node:rx:${duplicateKey(event, Buffer.from(body))}`;
    await raw.set(key, 'another-replicas-token', 'PX', 60_000);
    assert.equal((await post(agent, event)).status, 200, 'answered as a duplicate');
    assert.equal(await raw.get(key), 'another-replicas-token', 'the other replica’s claim stays');
    const sentinel = fresh();
    await post(agent, sentinel);
    while (!out.includes(sentinel.uuid)) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(out, [sentinel.uuid], 'the claimed event was not emitted here');
  });

  it('answers 503 while Redis is down, with a red status and one log line, and recovers', async function () {
    const { agent, out, rx } = await loadReceiver();
    assert.equal((await post(agent, fresh())).status, 200);
    await redis.kill();
    const event = fresh();
    try {
      for (let i = 0; i < 3; i++) {
        const res = await post(agent, event);
        assert.equal(res.status, 503);
        assert.equal(res.text, 'Receiver not ready: shared state (Redis) unavailable, retry the delivery');
      }
      await statusWhere(rx, sharedStateDown);
      const warnings = rx.warn.getCalls().map((call) => String(call.args[0]));
      assert.equal(warnings.filter((line) => /errors\.shared-state/.test(line)).length, 1, warnings.join('\n'));
      assert.ok(!warnings.some((line) => line.includes(redis.password)));
    } finally {
      await redis.restart();
    }
    await statusWhere(rx, (status) => !sharedStateDown(status));
    let res;
    do res = await post(agent, event);
    while (res.status === 503);
    assert.equal(res.status, 200);
    assert.ok(out.includes(event.uuid));
  });

  it('answers 503 and says so when its shared-state config node is missing', async function () {
    const { agent, out, rx } = await loadReceiver({ redisNode: false });
    const res = await post(agent, fresh());
    assert.equal(res.status, 503);
    await statusWhere(rx, sharedStateDown);
    assert.deepEqual(out, []);
  });
});
