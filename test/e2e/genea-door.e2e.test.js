'use strict';
// Acting on Genea in a real Node-RED process with the packed package: a signed door-forced delivery goes through
// genea-webhook-in → genea-door-event → genea-door and locks its door once at the API stand-in, Genea's retry of it
// locks nothing again; the API key is in none of flows.json, the flow export, the credentials the editor gets, the
// trace-level log, the messages and statuses the editor is sent, or the dialogs' admin answers; and the admin
// endpoints sit behind Node-RED's permissions.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { NodeRedProcess } = require('../support/red-process');
const { GeneaApiStandIn, door } = require('../support/genea-api-stand-in');
const { nodeRedDir } = require('../support/node-red-path');
const { sampleEvent, signBody } = require('../../nodes/lib');

const SECRET = 'e2e-genea-door-secret-8a1f';
const API_KEY = 'e2e-genea-door-api-key-c47e19';
const CUSTOMER = 'customer-e2e';
const FORCED = sampleEvent('door.forced_open');
const DOOR = FORCED.door.uuid;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function flow(genea) {
  return [
    { id: 'tab', type: 'tab', label: 'Genea lockdown' },
    { id: 'cfg', type: 'genea-config', name: 'Genea', credentials: { secret: SECRET } },
    { id: 'api', type: 'genea-api', name: 'Genea API', baseUrl: genea.url, credentials: { apiKey: API_KEY } },
    { id: 'rx', type: 'genea-webhook-in', z: 'tab', config: 'cfg', url: '/genea-lockdown', wires: [['forced'], []] },
    { id: 'forced', type: 'genea-door-event', z: 'tab', kinds: ['forced_open'], wires: [['door-lock']] },
    { id: 'door-lock', type: 'genea-door', z: 'tab', api: 'api', action: 'lock', door: '', wires: [['debug-locked']] },
    { id: 'debug-locked', type: 'debug', z: 'tab', name: 'locked', active: true, tosidebar: true, complete: 'true' },
    { id: 'catcher', type: 'catch', z: 'tab', scope: ['door-lock'], wires: [['debug-failed']] },
    { id: 'debug-failed', type: 'debug', z: 'tab', name: 'failed', active: true, tosidebar: true, complete: 'true' },
    // The door from the message: POST /door-choice { door?, genea? } unlocks msg.door, else msg.genea.door.uuid.
    { id: 'choice', type: 'tab', label: 'Door from the message' },
    { id: 'choice-in', type: 'http in', z: 'choice', url: '/door-choice', method: 'post', wires: [['from-body']] },
    {
      id: 'from-body',
      type: 'function',
      z: 'choice',
      func: "msg.action = 'unlock';\nif ('door' in msg.payload) msg.door = msg.payload.door;\nmsg.genea = msg.payload.genea;\nreturn msg;",
      wires: [['door-msg']],
    },
    { id: 'door-msg', type: 'genea-door', z: 'choice', api: 'api', action: 'msg', door: '', wires: [['choice-out']] },
    { id: 'choice-catch', type: 'catch', z: 'choice', scope: ['door-msg'], wires: [['refused']] },
    {
      id: 'refused',
      type: 'function',
      z: 'choice',
      func: 'msg.statusCode = 422;\nmsg.payload = { error: msg.error.message };\nreturn msg;',
      wires: [['choice-out']],
    },
    { id: 'choice-out', type: 'http response', z: 'choice' },
  ];
}

