'use strict';
// Deliveries to a path that express has once routed to the receiver, through pass-through middleware only,
// are handed to the receiver at the root app (src/nodes/genea-webhook-in/http-route.ts). These tests pin
// that it answers exactly as the express route does and never skips a middleware that could act.
const assert = require('node:assert/strict');
const { helper, load, sign, httpNode } = require('../support/helper');
const events = require('../fixtures/events');

const SECRET = 'direct-secret-3e8b';
const credentials = { cfg: { secret: SECRET } };

function flow(receiver = {}) {
  return [
    { id: 'cfg', type: 'genea-config', name: 'genea' },
    { id: 'rx', type: 'genea-webhook-in', config: 'cfg', url: '/genea', wires: [['out'], ['bad']], ...receiver },
    { id: 'out', type: 'helper' },
    { id: 'bad', type: 'helper' },
  ];
}

let serial = 0;
const fresh = (event) => JSON.stringify({ ...event, uuid: `direct-${event.uuid}-${++serial}` });

function post(agent, body, { signature = sign(body, SECRET), path = '/genea', type = 'application/json' } = {}) {
  return agent.post(path).set('Content-Type', type).set('X-Sequr-Signature', signature).send(body);
}

function collect(id) {
  const messages = [];
  helper.getNode(id).on('input', (msg) => messages.push(msg));
  return messages;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

/** Puts `middleware` into httpNode's stack right in front of the receiver's route; returns its removal. */
function insertInFrontOfReceiver(middleware) {
  const app = httpNode();
  app.use(middleware);
  const stack = app._router.stack;
  const layer = stack.pop();
  const route = stack.findIndex((l) => l.route && l.route.path === '/genea');
  stack.splice(route, 0, layer);
  return () => stack.splice(stack.indexOf(layer), 1);
}

describe('genea-webhook-in direct route (node)', function () {
  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(() => helper.unload());

  it('answers every later delivery exactly as the express route answered the first', async function () {
    const agent = await load(flow({ maxBodyKiB: 2 }), credentials);
    const out = collect('out');
    const bad = collect('bad');
    const event = fresh(events.granted);
    assert.deepEqual(pick(await post(agent, event)), [200, 'Accepted']);
    assert.deepEqual(pick(await post(agent, event)), [200, 'Duplicate: already accepted']);
    assert.deepEqual(pick(await post(agent, fresh(events.denied))), [200, 'Accepted']);
    assert.equal((await post(agent, fresh(events.denied), { signature: sign('other', SECRET) })).status, 401);
    assert.equal((await post(agent, '[1]')).status, 400);
    assert.equal((await post(agent, JSON.stringify({ pad: 'x'.repeat(3000) }))).status, 413);
    assert.equal((await post(agent, fresh(events.denied), { type: 'text/plain' })).status, 415);
    assert.equal((await agent.get('/genea')).status, 405);
    await settle();
    assert.equal(out.length, 2);
    assert.deepEqual(
      bad.map((msg) => msg.payload.status),
      [401, 400, 413, 415, 405],
    );
  });

  it('takes only paths express itself routes to the receiver', async function () {
    const agent = await load(flow(), credentials);
    assert.equal((await post(agent, fresh(events.granted))).status, 200);
    assert.equal((await post(agent, fresh(events.granted), { path: '/GENEA/' })).status, 200);
    assert.equal((await post(agent, fresh(events.granted), { path: '/GENEA/' })).status, 200);
    // Express does not route a doubled slash to '/genea', although both reserve the same raw body.
    assert.equal((await post(agent, fresh(events.granted), { path: '//genea' })).status, 404);
    assert.equal((await post(agent, fresh(events.granted), { path: '//genea' })).status, 404);
  });

  it('runs a middleware in front of the receiver for every delivery', async function () {
    const agent = await load(flow(), credentials);
    let seen = 0;
    const remove = insertInFrontOfReceiver(function countRequests(_req, _res, next) {
      seen++;
      next();
    });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await post(agent, fresh(events.granted))).status, 200);
      assert.equal(seen, 3);
    } finally {
      remove();
    }
  });

  it('goes back to the express route when a middleware is put in front later', async function () {
    const agent = await load(flow(), credentials);
    const out = collect('out');
    assert.equal((await post(agent, fresh(events.granted))).status, 200);
    assert.equal((await post(agent, fresh(events.granted))).status, 200);
    const remove = insertInFrontOfReceiver(function refuseAll(_req, res) {
      res.statusCode = 403;
      res.end('refused by a middleware');
    });
    try {
      const res = await post(agent, fresh(events.granted));
      assert.deepEqual(pick(res), [403, 'refused by a middleware']);
      await settle();
      assert.equal(out.length, 2);
    } finally {
      remove();
    }
  });
});

function pick(res) {
  return [res.status, res.text];
}
