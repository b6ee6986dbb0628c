'use strict';
// The direct route (deliveries handed to the receiver at the root app once express has routed one there)
// must never skip what settings put in front of the node app: here httpNodeAuth, in a real Node-RED.
const assert = require('node:assert/strict');
const { NodeRedProcess } = require('../support/red-process');
const { opensslSignature } = require('../support/openssl');
const events = require('../fixtures/events');

const SECRET = 'e2e-direct-secret-71aa';

// httpNodeAuth as a middleware (Node-RED accepts a function): a stand-in for any auth in front of httpNode.
const NODE_AUTH = `settings.httpNodeAuth = function nodeAuth(req, res, next) {
  if (req.headers['x-test-auth'] === 'letmein') return next();
  res.statusCode = 401;
  res.end('node auth required');
};`;

describe('genea-webhook-in end to end (httpNodeAuth in front of the receiver)', function () {
  this.timeout(60_000);
  let red;

  before(async function () {
    red = await NodeRedProcess.start({ settingsSource: NODE_AUTH });
    await red.deploy([
      { id: 'tab', type: 'tab', label: 'Genea' },
      { id: 'cfg', type: 'genea-config', name: 'Genea', credentials: { secret: SECRET } },
      { id: 'rx', type: 'genea-webhook-in', z: 'tab', config: 'cfg', url: '/genea', wires: [[], []] },
    ]);
  });
  after(async function () {
    await red?.dispose();
  });

  async function deliver(uuid, auth) {
    const body = JSON.stringify({ ...events.granted, uuid });
    const headers = { 'Content-Type': 'application/json', 'X-Sequr-Signature': opensslSignature(body, SECRET) };
    if (auth) headers['X-Test-Auth'] = auth;
    const res = await fetch(red.url('/genea'), { method: 'POST', headers, body });
    return [res.status, await res.text()];
  }

  it('asks every delivery for the node auth, also after authorised ones reached the receiver', async function () {
    assert.deepEqual(await deliver('e2e-auth-1', 'letmein'), [200, 'Accepted']);
    assert.deepEqual(await deliver('e2e-auth-2', 'letmein'), [200, 'Accepted']);
    assert.deepEqual(await deliver('e2e-auth-3'), [401, 'node auth required']);
    assert.deepEqual(await deliver('e2e-auth-4', 'wrong'), [401, 'node auth required']);
  });
});