describe('genea-door end to end (real Node-RED process)', function () {
  this.timeout(90_000);
  let red;
  let genea;
  let editor;

  /** POSTs `event` signed like Genea to the receiver; resolves with the HTTP status. */
  async function deliver(event) {
    const body = JSON.stringify(event);
    const res = await red.request('POST', red.url('/genea-lockdown'), {
      headers: { 'Content-Type': 'application/json', 'X-Sequr-Signature': signBody(body, SECRET) },
      body,
    });
    return res.status;
  }

  async function debugMessages(name, count) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const found = editor.messages.filter((m) => m.topic === 'debug' && m.data.name === name);
      if (found.length >= count) return found;
      if (Date.now() > deadline) throw new Error(`expected ${count} debug messages of ${name}: ${red.log}`);
      await sleep(50);
    }
  }

  before(async function () {
    genea = await GeneaApiStandIn.start({
      keys: { [API_KEY]: CUSTOMER },
      doors: [door(DOOR, { name: 'Main Entrance', is_locked: false }), door('door-offline', { is_online: false })],
    });
    red = await NodeRedProcess.start({
      settings: { logging: { console: { level: 'trace', metrics: false, audit: true } } },
    });
    editor = await red.watchEditor();
    await red.deploy(flow(genea));
  });
  after(async function () {
    editor?.close();
    await red?.dispose();
    await genea?.close();
  });

  it('a signed door-forced delivery locks its door once; Genea’s retries lock nothing again', async function () {
    assert.equal(await deliver(FORCED), 200);
    const [locked] = await debugMessages('locked', 1);
    // The debug sidebar gets the message as JSON text.
    assert.deepEqual(JSON.parse(locked.data.msg).payload, {
      door: DOOR,
      action: 'lock',
      locked: true,
      message: 'Door locked',
    });
    for (let retry = 0; retry < 3; retry++) assert.equal(await deliver(FORCED), 200);
    await sleep(500); // time for a second lock to arrive, were there one
    assert.deepEqual(genea.commands(DOOR), ['lock']);
    assert.equal(genea.count('POST /v2/api_key/verify'), 1, 'verified on first use, then kept');
    assert.equal(genea.doorState(DOOR).is_locked, true);
    const statuses = editor.messages.filter((m) => m.topic === 'status/door-lock').map((m) => m.data.text);
    assert.ok(
      statuses.some((text) => /^locked 3a9f7c1e-[\w-]+ · \d\d:\d\d:\d\d$/.test(text)),
      statuses.join(),
    );
  });

  it('a failed lock reaches the Catch node with Genea’s reason, and the status shows it', async function () {
    const offline = { ...sampleEvent('door.forced_open'), door: { uuid: 'door-offline', name: 'Back door' } };
    assert.equal(await deliver(offline), 200);
    const [failed] = await debugMessages('failed', 1);
    assert.equal(JSON.parse(failed.data.msg).error.message, 'lock door-offline failed: 422 Door is offline');
    const deadline = Date.now() + 5_000;
    while (!editor.messages.some((m) => m.topic === 'status/door-lock' && m.data.fill === 'red')) {
      assert.ok(Date.now() < deadline, 'a red status');
      await sleep(50);
    }
  });

  it('a msg.door it cannot read is refused with what was given, and the event’s door is never unlocked instead', async function () {
    const choose = async (fields) => {
      const res = await red.request('POST', red.url('/door-choice'), {
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(fields),
      });
      return { status: res.status, body: JSON.parse(res.text) };
    };
    const event = { door: { uuid: DOOR } };
    const refusals = [
      [42, 'number 42'],
      [{ uuid: 'x' }, 'object {"uuid":"x"}'],
      [['x'], 'array ["x"]'],
      [true, 'boolean true'],
      ['', 'string ""'],
      [null, 'null null'],
    ];
    const before = genea.requests.length;
    for (const [value, rendering] of refusals) {
      const answer = await choose({ door: value, genea: event });
      assert.equal(answer.status, 422, JSON.stringify(answer));
      assert.match(
        answer.body.error,
        new RegExp(`^msg\\.door is ${rendering.replace(/[[\]{}]/g, '\\$&')}, not a door uuid`),
      );
    }
    const bare = await choose({ door: 123 });
    assert.match(bare.body.error, /^msg\.door is number 123, not a door uuid \(a non-empty string\): no request sent/);
    // The sentinel: a readable msg.door beside the event's door is sent, to that door only.
    const sent = await choose({ door: 'door-offline', genea: event });
    assert.match(sent.body.error, /^unlock door-offline failed: 422 Door is offline/);
    assert.deepEqual(
      genea.requests.slice(before).map((r) => `${r.method} ${r.path}`),
      ['PUT /v2/door/door-offline/unlock'],
      'one request, for the door the message named',
    );
  });

  it('the dialogs’ admin endpoints: Verify key and the door picker', async function () {
    const verify = await red.request('POST', red.adminUrl('/genea-api/verify'), {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: 'api', baseUrl: genea.url }),
    });
    assert.equal(verify.status, 200);
    assert.deepEqual(JSON.parse(verify.text), { customerUuid: CUSTOMER, message: 'OK' });
    const doors = await red.request('GET', red.adminUrl('/genea-api/api/doors'));
    assert.equal(doors.status, 200);
    assert.deepEqual(
      JSON.parse(doors.text).doors.map((d) => [d.uuid, d.locked, d.online]),
      [
        [DOOR, true, true],
        ['door-offline', true, false],
      ],
    );
    assert.ok(!`${verify.text}${doors.text}`.includes(API_KEY));
  });

  it('the key is in none of flows.json, the flow export, what the editor gets, the trace log or the messages', async function () {
    const flowsFile = fs.readFileSync(path.join(red.userDir, 'flows.json'), 'utf8');
    assert.match(flowsFile, /"type":\s*"genea-api"/);
    const credentialsFile = fs.readFileSync(path.join(red.userDir, 'flows_cred.json'), 'utf8');
    const exported = (await red.request('GET', red.adminUrl('/flows'))).text;
    const credentials = await red.request('GET', red.adminUrl('/credentials/genea-api/api'));
    assert.deepEqual(JSON.parse(credentials.text), { has_apiKey: true }, 'the editor only learns that a key is set');
    const editorHtml = (await red.request('GET', red.adminUrl('/nodes'), { headers: { Accept: 'text/html' } })).text;
    assert.match(red.log, /\[trace\]/, 'the log is at trace level');
    const places = {
      'flows.json': flowsFile,
      'flows_cred.json': credentialsFile,
      'GET /flows': exported,
      'GET /credentials': credentials.text,
      'the editor’s node definitions': editorHtml,
      'the log': red.log,
      'the editor’s messages and statuses': JSON.stringify(editor.messages),
    };
    for (const [place, text] of Object.entries(places)) assert.ok(!text.includes(API_KEY), `the key is in ${place}`);
    assert.ok(
      editor.messages.some((m) => m.topic === 'debug'),
      'messages were watched',
    );
  });
});

