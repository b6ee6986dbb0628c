'use strict';
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { signBody, verifySignature } = require('../../nodes/lib/signature');

const body = Buffer.from('{"uuid":"1","door":{"model":"iCLASS® R10"}}');
const hmac = (alg, key, data) => crypto.createHmac(alg, key).update(data).digest('hex');

describe('signature', function () {
  it('signs like Genea: sha1= and the lowercase hex HMAC of the raw bytes', function () {
    assert.equal(signBody(body, 'k'), `sha1=${hmac('sha1', 'k', body)}`);
    assert.equal(signBody(body, 'k', 'sha256'), `sha256=${hmac('sha256', 'k', body)}`);
  });

  it('accepts sha1 and sha256, in either hex case, and says which secret matched', function () {
    assert.deepEqual(verifySignature(body, `sha1=${hmac('sha1', 'new', body)}`, ['new', 'old']), {
      valid: true,
      secretIndex: 0,
    });
    assert.deepEqual(verifySignature(body, `sha1=${hmac('sha1', 'old', body).toUpperCase()}`, ['new', 'old']), {
      valid: true,
      secretIndex: 1,
    });
    assert.deepEqual(verifySignature(body, `SHA256=${hmac('sha256', 'new', body)}`, ['new']), {
      valid: true,
      secretIndex: 0,
    });
  });

  it('rejects a signature made with another secret or over other bytes', function () {
    assert.deepEqual(verifySignature(body, signBody(body, 'other'), ['new', 'old']), {
      valid: false,
      problem: 'mismatch',
    });
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(body.toString()), null, 2));
    assert.equal(verifySignature(reserialised, signBody(body, 'k'), ['k']).valid, false);
  });

  it('rejects the real HMAC with any one bit of any byte changed: every byte is compared', function () {
    for (const alg of ['sha1', 'sha256']) {
      const digest = crypto.createHmac(alg, 'k').update(body).digest();
      for (let byte = 0; byte < digest.length; byte++) {
        for (const bit of [0x01, 0x80]) {
          const changed = Buffer.from(digest);
          changed[byte] ^= bit;
          assert.deepEqual(
            verifySignature(body, `${alg}=${changed.toString('hex')}`, ['k']),
            { valid: false, problem: 'mismatch' },
            `${alg} byte ${byte} bit ${bit}`,
          );
        }
      }
      assert.equal(verifySignature(body, `${alg}=${digest.toString('hex')}`, ['k']).valid, true);
    }
  });

  it('tells a missing header from a malformed one, and never throws', function () {
    for (const header of [undefined, null, '']) {
      assert.deepEqual(verifySignature(body, header, ['k']), { valid: false, problem: 'missing' });
    }
    const good = hmac('sha1', 'k', body);
    for (const header of [
      good,
      `md5=${good}`,
      `sha1=${good.slice(1)}`,
      `sha1=${good}00`,
      `sha1=${good.slice(0, -1)}g`,
      `sha1=${good}, sha1=${good}`,
      [`sha1=${good}`],
      42,
      {},
      'sha1=é',
    ]) {
      assert.deepEqual(verifySignature(body, header, ['k']), { valid: false, problem: 'malformed' }, String(header));
    }
  });

  it('accepts nothing when no secret is configured', function () {
    assert.deepEqual(verifySignature(body, signBody(body, ''), []), { valid: false, problem: 'mismatch' });
  });
});
