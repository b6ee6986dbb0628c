'use strict';
// The receiver's routing in a real Node-RED, as an attacker tries it: middleware other node modules put on
// RED.httpAdmin and RED.httpNode (at load time and at runtime, after deliveries went through), httpNodeRoot
// '/hooks' with a doubled slash, httpNodeMiddleware, a receiver on the editor's own /flows, a path with
// pattern characters, core `http in` on the same path, and absolute-form and fragment request targets over a
// raw socket. Each answer must be the one express's own routing gives, whatever came before.
const assert = require('node:assert/strict');
const net = require('node:net');
const path = require('node:path');
const { NodeRedProcess } = require('../support/red-process');
const { opensslSignature } = require('../support/openssl');
const events = require('../fixtures/events');

const SECRET = 'e2e-routing-secret-5d1f';
const GATE_MODULE = path.join(__dirname, 'fixtures', 'gate-module');

let serial = 0;
const signedEvent = () => {
  const body = JSON.stringify({ ...events.granted, uuid: `e2e-routing-${process.pid}-${++serial}` });
  return { body, signature: opensslSignature(body, SECRET) };
};

const config = { id: 'cfg', type: 'genea-config', name: 'Genea', credentials: { secret: SECRET } };
const tab = { id: 'tab', type: 'tab', label: 'Routing' };
const receiver = (id, url) => ({ id, type: 'genea-webhook-in', z: 'tab', config: 'cfg', url, wires: [[], []] });

async function deliver(red, pathname, headers = {}) {
  const { body, signature } = signedEvent();
  const res = await red.request('POST', red.url(pathname), {
    headers: { 'Content-Type': 'application/json', 'X-Sequr-Signature': signature, ...headers },
    body,
  });
  return [res.status, res.text];
}

/** A signed delivery with `target` written as-is on the request line; resolves to [status, body text]. */
function deliverRaw(red, target) {
  const { body, signature } = signedEvent();
  return new Promise((resolve, reject) => {
    const socket = net.connect(red.port, '127.0.0.1', () =>
      socket.write(
        `POST ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
          `X-Sequr-Signature: ${signature}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
          `Connection: close\r\n\r\n${body}`,
      ),
    );
    let received = '';
    socket.on('data', (chunk) => (received += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head, ...rest] = received.split('\r\n\r\n');
      resolve([Number(head.split(' ')[1]), rest.join('\r\n\r\n')]);
    });
  });
}

