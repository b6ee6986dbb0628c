'use strict';
// Classification of every action code in the shared facts, through the code the receiver and the filters share.
const assert = require('node:assert/strict');
const {
  summarise,
  summariseMessage,
  isGeneaSummary,
  KNOWN_DENIAL_REASONS,
  ANTI_PASSBACK_REASON,
} = require('../../nodes/lib/event');
const { event, denied, audit, flat, HQ } = require('../fixtures/event-builders');

const DENIAL_REASONS = KNOWN_DENIAL_REASONS.filter((reason) => reason !== ANTI_PASSBACK_REASON);

describe('event classification (summarise)', function () {
  it('classifies both granted actions as access.granted', function () {
    for (const action of ['SEQUR_ACCESS_GRANTED', 'SEQUR_ACCESS_GRANTED_ACCESS_POINT_UNLOCKED']) {
      assert.equal(summarise(event({ event_action: action })).type, 'access.granted', action);
    }
  });

  it('classifies every documented denial reason as access.denied with that reason', function () {
    assert.equal(DENIAL_REASONS.length, 27);
    for (const reason of DENIAL_REASONS) {
      const summary = summarise(denied(reason));
      assert.equal(summary.type, 'access.denied', reason);
      assert.equal(summary.reason, reason);
    }
  });

  it('reads a reason suffix in any letter case, and a new reason as itself', function () {
    const mixed = summarise(event({ event_action: 'SEQUR_ACCESS_DENIED_INVALID_FACILITY_code' }));
    assert.deepEqual([mixed.type, mixed.reason], ['access.denied', 'INVALID_FACILITY_CODE']);
    const unknown = summarise(event({ event_action: 'SEQUR_ACCESS_DENIED_FACE_NOT_MATCHED' }));
    assert.deepEqual([unknown.type, unknown.reason], ['access.denied', 'FACE_NOT_MATCHED']);
  });

  it('classifies the anti-passback violation as its own kind of denial', function () {
    const summary = summarise(
      event({
        event_action: 'SEQUR_ACCESS_DENIED_ANTI_PASSBACK_VIOLATION',
        event_message: 'Access Denied - Anti-Passback Violation',
      }),
    );
    assert.deepEqual([summary.type, summary.reason], ['access.anti_passback', 'ANTI_PASSBACK_VIOLATION']);
  });

  it('classifies every audit action as a resource change with its resource', function () {
    for (const action of ['CREATED', 'UPDATED', 'DELETED', 'INSTALLED', 'UNINSTALLED']) {
      const summary = summarise(audit(action, 'CARD'));
      assert.equal(summary.type, `resource.${action.toLowerCase()}`);
      assert.deepEqual(summary.resource, { name: 'Aaron Arnold', uuid: 'res-card', type: 'CARD' });
    }
  });

  it('classifies door, controller and unknown actions as other', function () {
    for (const action of [
      'SEQUR_DOOR_POSITION_SENSOR_FORCED_OPEN',
      'SEQUR_DOOR_POSITION_SENSOR_HELD_OPEN',
      'SEQUR_DOOR_MODE_CHANGE',
      'SEQUR_READER_ONLINE',
      'SOMETHING_GENEA_ADDS_LATER',
    ]) {
      assert.equal(summarise(event({ event_type: 'DOOR', event_action: action, event_message: 'x' })).type, 'other');
    }
  });

  it('reads the location from the object shape and from the array shape alike', function () {
    const fromArray = summarise(event({ location: [HQ, { uuid: 'loc-2', name: 'Annex' }] }));
    const fromObject = summarise(event({ location: HQ }));
    const expected = { name: 'HQ', uuid: 'loc-hq', timezone: 'America/New_York' };
    assert.deepEqual(fromArray.location, expected);
    assert.deepEqual(fromObject.location, expected);
  });

  it('classifies the older flat shape from its message, with user and site', function () {
    const grant = summarise(flat('Grant Access'));
    assert.equal(grant.type, 'access.granted');
    assert.deepEqual(grant.user, { name: 'Aaron Arnold', uuid: null, email: null, type: null });
    assert.deepEqual(grant.location, { name: 'HQ', uuid: null, timezone: null });
    const deny = summarise(flat('Access Denied - Card Not Found'));
    assert.deepEqual([deny.type, deny.reason], ['access.denied', 'CARD_NOT_FOUND']);
    assert.equal(summarise(flat('Door Held Open')).type, 'other');
  });
});

describe('summariseMessage', function () {
  const payload = event({ event_action: 'SEQUR_ACCESS_DENIED_INVALID_PIN' });

  it('takes msg.genea when it is a summary', function () {
    const genea = summarise(event());
    assert.equal(summariseMessage({ genea, payload }), genea);
  });

  it('classifies msg.payload as an object, JSON text or a Buffer when msg.genea is no summary', function () {
    for (const form of [payload, JSON.stringify(payload), Buffer.from(JSON.stringify(payload))]) {
      for (const genea of [undefined, { type: 'not-a-type' }, 'access.granted']) {
        assert.deepEqual(summariseMessage({ genea, payload: form }), summarise(payload));
      }
    }
  });

  it('returns null, never throws, for anything that is not a Genea event', function () {
    const values = [
      undefined,
      null,
      0,
      1.5,
      true,
      '',
      'text',
      '{"a":',
      '[1,2]',
      '{}',
      [],
      {},
      { uuid: 'x' },
      Buffer.from('x'),
    ];
    for (const value of values) {
      assert.equal(summariseMessage({ payload: value }), null, String(value));
      assert.equal(isGeneaSummary(value), false);
    }
  });
});
