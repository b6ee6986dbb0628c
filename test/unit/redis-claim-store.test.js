'use strict';
// Claims in a real redis-server (test/support/redis-server.js): two connections stand for two replicas.
const assert = require('node:assert/strict');
const {
  RedisConnection,
  SharedStateUnavailableError,
  testRedisConnection,
  clientOptions,
  reasonOf,
  COMMAND_TIMEOUT_MS,
} = require('../../nodes/lib/redis-claim-store');
const { checkRedisUrl, redactRedisUrl, DEFAULT_REDIS_URL } = require('../../nodes/lib/redis-url');
const { RedisServer } = require('../support/redis-server');
const { freePort } = require('../support/red-process');
const { until } = require('../support/until');

const endpointOf = (url) => checkRedisUrl(url).endpoint;

/** Resolves once `connection` is ready (at once when it already is). */
function ready(connection) {
  if (connection.current.ready) return Promise.resolve();
  return new Promise((resolve) => {
    const stop = connection.onChange((state) => {
      if (state.ready) {
        stop();
        resolve();
      }
    });
  });
}

/** Resolves with the reason once `connection` reports it is down. */
function down(connection) {
  if (!connection.current.ready) return Promise.resolve(connection.current.reason);
  return new Promise((resolve) => {
    const stop = connection.onChange((state) => {
      if (!state.ready) {
        stop();
        resolve(state.reason);
      }
    });
  });
}

/** How many connections the redis-server has, as `watcher` (a connected client) reads them. */
async function connectionCount(watcher) {
  return (await watcher.client('LIST')).trim().split('\n').length;
}

