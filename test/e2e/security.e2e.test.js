'use strict';
// The packed package in a real Node-RED process serving HTTPS (a certificate made by openssl for the test)
// and logging at trace level: deliveries end to end over TLS, the source allow-list, and the secret kept out
// of every output Node-RED has.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { NodeRedProcess } = require('../support/red-process');
const { Collector } = require('../support/collector');
const { opensslSignature, selfSignedCertificate } = require('../support/openssl');
const events = require('../fixtures/events');

const SECRET = 'tls-genea-secret-e3a9c1d7';
const GENEA = '34.205.175.141';

function flows(collector) {
  const receiver = (id, url, extra = {}) => ({
    id,
    type: 'genea-webhook-in',
    z: 'tab',
    config: 'cfg',
    url,
    wires: [['events'], ['rejected']],
    ...extra,
  });
  return [
    { id: 'tab', type: 'tab', label: 'Genea' },
    {
      id: 'cfg',
      type: 'genea-config',
      name: 'Genea',
      credentials: { secret: SECRET, previousSecret: `${SECRET}-old` },
    },
    ...collector.sinkNodes('events', '/events', 'tab'),
    ...collector.sinkNodes('rejected', '/rejected', 'tab', ['topic', 'payload', 'headers']),
    receiver('rx', '/genea'),
    receiver('rx-same-path', '/genea'),
    receiver('rx-genea-only', '/genea-only', { allowList: `${GENEA}\n2001:db8::/32`, trustedProxies: 1 }),
    receiver('rx-bad-list', '/genea-locked', { allowList: `${GENEA}, 34.205.175.0/33, not-an-ip` }),
  ];
}

