'use strict';
// genea-api and genea-door in Node-RED (node-red-node-test-helper) against the loopback stand-in of Genea's API:
// where the action and door come from, what goes out, what goes to Catch nodes, the status, the admin endpoints
// of the dialogs, and that the key appears in none of it.
const assert = require('node:assert/strict');
const util = require('node:util');
const fc = require('fast-check');
const { helper, load: loadNodes } = require('../support/helper');
const { GeneaApiStandIn, door } = require('../support/genea-api-stand-in');

const KEY = 'node-test-api-key-5d2c81';
const CUSTOMER = 'customer-node';

/**
 * Every key a test configured or typed, and every text a user could see from it: what the nodes logged (warn, log,
 * error), their statuses, every message they sent (to outputs and Catch nodes), and every admin answer. Checked
 * after each test, whatever the test loaded and however.
 */
const exposure = { keys: new Set([KEY]), texts: [] };

const everything = (value) =>
  util.inspect(value, { depth: null, maxArrayLength: null, maxStringLength: null, breakLength: Infinity });

function load(flow, credentials = {}, extraNodes) {
  for (const { apiKey } of Object.values(credentials)) {
    if (typeof apiKey === 'string' && apiKey.trim() !== '') exposure.keys.add(apiKey.trim());
  }
  return loadNodes(flow, credentials, extraNodes);
}

/** Keeps what the loaded flow's nodes logged, showed and sent: the test helper forgets it on unload. */
function collectOutput() {
  if (!helper.log()) return;
  exposure.texts.push(everything(helper.log().args));
  // The helper spies on Node.prototype's methods (status, warn, error, log, send) for every node it loads.
  const node = helper._NodePrototype;
  for (const method of ['status', 'warn', 'error', 'log', 'send']) exposure.texts.push(everything(node[method].args));
}

async function unload() {
  collectOutput();
  await helper.unload();
}

/** admin() whose answers are kept for the key check, and whose typed keys are searched for too. */
function admin() {
  const agent = helper.request();
  const record = (test) => {
    const send = test.send.bind(test);
    test.send = (body) => {
      if (typeof body?.apiKey === 'string' && body.apiKey.trim() !== '') exposure.keys.add(body.apiKey.trim());
      return send(body);
    };
    const end = test.end.bind(test);
    test.end = (callback) =>
      end((err, res) => {
        if (res) exposure.texts.push(everything({ status: res.status, headers: res.headers, text: res.text }));
        callback(err, res);
      });
    return test;
  };
  return { get: (path) => record(agent.get(path)), post: (path) => record(agent.post(path)) };
}

