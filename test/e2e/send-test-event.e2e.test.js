'use strict';
// The editor's "Send test event" endpoint in a real Node-RED process: it signs a sample event with the deployed
// receiver's secret and delivers it over real HTTP(S) to that receiver, behind the admin API's permission check.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const https = require('node:https');
const { execFileSync } = require('node:child_process');
const { NodeRedProcess } = require('../support/red-process');
const { Collector } = require('../support/collector');

const SECRET = 'e2e-test-event-secret-81f3';

function flow(collector, { url = '/genea', secret = SECRET } = {}) {
  return [
    { id: 'tab', type: 'tab', label: 'Genea' },
    { id: 'cfg', type: 'genea-config', name: 'Genea', credentials: { secret } },
    { id: 'rx', type: 'genea-webhook-in', z: 'tab', config: 'cfg', url, wires: [['events'], ['rejected']] },
    ...collector.sinkNodes('events', '/events', 'tab'),
    ...collector.sinkNodes('rejected', '/rejected', 'tab'),
  ];
}

function assertNoSecret(red, ...texts) {
  for (const text of [red.log, ...texts]) assert.ok(!text.includes(SECRET), 'the secret leaked');
}

describe('"Send test event" endpoint (real Node-RED, default settings)', function () {
  this.timeout(60_000);
  let red;
  let collector;

  async function sendTestEvent(id, body) {
    const res = await fetch(red.adminUrl(`/genea-webhook-in/${id}/test`), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, text, json: JSON.parse(text) };
  }

  before(async function () {
    collector = await Collector.start();
    red = await NodeRedProcess.start();
    await red.deploy(flow(collector));
  });
  after(async function () {
    await red?.dispose();
    await collector?.close();
  });
  beforeEach(() => collector.reset());

  it('delivers a signed sample event to the receiver, which emits it', async function () {
    const res = await sendTestEvent('rx', { event: 'access.denied', url: '/genea', config: 'cfg' });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { event: 'access.denied', status: 200, reason: 'Accepted' });
    const [message] = await collector.waitFor('/events', 1);
    assert.equal(message.body.topic, 'access.denied');
    assert.equal(message.body.genea.reason, 'CARD_NOT_FOUND');
    assertNoSecret(red, res.text);
  });

  it('sends a new event each time, so a second press is not dropped as a retry', async function () {
    for (const event of ['access.granted', 'access.granted']) {
      assert.equal((await sendTestEvent('rx', { event })).status, 200);
    }
    const messages = await collector.waitFor('/events', 2);
    assert.notEqual(messages[0].body.payload.uuid, messages[1].body.payload.uuid);
  });

  it('refuses an unknown event type with 400 and the list of known ones', async function () {
    const res = await sendTestEvent('rx', { event: 'access.maybe' });
    assert.equal(res.status, 400);
    assert.equal(res.json.error, 'unknown-event');
    assert.match(res.json.message, /access\.granted, access\.denied/);
  });

  it('answers 409 for a receiver that is not deployed, and for a dialog with undeployed changes', async function () {
    const missing = await sendTestEvent('not-deployed', { event: 'access.granted' });
    assert.equal(missing.status, 409);
    assert.equal(missing.json.error, 'not-deployed');
    assert.match(missing.json.message, /not deployed/);

    const moved = await sendTestEvent('rx', { event: 'access.granted', url: '/genea-moved', config: 'cfg' });
    assert.equal(moved.status, 409);
    assert.equal(moved.json.error, 'undeployed-changes');
    const otherConfig = await sendTestEvent('rx', { event: 'access.granted', url: '/genea', config: 'cfg2' });
    assert.equal(otherConfig.json.error, 'undeployed-changes');
    assert.equal(collector.on('/events').length, 0);
  });

  it('says where to set the secret when the config node has none, and sends nothing', async function () {
    await red.deploy(flow(collector, { secret: '' }));
    try {
      const rejectedBefore = collector.on('/rejected').length;
      const res = await sendTestEvent('rx', { event: 'access.granted' });
      assert.equal(res.status, 409);
      assert.equal(res.json.error, 'no-secret');
      assert.match(res.json.message, /Reveal Key/);
      // The sentinel: a PUT, which the receiver rejects on output 2 (405), sent after the answer. Once it is there, a
      // delivery the endpoint had sent (it would have been rejected too, for want of a secret) would be as well.
      assert.equal((await red.request('PUT', red.url('/genea'))).status, 405);
      const deadline = Date.now() + 10_000;
      while (!collector.on('/rejected').some((entry) => entry.body.payload.method === 'PUT')) {
        assert.ok(Date.now() < deadline, 'the PUT was not reported on output 2');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.deepEqual(
        collector
          .on('/rejected')
          .slice(rejectedBefore)
          .map((entry) => entry.body.payload.method),
        ['PUT'],
      );
    } finally {
      await red.deploy(flow(collector));
    }
  });
});

