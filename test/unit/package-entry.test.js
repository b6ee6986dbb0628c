'use strict';
// The package's `main` (require('node-red-contrib-genea-webhooks')): the Node-RED-free core the README documents.
const assert = require('node:assert/strict');
const core = require('../..');

describe('package entry (main)', function () {
  it('exports the documented core API', function () {
    for (const name of ['signBody', 'verifySignature', 'summarise', 'parseGeneaEvent', 'processDelivery']) {
      assert.equal(typeof core[name], 'function', name);
    }
    for (const name of ['MemoryClaimStore', 'asDuplicate', 'duplicateKey'])
      assert.equal(typeof core[name], 'function', name);
  });

  it('exports the Genea API client, which refuses plain http to another host', function () {
    assert.throws(() => new core.GeneaApiClient({ baseUrl: 'http://api.sequr.io', apiKey: 'k' }), /loopback/);
    assert.equal(new core.GeneaApiClient({ apiKey: 'k' }).baseUrl, core.DEFAULT_BASE_URL);
    assert.deepEqual(core.DOOR_ACTIONS, ['lock', 'unlock', 'quick_unlock', 'list']);
  });

  it('verifies what it signs, and only with the same secret', function () {
    const body = Buffer.from('{"uuid":"e-1"}');
    const header = core.signBody(body, 'key-1');
    assert.deepEqual(core.verifySignature(body, header, ['key-2', 'key-1']), { valid: true, secretIndex: 1 });
    assert.deepEqual(core.verifySignature(body, header, ['key-2']), { valid: false, problem: 'mismatch' });
  });
});
