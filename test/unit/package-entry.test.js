'use strict';
// The package's `main` (require('node-red-contrib-genea-webhooks')): the Node-RED-free core the README documents.
const assert = require('node:assert/strict');
const core = require('../..');

describe('package entry (main)', function () {
  it('exports the documented core API', function () {
    for (const name of ['signBody', 'verifySignature', 'summarise', 'parseGeneaEvent', 'processDelivery']) {
      assert.equal(typeof core[name], 'function', name);
    }
    assert.equal(typeof core.DuplicateWindow, 'function');
  });

  it('verifies what it signs, and only with the same secret', function () {
    const body = Buffer.from('{"uuid":"e-1"}');
    const header = core.signBody(body, 'key-1');
    assert.deepEqual(core.verifySignature(body, header, ['key-2', 'key-1']), { valid: true, secretIndex: 1 });
    assert.deepEqual(core.verifySignature(body, header, ['key-2']), { valid: false, problem: 'mismatch' });
  });
});
