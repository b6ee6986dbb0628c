'use strict';
// The "Send test event" endpoint on its own: a stand-in RED (express admin app, permission check recorded) and a
// loopback HTTP server in the receiver's place, to see exactly what is sent where and what the editor is told.
// test/e2e/send-test-event.e2e.test.js covers it inside a real Node-RED.
const assert = require('node:assert/strict');
const http = require('node:http');
const express = require('express');
const supertest = require('supertest');
const { verifySignature } = require('../../nodes/lib/signature');
const { SourceAllowList } = require('../../nodes/lib/source-allow-list');
const {
  listeningReceivers,
  registerTestEventEndpoint,
  verifiesCertificate,
} = require('../../nodes/genea-webhook-in/send-test-event');

const SECRET = 'unit-test-event-secret';

describe('"Send test event" endpoint (stand-in RED, loopback receiver)', function () {
  let receiver;
  let deliveries;
  let permissions;
  let settings;
  let deployedNodes;
  let admin;

  before(async function () {
    receiver = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (chunk) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        deliveries.push({ path: req.url, headers: req.headers, body });
        const check = verifySignature(body, req.headers['x-sequr-signature'], [SECRET]);
        res.statusCode = check.valid ? 200 : 401;
        res.end(check.valid ? 'Accepted' : 'Signature does not match the configured secret');
      });
    });
    await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const app = express();
    app.use(express.json());
    const RED = {
      httpAdmin: app,
      settings: new Proxy({}, { get: (_, key) => settings[key] }),
      auth: {
        needsPermission: (permission) => (_req, _res, next) => {
          permissions.push(permission);
          next();
        },
      },
      nodes: { getNode: (id) => deployedNodes[id] ?? null },
      _: (key, values) => `${key} ${JSON.stringify(values)}`,
    };
    registerTestEventEndpoint(RED);
    admin = supertest(app);
  });
  after(async function () {
    listeningReceivers.clear();
    await new Promise((resolve) => receiver.close(resolve));
  });
  beforeEach(function () {
    deliveries = [];
    permissions = [];
    deployedNodes = {};
    settings = { uiHost: '0.0.0.0', uiPort: receiver.address().port, httpNodeRoot: '/hooks/' };
    listeningReceivers.clear();
    listeningReceivers.set('rx', { url: '/genea', configId: 'cfg', secrets: () => [SECRET, 'previous'] });
  });

  it('signs a new sample event with the current secret and POSTs it to httpNodeRoot + path over loopback', async function () {
    const res = await admin.post('/genea-webhook-in/rx/test').send({ event: 'access.anti_passback', url: '/genea' });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { event: 'access.anti_passback', status: 200, reason: 'Accepted' });
    assert.deepEqual(permissions, ['genea-webhook-in.write']);
    const [delivery] = deliveries;
    assert.equal(delivery.path, '/hooks/genea');
    assert.equal(delivery.headers['content-type'], 'application/json');
    const event = JSON.parse(delivery.body.toString('utf8'));
    assert.equal(event.event_action, 'SEQUR_ACCESS_DENIED_ANTI_PASSBACK_VIOLATION');
    assert.ok(!JSON.stringify(res.body).includes(SECRET));
  });

  it('refuses with "no-secret" and sends nothing when the receiver has no secret', async function () {
    listeningReceivers.set('rx', { url: '/genea', configId: '', secrets: () => [] });
    const res = await admin.post('/genea-webhook-in/rx/test').send({ event: 'other' });
    assert.equal(res.status, 409);
    assert.equal(res.body.error, 'no-secret');
    assert.match(res.body.message, /^genea-webhook-in\.test\.errors\.no-secret/);
    assert.equal(deliveries.length, 0);
  });

  it('tells a deployed receiver that is not listening from one that is not deployed', async function () {
    deployedNodes.broken = { id: 'broken' };
    const broken = await admin.post('/genea-webhook-in/broken/test').send({ event: 'other' });
    assert.equal(broken.status, 409);
    assert.equal(broken.body.error, 'not-listening');
    const missing = await admin.post('/genea-webhook-in/missing/test').send({ event: 'other' });
    assert.equal(missing.body.error, 'not-deployed');
    assert.equal(deliveries.length, 0);
  });

  describe("the receiver's own guards, checked before anything is sent", function () {
    const guarded = (allowList, trustedProxies = 0) =>
      listeningReceivers.set('rx', {
        url: '/genea',
        configId: 'cfg',
        secrets: () => [SECRET],
        sources: SourceAllowList.parse(allowList).list,
        trustedProxies,
      });

    it('names httpNodeAuth, which the test cannot pass', async function () {
      settings.httpNodeAuth = { user: 'u', pass: 'hash' };
      const res = await admin.post('/genea-webhook-in/rx/test').send({ event: 'other' });
      assert.equal(res.status, 409);
      assert.equal(res.body.error, 'guard-node-auth');
      assert.equal(deliveries.length, 0);
    });

    it('names proxy hops in front of an allow-list, and an allow-list without this address', async function () {
      guarded('127.0.0.1', 1);
      let res = await admin.post('/genea-webhook-in/rx/test').send({ event: 'other' });
      assert.deepEqual([res.status, res.body.error, res.body.details.proxies], [409, 'guard-proxies', '1']);
      guarded('34.205.175.141');
      res = await admin.post('/genea-webhook-in/rx/test').send({ event: 'other' });
      assert.deepEqual([res.status, res.body.error, res.body.details.host], [409, 'guard-allow-list', '127.0.0.1']);
      assert.equal(deliveries.length, 0);
      // With this address on the list, or no list at all, proxy hops change nothing and the test goes out.
      for (const [list, hops] of [
        ['34.205.175.141, 127.0.0.0/8', 0],
        ['', 2],
      ]) {
        guarded(list, hops);
        res = await admin.post('/genea-webhook-in/rx/test').send({ event: 'other' });
        assert.equal(res.status, 200, list);
      }
      assert.equal(deliveries.length, 2);
    });
  });

  it('refuses a missing or unknown event type, naming the known ones', async function () {
    for (const body of [{}, { event: 'access.unknown' }, { event: ['access.granted'] }]) {
      const res = await admin.post('/genea-webhook-in/rx/test').send(body);
      assert.equal(res.status, 400);
      assert.equal(res.body.error, 'unknown-event');
      assert.match(res.body.details.types, /^access\.granted, /);
    }
  });

  it('answers 502 with the address tried when the receiver cannot be reached', async function () {
    settings = { uiHost: '127.0.0.1', uiPort: 1, httpNodeRoot: '/' };
    const res = await admin.post('/genea-webhook-in/rx/test').send({ event: 'access.granted' });
    assert.equal(res.status, 502);
    assert.equal(res.body.error, 'unreachable');
    assert.equal(res.body.details.url, 'http://127.0.0.1:1/genea');
    assert.ok(!JSON.stringify(res.body).includes(SECRET));
  });

  it('refuses while the dialog shows a path or config node other than the deployed ones', async function () {
    for (const body of [
      { event: 'other', url: '/genea-new' },
      { event: 'other', url: '/genea', config: 'another-config' },
    ]) {
      const res = await admin.post('/genea-webhook-in/rx/test').send(body);
      assert.equal(res.status, 409);
      assert.equal(res.body.error, 'undeployed-changes');
    }
    assert.equal(deliveries.length, 0);
  });

  it("reaches Node-RED's own address: loopback for an unset or IPv6 wildcard host, '/' as the default root", async function () {
    const ipv6 = http.createServer((req, res) => {
      deliveries.push({ path: req.url, family: req.socket.remoteFamily });
      req.resume();
      req.on('end', () => res.end('Accepted'));
    });
    await new Promise((resolve) => ipv6.listen(0, '::1', resolve));
    try {
      settings = { uiHost: '::', uiPort: ipv6.address().port };
      assert.equal((await admin.post('/genea-webhook-in/rx/test').send({ event: 'other' })).status, 200);
      assert.deepEqual(deliveries.pop(), { path: '/genea', family: 'IPv6' });
    } finally {
      await new Promise((resolve) => ipv6.close(resolve));
    }
    settings = { uiPort: receiver.address().port };
    assert.equal((await admin.post('/genea-webhook-in/rx/test').send({ event: 'other' })).status, 200);
    assert.equal(deliveries.pop().path, '/genea');
  });

  it('delivers over HTTPS when Node-RED serves HTTPS, trusting its own certificate on loopback', async function () {
    const https = require('node:https');
    const { selfSignedCertificate } = require('../support/openssl');
    const secure = https.createServer(selfSignedCertificate(), (req, res) => {
      deliveries.push({ path: req.url, encrypted: req.socket.encrypted === true });
      req.resume();
      req.on('end', () => res.end('Accepted'));
    });
    await new Promise((resolve) => secure.listen(0, '127.0.0.1', resolve));
    try {
      settings = { uiHost: '127.0.0.1', uiPort: secure.address().port, https: {} };
      const res = await admin.post('/genea-webhook-in/rx/test').send({ event: 'access.granted' });
      assert.equal(res.status, 200);
      assert.deepEqual(deliveries.pop(), { path: '/genea', encrypted: true });
    } finally {
      secure.closeAllConnections();
      await new Promise((resolve) => secure.close(resolve));
    }
  });

  it("checks the server's certificate unless the test goes over loopback to this Node-RED itself", function () {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', 'LOCALHOST'])
      assert.ok(!verifiesCertificate(host));
    for (const host of ['hooks.example.com', '10.0.0.5', '::ffff:10.0.0.5', 'localhost.example', '128.0.0.1']) {
      assert.ok(verifiesCertificate(host), host);
    }
  });
});
