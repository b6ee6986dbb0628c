'use strict';
// The packed package in a real Node-RED process with default settings (httpAdminRoot = httpNodeRoot = '/',
// where the editor's admin app parses JSON bodies on every path), flows deployed over the admin API,
// deliveries signed by openssl.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { NodeRedProcess } = require('../support/red-process');
const { Collector } = require('../support/collector');
const { opensslSignature } = require('../support/openssl');
const events = require('../fixtures/events');

const SECRET = 'e2e-genea-secret-5d1c9a';

function receiverFlow(collector, url = '/genea') {
  return [
    { id: 'tab', type: 'tab', label: 'Genea' },
    { id: 'cfg', type: 'genea-config', name: 'Genea', credentials: { secret: SECRET } },
    { id: 'rx', type: 'genea-webhook-in', z: 'tab', config: 'cfg', url, wires: [['events'], ['rejected']] },
    ...collector.sinkNodes('events', '/events', 'tab'),
    ...collector.sinkNodes('rejected', '/rejected', 'tab'),
  ];
}

async function deliver(url, body, signature, contentType = 'application/json') {
  const headers = { 'Content-Type': contentType };
  if (signature) headers['X-Sequr-Signature'] = signature;
  const res = await fetch(url, { method: 'POST', headers, body });
  return { status: res.status, text: await res.text() };
}

describe('genea-webhook-in end to end (real Node-RED, default settings)', function () {
  this.timeout(60_000);
  let red;
  let collector;

  before(async function () {
    collector = await Collector.start();
    red = await NodeRedProcess.start();
    await red.deploy(receiverFlow(collector));
  });
  after(async function () {
    await red?.dispose();
    await collector?.close();
  });
  beforeEach(() => collector.reset());

  it('accepts compact JSON with non-ASCII text, signed by openssl, and emits it as sent', async function () {
    const event = { ...events.granted, uuid: 'e2e-compact' };
    const body = Buffer.from(JSON.stringify(event), 'utf8');
    assert.ok(body.includes(Buffer.from('iCLASS® R10')));
    const res = await deliver(red.url('/genea'), body, opensslSignature(body, SECRET));
    assert.deepEqual(res, { status: 200, text: 'Accepted' });
    const [message] = await collector.waitFor('/events', 1);
    assert.deepEqual(message.body.payload, event);
    assert.equal(message.body.topic, 'access.granted');
    assert.equal(message.body.genea.door.name, 'Front Door');
  });

  it('verifies the exact bytes of pretty-printed JSON with escapes the parser would normalise', async function () {
    const event = { ...events.denied, uuid: 'e2e-pretty' };
    const body = Buffer.from(
      JSON.stringify(event, null, 4).replace('iCLASS® R10', 'iCLASS\\u00ae R10').replace('/', '\\/'),
      'utf8',
    );
    const res = await deliver(red.url('/genea'), body, opensslSignature(body, SECRET));
    assert.equal(res.status, 200);
    const [message] = await collector.waitFor('/events', 1);
    assert.deepEqual(message.body.payload, event);
    assert.equal(message.body.genea.reason, 'CARD_NOT_FOUND');
  });

  it('rejects the same event signed over other bytes (re-serialised JSON)', async function () {
    const event = { ...events.granted, uuid: 'e2e-reserialised' };
    const compact = JSON.stringify(event);
    const pretty = JSON.stringify(event, null, 2);
    const res = await deliver(red.url('/genea'), pretty, opensslSignature(compact, SECRET));
    assert.deepEqual(res, { status: 401, text: 'Signature does not match the configured secret' });
    const [rejection] = await collector.waitFor('/rejected', 1);
    assert.equal(rejection.body.payload.status, 401);
    assert.equal(collector.on('/events').length, 0);
    assert.match(red.log, /Rejected delivery from 127\.0\.0\.1: 401 Signature does not match/);
  });

  it('emits a retried event once', async function () {
    const body = JSON.stringify({ ...events.cardCreated, uuid: 'e2e-retried' });
    const signature = opensslSignature(body, SECRET);
    for (let i = 0; i < 3; i++) assert.equal((await deliver(red.url('/genea'), body, signature)).status, 200);
    const other = JSON.stringify({ ...events.cardCreated, uuid: 'e2e-after-retries' });
    await deliver(red.url('/genea'), other, opensslSignature(other, SECRET));
    const messages = await collector.waitFor('/events', 2);
    assert.deepEqual(
      messages.map((m) => m.body.payload.uuid),
      ['e2e-retried', 'e2e-after-retries'],
    );
  });

  it('answers bad input precisely', async function () {
    const body = JSON.stringify(events.granted);
    assert.equal((await deliver(red.url('/genea'), body, null)).status, 401);
    assert.equal((await deliver(red.url('/genea'), body, opensslSignature(body, SECRET), 'text/plain')).status, 415);
    const array = '[1]';
    assert.equal((await deliver(red.url('/genea'), array, opensslSignature(array, SECRET))).status, 400);
    const get = await fetch(red.url('/genea'));
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
  });

  it('keeps the secret out of flows.json, the flow export and the log', async function () {
    const flowsFile = fs.readFileSync(path.join(red.userDir, 'flows.json'), 'utf8');
    assert.doesNotMatch(flowsFile, new RegExp(SECRET));
    assert.ok(JSON.parse(flowsFile).some((node) => node.type === 'genea-config'));
    const exported = JSON.stringify(await red.getFlows());
    assert.doesNotMatch(exported, new RegExp(SECRET));
    const credentialsFile = fs.readFileSync(path.join(red.userDir, 'flows_cred.json'), 'utf8');
    assert.doesNotMatch(credentialsFile, new RegExp(SECRET), 'credentials are stored encrypted');
    assert.doesNotMatch(red.log, new RegExp(SECRET));
  });

  it('frees the path when the receiver is removed and takes a new one', async function () {
    await red.deploy(receiverFlow(collector, '/genea-moved'));
    const body = JSON.stringify({ ...events.granted, uuid: 'e2e-moved' });
    assert.equal((await deliver(red.url('/genea'), body, opensslSignature(body, SECRET))).status, 404);
    assert.equal((await deliver(red.url('/genea-moved'), body, opensslSignature(body, SECRET))).status, 200);
    await collector.waitFor('/events', 1);
  });
});

