'use strict';
// The status text of genea-webhook-in with its message arguments (the test helper's RED._ returns bare keys).
const assert = require('node:assert/strict');
const { helper, load, sign } = require('../support/helper');
const events = require('../fixtures/events');
const { until } = require('../support/until');

const SECRET = 'status-secret-0c4d';

/** A "node module" that makes RED._ show the arguments it was given. */
function translateWithArguments(RED) {
  RED._ = (key, args) => (args ? `${key}${JSON.stringify(args)}` : key);
}

describe('genea-webhook-in status text (node)', function () {
  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(() => helper.unload());

  it('names the path, the type and the local time (hours and minutes) of the last accepted event', async function () {
    const flow = [
      { id: 'cfg', type: 'genea-config' },
      { id: 'rx', type: 'genea-webhook-in', config: 'cfg', url: '/genea-status', wires: [[], []] },
    ];
    const agent = await load(flow, { cfg: { secret: SECRET } }, [translateWithArguments]);
    const body = JSON.stringify({ ...events.denied, uuid: 'status-text-1' });
    const before = new Date();
    const rx = helper.getNode('rx');
    const drawn = rx.status.callCount;
    const res = await agent
      .post('/genea-status')
      .set('Content-Type', 'application/json')
      .set('X-Sequr-Signature', sign(body, SECRET))
      .send(body);
    const after = new Date();
    assert.equal(res.status, 200);
    // The status is redrawn a moment after a delivery (bursts are drawn once).
    await until(() => rx.status.callCount !== drawn, 'the status to be redrawn');
    const { text } = rx.status.lastCall.args[0];
    const clocks = [before, after].map((date) => date.toTimeString().slice(0, 5));
    const shown = /^\/genea-status · access\.denied (\d\d:\d\d)$/.exec(text);
    assert.ok(shown, text);
    assert.ok(clocks.includes(shown[1]), `${shown[1]} is not ${clocks.join(' or ')}`);
  });
});
