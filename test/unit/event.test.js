'use strict';
const assert = require('node:assert/strict');
const { summarise, parseGeneaEvent, isGeneaEvent } = require('../../nodes/lib/event');
const events = require('../fixtures/events');

describe('event model: summarise', function () {
  it('summarises an access grant with user, door, location and card', function () {
    assert.deepEqual(summarise(events.granted), {
      type: 'access.granted',
      action: 'SEQUR_ACCESS_GRANTED',
      message: 'Access Granted',
      uuid: 'evt-sequr_access_granted',
      time: '2026-11-27T13:02:11.000Z',
      user: { name: 'Aaron Arnold', uuid: 'user-aaron', email: 'aaron@example.com', type: 'USER' },
      door: { name: 'Front Door', uuid: 'door-front' },
      location: { name: 'HQ', uuid: 'loc-hq', timezone: 'America/New_York' },
      card: { name: '1111', uuid: 'card-1111', type: 'KEYCARD' },
    });
  });

  it('takes the first location when newer payloads send an array', function () {
    const summary = summarise(events.grantedArrayLocation);
    assert.equal(summary.type, 'access.granted');
    assert.deepEqual(summary.location, { name: 'HQ', uuid: 'loc-hq', timezone: 'America/New_York' });
  });

  it('classifies denials with their reason, case-insensitively, and anti-passback apart', function () {
    assert.deepEqual(
      [summarise(events.denied).type, summarise(events.denied).reason],
      ['access.denied', 'CARD_NOT_FOUND'],
    );
    const lower = summarise({ event_action: 'SEQUR_ACCESS_DENIED_INVALID_FACILITY_code' });
    assert.deepEqual([lower.type, lower.reason], ['access.denied', 'INVALID_FACILITY_CODE']);
    const future = summarise({ event_action: 'SEQUR_ACCESS_DENIED_SOMETHING_NEW' });
    assert.deepEqual([future.type, future.reason], ['access.denied', 'SOMETHING_NEW']);
    const apb = summarise(events.antiPassback);
    assert.deepEqual([apb.type, apb.reason], ['access.anti_passback', 'ANTI_PASSBACK_VIOLATION']);
  });

  it('classifies audit events and names the resource', function () {
    const summary = summarise(events.cardCreated);
    assert.equal(summary.type, 'resource.created');
    assert.deepEqual(summary.resource, { name: 'Card 1111', uuid: 'card-1111', type: 'CARD' });
    for (const action of ['UPDATED', 'DELETED', 'INSTALLED', 'UNINSTALLED']) {
      assert.equal(summarise({ event_type: 'AUDIT', event_action: action }).type, `resource.${action.toLowerCase()}`);
    }
  });

  it('passes everything else through as other', function () {
    assert.equal(summarise(events.doorHeldOpen).type, 'other');
    assert.equal(summarise({ event_action: 'SEQUR_READER_ONLINE' }).type, 'other');
    assert.equal(summarise({}).type, 'other');
  });

  it('classifies older flat payloads from their message', function () {
    const summary = summarise(events.legacyGrant);
    assert.equal(summary.type, 'access.granted');
    assert.deepEqual(summary.user, { name: 'Aaron Arnold', uuid: null, email: null, type: null });
    assert.deepEqual(summary.location, { name: 'HQ', uuid: null, timezone: null });
    const denied = summarise({ event_message: 'Access Denied - Invalid PIN' });
    assert.deepEqual([denied.type, denied.reason], ['access.denied', 'INVALID_PIN']);
    assert.equal(summarise({ event_message: 'Door Forced Open' }).type, 'other');
  });

  it('normalises time to ISO, falling back to created_at, and ids to strings', function () {
    assert.equal(summarise({ event_time: '2026-11-27T14:02:11+01:00' }).time, '2026-11-27T13:02:11.000Z');
    assert.equal(
      summarise({ event_time: 'yesterday', created_at: '2026-01-01T00:00:00Z' }).time,
      '2026-01-01T00:00:00.000Z',
    );
    assert.equal(summarise({ event_time: null }).time, null);
    assert.equal(summarise({ uuid: 12345 }).uuid, '12345');
  });

  it('never throws on odd field types', function () {
    const odd = [null, 1, 'x', true, [], {}, [1, 'a'], { a: { b: [] } }];
    for (const a of odd) {
      for (const b of odd) {
        const summary = summarise({
          uuid: a,
          event_time: b,
          event_action: a,
          event_message: b,
          actor: a,
          location: b,
          door: a,
          card: b,
          audit_resource: a,
        });
        assert.ok(typeof summary.type === 'string');
      }
    }
  });
});

describe('event model: parseGeneaEvent', function () {
  it('reads objects, JSON text and Buffers, and refuses what is not a Genea event', function () {
    assert.equal(parseGeneaEvent(events.granted), events.granted);
    assert.deepEqual(parseGeneaEvent(JSON.stringify(events.denied)), events.denied);
    assert.deepEqual(parseGeneaEvent(Buffer.from(JSON.stringify(events.denied))), events.denied);
    for (const value of [null, 3, 'text', '{"a":1}', '[1]', [], { foo: 'bar' }, '{broken']) {
      assert.equal(parseGeneaEvent(value), null, JSON.stringify(value));
    }
    assert.equal(isGeneaEvent({ event_message: 'Grant Access' }), true);
  });
});
