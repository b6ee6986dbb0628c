'use strict';
// The delivery inspector's admin API in a real Node-RED process with adminAuth: deliveries over real HTTP, then
// the list, a detail, a replay to the flow, the bound of 50, who may do what, what comms tells an editor whose user
// may not read the list, and what huge texts in events cost.
const assert = require('node:assert/strict');
const { NodeRedProcess, PASSWORD_HASH } = require('../support/red-process');
const { nodeRedDir } = require('../support/node-red-path');
const { Collector } = require('../support/collector');
const { opensslSignature } = require('../support/openssl');
const events = require('../fixtures/events');

const SECRET = 'e2e-inspector-secret-0c4f';

describe('delivery inspector end to end (real Node-RED, adminAuth)', function () {
  this.timeout(90_000);
  let red;
  let collector;
  let adminToken;
  let viewerToken;
  let watcherToken;

  function flow() {
    return [
      { id: 'tab', type: 'tab', label: 'Genea' },
      { id: 'cfg', type: 'genea-config', name: 'Genea', credentials: { secret: SECRET } },
      { id: 'rx', type: 'genea-webhook-in', z: 'tab', config: 'cfg', url: '/genea', wires: [['events'], []] },
      // Without a duplicate window: what huge events cost here is the inspector's alone.
      {
        id: 'big',
        type: 'genea-webhook-in',
        z: 'tab',
        config: 'cfg',
        url: '/genea-big',
        dedupeMinutes: 0,
        wires: [[], []],
      },
      ...collector.sinkNodes('events', '/events', 'tab', ['topic', 'payload', 'replay']),
    ];
  }

  async function deliver(event, signed = true, path = '/genea') {
    const body = Buffer.from(JSON.stringify(event));
    const headers = { 'Content-Type': 'application/json' };
    if (signed) headers['X-Sequr-Signature'] = opensslSignature(body, SECRET);
    return (await red.request('POST', red.url(path), { headers, body })).status;
  }

  /**
   * An editor's websocket (/comms), authenticated with `token` as the editor does it, subscribed to `topics`;
   * `messages` collects { topic, data } of what arrives.
   */
  async function connectComms(token, topics) {
    const WebSocket = require(require.resolve('ws', { paths: [nodeRedDir] }));
    const socket = new WebSocket(red.adminUrl('/comms').replace(/^http/, 'ws'));
    const comms = { messages: [], close: () => socket.terminate() };
    const authenticated = new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.on('message', (data) => {
        for (const message of [].concat(JSON.parse(String(data)))) {
          if (message.auth === 'ok') resolve();
          else if (message.auth) reject(new Error(`comms auth: ${message.auth}`));
          else comms.messages.push(message);
        }
      });
    });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    socket.send(JSON.stringify({ auth: token }));
    await authenticated;
    for (const topic of topics) socket.send(JSON.stringify({ subscribe: topic }));
    return comms;
  }

  /** Resolves once `check()` holds (a positive sentinel); rejects after 10 s. */
  async function until(check, what) {
    const deadline = Date.now() + 10_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** An admin API call as `token`'s user (anonymous without one); the body parsed when it is JSON. */
  async function api(method, pathname, token) {
    const headers = token ? { Authorization: `Bearer ${token}` } : {};
    const res = await red.request(method, red.adminUrl(`/genea-webhook-in${pathname}`), { headers });
    return { status: res.status, body: /json/.test(res.headers['content-type'] ?? '') ? JSON.parse(res.text) : null };
  }

  before(async function () {
    collector = await Collector.start();
    red = await NodeRedProcess.start({
      settings: {
        adminAuth: {
          type: 'credentials',
          users: [
            { username: 'admin', password: PASSWORD_HASH, permissions: '*' },
            { username: 'viewer', password: PASSWORD_HASH, permissions: 'read' },
            { username: 'watcher', password: PASSWORD_HASH, permissions: ['status.read'] },
          ],
        },
      },
      memoryProbe: true,
    });
    adminToken = await red.login('admin');
    viewerToken = await red.login('viewer', 'read');
    watcherToken = await red.login('watcher', 'status.read');
    await red.deploy(flow(), 'full', adminToken);
  });
  after(async function () {
    await red?.dispose();
    await collector?.close();
  });
  beforeEach(() => collector.reset());

  it('lists deliveries newest first, shows one with its event, and replays it to the flow', async function () {
    const event = { ...events.granted, uuid: 'e2e-inspected' };
    assert.equal(await deliver(event), 200);
    assert.equal(await deliver(event), 200);
    assert.equal(await deliver({ ...events.denied, uuid: 'e2e-unsigned' }, false), 401);
    await collector.waitFor('/events', 1);

    const list = await api('GET', '/rx/deliveries', adminToken);
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.map((d) => [d.status, d.uuid ?? null, d.duplicate ?? null, d.hint?.code ?? null]),
      [
        [401, null, null, 'no-signature-header'],
        [200, 'e2e-inspected', true, null],
        [200, 'e2e-inspected', false, null],
      ],
    );
    assert.ok(
      list.body.every((d) => !('event' in d)),
      'the list carries no events',
    );
    const original = list.body[2];
    assert.match(original.ip, /127\.0\.0\.1$/);

    const detail = await api('GET', `/rx/deliveries/${original.id}`, viewerToken);
    assert.equal(detail.status, 200);
    assert.deepEqual(detail.body.event, event);

    const replay = await api('POST', `/rx/deliveries/${original.id}/replay`, adminToken);
    assert.equal(replay.status, 200);
    assert.equal(replay.body.replays, 1);
    const messages = await collector.waitFor('/events', 2);
    assert.deepEqual(messages[1].body, { topic: 'access.granted', payload: event, replay: true });
    const refused = await api('POST', `/rx/deliveries/${list.body[0].id}/replay`, adminToken);
    assert.deepEqual([refused.status, refused.body.error], [409, 'rejected']);
    const [receiver] = (await api('GET', '/deliveries', viewerToken)).body;
    assert.deepEqual(receiver.counts, { accepted: 1, duplicates: 1, rejected: 1, replayed: 1 });
    assert.ok(!JSON.stringify([list.body, detail.body]).includes(SECRET));
    assert.ok(!red.log.includes(SECRET));
  });

  it('keeps the last 50', async function () {
    for (let i = 0; i < 60; i++) assert.equal(await deliver({ ...events.granted, uuid: `e2e-bound-${i}` }), 200);
    const list = (await api('GET', '/rx/deliveries', viewerToken)).body;
    assert.equal(list.length, 50);
    assert.equal(list[0].uuid, 'e2e-bound-59');
    assert.equal(list[49].uuid, 'e2e-bound-10');
  });

  it('asks anonymous requests to log in, lets a read-only user list but not replay or clear', async function () {
    const [latest] = (await api('GET', '/rx/deliveries', adminToken)).body;
    for (const [method, pathname] of [
      ['GET', '/deliveries'],
      ['GET', '/rx/deliveries'],
      ['GET', `/rx/deliveries/${latest.id}`],
      ['POST', `/rx/deliveries/${latest.id}/replay`],
      ['DELETE', '/rx/deliveries'],
    ]) {
      assert.equal((await api(method, pathname)).status, 401, `anonymous ${method} ${pathname}`);
    }
    assert.equal((await api('GET', '/rx/deliveries', viewerToken)).status, 200);
    assert.equal((await api('POST', `/rx/deliveries/${latest.id}/replay`, viewerToken)).status, 401);
    assert.equal((await api('DELETE', '/rx/deliveries', viewerToken)).status, 401);
    assert.equal((await api('GET', '/rx/deliveries', viewerToken)).body.length, 50, 'nothing cleared');
    // The sentinel: a replay that must arrive, after which a replay the viewer had slipped through would be there.
    assert.equal((await api('POST', `/rx/deliveries/${latest.id}/replay`, adminToken)).status, 200);
    await collector.waitFor('/events', 1);
    assert.equal(collector.on('/events').length, 1, 'nothing replayed but the admin replay');

    assert.equal((await api('DELETE', '/rx/deliveries', adminToken)).status, 204);
    assert.deepEqual((await api('GET', '/rx/deliveries', viewerToken)).body, []);
  });

  it('tells an editor whose user may not read the list that it changed, and nothing of what was delivered', async function () {
    const topics = ['genea-webhook-in/deliveries/+', 'genea-webhook-in/#', 'status/#'];
    const watcher = await connectComms(watcherToken, topics);
    const editor = await connectComms(adminToken, topics);
    const notices = (comms) => comms.messages.filter((m) => m.topic === 'genea-webhook-in/deliveries/rx');
    try {
      const sent = [];
      const send = async (n, signed) => {
        const event = { ...events.denied, uuid: `e2e-comms-${n}`, event_message: `Secret text ${n}` };
        sent.push(event);
        assert.equal(await deliver(event, signed), signed ? 200 : 401);
      };
      await send(1, true);
      // A notice after a delivery reached both editors: the list it stood for had that delivery in it.
      await until(() => notices(watcher).length > 0 && notices(editor).length > 0, 'a notice');
      for (let n = 2; n <= 6; n++) await send(n, n % 2 === 0);
      // The sentinel: a clear publishes at once, after everything published before it.
      const before = notices(watcher).length;
      assert.equal((await api('DELETE', '/rx/deliveries', adminToken)).status, 204);
      await until(() => notices(watcher).length > before, 'the notice of the clear');

      assert.ok(
        notices(watcher).every((m) => JSON.stringify(m.data) === '{"id":"rx"}'),
        'only which receiver',
      );
      const everything = JSON.stringify(watcher.messages);
      for (const event of sent) {
        for (const text of [event.uuid, event.event_message, event.event_action]) {
          assert.ok(!everything.includes(text), `${text} reached a user without genea-webhook-in.read`);
        }
      }
      assert.doesNotMatch(everything, /127\.0\.0\.1|Missing X-Sequr|"counts"|"deliveries"/);
      // The list stays behind its permission: the watcher is refused it, the full user's editor fetches it.
      assert.equal((await api('GET', '/rx/deliveries', watcherToken)).status, 401);
      assert.equal((await api('GET', '/deliveries', watcherToken)).status, 401);
      assert.deepEqual(notices(editor).at(-1).data, { id: 'rx' });
      assert.equal((await api('GET', '/rx/deliveries', adminToken)).status, 200);
    } finally {
      watcher.close();
      editor.close();
    }
  });

  it('keeps the list and the memory small for events with huge texts', async function () {
    const memoryBefore = await red.memoryUsage();
    const huge = (c) => c.repeat(400 * 1024);
    for (let i = 0; i < 50; i++) {
      const event = { ...events.granted, uuid: `${i}-${huge('u')}`, event_message: huge('m') };
      assert.equal(await deliver(event, true, '/genea-big'), 200);
    }
    const res = await red.request('GET', red.adminUrl('/genea-webhook-in/big/deliveries'), {
      headers: { Authorization: `Bearer ${adminToken}` },
    });
    assert.equal(res.status, 200);
    const list = JSON.parse(res.text);
    assert.equal(list.length, 50);
    // 50 records of capped texts: about 40 KB, where whole texts made 40 MB.
    assert.ok(res.text.length < 64 * 1024, `the list answered ${res.text.length} bytes`);
    assert.ok(list.every((d) => d.uuid.length <= 120 && d.message.length <= 120));
    assert.match(list[0].uuid, /^49-u+…$/);
    const memoryAfter = await red.memoryUsage();
    // The 4 MiB budget of kept events, and the records: whole texts would keep 40 MB.
    const grown = memoryAfter.heapUsed + memoryAfter.external - memoryBefore.heapUsed - memoryBefore.external;
    assert.ok(grown < 12 * 1024 * 1024, `the heap grew by ${Math.round(grown / 1024)} KiB`);
  });
});
