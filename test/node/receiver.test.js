'use strict';
const assert = require('node:assert/strict');
const { helper, load, sign } = require('../support/helper');

const SECRET = 'test-secret-7f3a';

function flow(extra = {}) {
  return [
    { id: 'cfg', type: 'genea-config', name: 'genea' },
    { id: 'rx', type: 'genea-webhook-in', config: 'cfg', url: '/genea', wires: [['out'], ['bad']], ...extra },
    { id: 'out', type: 'helper' },
    { id: 'bad', type: 'helper' },
  ];
}
const credentials = { cfg: { secret: SECRET } };

describe('genea-webhook-in (node)', function () {
  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(() => helper.unload());

  it('emits one message for a signed delivery and answers 200 first', async function () {
    const http = await load(flow(), credentials);
    const out = helper.getNode('out');
    const received = new Promise((resolve) => out.on('input', resolve));
    const body = JSON.stringify({
      uuid: 'e1',
      event_type: 'ACCESS',
      event_action: 'SEQUR_ACCESS_GRANTED',
      event_message: 'Access Granted',
    });
    const res = await http
      .post('/genea')
      .set('Content-Type', 'application/json')
      .set('X-Sequr-Signature', sign(body, SECRET))
      .send(body);
    assert.equal(res.status, 200);
    const msg = await received;
    assert.equal(msg.topic, 'access.granted');
    assert.equal(msg.genea.uuid, 'e1');
  });
});