describe('genea-door and genea-api (node)', function () {
  let api;
  let seen;
  // A fresh config node id per load: the test helper keeps credentials by node id across loads.
  let apiId;
  let loads = 0;

  beforeEach(async function () {
    api = await GeneaApiStandIn.start({
      keys: { [KEY]: CUSTOMER },
      doors: [
        ...Array.from({ length: 120 }, (_, i) => door(`d${i + 1}`, { location_uuid: i < 60 ? 'loc-a' : 'loc-b' })),
        door('offline', { is_online: false, name: 'Back door' }),
      ],
      locations: [{ uuid: 'loc-a', name: 'Headquarters' }],
    });
  });
  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(async function () {
    await unload();
    await api.close();
    // Nothing any test showed carries a key it used.
    const shown = exposure.texts.join('\n');
    const keys = [...exposure.keys];
    exposure.keys = new Set([KEY]);
    exposure.texts = [];
    assert.ok(shown.length > 0, 'the key check saw output');
    for (const key of keys)
      assert.ok(!shown.includes(key), `the key ${key} appeared in a log, status, message or answer`);
  });

  /**
   * Loads a genea-door `d` with `props` and a genea-api `api` (its key and base URL from `apiProps`), wired to
   * `out`, with a catch node on `d` wired to `caught`. `seen` collects every output, error and status.
   */
  async function loadDoor(props, { apiProps = {}, key = KEY } = {}) {
    if (loads > 0) await unload(); // several loads in one test
    apiId = `api-${++loads}`;
    await load(
      [
        { id: 'flow', type: 'tab' },
        { id: apiId, type: 'genea-api', name: 'Genea', baseUrl: api.url, ...apiProps },
        { id: 'd', z: 'flow', type: 'genea-door', api: apiId, action: 'lock', door: '', ...props, wires: [['out']] },
        { id: 'out', z: 'flow', type: 'helper' },
        { id: 'catcher', z: 'flow', type: 'catch', scope: ['d'], wires: [['caught']] },
        { id: 'caught', z: 'flow', type: 'helper' },
      ],
      key === null ? {} : { [apiId]: { apiKey: key } },
    );
    seen = { out: [], caught: [], statuses: [] };
    helper.getNode('out').on('input', (msg) => seen.out.push(msg));
    helper.getNode('caught').on('input', (msg) => seen.caught.push(msg));
    const node = helper.getNode('d');
    node.on('call:status', (call) => seen.statuses.push(call.args[0]));
    for (const call of node.status.getCalls()) seen.statuses.push(call.args[0]);
    return node;
  }

  /** Sends `msg` to the door node; resolves with the message that came out or the one a catch node got. */
  function send(node, msg) {
    return new Promise((resolve) => {
      const sinks = { out: helper.getNode('out'), caught: helper.getNode('caught') };
      const listeners = {};
      for (const kind of Object.keys(sinks)) {
        listeners[kind] = (m) => {
          // Both listeners go: one left behind would take the next message of a later send. (Removed on the next
          // tick, as Node-RED's input callbacks must not change while it walks them.)
          setImmediate(() => {
            for (const [name, sink] of Object.entries(sinks)) sink.removeListener('input', listeners[name]);
          });
          resolve({ [kind]: m });
        };
        sinks[kind].on('input', listeners[kind]);
      }
      node.receive(msg);
    });
  }

  const lastStatus = () => seen.statuses.at(-1);

  describe('commands', function () {
    it('locks the node’s door and sends { door, action, locked, message }, the rest of msg unchanged', async function () {
      const node = await loadDoor({ action: 'lock', door: 'd1' });
      api.doorState('d1').is_locked = false;
      const { out } = await send(node, { payload: 'go', topic: 'kept', genea: { door: { uuid: 'd2' } } });
      assert.deepEqual(out.payload, { door: 'd1', action: 'lock', locked: true, message: 'Door locked' });
      assert.equal(out.topic, 'kept');
      assert.deepEqual(api.commands('d1'), ['lock']);
      assert.deepEqual(api.commands('d2'), [], 'the node’s own door wins over the event’s');
      assert.equal(lastStatus().fill, 'green');
      assert.match(lastStatus().text, /^locked d1 · \d\d:\d\d:\d\d$/);
    });

    it('takes the door from msg.door, else from msg.genea.door.uuid', async function () {
      const node = await loadDoor({ action: 'unlock' });
      let { out } = await send(node, { door: ' d5 ', genea: { door: { uuid: 'd6' } } });
      assert.deepEqual(out.payload, { door: 'd5', action: 'unlock', locked: false, message: 'Door unlocked' });
      ({ out } = await send(node, { genea: { door: { uuid: 'd6' } } }));
      assert.equal(out.payload.door, 'd6');
      assert.deepEqual(api.commands('d5'), ['unlock']);
      assert.deepEqual(api.commands('d6'), ['unlock']);
    });

    it('a msg.door that is not a non-empty string is an error naming it, never replaced by the event’s door', async function () {
      const node = await loadDoor({ action: 'msg' });
      const given = [
        [42, 'number 42'],
        [{ uuid: 'x' }, 'object {"uuid":"x"}'],
        [['x'], 'array ["x"]'],
        [true, 'boolean true'],
        ['', 'string ""'],
        ['   ', 'string "   "'],
        [null, 'null null'],
        // msg.door = flow.get('x') with nothing stored: a door was meant, so the event's door must not stand in.
        [undefined, 'undefined'],
        [{ name: 'x'.repeat(100) }, `object {"name":"${'x'.repeat(30)}…`],
      ];
      for (const [value, rendering] of given) {
        const { caught } = await send(node, { action: 'unlock', door: value, genea: { door: { uuid: 'd6' } } });
        assert.ok(caught, `msg.door ${rendering} went through`);
        assert.equal(
          caught.error.message,
          `msg.door is ${rendering}, not a door uuid (a non-empty string): no request sent (unlock). ` +
            'msg.genea.door.uuid is used only when msg has no door.',
        );
        assert.equal(lastStatus().text, 'not sent (see the error)');
      }
      // Without msg.genea the same precise error, not "no door uuid in the node, msg.door or msg.genea.door.uuid".
      const { caught } = await send(node, { action: 'quick_unlock', door: 123 });
      assert.match(caught.error.message, /^msg\.door is number 123, not a door uuid .*\(quick_unlock\)/);
      // A value JSON cannot render still gets its type.
      const circular = {};
      circular.self = circular;
      assert.match(
        (await send(node, { action: 'lock', door: circular })).caught.error.message,
        /^msg\.door is object \[object Object\]/,
      );
      assert.match((await send(node, { action: 'lock', door: 10n })).caught.error.message, /^msg\.door is bigint 10n,/);
      assert.equal(api.requests.length, 0, 'no request at all, not even the key verification');
    });

    it('door choice (property): for any msg.door and msg.genea, the door given (a valid string) or nothing', async function () {
      const node = await loadDoor({ action: 'msg' });
      const doorIds = fc.constantFrom('d1', 'd2', ' d3 ', 'EVENT-DOOR', 'not/a-door', '../d1');
      const anyDoor = fc.oneof(doorIds, fc.anything(), fc.string({ maxLength: 4 }));
      const anyGenea = fc.oneof(
        fc.anything(),
        fc.record({ door: fc.oneof(fc.constant(null), fc.anything(), fc.record({ uuid: anyDoor })) }),
      );
      const message = fc.record(
        { door: anyDoor, genea: anyGenea },
        { requiredKeys: [] }, // each key absent in a share of the runs
      );
      const outcomes = { sent: 0, refused: 0 };
      await fc.assert(
        fc.asyncProperty(message, async (fields) => {
          const before = api.requests.filter((r) => r.method === 'PUT').length;
          const result = await send(node, { action: 'unlock', ...fields });
          const puts = api.requests.filter((r) => r.method === 'PUT').slice(before);
          // The door the message gave: msg.door when present, else the event's.
          const given = 'door' in fields ? fields.door : fields.genea?.door?.uuid;
          const valid = typeof given === 'string' && /^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(given.trim());
          assert.ok(puts.length <= 1, 'at most one request');
          if (puts.length === 1) {
            assert.ok(valid, `sent for ${JSON.stringify(fields)}`);
            assert.equal(puts[0].path, `/v2/door/${given.trim()}/unlock`, 'to the door given, no other');
            outcomes.sent++;
          } else {
            assert.ok(!valid, `nothing sent for a valid door ${JSON.stringify(given)}`);
            assert.ok(result.caught, 'a refusal goes to Catch');
            outcomes.refused++;
          }
        }),
        { numRuns: 300 },
      );
      assert.ok(outcomes.sent > 20 && outcomes.refused > 20, JSON.stringify(outcomes));
    });

    it('names the node’s door by the name the dialog kept (doorName) in the status, any other door by its uuid', async function () {
      const node = await loadDoor({ action: 'msg', door: 'd1', doorName: 'Front Door' });
      await send(node, { action: 'unlock' });
      const texts = seen.statuses.map((status) => status.text);
      assert.ok(texts.includes('unlock Front Door …'), texts.join());
      assert.match(lastStatus().text, /^unlocked Front Door · \d\d:\d\d:\d\d$/);
      assert.deepEqual(api.commands('d1'), ['unlock'], 'the uuid goes to Genea');
      const named = await loadDoor({ action: 'lock', door: '', doorName: 'Front Door' });
      await send(named, { door: 'd2' });
      assert.match(lastStatus().text, /^locked d2 · /, 'a door from the message: its uuid');
    });

    it('quick-grants: locked is null, message is Genea’s meta.message', async function () {
      const node = await loadDoor({ action: 'quick_unlock', door: 'd1' });
      const { out } = await send(node, {});
      assert.deepEqual(out.payload, { door: 'd1', action: 'quick_unlock', locked: null, message: 'Quick grant sent' });
      assert.match(lastStatus().text, /^quick grant d1/);
    });

    it('takes the action from msg.action with action "msg"', async function () {
      const node = await loadDoor({ action: 'msg', door: 'd1' });
      assert.equal((await send(node, { action: 'unlock' })).out.payload.locked, false);
      assert.equal((await send(node, { action: 'lock' })).out.payload.locked, true);
      assert.equal((await send(node, { action: 'list' })).out.payload.length, 121);
      assert.deepEqual(api.commands('d1'), ['unlock', 'lock']);
    });

    it('sends commands for one door in message order, also from two nodes', async function () {
      await load(
        [
          { id: 'flow', type: 'tab' },
          { id: 'api-order', type: 'genea-api', baseUrl: api.url },
          {
            id: 'unlocker',
            z: 'flow',
            type: 'genea-door',
            api: 'api-order',
            action: 'unlock',
            door: 'd1',
            wires: [['out']],
          },
          {
            id: 'locker',
            z: 'flow',
            type: 'genea-door',
            api: 'api-order',
            action: 'lock',
            door: 'd1',
            wires: [['out']],
          },
          { id: 'out', z: 'flow', type: 'helper' },
        ],
        { 'api-order': { apiKey: KEY } },
      );
      api.answerNext('PUT /v2/door/d1/unlock', { status: 200, delayMs: 300, body: { data: { is_locked: false } } });
      const outs = [];
      const twoOut = new Promise((resolve) =>
        helper.getNode('out').on('input', (msg) => outs.push(msg.payload.action) === 2 && resolve()),
      );
      helper.getNode('unlocker').receive({});
      helper.getNode('locker').receive({});
      await twoOut;
      assert.deepEqual(outs, ['unlock', 'lock']);
      assert.deepEqual(api.commands('d1'), ['unlock', 'lock']);
      assert.equal(api.doorState('d1').is_locked, true, 'the lock came last');
    });
  });

  describe('list', function () {
    it('sends every door of the customer, all pages followed, as Genea returns them', async function () {
      const node = await loadDoor({ action: 'list' });
      const { out } = await send(node, { genea: { location: { uuid: 'loc-a' } } });
      assert.equal(out.payload.length, 121);
      assert.deepEqual(out.payload[0], api.doors[0]);
      assert.deepEqual(out.genea, { location: { uuid: 'loc-a' } });
      assert.equal(api.count(`GET /v2/customer/${CUSTOMER}/door`), 2);
      assert.match(lastStatus().text, /^121 doors · /);
    });
  });

  describe('failures go to Catch nodes, with the status, and nothing on the output', function () {
    async function caught(props, msg = {}, options) {
      const node = await loadDoor(props, options);
      const result = await send(node, msg);
      assert.equal(result.out, undefined, 'nothing on the output');
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(seen.out.length, 0);
      return result.caught.error.message;
    }

    it('422: the action, the door, the status and Genea’s reason', async function () {
      assert.equal(await caught({ door: 'offline' }), 'lock offline failed: 422 Door is offline');
      assert.deepEqual(lastStatus(), { fill: 'red', shape: 'dot', text: 'lock offline: 422 Door is offline' });
    });

    it('401 and 403: the key', async function () {
      const message = await caught({ door: 'd1' }, {}, { key: 'not-the-key' });
      assert.equal(
        message,
        'lock d1 failed: key verification: 401 Invalid API key – Genea refused the API key: check it and its permissions in the Genea API config node',
      );
      api.badKeyStatus = 403;
      assert.match(await caught({ action: 'list' }, {}, { key: 'not-the-key' }), /^list failed: 403 Invalid API key/);
      assert.equal(api.count(/^PUT /), 0);
    });

    it('404: no such door', async function () {
      assert.equal(
        await caught({ door: 'nope' }),
        'lock nope failed: 404 Door not found – no such door for this key: check the uuid',
      );
    });

    it('429: names Retry-After', async function () {
      api.answerNext('PUT /v2/door/d1/unlock', { status: 429, headers: { 'Retry-After': '120' }, body: {} });
      assert.match(
        await caught({ action: 'unlock', door: 'd1' }),
        /^unlock d1 failed: 429 Too Many Requests \(Retry-After: 120\) – /,
      );
    });

    it('5xx twice: lock was tried twice; a quick grant once, and says so', async function () {
      api.answerNext('PUT /v2/door/d1/lock', { status: 500, body: { meta: { message: 'Internal error' } } }, 2);
      assert.equal(await caught({ door: 'd1' }), 'lock d1 failed: 500 Internal error – tried twice');
      api.answerNext('PUT /v2/door/d1/quick_unlock', { status: 503, body: '<html>down</html>' });
      assert.equal(
        await caught({ action: 'quick_unlock', door: 'd1' }),
        'quick_unlock d1 failed: 503 Service Unavailable (answer is not JSON) – not repeated, as the door may have opened',
      );
      assert.deepEqual(api.commands('d1'), ['lock', 'lock', 'quick_unlock']);
    });

    it('an unreachable host: a quick grant that was not sent says the door did not open', async function () {
      const port = Number(new URL(api.url).port);
      await api.close();
      const message = await caught(
        { action: 'quick_unlock', door: 'd1' },
        {},
        { apiProps: { baseUrl: `http://127.0.0.1:${port}` } },
      );
      assert.match(
        message,
        /^quick_unlock d1 failed: key verification: cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\) – check the base URL/,
      );
      assert.match(message, / – not sent: the door did not open$/);
      api = await GeneaApiStandIn.start();
    });

    it('a quick grant whose key verification failed was not sent, and says so: 401, 500 twice, no customer, a timeout', async function () {
      const notSent = async (answer, times, expected) => {
        api.answerNext('POST /v2/api_key/verify', answer, times);
        const message = await caught({ action: 'quick_unlock', door: 'd1' });
        assert.equal(
          message,
          `quick_unlock d1 failed: key verification: ${expected} – not sent: the door did not open`,
        );
        assert.doesNotMatch(message, /may have opened|not repeated/);
      };
      await notSent(
        { status: 401, body: { error: { message: 'Invalid API key' } } },
        1,
        '401 Invalid API key – Genea refused the API key: check it and its permissions in the Genea API config node',
      );
      await notSent(
        { status: 500, body: { meta: { message: 'Internal error' } } },
        2,
        '500 Internal error – the key verification was tried twice',
      );
      await notSent({ status: 200, body: { data: {} } }, 1, "200 no customer_uuid – is the base URL Genea's API?");
      assert.equal(api.count(/^PUT /), 0, 'no command left');
      // A PUT that left, whatever became of it, may have opened the door.
      api.answerNext('PUT /v2/door/d1/quick_unlock', { hangUp: true });
      assert.match(
        await caught({ action: 'quick_unlock', door: 'd1' }),
        / – not repeated, as the door may have opened$/,
      );
      assert.deepEqual(api.commands('d1'), ['quick_unlock']);
    });

    it('a list answer that is not JSON', async function () {
      api.answerNext(/^GET .*\/door$/, { status: 200, body: '<html>login</html>' });
      assert.equal(
        await caught({ action: 'list' }),
        "list failed: 200 answer is not JSON – is the base URL Genea's API?",
      );
    });

    it('no request for a missing or unknown action or door', async function () {
      assert.equal(
        await caught({ action: 'msg', door: 'd1' }, { action: 'open_sesame' }),
        'No request sent: msg.action "open_sesame" is not one of lock, unlock, quick_unlock, list.',
      );
      assert.equal(lastStatus().text, 'not sent (see the error)');
      assert.match(await caught({ action: 'msg', door: 'd1' }, {}), /msg\.action — is not one/);
      assert.equal(
        await caught({ action: 'unlock' }, { genea: { door: null } }),
        'unlock: no request sent: no door uuid in the node, msg.door or msg.genea.door.uuid.',
      );
      assert.equal(
        await caught({ action: 'quick_unlock' }, { door: '../customer/x' }),
        'quick_unlock: no request sent: "../customer/x" is not a door uuid.',
      );
      assert.match(await caught({ action: 'lock' }, { genea: { door: { uuid: 7 } } }), /7 is not a door uuid/);
      assert.equal(api.requests.length, 0);
    });

    it('bad settings: no request, and the status says so from the start', async function () {
      assert.match(await caught({ action: 'open' }), /^Action "open" is not one of/);
      assert.equal(seen.statuses[0].text, 'invalid setting');
      assert.match(await caught({ door: 'a/b' }), /^Door "a\/b" is not a door uuid/);
      assert.equal(api.requests.length, 0);
    });

    it('a config node without key, with an insecure base URL, or none at all', async function () {
      // (An insecure or invalid base URL is also logged when the config node starts.)
      assert.equal(
        await caught({ door: 'd1' }, {}, { key: null }),
        'The Genea API config node has no API key: no request sent (lock d1).',
      );
      assert.match(
        await caught({ door: 'd1' }, {}, { apiProps: { baseUrl: 'http://api.sequr.io' } }),
        /plain http to a host that is not this machine/,
      );
      assert.match(await caught({ door: 'd1' }, {}, { apiProps: { baseUrl: 'nonsense' } }), /base URL .* is invalid/);
      for (const bent of [`${api.url}/?`, `${api.url}#`]) {
        assert.match(await caught({ door: 'd1' }, {}, { apiProps: { baseUrl: bent } }), /base URL .* is invalid/);
        const res = await admin().post('/genea-api/verify').send({ apiKey: KEY, baseUrl: bent });
        assert.deepEqual([res.status, res.body.error], [400, 'invalid']);
      }
      assert.match(await caught({ door: 'd1', api: 'missing' }), /^No Genea API config node is selected: no request/);
      assert.equal(seen.statuses[0].text, 'no Genea API');
      assert.equal(api.requests.length, 0);
    });
  });

  describe('the key in Genea’s texts', function () {
    it('is cut from Verify key’s message, the picker, a command’s message and an error', async function () {
      const node = await loadDoor({ action: 'msg', door: 'd1' });
      const quoting = (text) => ({ meta: { message: text.replace('KEY', KEY) } });
      api.answerNext('POST /v2/api_key/verify', {
        status: 200,
        body: { data: { customer_uuid: CUSTOMER }, ...quoting('API key KEY is valid') },
      });
      const verified = await admin().post('/genea-api/verify').send({ id: apiId });
      assert.deepEqual(verified.body, { customerUuid: CUSTOMER, message: 'API key *** is valid' });
      api.answerNext('POST /v2/api_key/verify', {
        status: 200,
        body: { data: { customer_uuid: CUSTOMER }, ...quoting('Bearer KEY accepted') },
      });
      const typed = await admin().post('/genea-api/verify').send({ apiKey: KEY, baseUrl: api.url });
      assert.equal(typed.body.message, 'Bearer *** accepted');
      api.answerNext(/^GET .*\/door$/, { status: 200, body: { data: [door('d1', { name: `Door ${KEY}` })] } });
      const picker = await admin().get(`/genea-api/${apiId}/doors`);
      assert.equal(picker.body.doors[0].name, 'Door ***');
      api.answerNext('PUT /v2/door/d1/lock', {
        status: 200,
        body: { data: { is_locked: true }, ...quoting('KEY locked it') },
      });
      assert.equal((await send(node, { action: 'lock' })).out.payload.message, '*** locked it');
      api.answerNext('PUT /v2/door/d1/unlock', { status: 422, body: quoting('Key KEY may not unlock') });
      assert.equal(
        (await send(node, { action: 'unlock' })).caught.error.message,
        'unlock d1 failed: 422 Key *** may not unlock',
      );
      assert.match(lastStatus().text, /\*\*\*/);
      api.answerNext(/^GET .*\/door$/, { status: 200, body: { data: [door('d1', { description: KEY })] } });
      assert.equal((await send(node, { action: 'list' })).out.payload[0].description, '***');
    });

    it('a base URL that is not usable is shown without the key pasted into it', async function () {
      const node = await loadDoor({ door: 'd1' }, { apiProps: { baseUrl: `http://api.sequr.io/${KEY}` } });
      const res = await admin()
        .post('/genea-api/verify')
        .send({ apiKey: 'typed-key-4e1b', baseUrl: 'http://10.0.0.1/typed-key-4e1b' });
      assert.equal(res.status, 400);
      assert.match(res.body.message, /"http:\/\/10\.0\.0\.1\/\*\*\*" uses plain http/);
      assert.match((await send(node, {})).caught.error.message, /plain http/);
      const logged = helper
        .log()
        .args.map(([entry]) => String(entry.msg))
        .find((text) => /plain http/.test(text));
      assert.match(logged, /"http:\/\/api\.sequr\.io\/\*\*\*"/);
    });
  });

  describe('one listing per config node', function () {
    it('5 concurrent picker loads cost one listing at Genea; a failed listing is not kept', async function () {
      await loadDoor({ door: 'd1' });
      const listings = () => [
        api.count(`GET /v2/customer/${CUSTOMER}/door`),
        api.count(`GET /v2/customer/${CUSTOMER}/location`),
      ];
      const loadsAtOnce = await Promise.all(Array.from({ length: 5 }, () => admin().get(`/genea-api/${apiId}/doors`)));
      for (const res of loadsAtOnce) {
        assert.equal(res.status, 200);
        assert.equal(res.body.doors.length, 121);
      }
      assert.deepEqual(listings(), [2, 1], 'one listing: two pages of doors, one of locations');
      // Kept: a later load and a node asking through listing() cost nothing.
      assert.equal((await admin().get(`/genea-api/${apiId}/doors`)).body.doors.length, 121);
      const { doors, locations } = await helper.getNode(apiId).listing();
      assert.deepEqual([doors.length, locations], [121, [{ uuid: 'loc-a', name: 'Headquarters' }]]);
      assert.deepEqual(listings(), [2, 1]);

      await loadDoor({ door: 'd1' });
      const before = listings();
      api.answerNext(/^GET .*\/door$/, { status: 500, body: { meta: { message: 'Busy' } } }, 2);
      const failed = await Promise.all(Array.from({ length: 3 }, () => admin().get(`/genea-api/${apiId}/doors`)));
      assert.deepEqual(
        failed.map((res) => res.status),
        [502, 502, 502],
      );
      assert.equal(listings()[0] - before[0], 2, 'one listing (tried twice) for the three loads');
      const retried = await admin().get(`/genea-api/${apiId}/doors`);
      assert.equal(retried.status, 200, 'the failure was not kept');
      assert.equal(listings()[0] - before[0], 4);
    });

    it('listing() of a config node without a key rejects, sending nothing', async function () {
      await loadDoor({ door: 'd1' }, { key: null });
      await assert.rejects(helper.getNode(apiId).listing(), /has no API key/);
      assert.equal(api.requests.length, 0);
    });
  });

  describe('admin endpoints of the dialogs', function () {
    it('Verify key: a typed key (not stored) and the deployed one, naming the customer', async function () {
      await loadDoor({ door: 'd1' });
      let res = await admin().post('/genea-api/verify').send({ apiKey: KEY, baseUrl: api.url });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { customerUuid: CUSTOMER, message: 'OK' });
      res = await admin().post('/genea-api/verify').send({ id: apiId, baseUrl: api.url });
      assert.deepEqual(res.body, { customerUuid: CUSTOMER, message: 'OK' });
      res = await admin().post('/genea-api/verify').send({ id: apiId });
      assert.equal(res.status, 200);
      assert.equal(api.count('POST /v2/api_key/verify'), 3);
      assert.ok(api.requests.every((r) => r.authorization === `Bearer ${KEY}`));
    });

    it('Verify key: refusals, and the deployed key never goes to a typed base URL', async function () {
      await loadDoor({ door: 'd1' });
      const verify = (body) => admin().post('/genea-api/verify').send(body);
      let res = await verify({ apiKey: 'wrong-key', baseUrl: api.url });
      assert.equal(res.status, 502);
      assert.deepEqual(res.body.details, { detail: '401 Invalid API key', kind: 'key' });
      res = await verify({ id: apiId, baseUrl: 'https://attacker.example.com' });
      assert.equal(res.status, 409);
      assert.equal(res.body.error, 'undeployed-changes');
      res = await verify({ id: 'not-deployed' });
      assert.deepEqual([res.status, res.body.error], [409, 'not-deployed']);
      res = await verify({ id: 'd' });
      assert.equal(res.body.error, 'not-deployed', 'a node that is not a genea-api');
      res = await verify({ apiKey: KEY, baseUrl: 'http://10.1.2.3' });
      assert.deepEqual([res.status, res.body.error], [400, 'insecure']);
      res = await verify({ apiKey: KEY, baseUrl: 'ftp://x' });
      assert.equal(res.body.error, 'invalid');
      assert.equal(api.count('POST /v2/api_key/verify'), 1, 'only the wrong key reached the stand-in');
      for (const body of [res.body]) assert.ok(!JSON.stringify(body).includes(KEY));
    });

    it('Verify key of a deployed config node without a key', async function () {
      await loadDoor({ door: 'd1' }, { key: null });
      const res = await admin().post('/genea-api/verify').send({ id: apiId });
      assert.deepEqual([res.status, res.body.error], [409, 'no-key']);
      const doors = await admin().get(`/genea-api/${apiId}/doors`);
      assert.deepEqual([doors.status, doors.body.error], [409, 'no-key']);
    });

    it('both endpoints name the problem of a deployed config node with a base URL it will not use', async function () {
      await loadDoor({ door: 'd1' }, { apiProps: { baseUrl: 'http://api.sequr.io' } });
      let res = await admin().post('/genea-api/verify').send({ id: apiId, baseUrl: 'http://api.sequr.io' });
      assert.deepEqual([res.status, res.body.error], [409, 'insecure']);
      assert.match(res.body.message, /"http:\/\/api\.sequr\.io" uses plain http/);
      res = await admin().get(`/genea-api/${apiId}/doors`);
      assert.deepEqual([res.status, res.body.error], [409, 'insecure']);
      res = await admin().post('/genea-api/verify').send({ id: 42 });
      assert.deepEqual([res.status, res.body.error], [409, 'not-deployed']);
      assert.equal(api.requests.length, 0);
    });

    it('door picker: fields Genea leaves out are null, and doors without a uuid are left out', async function () {
      await loadDoor({ door: 'd1' });
      api.answerNext(/^GET .*\/door$/, {
        status: 200,
        body: {
          data: [
            { uuid: 'x' },
            { name: 'no uuid' },
            { uuid: 'y', name: null, location_uuid: null, is_locked: 'yes', is_online: null },
          ],
        },
      });
      const res = await admin().get(`/genea-api/${apiId}/doors`);
      assert.deepEqual(res.body.doors, [
        { uuid: 'x', name: null, location: null, locked: null, online: null },
        { uuid: 'y', name: null, location: null, locked: null, online: null },
      ]);
    });

    it('door picker: the doors of the deployed config node, with location names and lock state', async function () {
      await loadDoor({ door: 'd1' });
      api.doorState('d2').is_locked = false;
      const res = await admin().get(`/genea-api/${apiId}/doors`);
      assert.equal(res.status, 200);
      assert.equal(res.body.doors.length, 121);
      assert.deepEqual(res.body.doors.slice(0, 2), [
        { uuid: 'd1', name: 'Door d1', location: 'Headquarters', locked: true, online: true },
        { uuid: 'd2', name: 'Door d2', location: 'Headquarters', locked: false, online: true },
      ]);
      assert.deepEqual(res.body.doors[60].location, 'loc-b', 'a location Genea did not list: its uuid');
      assert.equal(res.body.doors[120].online, false);
      assert.ok(!res.text.includes(KEY));
    });

    it('door picker: a key that may not read locations still lists doors; a failing list is reported', async function () {
      await loadDoor({ door: 'd1' });
      api.answerNext(/^GET .*\/location$/, { status: 403, body: { meta: { message: 'No location access' } } });
      let res = await admin().get(`/genea-api/${apiId}/doors`);
      assert.equal(res.body.doors[0].location, 'loc-a');
      await loadDoor({ door: 'd1' }); // a fresh config node: the listing of the last one is kept for 30 s
      api.answerNext(/^GET .*\/door$/, { status: 422, body: { meta: { message: 'Hardware read not allowed' } } });
      res = await admin().get(`/genea-api/${apiId}/doors`);
      assert.equal(res.status, 502);
      assert.equal(res.body.message, '422 Hardware read not allowed');
      res = await admin().get('/genea-api/nope/doors');
      assert.deepEqual([res.status, res.body.error], [409, 'not-deployed']);
    });
  });
});
