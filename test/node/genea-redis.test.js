'use strict';
// The genea-redis config node in Node-RED (node-red-node-test-helper) on a real redis-server: its claim store,
// what it logs when Redis is down, the dialog's "Test connection" endpoint, and that the password shows in none
// of it; and that ioredis is loaded only once such a node is deployed.
const assert = require('node:assert/strict');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { helper, load } = require('../support/helper');
const { RedisServer } = require('../support/redis-server');
const { freePort } = require('../support/red-process');

describe('genea-redis (node)', function () {
  this.timeout(15_000);
  let redis;
  // A fresh config node id per load: the test helper keeps credentials by node id across loads.
  let loads = 0;
  let redisId;

  before(async function () {
    redis = await RedisServer.start();
    await helper.startServer();
  });
  after(async function () {
    await helper.stopServer();
    await redis.stop();
  });
  afterEach(() => helper.unload());

  async function loadRedis(props = {}, credentials = { password: redis.password }) {
    redisId = `redis-${++loads}`;
    await load([{ id: redisId, type: 'genea-redis', url: redis.url, prefix: 'genea:', ...props }], {
      [redisId]: credentials,
    });
    return helper.getNode(redisId);
  }

  /** Resolves with the first state the node reports that `accept` takes. */
  function stateOf(node, accept) {
    return new Promise((resolve) => {
      let stop = null;
      stop = node.watchState((state) => {
        if (!accept(state)) return;
        if (stop) stop();
        else queueMicrotask(() => stop());
        resolve(state);
      });
    });
  }

  it('claims under its prefix and the scope, shared by two stores of one node', async function () {
    const node = await loadRedis({ prefix: 'site-a:' });
    await stateOf(node, (state) => state.ready);
    const one = node.claimStore('receiver-1:');
    const token = await one.claim('event', 60_000);
    assert.equal(typeof token, 'string');
    assert.equal(await node.claimStore('receiver-1:').claim('event', 60_000), null);
    assert.notEqual(await node.claimStore('receiver-2:').claim('event', 60_000), null);
    const raw = new RedisServerClient(redis);
    assert.equal(await raw.get('site-a:receiver-1:event'), token);
    raw.disconnect();
  });

  it('rejects every claim, says why and logs the URL without its password when the URL is unusable', async function () {
    const errors = [];
    redisId = `redis-${++loads}`;
    const flow = [{ id: redisId, type: 'genea-redis', url: 'redis://:url-secret@h/db', prefix: 'genea:' }];
    await load(flow, {});
    const node = helper.getNode(redisId);
    for (const call of node.error.getCalls()) errors.push(String(call.args[0]));
    assert.equal(errors.length, 1);
    assert.match(errors[0], /redis:\/\/:\*\*\*@h\/db/);
    assert.ok(!errors[0].includes('url-secret'));
    await assert.rejects(node.claimStore('r:').claim('k', 1000), /^SharedStateUnavailableError: Redis unavailable: /);
    const state = await stateOf(node, () => true);
    assert.equal(state.ready, false);
  });

  it('logs a refused password once with the reason, never the password', async function () {
    const node = await loadRedis({}, { password: 'wrong-node-password-77' });
    const warned = new Promise((resolve) => node.on('call:warn', (call) => resolve(String(call.args[0]))));
    const state = await stateOf(node, (s) => !s.ready && /WRONGPASS/.test(s.reason));
    const line = await warned;
    assert.match(line, /WRONGPASS/);
    assert.match(line, new RegExp(`redis://127\\.0\\.0\\.1:${redis.port}`));
    assert.ok(!line.includes('wrong-node-password-77') && !state.reason.includes('wrong-node-password-77'));
    await assert.rejects(node.claimStore('r:').claim('k', 1000), /WRONGPASS/);
  });

  describe('POST /genea-redis/test', function () {
    const test = (body) => helper.request().post('/genea-redis/test').send(body);

    it('tests a typed password, once, and says whether Redis takes it', async function () {
      let res = await test({ url: redis.url, password: redis.password });
      assert.equal(res.status, 200);
      assert.equal(res.body.ok, true);
      assert.match(res.body.version, /^\d/);
      res = await test({ url: redis.url, password: 'typed-but-wrong' });
      assert.deepEqual([res.body.ok, res.body.kind], [false, 'auth']);
      assert.ok(!res.text.includes('typed-but-wrong'));
      res = await test({ url: `redis://127.0.0.1:${await freePort()}`, password: '' });
      assert.deepEqual([res.body.ok, res.body.kind], [false, 'unreachable']);
    });

    it('tests the deployed password of a deployed node, only at its deployed URL', async function () {
      await loadRedis();
      let res = await test({ id: redisId, url: redis.url });
      assert.equal(res.body.ok, true);
      assert.ok(!res.text.includes(redis.password));
      res = await test({ id: redisId, url: `redis://127.0.0.1:${await freePort()}` });
      assert.deepEqual([res.status, res.body.error], [409, 'undeployed-changes']);
      res = await test({ id: 'nope', url: redis.url });
      assert.deepEqual([res.status, res.body.error], [409, 'not-deployed']);
    });

    it('refuses a URL that is not a Redis URL', async function () {
      const res = await test({ url: 'http://127.0.0.1:6379', password: 'x' });
      assert.deepEqual([res.status, res.body.error], [400, 'invalid']);
      assert.match(res.body.message, /invalid/);
    });
  });

  it('does not load ioredis when the node sets are registered, before any genea-redis node is deployed', function () {
    const root = path.resolve(__dirname, '../..');
    const script = `
      // A RED whose every property and call is another such stub: registering a set runs no node.
      const RED = new Proxy(function () {}, { get: (target, key) => (key === 'then' ? undefined : RED), apply: () => RED });
      const pkg = require('./package.json');
      for (const file of Object.values(pkg['node-red'].nodes)) {
        const register = require('./' + file);
        (register.default ?? register)(RED);
      }
      const loaded = Object.keys(require.cache).some((file) => file.includes('/node_modules/ioredis/'));
      process.stdout.write(String(loaded));`;
    assert.equal(execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' }), 'false');
  });
});

/** A plain client to look at what the nodes wrote. */
function RedisServerClient(server) {
  const Redis = require('ioredis');
  return new Redis({ host: '127.0.0.1', port: server.port, password: server.password });
}