describe('"Send test event" endpoint (adminAuth, HTTPS, separate httpAdminRoot and httpNodeRoot)', function () {
  this.timeout(60_000);
  // Node-RED's documented example hash of the password "password".
  const PASSWORD_HASH = '$2a$08$zZWtXTja0fB1pzD4sHCMyOCMYz2Z6dNbM6tl8sJogENOMcxWV9DN.';
  let red;
  let collector;
  let certDir;

  /** An HTTPS request to the admin API (self-signed certificate), with a bearer token when given. */
  function adminRequest(pathname, { method = 'GET', token, body, form } = {}) {
    const headers = {};
    let payload;
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['Content-Type'] = 'application/json';
    } else if (form) {
      payload = new URLSearchParams(form).toString();
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
    }
    return new Promise((resolve, reject) => {
      const req = https.request(red.adminUrl(pathname), { method, headers, rejectUnauthorized: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode, text }));
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  async function login(username, scope = '*') {
    const res = await adminRequest('/auth/token', {
      method: 'POST',
      form: { client_id: 'node-red-admin', grant_type: 'password', scope, username, password: 'password' },
    });
    assert.equal(res.status, 200, res.text);
    return JSON.parse(res.text).access_token;
  }

  before(async function () {
    certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'genea-cert-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-keyout', path.join(certDir, 'key.pem'), '-out', path.join(certDir, 'cert.pem'),
    ], { stdio: 'ignore' }); // prettier-ignore
    collector = await Collector.start();
    red = await NodeRedProcess.start({
      settings: {
        httpAdminRoot: '/admin',
        httpNodeRoot: '/hooks',
        adminAuth: {
          type: 'credentials',
          users: [
            { username: 'admin', password: PASSWORD_HASH, permissions: '*' },
            { username: 'viewer', password: PASSWORD_HASH, permissions: 'read' },
          ],
        },
      },
      settingsSource: [
        `const fs = require('fs');`,
        `settings.https = { key: fs.readFileSync(${JSON.stringify(path.join(certDir, 'key.pem'))}),`,
        `  cert: fs.readFileSync(${JSON.stringify(path.join(certDir, 'cert.pem'))}) };`,
      ].join('\n'),
    });
    const token = await login('admin');
    // The deploy's own "Started flows", not the one of Node-RED's start-up: one more of them than before it.
    const startsBefore = red.log.split('Started flows').length - 1;
    const deployed = await adminRequest('/flows', { method: 'POST', token, body: flow(collector) });
    assert.equal(deployed.status, 204, deployed.text);
    await red.waitForLog(new RegExp(`(Started flows[^]*){${startsBefore + 1}}`));
  });
  after(async function () {
    await red?.dispose();
    await collector?.close();
    if (certDir) fs.rmSync(certDir, { recursive: true, force: true });
  });

  it('refuses a request without a token, and one from a read-only user', async function () {
    const anonymous = await adminRequest('/genea-webhook-in/rx/test', { method: 'POST', body: { event: 'other' } });
    assert.equal(anonymous.status, 401);
    const viewer = await adminRequest('/genea-webhook-in/rx/test', {
      method: 'POST',
      token: await login('viewer', 'read'),
      body: { event: 'other' },
    });
    assert.equal(viewer.status, 401);
    assert.equal(collector.on().length, 0);
  });

  it('delivers over HTTPS to the receiver under httpNodeRoot for a user with write permission', async function () {
    const res = await adminRequest('/genea-webhook-in/rx/test', {
      method: 'POST',
      token: await login('admin'),
      body: { event: 'resource.created', url: '/genea', config: 'cfg' },
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(JSON.parse(res.text), { event: 'resource.created', status: 200, reason: 'Accepted' });
    const [message] = await collector.waitFor('/events', 1);
    assert.equal(message.body.topic, 'resource.created');
    assertNoSecret(red, res.text);
  });
});
