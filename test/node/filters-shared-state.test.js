'use strict';
// genea-access-granted's first-of-day modes in shared state (a genea-redis config node on a real redis-server):
// the first arrival is claimed once across loads of the same flow (replicas), a claim made elsewhere keeps it
// from passing, and Redis down (or the config node missing) is an error to Catch with nothing passed.
const assert = require('node:assert/strict');
const { helper, load } = require('../support/helper');
const { summarise } = require('../../nodes/lib/event');
const { granted, BEA, BERLIN } = require('../fixtures/event-builders');
const { RedisServer } = require('../support/redis-server');

const delivered = (body) => ({ payload: body, genea: summarise(body), topic: summarise(body).type });

describe('genea-access-granted in shared state (node)', function () {
  this.timeout(15_000);
  let redis;
  let loads = 0;

  before(async function () {
    redis = await RedisServer.start();
    await helper.startServer();
  });
  after(async function () {
    await helper.stopServer();
    await redis.stop();
  });
  afterEach(() => helper.unload());

  /**
   * Loads filter `f` (the same id each time: one flow, as on every replica) on a genea-redis node, with Catch and
   * complete nodes; returns feed(messages) → { passed, caught } (indexes), each message awaited until done.
   */
  async function loadFilter(props, { redisNode = true } = {}) {
    const redisId = `redis-${++loads}`; // the test helper keeps credentials by node id across loads
    await load(
      [
        { id: 'flow', type: 'tab' },
        ...(redisNode ? [{ id: redisId, type: 'genea-redis', url: redis.url, prefix: 'test:' }] : []),
        { id: 'f', z: 'flow', type: 'genea-access-granted', redis: redisId, ...props, wires: [['out']] },
        { id: 'out', z: 'flow', type: 'helper' },
        { id: 'catcher', z: 'flow', type: 'catch', scope: ['f'], wires: [['caught']] },
        { id: 'caught', z: 'flow', type: 'helper' },
        { id: 'on-done', z: 'flow', type: 'complete', scope: ['f'], wires: [['finished']] },
        { id: 'finished', z: 'flow', type: 'helper' },
      ],
      { [redisId]: { password: redis.password } },
    );
    const passed = [];
    const caught = [];
    helper.getNode('out').on('input', (msg) => passed.push(msg.index));
    helper.getNode('caught').on('input', (msg) => caught.push({ index: msg.index, error: msg.error.message }));
    // Node-RED calls a node's input listeners from one array: a listener that removes itself (once) makes it skip
    // the next, so one lasting listener on each ends whichever message is being awaited.
    let finish = () => {};
    helper.getNode('finished').on('input', () => finish());
    helper.getNode('caught').on('input', () => finish());
    const filter = helper.getNode('f');
    return async (messages) => {
      for (const [index, msg] of messages.entries()) {
        // done() or done(err): the complete node hears the one, the catch node the other.
        const finished = new Promise((resolve) => (finish = resolve));
        filter.receive({ ...msg, index });
        await finished;
      }
      return { passed: passed.splice(0), caught: caught.splice(0) };
    };
  }

  it('passes the first arrival of the day once across two loads of the same flow', async function () {
    let feed = await loadFilter({ mode: 'first-of-day' });
    const day = '2026-11-22';
    assert.deepEqual(
      await feed([
        delivered(granted({ event_time: `${day}T13:00:00Z` })),
        delivered(granted({ event_time: `${day}T13:05:00Z`, actor: BEA })),
        delivered(granted({ event_time: `${day}T14:00:00Z`, location: [BERLIN] })),
      ]),
      { passed: [0, 2], caught: [] },
    );
    await helper.unload();
    feed = await loadFilter({ mode: 'first-of-day' }); // another replica, same flow
    assert.deepEqual(
      await feed([
        delivered(granted({ event_time: `${day}T15:00:00Z` })),
        delivered(granted({ event_time: '2026-11-23T13:00:00Z' })),
      ]),
      { passed: [1], caught: [] },
    );
  });

  it("passes each user's first of the day once, keyed per filter node", async function () {
    const feed = await loadFilter({ mode: 'first-per-user-of-day' });
    const day = '2026-11-24';
    assert.deepEqual(
      await feed([
        delivered(granted({ event_time: `${day}T13:00:00Z` })),
        delivered(granted({ event_time: `${day}T13:01:00Z`, actor: BEA })),
        delivered(granted({ event_time: `${day}T17:00:00Z` })),
      ]),
      { passed: [0, 1], caught: [] },
    );
    const Redis = require('ioredis');
    const raw = new Redis({ host: '127.0.0.1', port: redis.port, password: redis.password });
    const keys = await raw.keys('test:first-of-day:f:*');
    raw.disconnect();
    assert.equal(keys.filter((key) => key.endsWith(`:${day}`)).length, 2, keys.join(', '));
    for (const key of keys) assert.ok(key.startsWith('test:first-of-day:f:'), key);
  });

  it('reports Redis down to Catch and passes nothing, then decides again once Redis is back', async function () {
    const feed = await loadFilter({ mode: 'first-of-day' });
    const day = '2026-11-25';
    await redis.kill();
    try {
      const { passed, caught } = await feed([delivered(granted({ event_time: `${day}T13:00:00Z` }))]);
      assert.deepEqual(passed, []);
      assert.equal(caught.length, 1);
      assert.match(
        caught[0].error,
        /^(Error: )?Not passed: the first arrival of the day could not be decided .*Redis unavailable/,
      );
      assert.ok(!caught[0].error.includes(redis.password));
    } finally {
      await redis.restart();
    }
    // The connection comes back by itself, with backoff; the config node says when.
    await new Promise((resolve) => {
      const stop = helper
        .getNode(`redis-${loads}`)
        .watchState((state) => state.ready && queueMicrotask(() => (stop(), resolve())));
    });
    assert.deepEqual(await feed([delivered(granted({ event_time: `${day}T14:00:00Z` }))]), { passed: [0], caught: [] });
  });

  it('reports a missing shared-state config node to Catch', async function () {
    const feed = await loadFilter({ mode: 'first-of-day' }, { redisNode: false });
    const { passed, caught } = await feed([delivered(granted())]);
    assert.deepEqual(passed, []);
    assert.match(caught[0].error, /shared-state config node redis-\d+ is missing/);
  });

  it('mode all passes every granted event without asking Redis', async function () {
    const feed = await loadFilter({ mode: 'all' });
    await redis.kill();
    try {
      assert.deepEqual(await feed([delivered(granted()), delivered(granted())]), { passed: [0, 1], caught: [] });
    } finally {
      await redis.restart();
    }
  });
});