describe('genea-webhook-in over HTTPS, with an allow-list, logging at trace level (real Node-RED)', function () {
  this.timeout(120_000);
  let red;
  let collector;
  let editor;
  const answers = [];

  async function deliver(url, body, signature, headers = {}) {
    const res = await red.request('POST', red.url(url), {
      headers: { 'Content-Type': 'application/json', 'X-Sequr-Signature': signature, ...headers },
      body,
    });
    answers.push(res);
    return res;
  }

  /** Texts of the debug sidebar's messages so far. */
  const sidebarText = () => editor.messages.filter((m) => m.topic === 'debug').map((m) => String(m.data.msg));

  /** Resolves once `condition()` holds; fails naming `what` after 10 s. */
  async function until(condition, what) {
    const deadline = Date.now() + 10_000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`waited 10 s for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  before(async function () {
    const tls = selfSignedCertificate();
    collector = await Collector.start();
    red = await NodeRedProcess.start({
      settings: { logging: { console: { level: 'trace', metrics: true, audit: true } } },
      settingsSource: `settings.https = ${JSON.stringify(tls)};`,
      ca: tls.cert,
    });
    editor = await red.watchEditor();
    await red.deploy(flows(collector));
  });
  after(async function () {
    editor?.close();
    await red?.dispose();
    await collector?.close();
  });

  it('receives a signed delivery over HTTPS end to end', async function () {
    assert.match(red.url('/genea'), /^https:/);
    const event = { ...events.granted, uuid: 'tls-1' };
    const body = JSON.stringify(event);
    const res = await deliver('/genea', body, opensslSignature(body, SECRET));
    assert.deepEqual([res.status, res.text], [200, 'Accepted']);
    const [message] = await collector.waitFor('/events', 1);
    assert.deepEqual(message.body.payload, event);
    await assert.rejects(
      fetch(red.url('/genea').replace('https:', 'http:'), { method: 'POST', body }),
      'plain HTTP is not served on the HTTPS port',
    );
  });

  it("accepts only the allow-list's sources, through the trusted proxy hop", async function () {
    const body = JSON.stringify({ ...events.denied, uuid: 'tls-allow' });
    const signature = opensslSignature(body, SECRET);
    const bypass = await deliver('/genea-only', body, signature);
    assert.deepEqual(
      [bypass.status, bypass.text],
      [403, 'Forbidden: X-Forwarded-For does not show the 1 trusted proxy hop(s) configured'],
    );
    const other = await deliver('/genea-only', body, signature, { 'X-Forwarded-For': '198.51.100.23' });
    assert.deepEqual([other.status, other.text], [403, 'Forbidden: source 198.51.100.23 is not allowed']);
    const spoofed = await deliver('/genea-only', body, signature, { 'X-Forwarded-For': `${GENEA}, 198.51.100.23` });
    assert.equal(spoofed.status, 403);
    const genea = await deliver('/genea-only', body, signature, { 'X-Forwarded-For': `198.51.100.23, ${GENEA}` });
    assert.deepEqual([genea.status, genea.text], [200, 'Accepted']);
    const ipv6 = await deliver('/genea-only', body, signature, { 'X-Forwarded-For': '2001:db8:1::9' });
    assert.deepEqual([ipv6.status, ipv6.text], [200, 'Duplicate: already accepted']);
    const messages = await collector.waitFor('/events', 1);
    assert.deepEqual(messages.filter((m) => m.body.payload.uuid === 'tls-allow').length, 1);
  });

  it('fails closed on a bad allow-list: 503 to every request, red status, an error naming the bad entries', async function () {
    const body = JSON.stringify({ ...events.granted, uuid: 'tls-locked' });
    const res = await deliver('/genea-locked', body, opensslSignature(body, SECRET));
    assert.deepEqual(
      [res.status, res.text],
      [503, 'Receiver misconfigured: invalid source allow-list (see the Node-RED log)'],
    );
    assert.equal((await red.request('GET', red.url('/genea-locked'))).status, 503);
    assert.match(
      red.log,
      /Invalid source allow-list: "34\.205\.175\.0\/33": the prefix length after \/ must be a whole number from 0 to 32; "not-an-ip" is not an IP address or CIDR range\. Every delivery is answered 503/,
    );
    const isRed = (m) => m.topic === 'status/rx-bad-list' && m.data.fill === 'red';
    assert.ok(editor.messages.some(isRed), JSON.stringify(editor.messages));
    // A catalog key, which the editor shows in its own language.
    assert.deepEqual(editor.messages.filter(isRed).at(-1).data, {
      fill: 'red',
      shape: 'ring',
      text: 'genea-webhook-in.status.bad-allow-list',
    });
  });

  it('keeps the secret out of flows.json, the flow export, the log at trace level, statuses, errors and messages', async function () {
    // Rejections of every kind, including a client that sends the secret itself as the signature.
    const body = JSON.stringify({ ...events.granted, uuid: 'tls-secret' });
    assert.equal((await deliver('/genea', body, `sha1=${SECRET}`)).status, 401);
    assert.equal((await deliver('/genea', body, opensslSignature(body, 'wrong'))).status, 401);
    assert.equal((await deliver('/genea', '[]', opensslSignature('[]', SECRET))).status, 400);
    assert.equal((await deliver('/genea', body, opensslSignature(body, `${SECRET}-old`))).status, 200);
    await collector.waitFor('/rejected', 3);
    // Sentinels instead of a pause: the last delivery's message, and the editor's report of the rejections, have
    // arrived, so every output these deliveries make has been made when it is searched.
    await until(() => collector.on('/events').some((m) => m.body.payload.uuid === 'tls-secret'), 'the last event');
    await until(
      () => sidebarText().some((text) => /Rejected delivery from 127\.0\.0\.1: 401/.test(text)),
      'the sidebar',
    );
    await until(
      () => editor.messages.some((m) => m.topic === 'status/rx' && /rejected/.test(m.data.text)),
      'the status',
    );

    const secrets = new RegExp(`${SECRET}(-old)?`);
    const outputs = {
      'flows.json': fs.readFileSync(path.join(red.userDir, 'flows.json'), 'utf8'),
      'flows_cred.json': fs.readFileSync(path.join(red.userDir, 'flows_cred.json'), 'utf8'),
      'GET /flows': JSON.stringify(await red.getFlows()),
      'GET /credentials': (await red.request('GET', red.adminUrl('/credentials/genea-config/cfg'))).text,
      log: red.log,
      'node statuses and the debug sidebar (errors, warnings)': JSON.stringify(editor.messages),
      'emitted events': JSON.stringify(collector.on('/events').map((m) => m.body)),
      answers: JSON.stringify(answers.map((a) => a.text)),
    };
    // The client-sent header is the one place the secret legitimately appears: it is echoed in the rejection
    // report's headers, which are the request's, so they are checked apart.
    const rejected = collector.on('/rejected').map((m) => m.body);
    outputs['rejection reports (without the request headers)'] = JSON.stringify(rejected.map((r) => r.payload));
    for (const [where, text] of Object.entries(outputs)) assert.doesNotMatch(text, secrets, where);

    // The checks looked at something real.
    assert.match(red.log, /\[trace\]/);
    assert.match(red.log, /\[metric\]|"event":"node\./);
    assert.match(outputs['GET /credentials'], /"has_secret":true/);
    assert.equal(rejected.filter((r) => r.payload.status === 401).length, 2);
    const sidebar = sidebarText();
    assert.ok(
      sidebar.some((text) => /Path \/genea is already used/.test(text)),
      JSON.stringify(sidebar),
    );
    assert.ok(sidebar.some((text) => /Invalid source allow-list/.test(text)));
    assert.ok(sidebar.some((text) => /Rejected delivery from 127\.0\.0\.1: 401/.test(text)));
    assert.ok(editor.messages.some((m) => m.topic === 'status/rx' && /rejected/.test(m.data.text)));
  });
});
