'use strict';
// The delivery inspector's admin API in a real Node-RED process with adminAuth: deliveries over real HTTP, then
// the list, a detail, a replay to the flow, the bound of 50, and who may do what.
const assert = require('node:assert/strict');
const { NodeRedProcess, PASSWORD_HASH } = require('../support/red-process');
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

  function flow() {
    return [
      { id: 'tab', type: 'tab', label: 'Genea' },
      { id: 'cfg', type: 'genea-config', name: 'Genea', credentials: { secret: SECRET } },
      { id: 'rx', type: 'genea-webhook-in', z: 'tab', config: 'cfg', url: '/genea', wires: [['events'], []] },
      ...collector.sinkNodes('events', '/events', 'tab', ['topic', 'payload', 'replay']),
    ];
  }

  async function deliver(event, signed = true) {
    const body = Buffer.from(JSON.stringify(event));
    const headers = { 'Content-Type': 'application/json' };
    if (signed) headers['X-Sequr-Signature'] = opensslSignature(body, SECRET);
    return (await red.request('POST', red.url('/genea'), { headers, body })).status;
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
          ],
        },
      },
    });
    adminToken = await red.login('admin');
    viewerToken = await red.login('viewer', 'read');
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
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(collector.on('/events').length, 0, 'nothing replayed');

    assert.equal((await api('DELETE', '/rx/deliveries', adminToken)).status, 204);
    assert.deepEqual((await api('GET', '/rx/deliveries', viewerToken)).body, []);
  });
});
