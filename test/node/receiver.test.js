'use strict';
const assert = require('node:assert/strict');
const http = require('node:http');
const { helper, load, sign, httpNode, hooks } = require('../support/helper');
const events = require('../fixtures/events');
const { nodeRedDir } = require('../support/node-red-path');
const { until } = require('../support/until');

const SECRET = 'test-secret-7f3a';
const OLD_SECRET = 'previous-secret-19c2';

function flow(receiver = {}, config = {}) {
  return [
    { id: 'cfg', type: 'genea-config', name: 'genea', ...config },
    { id: 'rx', type: 'genea-webhook-in', config: 'cfg', url: '/genea', wires: [['out'], ['bad']], ...receiver },
    { id: 'out', type: 'helper' },
    { id: 'bad', type: 'helper' },
  ];
}
const credentials = { cfg: { secret: SECRET } };

/** Collects what a helper node receives. */
function collect(id) {
  const messages = [];
  helper.getNode(id).on('input', (msg) => messages.push(msg));
  return messages;
}

function post(agent, body, { signature = sign(body, SECRET), type = 'application/json', path = '/genea' } = {}) {
  const req = agent.post(path).set('Content-Type', type);
  if (signature !== null) req.set('X-Sequr-Signature', signature);
  return req.send(body);
}

// Node-RED's log levels as the test helper records them.
const ERROR = 20;
const WARN = 30;
/** What node `id` logged at `level`. */
const logged = (id, level) =>
  helper
    .log()
    .args.map((a) => a[0])
    .filter((entry) => entry.id === id && entry.level === level);

// The receiver remembers accepted events per node id across deploys (that is the point), so each
// test sends events with uuids of its own.
let serial = 0;
const fresh = (event) => ({ ...event, uuid: `${event.uuid}-${++serial}` });

/**
 * Sends a fresh signed event and waits until `out` received it, then takes it out again: whatever the deliveries
 * before it sent to the flow has arrived by then (a positive sentinel instead of a pause).
 */
async function sentinel(agent, out) {
  const event = fresh(events.granted);
  assert.equal((await post(agent, JSON.stringify(event))).status, 200, 'the sentinel is accepted');
  await until(() => out.some((msg) => msg.payload.uuid === event.uuid), 'the sentinel');
  assert.equal(out.pop().payload.uuid, event.uuid, 'the sentinel came last');
}

/** A second receiver, on /genea-sentinel, whose status redraw serves as a sentinel (see `afterStatusRedraws`). */
const sentinelReceiver = {
  id: 'rx-sentinel',
  type: 'genea-webhook-in',
  config: 'cfg-sentinel',
  url: '/genea-sentinel',
  wires: [[], []],
};
const sentinelConfig = { id: 'cfg-sentinel', type: 'genea-config', name: 'sentinel' };

/** The statuses node `id` has shown (the helper's spy on `status` records every node's). */
function statusesOf(id) {
  const node = helper.getNode(id);
  return node.status
    .getCalls()
    .filter((call) => call.thisValue === node)
    .map((call) => call.args[0]);
}

/**
 * Resolves once every status redraw scheduled so far has run: a delivery to the sentinel receiver schedules its
 * redraw after those, with the same delay, and Node.js runs timers of one delay in the order they were set.
 */
async function afterStatusRedraws(agent) {
  const before = statusesOf('rx-sentinel').length;
  const body = JSON.stringify(fresh(events.granted));
  const res = await post(agent, body, { path: '/genea-sentinel' });
  assert.equal(res.status, 200, 'the sentinel receiver accepts');
  await until(() => statusesOf('rx-sentinel').length > before, "the sentinel receiver's redraw");
}