describe('RedisClaimStore (real redis-server)', function () {
  this.timeout(15_000);
  let redis;
  const connections = [];
  /** A connection to the test server (unless `options` say otherwise), closed after the test. */
  const open = (options = {}) => {
    const connection = new RedisConnection({ endpoint: endpointOf(redis.url), password: redis.password, ...options });
    connections.push(connection);
    return connection;
  };
  const connect = async (options = {}) => {
    const connection = open(options);
    await ready(connection);
    return connection;
  };

  /** Runs `action` while the server answers nothing (SIGSTOP), and lets it answer again whatever happens. */
  const whilePaused = async (action) => {
    redis.pause();
    try {
      return await action();
    } finally {
      redis.resume();
    }
  };

  before(async function () {
    redis = await RedisServer.start();
  });
  afterEach(function () {
    for (const connection of connections.splice(0)) connection.close();
  });
  after(async function () {
    await redis.stop();
  });

  it('claims a key once across two replicas, under the prefix, expiring after the ttl', async function () {
    const a = (await connect()).store('genea:test1:');
    const bConnection = await connect();
    const b = bConnection.store('genea:test1:');
    const token = await a.claim('event-1', 60_000);
    assert.equal(typeof token, 'string');
    assert.equal(await b.claim('event-1', 60_000), null, 'the other replica sees the claim');
    assert.equal(await a.claim('event-1', 60_000), null, 'and so does the claimant');
    assert.equal(await bConnection.client.get('genea:test1:event-1'), token, 'stored under the prefix, as the token');
    const pttl = await bConnection.client.pttl('genea:test1:event-1');
    assert.ok(pttl > 0 && pttl <= 60_000, `expires within the ttl (PTTL ${pttl})`);
    assert.notEqual(await b.claim('event-2', 60_000), null, 'another key is free');
    assert.notEqual(await bConnection.store('other:').claim('event-1', 60_000), null, 'another prefix is free');
  });

  it('frees a claim when its ttl has passed', async function () {
    const store = (await connect()).store('genea:test2:');
    assert.notEqual(await store.claim('short', 100), null);
    assert.equal(await store.claim('short', 100), null);
    let again = null;
    while (again === null) again = await store.claim('short', 100); // mocha's timeout bounds the wait
    assert.equal(typeof again, 'string');
  });

  it('claims nothing in Redis for a window of 0', async function () {
    const connection = await connect();
    const store = connection.store('genea:test3:');
    assert.equal(typeof (await store.claim('zero', 0)), 'string');
    assert.equal(await connection.client.exists('genea:test3:zero'), 0);
  });

  it('releases only with the claim token: a wrong token or another replica’s later claim is never deleted', async function () {
    const connection = await connect();
    const a = connection.store('genea:test4:');
    const b = (await connect()).store('genea:test4:');
    const token = await a.claim('k', 60_000);
    await b.release('k', 'not-the-token');
    assert.equal(await b.claim('k', 60_000), null, 'a wrong token deleted nothing');
    await a.release('k', token);
    const bToken = await b.claim('k', 60_000);
    assert.notEqual(bToken, null, 'the right token released it');
    await a.release('k', token); // A's old token, after B claimed the key anew
    assert.equal(await connection.client.get('genea:test4:k'), bToken, 'B’s claim survives A’s late release');
  });

  it('rejects at once while Redis is down, says why, and recovers by itself after a restart', async function () {
    const connection = await connect();
    const store = connection.store('genea:test5:');
    const token = await store.claim('before', 60_000);
    await store.release('before', token); // loads the release script
    const wentDown = down(connection);
    await redis.kill();
    const reason = await wentDown;
    await assert.rejects(store.claim('during', 60_000), (err) => {
      assert.ok(err instanceof SharedStateUnavailableError);
      assert.match(err.message, /^Redis unavailable: /);
      assert.equal(err.message, `Redis unavailable: ${connection.current.reason}`);
      return true;
    });
    await assert.rejects(store.release('during', 'x'), SharedStateUnavailableError);
    assert.notEqual(reason, '');
    await redis.restart();
    await ready(connection);
    const again = await store.claim('after', 60_000);
    assert.notEqual(again, null, 'claims work again');
    // The restarted server forgot the script: release loads it again instead of failing.
    await store.release('after', again);
    assert.equal(await connection.client.exists('genea:test5:after'), 0);
  });

  it('rejects after the command timeout when Redis does not answer, then works again', async function () {
    const connection = await connect({ commandTimeoutMs: 300 });
    const store = connection.store('genea:test6:');
    await whilePaused(async () => {
      await assert.rejects(
        store.claim('hung', 60_000),
        /^SharedStateUnavailableError: Redis unavailable: .*timed out/i,
      );
    });
    await ready(connection);
    assert.notEqual(await store.claim('answered', 60_000), null);
  });

  it('frees a claim whose answer was lost, so that Genea’s retry of the event can claim it', async function () {
    const connection = await connect({ commandTimeoutMs: 300 });
    const store = connection.store('genea:test-lost:');
    const other = (await connect()).client;
    await whilePaused(async () => {
      // The SET waits in the paused server's socket: the claim fails, though Redis will carry it out.
      await assert.rejects(store.claim('lost', 60_000), /timed out/i);
    });
    await until(async () => (await other.exists('genea:test-lost:lost')) === 0, 'the claim made after all to go');
    assert.equal(typeof (await store.claim('lost', 60_000)), 'string', 'the retry claims the event');
    assert.equal(await other.exists('genea:test-lost:lost'), 1);
  });

  it('tries again to free such a claim once Redis answers, when trying while it did not answer failed', async function () {
    const connection = await connect({ commandTimeoutMs: 300 });
    const store = connection.store('genea:test-lost-again:');
    const other = (await connect()).client;
    await whilePaused(async () => {
      await assert.rejects(store.claim('lost', 60_000), /timed out/i);
      // Sent after the first try to free the claim, so it fails after it: that try has failed.
      await assert.rejects(store.release('probe', 'x'), /timed out/i);
    });
    // Nothing has answered on this connection since: the claim stays until something does.
    await until(async () => (await other.exists('genea:test-lost-again:lost')) === 1, 'Redis to carry out the claim');
    await store.claim('sentinel', 60_000);
    await until(async () => (await other.exists('genea:test-lost-again:lost')) === 0, 'the lost claim to go');
  });

  it('frees such a claim only while it is its own: a later claim of another replica stays', async function () {
    const connection = await connect({ commandTimeoutMs: 300 });
    const store = connection.store('genea:test-lost2:');
    const other = await connect();
    await whilePaused(async () => {
      await assert.rejects(store.claim('taken', 60_000), /timed out/i);
    });
    // Whatever this replica's SET did, the other replica claims the key once it is free and keeps it.
    let token = null;
    await until(
      async () => (token = await other.store('genea:test-lost2:').claim('taken', 60_000)) !== null,
      'the key to become free',
    );
    await store.claim('sentinel', 60_000); // an answered command: any release still due has run before it
    assert.equal(await other.client.get('genea:test-lost2:taken'), token);
  });

  it('keeps at most 10,000 claims whose answer was lost, dropping the oldest', async function () {
    this.timeout(60_000);
    const connection = await connect({ commandTimeoutMs: 300 });
    const store = connection.store('genea:test-lost-cap:');
    const other = (await connect()).client;
    const keys = Array.from({ length: 10_001 }, (_, index) => `k${index}`);
    await whilePaused(async () => {
      const outcomes = await Promise.allSettled(keys.map((key) => store.claim(key, 60_000)));
      assert.ok(outcomes.every((outcome) => outcome.status === 'rejected'));
      // A release that goes out after the one already trying for the oldest claim fails after it, so no attempt
      // made while Redis did not answer is left to succeed once it answers.
      await assert.rejects(store.release('probe', 'x'), /timed out/i);
    });
    await store.claim('sentinel', 60_000); // an answer: the releases due run from here
    await until(
      async () => (await other.keys('genea:test-lost-cap:k*')).length === 1,
      'all but one lost claim to be released',
      50_000, // one release after the other
    );
    assert.deepEqual(await other.keys('genea:test-lost-cap:k*'), ['genea:test-lost-cap:k0'], 'the oldest is left');
  });

  it('waits 1.5 s for an answer by default, never for ever', async function () {
    const connection = await connect();
    const store = connection.store('genea:test-default-timeout:');
    const started = Date.now();
    await whilePaused(async () => {
      await assert.rejects(store.claim('hung', 60_000), /timed out/i);
    });
    assert.ok(Date.now() - started >= 1_400, 'not before the default command timeout');
  });

  it('lets a claim made before the first connection is ready wait for it', async function () {
    const connection = open();
    assert.equal(connection.current.ready, false, 'still connecting');
    assert.equal(typeof (await connection.store('genea:test-first:').claim('early', 60_000)), 'string');
  });

  it('gives up on a first connection that is not ready within the command timeout', async function () {
    await whilePaused(async () => {
      await assert.rejects(
        open({ commandTimeoutMs: 300 }).store('genea:test-first:').claim('hung', 60_000),
        /^SharedStateUnavailableError: Redis unavailable: still connecting$/,
      );
    });
  });

  it('tells its listeners of changes only: failing again for the same reason is no news', async function () {
    const connection = open({ endpoint: endpointOf(`redis://127.0.0.1:${await freePort()}`), password: undefined });
    const reports = [];
    connection.onChange((state) => reports.push(state));
    let failures = 0;
    connection.client.on('error', () => failures++);
    await until(() => failures >= 3, 'three failed attempts to connect');
    assert.equal(reports.length, 1, JSON.stringify(reports));
    assert.equal(reports[0].ready, false);
    assert.match(reports[0].reason, /ECONNREFUSED/);
  });

  it('tells a listener nothing once it stopped listening, or once the connection is closed', async function () {
    const connection = await connect();
    const other = (await connect()).client;
    const reports = { stopped: [], listening: [] };
    const stop = connection.onChange((state) => reports.stopped.push(state));
    connection.onChange((state) => reports.listening.push(state.ready));
    stop();
    // Redis drops the connection; it comes back by itself.
    await other.client('KILL', 'ID', String(await connection.client.client('ID')));
    await until(() => reports.listening.join() === 'false,true', 'the connection to go down and come back');
    const ended = new Promise((resolve) => connection.client.once('end', resolve));
    connection.close(); // the client's own close comes after this
    await ended;
    assert.deepEqual(reports, { stopped: [], listening: [false, true] });
  });

  it('closes its connection when its config node closes', async function () {
    const watcher = (await connect()).client;
    const connection = await connect();
    const open = await connectionCount(watcher);
    connection.close();
    await until(async () => (await connectionCount(watcher)) === open - 1, 'the connection to close');
  });

  it('releases after Redis forgot the release script (a restart, SCRIPT FLUSH)', async function () {
    const connection = await connect();
    const store = connection.store('genea:test-noscript:');
    const first = await store.claim('a', 60_000);
    await store.release('a', first);
    await connection.client.script('FLUSH');
    const second = await store.claim('a', 60_000);
    await store.release('a', second);
    assert.equal(await connection.client.exists('genea:test-noscript:a'), 0);
  });

  it('reports a wrong password as the reason, never the password itself', async function () {
    const wrong = 'wrong-password-4711';
    const connection = open({ password: wrong });
    const reason = await new Promise((resolve) => {
      const stop = connection.onChange((state) => {
        stop();
        resolve(state.ready ? 'ready' : state.reason);
      });
    });
    assert.match(reason, /WRONGPASS/);
    await assert.rejects(connection.store('genea:').claim('k', 1000), (err) => {
      assert.match(err.message, /WRONGPASS/);
      assert.ok(!err.message.includes(wrong));
      return true;
    });
  });

  it('takes user and password from the URL when the node has no credentials', async function () {
    const url = `redis://:${encodeURIComponent(redis.password)}@127.0.0.1:${redis.port}/2`;
    const connection = await connect({ endpoint: endpointOf(url), password: undefined });
    const store = connection.store('genea:test8:');
    assert.notEqual(await store.claim('db2', 60_000), null);
    await connection.client.select(0);
    assert.equal(await connection.client.exists('genea:test8:db2'), 0, 'the claim lives in database 2');
  });

  describe('testRedisConnection', function () {
    it('says the version when Redis answers and authenticates', async function () {
      const outcome = await testRedisConnection({ endpoint: endpointOf(redis.url), password: redis.password });
      assert.equal(outcome.ok, true);
      assert.match(outcome.version, /^\d+\.\d+/);
    });

    it('leaves no connection open behind it', async function () {
      const watcher = (await connect()).client;
      const before = await connectionCount(watcher);
      await testRedisConnection({ endpoint: endpointOf(redis.url), password: redis.password });
      await until(async () => (await connectionCount(watcher)) === before, 'the test connection to close');
    });

    it('says a wrong password is refused, without the password', async function () {
      const wrong = 'another-wrong-one-0815';
      const outcome = await testRedisConnection({ endpoint: endpointOf(redis.url), password: wrong });
      assert.equal(outcome.ok, false);
      assert.equal(outcome.kind, 'auth');
      assert.ok(!outcome.reason.includes(wrong));
    });

    it('says no password is refused', async function () {
      const outcome = await testRedisConnection({ endpoint: endpointOf(redis.url) });
      assert.deepEqual([outcome.ok, outcome.kind], [false, 'auth']);
    });

    it('says a port nobody answers on is unreachable', async function () {
      const url = `redis://127.0.0.1:${await freePort()}`;
      const outcome = await testRedisConnection({ endpoint: endpointOf(url), password: 'x' });
      assert.deepEqual([outcome.ok, outcome.kind], [false, 'unreachable']);
      assert.match(outcome.reason, /ECONNREFUSED/);
    });
  });
});

