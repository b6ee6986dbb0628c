'use strict';
const assert = require('node:assert/strict');
const { processDelivery, asDuplicate, duplicateKey, isJsonContentType } = require('../../nodes/lib/delivery');
const { signBody } = require('../../nodes/lib/signature');
const events = require('../fixtures/events');

const deliver = (body, secret = 'k') => processDelivery(Buffer.from(body), signBody(body, secret), ['k']);

describe('delivery pipeline', function () {
  it('accepts a signed JSON object and classifies it', function () {
    const verdict = deliver(JSON.stringify(events.denied));
    assert.equal(verdict.accepted, true);
    assert.equal(verdict.duplicate, false);
    assert.equal(verdict.summary.reason, 'CARD_NOT_FOUND');
  });

  it('verifies before it parses: an unsigned non-JSON body is a 401, a signed one a 400', function () {
    assert.equal(processDelivery(Buffer.from('{oops'), undefined, ['k']).status, 401);
    assert.equal(deliver('{oops').status, 400);
    assert.equal(deliver('\ufeff{"event_message":"Grant Access"}').accepted, true, 'a UTF-8 BOM is tolerated');
  });

  it('gives a retry the same key, also when its bytes were reformatted', function () {
    const first = deliver(JSON.stringify(events.granted));
    assert.equal(deliver(JSON.stringify(events.granted, null, 2)).key, first.key);
    assert.notEqual(deliver(JSON.stringify(events.denied)).key, first.key);
  });

  it('marks a copy as a duplicate without changing what it is', function () {
    const verdict = deliver(JSON.stringify(events.granted));
    const duplicate = asDuplicate(verdict);
    assert.deepEqual(
      [duplicate.duplicate, duplicate.reason, duplicate.status],
      [true, 'Duplicate: already accepted', 200],
    );
    assert.equal(duplicate.key, verdict.key);
    assert.equal(verdict.duplicate, false, 'the first verdict is left as it was');
  });

  it('keeps keys short however long the event fields are', function () {
    const long = 'x'.repeat(400 * 1024);
    const key = duplicateKey({ uuid: long, event_action: long, event_time: long }, Buffer.from('{}'));
    assert.ok(key.length <= 64, `${key.length} characters`);
    assert.notEqual(key, duplicateKey({ uuid: long + 'y', event_action: long, event_time: long }, Buffer.from('{}')));
  });

  it('never takes two different events sharing a short numeric uuid for one', function () {
    const body = Buffer.from('{}');
    const granted = { uuid: 42, event_type: 'ACCESS', event_action: 'SEQUR_ACCESS_GRANTED', event_time: 't1' };
    const created = { uuid: '42', event_type: 'AUDIT', event_action: 'CREATED', event_time: 't1' };
    assert.notEqual(duplicateKey(granted, body), duplicateKey(created, body));
    assert.equal(duplicateKey(granted, body), duplicateKey({ ...granted, extra: 1 }, Buffer.from('other')));
    assert.notEqual(duplicateKey({}, Buffer.from('a')), duplicateKey({}, Buffer.from('b')));
  });

  it('tells apart events of one uuid that differ in type, action or time (each of them is another event)', function () {
    const body = Buffer.from('{}');
    const event = {
      uuid: 'u-1',
      event_type: 'DOOR',
      event_action: 'SEQUR_DOOR_POSITION_SENSOR_ALARM',
      event_time: 't1',
    };
    const keys = [
      event,
      { ...event, event_type: 'ACCESS' },
      { ...event, event_action: 'SEQUR_DOOR_POSITION_SENSOR_SECURE' },
      { ...event, event_time: 't2' },
    ].map((variant) => duplicateKey(variant, body));
    assert.equal(new Set(keys).size, 4);
    assert.equal(duplicateKey({ ...event }, Buffer.from('other bytes')), keys[0], 'the same event in other bytes');
  });

  it('recognises JSON content types', function () {
    for (const type of [
      'application/json',
      'Application/JSON; charset=utf-8',
      ' application/json ; charset=utf-8',
      'application/vnd.genea+json',
    ]) {
      assert.equal(isJsonContentType(type), true, type);
    }
    for (const type of [undefined, '', 'text/plain', 'application/x-www-form-urlencoded', 'text/json', 'text/x+json']) {
      assert.equal(isJsonContentType(type), false, String(type));
    }
  });

  it('skips only a whole UTF-8 byte-order mark, not three bytes that merely start and end like one', function () {
    const json = Buffer.from('{"event_message":"Grant Access"}');
    for (const start of [
      [0xef, 0x20, 0xbf],
      [0xef, 0xbb, 0x20],
      [0x20, 0xbb, 0xbf],
    ]) {
      const body = Buffer.concat([Buffer.from(start), json]);
      const verdict = processDelivery(body, signBody(body, 'k'), ['k']);
      assert.equal(verdict.status, 400, JSON.stringify(start));
    }
  });

  it('keys events without a usable uuid by their bytes', function () {
    for (const uuid of ['', null, true, { id: 1 }]) {
      assert.notEqual(duplicateKey({ uuid }, Buffer.from('a')), duplicateKey({ uuid }, Buffer.from('b')), String(uuid));
    }
  });

  it('accepts an event exactly maxEventAgeMs old, and refuses it a millisecond later', function () {
    const eventTime = Date.parse('2026-12-01T10:00:00Z');
    const body = JSON.stringify({ ...events.granted, uuid: 'age-boundary', event_time: '2026-12-01T10:00:00Z' });
    const at = (now) =>
      processDelivery(Buffer.from(body), signBody(body, 'k'), ['k'], {
        maxEventAgeMs: 60_000,
        now,
      });
    assert.equal(at(eventTime + 60_000).accepted, true);
    assert.equal(at(eventTime + 60_001).status, 400);
  });
});