describe('genea-webhook-in end to end (separate httpNodeRoot and httpAdminRoot)', function () {
  this.timeout(60_000);
  let red;
  let collector;

  before(async function () {
    collector = await Collector.start();
    red = await NodeRedProcess.start({ settings: { httpAdminRoot: '/admin', httpNodeRoot: '/hooks' } });
    await red.deploy(receiverFlow(collector));
  });
  after(async function () {
    await red?.dispose();
    await collector?.close();
  });

  it('verifies raw bytes under /hooks/genea', async function () {
    const body = JSON.stringify({ ...events.granted, uuid: 'e2e-node-root' }, null, 2);
    const res = await deliver(red.url('/hooks/genea'), body, opensslSignature(body, SECRET));
    assert.equal(res.status, 200);
    const [message] = await collector.waitFor('/events', 1);
    assert.equal(message.body.payload.uuid, 'e2e-node-root');
    assert.equal((await deliver(red.url('/genea'), body, opensslSignature(body, SECRET))).status, 404);
  });
});

describe('genea-webhook-in end to end (Node-RED embedded in an express app that parses JSON first)', function () {
  this.timeout(60_000);
  const { spawn } = require('node:child_process');
  const { prepareUserDir, freePort } = require('../support/red-process');
  let collector;
  let child;
  let port;
  let log = '';

  before(async function () {
    collector = await Collector.start();
    const userDir = prepareUserDir();
    port = await freePort();
    child = spawn(process.execPath, [path.join(__dirname, 'fixtures', 'embedded-node-red.js'), port, userDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk) => (log += chunk));
    child.stderr.on('data', (chunk) => (log += chunk));
    const deadline = Date.now() + 30_000;
    const startedCount = () => log.split('Started flows').length - 1;
    while (startedCount() < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const flows = [
      ...receiverFlow(collector),
      { id: 'rx-consumed', type: 'genea-webhook-in', z: 'tab', config: 'cfg', url: '/consumed', wires: [[], []] },
    ];
    const res = await fetch(`http://127.0.0.1:${port}/red-admin/flows`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify(flows),
    });
    assert.equal(res.status, 204, log);
    while (startedCount() < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(startedCount(), 2, log);
  });
  after(async function () {
    child?.kill('SIGKILL');
    await collector?.close();
  });

  it("verifies raw bytes although the app's own JSON parser runs first", async function () {
    const body = JSON.stringify({ ...events.granted, uuid: 'e2e-embedded' }, null, 3);
    const res = await deliver(`http://127.0.0.1:${port}/red/genea`, body, opensslSignature(body, SECRET));
    assert.deepEqual(res, { status: 200, text: 'Accepted' });
    const [message] = await collector.waitFor('/events', 1);
    assert.equal(message.body.payload.uuid, 'e2e-embedded');
  });

  it('answers 500 with an actionable log line where another middleware consumed the raw body', async function () {
    const body = JSON.stringify({ ...events.granted, uuid: 'e2e-consumed' });
    const res = await deliver(`http://127.0.0.1:${port}/red/consumed`, body, opensslSignature(body, SECRET));
    assert.equal(res.status, 500);
    assert.match(res.text, /raw request body was consumed/);
    assert.match(log, /was parsed by another middleware before genea-webhook-in could read its raw bytes/);
  });
});