describe('Redis client options', function () {
  const endpoint = { host: 'cache.example', port: 6380, db: 3, tls: false };

  it('connect to the endpoint, with the node’s credentials over those of the URL', function () {
    const fromUrl = { ...endpoint, username: 'url-user', password: 'url-pw' };
    assert.deepEqual(pick(clientOptions({ endpoint: fromUrl }), ['host', 'port', 'db', 'username', 'password']), {
      host: 'cache.example',
      port: 6380,
      db: 3,
      username: 'url-user',
      password: 'url-pw',
    });
    assert.deepEqual(
      pick(clientOptions({ endpoint: fromUrl, username: 'node-user', password: 'node-pw' }), ['username', 'password']),
      { username: 'node-user', password: 'node-pw' },
    );
    assert.deepEqual(pick(clientOptions({ endpoint }), ['username', 'password']), {
      username: undefined,
      password: undefined,
    });
  });

  it('use TLS, checking the host’s name, for rediss:// only', function () {
    assert.equal('tls' in clientOptions({ endpoint }), false);
    assert.deepEqual(clientOptions({ endpoint: { ...endpoint, tls: true } }).tls, { servername: 'cache.example' });
  });

  it('fail a command at once while down and never retry it; time out after 1.5 s unless told otherwise', function () {
    const options = clientOptions({ endpoint });
    assert.equal(options.enableOfflineQueue, false, 'nothing queues while the connection is down');
    assert.equal(options.maxRetriesPerRequest, 0, 'a command is never sent twice');
    assert.equal(options.commandTimeout, COMMAND_TIMEOUT_MS);
    assert.equal(COMMAND_TIMEOUT_MS, 1500);
    assert.equal(options.connectTimeout, 2000);
    assert.equal(clientOptions({ endpoint, commandTimeoutMs: 300 }).commandTimeout, 300);
  });

  it('reconnect after 100 ms, doubling up to 2 s, and keep trying', function () {
    const { retryStrategy } = clientOptions({ endpoint });
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 100].map((attempt) => retryStrategy(attempt)),
      [100, 200, 400, 800, 1600, 2000, 2000, 2000],
    );
  });

  it('say why Redis failed without the password or any URL password', function () {
    assert.equal(
      reasonOf(new Error('WRONGPASS for s3cret at redis://:other@h:1'), 's3cret'),
      'WRONGPASS for *** at redis://:***@h:1',
    );
    assert.equal(reasonOf('s3cret s3cret', 's3cret'), '*** ***', 'a thrown text, every occurrence');
    assert.equal(reasonOf(new Error('ECONNREFUSED 127.0.0.1:6379')), 'ECONNREFUSED 127.0.0.1:6379');
    assert.equal(reasonOf(new Error('no password: nothing to hide'), ''), 'no password: nothing to hide');
  });
});