describe('genea-webhook-in (node)', function () {
  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(() => helper.unload());

  describe('accepted deliveries', function () {
    it('emits the event as parsed, the summary, the topic and the headers', async function () {
      const agent = await load(flow(), credentials);
      const out = collect('out');
      const event = fresh(events.granted);
      const body = JSON.stringify(event, null, 2);
      const res = await post(agent, body).set('X-Custom', 'from-genea');
      assert.equal(res.status, 200);
      assert.equal(res.text, 'Accepted');
      await sentinel(agent, out);
      assert.equal(out.length, 1);
      const [msg] = out;
      assert.deepEqual(msg.payload, event);
      assert.equal(msg.topic, 'access.granted');
      assert.equal(msg.genea.type, 'access.granted');
      assert.equal(msg.genea.uuid, event.uuid);
      assert.equal(msg.genea.door.name, 'Front Door');
      assert.equal(msg.headers['x-custom'], 'from-genea');
    });

    it('keeps unknown fields and non-ASCII text untouched', async function () {
      const agent = await load(flow(), credentials);
      const out = collect('out');
      const event = { ...fresh(events.denied), brand_new_field: { nested: ['®', '\u00ae'] }, note: 'a/b' };
      const body = JSON.stringify(event).replace('a/b', 'a\\/b');
      assert.equal((await post(agent, body)).status, 200);
      await sentinel(agent, out);
      assert.deepEqual(out[0].payload, event);
    });

    it('answers once the next node has the message, without waiting for the flow to finish', async function () {
      let lastResponse;
      const agent = await load(flow(), credentials);
      const stack = httpNode()._router.stack;
      httpNode().use((req, res, next) => {
        lastResponse = res;
        next();
      });
      stack.unshift(stack.pop());
      // The next node never calls done(): the flow is never finished.
      const endedWhenReceived = new Promise((resolve) =>
        helper.getNode('out').on('input', () => resolve(lastResponse.writableEnded)),
      );
      const res = await post(agent, JSON.stringify(fresh(events.granted)));
      assert.equal(res.status, 200);
      assert.equal(await endedWhenReceived, false, 'not acknowledged before the next node had the message');
    });

    it('answers 200 when output 1 is wired to a disabled node or to none', async function () {
      const agent = await load(
        [...flow({ wires: [['off'], []] }), { id: 'off', type: 'helper', d: true }],
        credentials,
      );
      assert.equal((await post(agent, JSON.stringify(fresh(events.granted)))).status, 200);
      await helper.unload();
      const unwired = await load(flow({ wires: [[], []] }), credentials);
      assert.equal((await post(unwired, JSON.stringify(fresh(events.granted)))).status, 200);
    });

    it('accepts sha256 signatures and the previous secret during a rotation', async function () {
      const agent = await load(flow(), { cfg: { secret: SECRET, previousSecret: OLD_SECRET } });
      const out = collect('out');
      const a = JSON.stringify({ ...events.granted, uuid: 'a' });
      const b = JSON.stringify({ ...events.granted, uuid: 'b' });
      assert.equal((await post(agent, a, { signature: sign(a, SECRET, 'sha256') })).status, 200);
      assert.equal((await post(agent, b, { signature: sign(b, OLD_SECRET) })).status, 200);
      await sentinel(agent, out);
      assert.deepEqual(
        out.map((m) => m.payload.uuid),
        ['a', 'b'],
      );
    });

    it('accepts a JSON content type with parameters or a +json suffix', async function () {
      const agent = await load(flow(), credentials);
      const a = JSON.stringify({ ...events.granted, uuid: 'ct-a' });
      const b = JSON.stringify({ ...events.granted, uuid: 'ct-b' });
      assert.equal((await post(agent, a, { type: 'application/json; charset=utf-8' })).status, 200);
      assert.equal((await post(agent, b, { type: 'application/vnd.genea+json' })).status, 200);
    });
  });

  describe('duplicates', function () {
    it("answers Genea's retries of one uuid 200 and emits the event once", async function () {
      const agent = await load(flow(), credentials);
      const out = collect('out');
      const event = fresh(events.granted);
      const body = JSON.stringify(event);
      for (let i = 0; i < 4; i++) assert.equal((await post(agent, body)).status, 200);
      const reformatted = JSON.stringify(event, null, 1);
      const retry = await post(agent, reformatted);
      assert.equal(retry.text, 'Duplicate: already accepted');
      await sentinel(agent, out);
      assert.equal(out.length, 1);
    });

    it('without a uuid, treats the same body as the same event and another body as another', async function () {
      const agent = await load(flow(), credentials);
      const out = collect('out');
      const one = JSON.stringify({ event_message: 'Grant Access', user_name: 'A', n: ++serial });
      const two = JSON.stringify({ event_message: 'Grant Access', user_name: 'B', n: serial });
      await post(agent, one);
      await post(agent, one);
      await post(agent, two);
      await sentinel(agent, out);
      assert.deepEqual(
        out.map((m) => m.payload.user_name),
        ['A', 'B'],
      );
    });

    it('emits every delivery when the window is 0', async function () {
      const agent = await load(flow({ dedupeMinutes: 0 }), credentials);
      const out = collect('out');
      const body = JSON.stringify(fresh(events.granted));
      await post(agent, body);
      await post(agent, body);
      await sentinel(agent, out);
      assert.equal(out.length, 2);
    });

    it('remembers accepted events across a redeploy of the same node', async function () {
      const agent = await load(flow(), credentials);
      const body = JSON.stringify(fresh(events.granted));
      await post(agent, body);
      await helper.setFlows(flow({ name: 'changed' }), 'full', credentials);
      const out = collect('out');
      assert.equal((await post(agent, body)).status, 200);
      await sentinel(agent, out);
      assert.equal(out.length, 0);
    });
  });

  describe('a deploy racing a delivery', function () {
    // Test nodes that record every message any instance of them gets, across redeploys.
    const got = [];
    function recorders(RED) {
      for (const type of ['recorder-a', 'recorder-b']) {
        RED.nodes.registerType(type, function (def) {
          RED.nodes.createNode(this, def);
          this.on('input', (msg) => got.push(`${def.id}@${def.name}:${msg.payload.uuid}`));
        });
      }
    }
    const raceFlow = (version) => [
      { id: 'cfg', type: 'genea-config', name: 'genea' },
      { id: 'rx', type: 'genea-webhook-in', config: 'cfg', url: '/genea', wires: [['a', 'b'], []] },
      { id: 'a', type: 'recorder-a', name: version.a },
      { id: 'b', type: 'recorder-b', name: version.b },
    ];
    /**
     * Starts a "Modified Nodes" deploy to `version` the moment Node-RED is about to deliver the receiver's
     * message to node `id`: the deploy stops the old instance before that delivery, as a real one can.
     */
    function deployBeforeDeliveryTo(id, version) {
      let deployed;
      hooks.add('preDeliver.race', (sendEvent) => {
        if (sendEvent.source.id !== 'rx' || sendEvent.destination.id !== id || deployed) return;
        deployed = helper.setFlows(raceFlow(version), 'nodes', credentials);
      });
      return () => deployed;
    }
    beforeEach(() => (got.length = 0));
    afterEach(() => hooks.remove('*.race'));

    it('hands an event that one wired node had to the replaced other once it runs, and never again', async function () {
      const agent = await load(raceFlow({ a: 'v0', b: 'v0' }), credentials, [recorders]);
      const deploy = deployBeforeDeliveryTo('b', { a: 'v0', b: 'v1' });
      const event = fresh(events.granted);
      const body = JSON.stringify(event);
      const first = await post(agent, body);
      assert.deepEqual([first.status, first.text], [200, 'Accepted'], 'a had it: the event counts as emitted');
      await deploy();
      // Genea's retry (it may have missed the answer) is a duplicate: nobody gets the event twice.
      const retry = await post(agent, body);
      assert.deepEqual([retry.status, retry.text], [200, 'Duplicate: already accepted']);
      const sentinel = fresh(events.denied);
      await post(agent, JSON.stringify(sentinel));
      await until(() => got.includes(`b@v1:${sentinel.uuid}`));
      assert.deepEqual(
        got.filter((entry) => entry.endsWith(`:${event.uuid}`)).sort(),
        [`a@v0:${event.uuid}`, `b@v1:${event.uuid}`],
        'a had it once, and the new instance of b got it once',
      );
      assert.equal(logged('rx', 40).length, 1, 'the hand-over is logged');
    });

    it('answers 503 and emits the retry when the deploy replaced every wired node first', async function () {
      const agent = await load(raceFlow({ a: 'v0', b: 'v0' }), credentials, [recorders]);
      const deploy = deployBeforeDeliveryTo('a', { a: 'v1', b: 'v1' });
      const event = fresh(events.granted);
      const body = JSON.stringify(event);
      const first = await post(agent, body);
      assert.deepEqual([first.status, first.text], [503, 'Receiver is restarting: retry the delivery']);
      await deploy();
      const retry = await post(agent, body);
      assert.deepEqual([retry.status, retry.text], [200, 'Accepted'], 'the claim was released: the retry is new');
      await until(() => got.length === 2);
      assert.deepEqual(got.sort(), [`a@v1:${event.uuid}`, `b@v1:${event.uuid}`]);
    });

    it('keeps what it remembers when a deploy changes the window, grown or shrunk', async function () {
      const agent = await load(flow({ dedupeMinutes: 10 }), credentials);
      const body = JSON.stringify(fresh(events.granted));
      assert.equal((await post(agent, body)).text, 'Accepted');
      for (const dedupeMinutes of [15, 1, '20']) {
        await helper.setFlows(flow({ dedupeMinutes }), 'nodes', credentials);
        assert.equal((await post(agent, body)).text, 'Duplicate: already accepted', `after ${dedupeMinutes}`);
      }
    });
  });

  describe('rejections', function () {
    const cases = [
      ['401 without a signature', { signature: null }, 401, /Missing X-Sequr-Signature/],
      ['401 for a signature made with another secret', { signature: 'sha1=' + '0'.repeat(40) }, 401, /does not match/],
      ['401 for a malformed signature', { signature: 'md5=abc' }, 401, /Malformed/],
      ['415 for a body that is not JSON', { type: 'text/plain' }, 415, /Content-Type/],
    ];
    for (const [title, options, status, reason] of cases) {
      it(`answers ${title}, emits nothing and reports it on output 2`, async function () {
        const agent = await load(flow(), credentials);
        const out = collect('out');
        const bad = collect('bad');
        const res = await post(agent, JSON.stringify(events.granted), options);
        assert.equal(res.status, status);
        assert.match(res.text, reason);
        assert.match(res.headers['content-type'], /^text\/plain/);
        await sentinel(agent, out);
        assert.equal(out.length, 0);
        assert.equal(bad.length, 1);
        assert.equal(bad[0].topic, 'rejected');
        assert.equal(bad[0].payload.status, status);
        assert.match(bad[0].payload.reason, reason);
        assert.doesNotMatch(JSON.stringify(bad[0]), new RegExp(SECRET));
      });
    }

    it('answers 400 for signed bodies that are not a JSON object', async function () {
      const agent = await load(flow(), credentials);
      const out = collect('out');
      for (const body of ['[1,2]', '"text"', '42', 'null', '{"broken":', '']) {
        const res = await post(agent, body);
        assert.equal(res.status, 400, body);
        assert.equal(res.text, 'Body is not a JSON object');
      }
      await sentinel(agent, out);
      assert.equal(out.length, 0);
    });

    it('answers 405 with Allow: POST for other methods', async function () {
      const agent = await load(flow(), credentials);
      for (const method of ['get', 'put', 'delete', 'patch']) {
        const res = await agent[method]('/genea');
        assert.equal(res.status, 405, method);
        assert.equal(res.headers.allow, 'POST');
      }
    });

    it('answers 503 while no secret is configured', async function () {
      const agent = await load(flow(), { cfg: { secret: '  ' } });
      const res = await post(agent, JSON.stringify(events.granted));
      assert.equal(res.status, 503);
      assert.match(res.text, /no webhook secret/);
      await helper.unload();
      const without = await load(flow({ config: '' }), {});
      assert.equal((await post(without, JSON.stringify(events.granted))).status, 503);
    });

    it('answers 413 as soon as a declared or streamed body is over the limit', async function () {
      const agent = await load(flow({ maxBodyKiB: 1 }), credentials);
      const big = JSON.stringify({ ...events.granted, filler: 'x'.repeat(2048) });
      const declared = await post(agent, big);
      assert.equal(declared.status, 413);
      assert.match(declared.text, /larger than 1024 bytes/);

      const server = http.createServer(httpNode());
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        assert.equal(await chunkedPost(server.address().port, '/genea', 'x'.repeat(600), 10), 413);
      } finally {
        server.closeAllConnections();
        server.close();
      }
    });

    it('logs rejections at most once per interval', async function () {
      const agent = await load(flow(), credentials);
      for (let i = 0; i < 20; i++) await post(agent, '{}', { signature: null });
      const warnings = logged('rx', WARN);
      assert.equal(warnings.length, 1);
    });
  });

  describe('where the raw body cannot be had', function () {
    /** Puts a middleware that reads every body first in httpNode's stack; returns its removal. */
    const consumeBodiesInFront = () => {
      const stack = httpNode()._router.stack;
      httpNode().use((req, _res, next) => {
        req.on('data', () => {});
        req.on('end', next);
      });
      stack.unshift(stack.pop());
      return () => stack.shift();
    };

    it('answers 500 and logs what to change when a middleware in front consumed the body', async function () {
      const agent = await load(flow(), credentials);
      consumeBodiesInFront();
      const res = await post(agent, JSON.stringify(fresh(events.granted)));
      assert.equal(res.status, 500);
      assert.match(res.text, /raw request body was consumed/);
      const errors = logged('rx', ERROR);
      assert.match(String(errors[0].msg), /errors\.raw-body-consumed/);
    });

    it('logs a consumed body at most once per interval, each request still answered 500', async function () {
      const agent = await load(flow(), credentials);
      const removeConsumer = consumeBodiesInFront();
      try {
        for (let i = 0; i < 5; i++)
          assert.equal((await post(agent, JSON.stringify(fresh(events.granted)))).status, 500);
        assert.equal(logged('rx', ERROR).length, 1);
      } finally {
        removeConsumer();
      }
    });

    it('stops with a red status and an actionable error when httpNodeRoot is false', async function () {
      helper.settings({ httpNodeRoot: false });
      try {
        await load(flow(), credentials);
        const receiver = helper.getNode('rx');
        assert.deepEqual(receiver.status.lastCall.args[0], {
          fill: 'red',
          shape: 'ring',
          text: 'genea-webhook-in.status.http-disabled',
        });
        const errors = logged('rx', ERROR);
        assert.match(String(errors[0].msg), /errors\.http-disabled/);
      } finally {
        helper.settings({});
      }
    });
  });

  describe('the config node', function () {
    it('serves several receivers with one secret', async function () {
      const agent = await load(
        [...flow(), { id: 'rx2', type: 'genea-webhook-in', config: 'cfg', url: '/genea-annex', wires: [['out'], []] }],
        credentials,
      );
      const out = collect('out');
      assert.equal((await post(agent, JSON.stringify(fresh(events.granted)))).status, 200);
      assert.equal((await post(agent, JSON.stringify(fresh(events.denied)), { path: '/genea-annex' })).status, 200);
      await sentinel(agent, out);
      assert.deepEqual(
        out.map((m) => m.topic),
        ['access.granted', 'access.denied'],
      );
    });
  });

  describe('source allow-list', function () {
    const allowed = (list, proxies = 0) => flow({ allowList: list, trustedProxies: proxies });

    it('answers 403 to a source not on the list, before reading the body, and emits nothing', async function () {
      const agent = await load(allowed('34.205.175.141, 2001:db8::/32'), credentials);
      const out = collect('out');
      const bad = collect('bad');
      const huge = JSON.stringify({ ...fresh(events.granted), filler: 'x'.repeat(2 * 1024 * 1024) });
      const res = await post(agent, huge);
      assert.equal(res.status, 403);
      assert.match(res.text, /^Forbidden: source (::ffff:)?127\.0\.0\.1 is not allowed$/);
      assert.equal((await agent.get('/genea')).status, 403);
      await until(() => bad.length > 0, 'the rejection report');
      assert.equal(out.length, 0);
      assert.equal(bad[0].payload.status, 403);
    });

    it('accepts sources in a listed range, IPv4-mapped socket addresses included', async function () {
      const agent = await load(allowed('192.0.2.1\n127.0.0.0/8'), credentials);
      const out = collect('out');
      assert.equal((await post(agent, JSON.stringify(fresh(events.granted)))).status, 200);
      await sentinel(agent, out);
      assert.equal(out.length, 1);
    });

    it('ignores X-Forwarded-For unless proxy hops are trusted, then takes the one the proxy added', async function () {
      const body = JSON.stringify(fresh(events.granted));
      const direct = await load(allowed('34.205.175.141'), credentials);
      assert.equal((await post(direct, body).set('X-Forwarded-For', '34.205.175.141')).status, 403);
      await helper.unload();
      const proxied = await load(allowed('34.205.175.141', 1), credentials);
      const bad = collect('bad');
      assert.equal((await post(proxied, body).set('X-Forwarded-For', '34.205.175.141')).status, 200);
      const spoofed = await post(proxied, body).set('X-Forwarded-For', '34.205.175.141, 198.51.100.4');
      assert.deepEqual([spoofed.status, spoofed.text], [403, 'Forbidden: source 198.51.100.4 is not allowed']);
      const bypassed = await post(proxied, body);
      assert.equal(bypassed.status, 403);
      assert.match(bypassed.text, /X-Forwarded-For does not show the 1 trusted proxy hop/);
      await until(() => bad.length === 2, 'both rejection reports');
      assert.equal(bad[0].payload.ip, '198.51.100.4', 'rejections report the client the proxy named');
    });

    it('fails closed on an invalid entry: red status, an error naming it, 503 to every request', async function () {
      const agent = await load([...allowed('34.205.175.141, 10.0.0.0/40'), sentinelConfig, sentinelReceiver], {
        ...credentials,
        'cfg-sentinel': { secret: SECRET },
      });
      assert.deepEqual(statusesOf('rx').at(-1), {
        fill: 'red',
        shape: 'ring',
        text: 'genea-webhook-in.status.bad-allow-list',
      });
      const errors = logged('rx', ERROR);
      assert.equal(errors.length, 1);
      const out = collect('out');
      const res = await post(agent, JSON.stringify(fresh(events.granted)));
      assert.deepEqual(
        [res.status, res.text],
        [503, 'Receiver misconfigured: invalid source allow-list (see the Node-RED log)'],
      );
      assert.equal((await agent.get('/genea')).status, 503);
      const drawn = statusesOf('rx').length;
      await afterStatusRedraws(agent);
      assert.equal(statusesOf('rx').length, drawn, 'rejections do not paint over the error');
      assert.equal(out.length, 0);
    });
  });

  describe('the route', function () {
    it('answers 404 once the receiver is removed, and one message per delivery after redeploys', async function () {
      const agent = await load(flow(), credentials);
      for (let i = 0; i < 5; i++) await helper.setFlows(flow({ name: `v${i}` }), 'full', credentials);
      const out = collect('out');
      await post(agent, JSON.stringify(fresh(events.granted)));
      await sentinel(agent, out);
      assert.equal(out.length, 1);
      await helper.setFlows([{ id: 'cfg', type: 'genea-config' }], 'full', credentials);
      assert.equal((await post(agent, JSON.stringify(fresh(events.denied)))).status, 404);
    });

    it('moves with a changed path', async function () {
      const agent = await load(flow(), credentials);
      await helper.setFlows(flow({ url: '/genea-v2' }), 'full', credentials);
      assert.equal((await post(agent, JSON.stringify(fresh(events.granted)))).status, 404);
      assert.equal((await post(agent, JSON.stringify(fresh(events.granted)), { path: '/genea-v2' })).status, 200);
    });

    it('listens to deploys once for all receivers, however many there are', async function () {
      const { events: runtimeEvents } = require(require.resolve('@node-red/util', { paths: [nodeRedDir] }));
      await load(flow(), credentials);
      const withOne = runtimeEvents.listenerCount('flows:started');
      const many = Array.from({ length: 12 }, (_, i) => ({
        id: `rx${i}`,
        type: 'genea-webhook-in',
        config: 'cfg',
        url: `/genea-${i}`,
        wires: [[], []],
      }));
      await helper.setFlows([...flow(), ...many], 'full', credentials);
      assert.equal(runtimeEvents.listenerCount('flows:started'), withOne);
    });

    it('refuses a second receiver on the same path with an error on that node', async function () {
      const twoOnOnePath = [
        ...flow(),
        { id: 'rx2', type: 'genea-webhook-in', config: 'cfg', url: '/GENEA', wires: [[], []] },
      ];
      const agent = await load(twoOnOnePath, credentials);
      const errors = logged('rx2', ERROR);
      assert.equal(errors.length, 1);
      // The test helper's RED._ returns message keys; the end-to-end test reads the English text.
      assert.match(String(errors[0].msg), /errors\.path-in-use-receiver/);
      const out = collect('out');
      assert.equal((await post(agent, JSON.stringify(fresh(events.granted)))).status, 200);
      await sentinel(agent, out);
      assert.equal(out.length, 1);
    });

    it('refuses a path with route patterns or characters express does not match literally', async function () {
      for (const url of ['/genea/:site', '/hook(1)', '/hook+', '/a$', '/genea/', '/a//b', '/%41']) {
        await load(flow({ url }), credentials);
        const errors = logged('rx', ERROR);
        assert.match(String(errors[0]?.msg), /errors\.bad-path/, url);
        assert.equal(helper.getNode('rx').status.lastCall.args[0].text, 'genea-webhook-in.status.bad-path');
        await helper.unload();
      }
    });

    /** A node module that mounts a route of its own on httpNode, as core http in does. */
    const routeMaker = (RED) =>
      RED.nodes.registerType('route-maker', function (def) {
        RED.nodes.createNode(this, def);
        const handler = (_req, res) => res.end('route maker');
        RED.httpNode.post(def.path, handler);
        this.on('close', () => {
          const stack = RED.httpNode._router.stack;
          stack.splice(
            stack.findIndex((layer) => layer.route?.stack.some((l) => l.handle === handler)),
            1,
          );
        });
      });

    for (const order of ['before', 'after']) {
      it(`reports a path another node's route serves, that node started ${order} the receiver`, async function () {
        const maker = { id: 'maker', type: 'route-maker', path: '/GENEA' };
        const nodes = flow();
        const agent = await load(order === 'before' ? [maker, ...nodes] : [...nodes, maker], credentials, [routeMaker]);
        await until(() => logged('rx', ERROR).length > 0, 'the error');
        const errors = logged('rx', ERROR);
        assert.equal(errors.length, 1);
        assert.match(String(errors[0].msg), /errors\.path-in-use-route/);
        assert.equal(helper.getNode('rx').status.lastCall.args[0].text, 'genea-webhook-in.status.path-in-use-route');
        // The other node keeps its path: the receiver mounted nothing there.
        assert.deepEqual(pickText(await post(agent, JSON.stringify(fresh(events.granted)))), [200, 'route maker']);
      });
    }
  });

  describe('httpNodeMiddleware', function () {
    for (const [kind, middleware] of [
      ['a function', (req, res, next) => (req.headers['x-key'] === 'k' ? next() : res.status(403).end('refused'))],
      [
        'an array',
        [
          (_req, _res, next) => next(),
          (req, res, next) => (req.headers['x-key'] === 'k' ? next() : res.status(403).end('refused')),
        ],
      ],
    ]) {
      it(`runs in front of the receiver for every delivery, as ${kind}`, async function () {
        helper.settings({ httpNodeMiddleware: middleware });
        try {
          const agent = await load(flow(), credentials);
          const out = collect('out');
          for (let i = 0; i < 5; i++) {
            assert.deepEqual(pickText(await post(agent, JSON.stringify(fresh(events.granted)))), [403, 'refused']);
          }
          assert.equal((await post(agent, JSON.stringify(fresh(events.granted))).set('X-Key', 'k')).status, 200);
          assert.equal(out.length, 1);
        } finally {
          helper.settings({});
        }
      });
    }
  });

  describe('maxEventAgeMinutes', function () {
    const at = (minutesAgo, event = events.granted) => ({
      ...fresh(event),
      event_time: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
    });

    it('answers 400 to an event older than the limit and emits it not; younger ones pass', async function () {
      const agent = await load(flow({ maxEventAgeMinutes: 5 }), credentials);
      const out = collect('out');
      const bad = collect('bad');
      assert.deepEqual(pickText(await post(agent, JSON.stringify(at(6)))), [
        400,
        'Event too old: its event_time is more than maxEventAgeMinutes ago',
      ]);
      const undated = { ...fresh(events.granted) };
      delete undated.event_time;
      assert.deepEqual(pickText(await post(agent, JSON.stringify(undated))), [
        400,
        'Event has no valid event_time, which maxEventAgeMinutes requires',
      ]);
      assert.equal((await post(agent, JSON.stringify(at(4)))).status, 200);
      assert.equal(out.length, 1);
      assert.deepEqual(
        bad.map((msg) => msg.payload.status),
        [400, 400],
      );
    });

    it('is off by default: a year-old event is accepted', async function () {
      const agent = await load(flow(), credentials);
      assert.equal((await post(agent, JSON.stringify(at(525_600)))).status, 200);
    });
  });

  describe('status', function () {
    it('shows that it listens, then the path, the last event and the rejections', async function () {
      const agent = await load(flow(), credentials);
      const spy = helper.getNode('rx').status; // the test helper spies on status()
      // A fixed state is a catalog key: the editor shows it in its own language.
      assert.deepEqual(spy.lastCall.args[0], {
        fill: 'green',
        shape: 'ring',
        text: 'genea-webhook-in.status.listening',
      });
      await post(agent, JSON.stringify(fresh(events.granted)));
      await post(agent, '{}', { signature: null });
      await until(() => / · genea-webhook-in\.status\.rejected$/.test(spy.lastCall.args[0].text), 'the status');
      const last = spy.lastCall.args[0];
      assert.match(last.text, /^\/genea · access\.granted \d\d:\d\d · genea-webhook-in\.status\.rejected$/);
      assert.equal(last.fill, 'yellow');
    });

    for (const [what, creds, config] of [
      ['an empty secret', { cfg: { secret: '' } }, 'cfg'],
      ['a secret of blanks', { cfg: { secret: ' \n' } }, 'cfg'],
      ['no config node', {}, ''],
    ]) {
      it(`says "no secret" from the start with ${what}, and a warning says where to set it`, async function () {
        const agent = await load([...flow({ config }), sentinelConfig, sentinelReceiver], {
          ...creds,
          'cfg-sentinel': { secret: SECRET },
        });
        assert.deepEqual(statusesOf('rx').at(-1), {
          fill: 'red',
          shape: 'ring',
          text: 'genea-webhook-in.status.no-secret',
        });
        const warnings = logged('rx', WARN).map((entry) => String(entry.msg));
        assert.match(warnings[0], config ? /errors\.no-secret/ : /errors\.no-config/);
        assert.equal((await post(agent, JSON.stringify(fresh(events.granted)))).status, 503);
        const drawn = statusesOf('rx').length;
        await afterStatusRedraws(agent);
        assert.ok(statusesOf('rx').length > drawn, 'the rejection was drawn');
        assert.equal(statusesOf('rx').at(-1).text, 'genea-webhook-in.status.no-secret', 'still no secret');
      });
    }

    it('says while deliveries match the previous secret, in the status and a throttled warning', async function () {
      const agent = await load(flow(), { cfg: { secret: SECRET, previousSecret: OLD_SECRET } });
      const spy = helper.getNode('rx').status;
      for (let i = 0; i < 3; i++) {
        const body = JSON.stringify(fresh(events.granted));
        assert.equal((await post(agent, body, { signature: sign(body, OLD_SECRET) })).status, 200);
      }
      await until(() => / · genea-webhook-in\.status\.previous-secret$/.test(spy.lastCall.args[0].text), 'the status');
      assert.equal(spy.lastCall.args[0].fill, 'yellow');
      const rotationWarnings = () =>
        logged('rx', WARN).filter((entry) => /errors\.previous-secret/.test(String(entry.msg)));
      assert.equal(rotationWarnings().length, 1, 'one warning for three deliveries');

      const body = JSON.stringify(fresh(events.granted));
      assert.equal((await post(agent, body)).status, 200);
      await until(() => spy.lastCall.args[0].fill === 'green', 'the status');
      assert.doesNotMatch(spy.lastCall.args[0].text, /previous-secret/);
      assert.equal(spy.lastCall.args[0].fill, 'green');
      const INFO = 40;
      const infos = logged('rx', INFO).map((entry) => String(entry.msg));
      assert.ok(
        infos.some((msg) => /errors\.current-secret/.test(msg)),
        'says when the previous secret can go',
      );
    });
  });
});

/** POSTs `chunk` `times` times with chunked encoding; resolves to the status answered. */
function chunkedPost(port, path, chunk, times) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        port,
        host: '127.0.0.1',
        path,
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Sequr-Signature': 'sha1=' + '0'.repeat(40) },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode);
      },
    );
    req.on('error', (err) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? undefined : reject(err)));
    let sent = 0;
    const writeNext = () => {
      if (sent++ < times && !req.destroyed) req.write(chunk, () => setTimeout(writeNext, 5));
    };
    writeNext();
  });
}

function pickText(res) {
  return [res.status, res.text];
}