describe('genea-api admin endpoints behind Node-RED’s permissions (adminAuth)', function () {
  this.timeout(60_000);
  let red;

  /** An access token of `username` (scope: what the user may do) from Node-RED's admin API. */
  async function token(username) {
    const scope = username === 'admin' ? '*' : 'read';
    const res = await red.request('POST', red.adminUrl('/auth/token'), {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope, username, password: 'pw' }),
    });
    assert.equal(res.status, 200, res.text);
    return JSON.parse(res.text).access_token;
  }

  before(async function () {
    const bcrypt = require(require.resolve('bcryptjs', { paths: [nodeRedDir] }));
    const hash = bcrypt.hashSync('pw', 8);
    red = await NodeRedProcess.start({
      settings: {
        adminAuth: {
          type: 'credentials',
          users: [
            { username: 'admin', password: hash, permissions: '*' },
            { username: 'viewer', password: hash, permissions: 'read' },
          ],
        },
      },
    });
  });
  after(() => red?.dispose());

  it('Verify key needs genea-api.write, the door list genea-api.read; anonymous gets neither', async function () {
    const call = async (method, pathname, user) => {
      const headers = { 'Content-Type': 'application/json' };
      if (user) headers.Authorization = `Bearer ${await token(user)}`;
      const body = method === 'POST' ? '{"id":"nope"}' : undefined;
      return (await red.request(method, red.adminUrl(pathname), { headers, body })).status;
    };
    assert.equal(await call('POST', '/genea-api/verify'), 401);
    assert.equal(await call('GET', '/genea-api/nope/doors'), 401);
    assert.equal(await call('POST', '/genea-api/verify', 'viewer'), 401);
    assert.equal(await call('GET', '/genea-api/nope/doors', 'viewer'), 409, 'permitted: not deployed');
    assert.equal(await call('POST', '/genea-api/verify', 'admin'), 409, 'permitted: not deployed');
  });
});