/** The named properties of `object`, for comparing a part of it. */
function pick(object, names) {
  return Object.fromEntries(names.map((name) => [name, object[name]]));
}

describe('Redis URL', function () {
  it('reads host, port, database and TLS', function () {
    assert.deepEqual(checkRedisUrl(DEFAULT_REDIS_URL), {
      endpoint: { host: '127.0.0.1', port: 6379, db: 0, tls: false },
    });
    assert.deepEqual(checkRedisUrl(' rediss://cache.example:6380/3 '), {
      endpoint: { host: 'cache.example', port: 6380, db: 3, tls: true },
    });
    assert.deepEqual(checkRedisUrl('redis://[::1]'), { endpoint: { host: '::1', port: 6379, db: 0, tls: false } });
    assert.deepEqual(checkRedisUrl('redis://al%40ce:p%3Ass@h/'), {
      endpoint: { host: 'h', port: 6379, db: 0, tls: false, username: 'al@ce', password: 'p:ss' },
    });
  });

  it('refuses what is not a redis:// or rediss:// URL with a host, or a path that is not a database number', function () {
    for (const raw of ['', 'localhost:6379', 'http://h:6379', 'redis://', 'redis://h?db=1', 'redis://h#x', 42]) {
      assert.deepEqual(checkRedisUrl(raw), { problem: 'invalid' }, String(raw));
    }
    for (const raw of ['redis://h/x', 'redis://h/1/2', 'redis://h/-1', 'redis://h/123456']) {
      assert.deepEqual(checkRedisUrl(raw), { problem: 'database' }, raw);
    }
  });

  it('redacts the password of every redis URL in a text', function () {
    assert.equal(
      redactRedisUrl('at redis://:secret@h:1/0 and rediss://user:pw@x, not redis://h:6379 or redis://user@h'),
      'at redis://:***@h:1/0 and rediss://user:***@x, not redis://h:6379 or redis://user@h',
    );
  });
});