describe('genea-webhook-in routing end to end (default settings, other node modules)', function () {
  this.timeout(90_000);
  let red;

  before(async function () {
    red = await NodeRedProcess.start({ settingsSource: `settings.nodesDir = [${JSON.stringify(GATE_MODULE)}];` });
  });
  after(async function () {
    await red?.dispose();
  });

  it("runs another module's RED.httpAdmin middleware for every delivery, also after one got through", async function () {
    await red.deploy([tab, config, receiver('rx', '/genea')]);
    assert.deepEqual(await deliver(red, '/genea'), [403, 'admin gate']);
    assert.deepEqual(await deliver(red, '/genea', { 'X-Admin-Gate': 'open' }), [200, 'Accepted']);
    for (let i = 0; i < 5; i++) assert.deepEqual(await deliver(red, '/genea'), [403, 'admin gate']);
  });

  it('runs a RED.httpAdmin middleware a node adds at runtime, after deliveries went through', async function () {
    const flow = [tab, config, receiver('rx', '/late-hook')];
    await red.deploy(flow);
    for (let i = 0; i < 3; i++) assert.deepEqual(await deliver(red, '/late-hook'), [200, 'Accepted']);
    // Only the new node starts: the receiver keeps running, warmed up.
    await red.deploy([...flow, { id: 'gate', type: 'test-gate', z: 'tab', path: '/late-hook', app: 'admin' }], 'nodes');
    for (let i = 0; i < 3; i++) assert.deepEqual(await deliver(red, '/late-hook'), [403, 'node gate']);
    assert.deepEqual(await deliver(red, '/late-hook', { 'X-Node-Gate': 'open' }), [200, 'Accepted']);
  });

  it("refuses a receiver on the editor's /flows, and the editor keeps deploying", async function () {
    await red.deploy([tab, config, receiver('rx-flows', '/flows'), receiver('rx-token', '/auth/token')]);
    await red.waitForLog(/Path \/flows is served by the Node-RED editor or its admin API/);
    await red.waitForLog(/Path \/auth\/token is served by the Node-RED editor or its admin API/);
    // The next deploys go through (before the fix the admin API's own POST /flows lost its body: 400).
    await red.deploy([tab, config, receiver('rx-flows', '/flows')]);
    await red.deploy([tab, config, receiver('rx', '/after-flows')]);
    assert.deepEqual(await deliver(red, '/after-flows'), [200, 'Accepted']);
    const flows = await red.request('GET', red.adminUrl('/flows'), { headers: { Accept: 'application/json' } });
    assert.equal(flows.status, 200);
  });

  it('refuses a path with pattern characters, with a clear log line', async function () {
    await red.deploy([tab, config, receiver('rx', '/hook(1)')]);
    await red.waitForLog(/Invalid path "\/hook\(1\)"/);
    assert.equal((await deliver(red, '/hook(1)'))[0], 404);
    assert.equal((await deliver(red, '/hook1'))[0], 404);
  });

  it("reports a core http in on the receiver's path, whichever comes first in the flow", async function () {
    const httpIn = (id, wires) => ({ id, type: 'http in', z: 'tab', url: '/shared', method: 'post', wires: [[wires]] });
    const response = (id) => ({ id, type: 'http response', z: 'tab', statusCode: '299', wires: [] });
    for (const order of ['http in first', 'receiver first']) {
      const nodes = [httpIn('in', 'resp'), response('resp')];
      const logBefore = red.log.length;
      await red.deploy(
        order === 'http in first'
          ? [tab, config, ...nodes, receiver('rx', '/shared')]
          : [tab, config, receiver('rx', '/shared'), ...nodes],
      );
      await red.waitForLog(new RegExp(`[^]{${logBefore}}[^]*Path /shared is already served by another node's route`));
      assert.equal((await deliver(red, '/shared'))[0], 299, order);
    }
  });

  it('accepts absolute-form and fragment request targets as express routes them, without a log flood', async function () {
    await red.deploy([tab, config, receiver('rx', '/raw-hook')]);
    const errorsBefore = red.log.split('[error]').length;
    for (const target of [
      `http://127.0.0.1:${red.port}/raw-hook`,
      '/raw-hook#fragment',
      `http://127.0.0.1:${red.port}/raw-hook?x=1#y`,
    ]) {
      for (let i = 0; i < 10; i++) assert.deepEqual(await deliverRaw(red, target), [200, 'Accepted'], target);
    }
    assert.equal(red.log.split('[error]').length, errorsBefore);
  });
});

describe('genea-webhook-in routing end to end (httpNodeRoot /hooks, httpNodeMiddleware)', function () {
  this.timeout(90_000);
  let red;
  const NODE_MIDDLEWARE = `settings.httpNodeMiddleware = function keyCheck(req, res, next) {
    if (req.headers['x-key'] === 'k') return next();
    res.statusCode = 403;
    res.end('httpNodeMiddleware');
  };`;

  before(async function () {
    red = await NodeRedProcess.start({
      settings: { httpNodeRoot: '/hooks' },
      settingsSource: `settings.nodesDir = [${JSON.stringify(GATE_MODULE)}];\n${NODE_MIDDLEWARE}`,
    });
  });
  after(async function () {
    await red?.dispose();
  });

  it('runs httpNodeMiddleware in front of every delivery', async function () {
    await red.deploy([tab, config, receiver('rx', '/genea-mw')]);
    for (let i = 0; i < 5; i++) assert.deepEqual(await deliver(red, '/hooks/genea-mw'), [403, 'httpNodeMiddleware']);
    assert.deepEqual(await deliver(red, '/hooks/genea-mw', { 'X-Key': 'k' }), [200, 'Accepted']);
  });

  it('runs a path-scoped httpNode middleware for a doubled slash, after an authorised one got through', async function () {
    // The gate is mounted first, so express runs it in front of the receiver's route.
    const gate = { id: 'gate', type: 'test-gate', z: 'tab', path: '/genea-gated', app: 'node' };
    await red.deploy([tab, config, gate]);
    await red.deploy([tab, config, gate, receiver('rx-gated', '/genea-gated')], 'nodes');
    const key = { 'X-Key': 'k' };
    assert.deepEqual(await deliver(red, '/hooks//genea-gated', { ...key, 'X-Node-Gate': 'open' }), [200, 'Accepted']);
    for (const target of ['/hooks//genea-gated', '/hooks/genea-gated', '/HOOKS//Genea-Gated/']) {
      assert.deepEqual(await deliver(red, target, key), [403, 'node gate'], target);
    }
  });
});
