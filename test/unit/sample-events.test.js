'use strict';
const assert = require('node:assert/strict');
const { sampleEvent, SAMPLE_EVENT_TYPES } = require('../../nodes/lib/sample-events');
const { summarise, GENEA_EVENT_TYPES } = require('../../nodes/lib/event');

// What each sample must say, as docs/genea.md records Genea's events: the machine code, the text a person reads,
// who caused it and the door's state. Flows and the editor's "Send test event" show these to users.
const EXPECTED = {
  'access.granted': ['ACCESS', 'SEQUR_ACCESS_GRANTED', 'Access Granted', 'USER'],
  'access.denied': ['ACCESS', 'SEQUR_ACCESS_DENIED_CARD_NOT_FOUND', 'Access Denied - Card Not Found', 'SYSTEM'],
  'access.anti_passback': [
    'ACCESS',
    'SEQUR_ACCESS_DENIED_ANTI_PASSBACK_VIOLATION',
    'Access Denied - Anti-Passback Violation',
    'USER',
  ],
  'resource.created': ['AUDIT', 'CREATED', 'Created Card 1111 for Aaron Arnold', 'USER'],
  'resource.updated': ['AUDIT', 'UPDATED', 'Updated Card 1111 for Aaron Arnold', 'USER'],
  'resource.deleted': ['AUDIT', 'DELETED', 'Deleted Card 1111 for Aaron Arnold', 'USER'],
  'door.forced_open': ['DOOR', 'SEQUR_DOOR_POSITION_SENSOR_ALARM', 'Door Forced Open', 'SYSTEM'],
  'door.held_open': ['DOOR', 'SEQUR_DOOR_POSITION_SENSOR_ALARM', 'Door Held Open', 'SYSTEM'],
  'door.alarm': ['DOOR', 'SEQUR_DOOR_POSITION_SENSOR_ALARM', 'Door Position Sensor Alarm', 'SYSTEM'],
  'door.secured': ['DOOR', 'SEQUR_DOOR_POSITION_SENSOR_SECURE', 'Door Secure', 'SYSTEM'],
  'door.mode_changed': ['DOOR', 'SEQUR_DOOR_ACCESS_MODE_UNLOCKED', 'Door Access Mode Changed to Unlocked', 'API_KEY'],
  'door.quick_grant': ['DOOR', 'SEQUR_HOST_INITIATED_REQUEST_DOOR_USE_NOT_VERIFIED', 'Remote door quick grant', 'USER'],
  'device.status': ['CONTROLLER', 'OSDP_READER_ONLINE_STATUS_UPDATE', 'Reader Online Status Update', 'SYSTEM'],
  other: ['CONTROLLER', 'SEQUR_SAMPLE_UNCLASSIFIED_EVENT', 'An event this package does not classify', 'SYSTEM'],
};

describe('sample events', function () {
  it('are there for every kind of event but hardware installs', function () {
    assert.deepEqual(
      [...SAMPLE_EVENT_TYPES].sort(),
      GENEA_EVENT_TYPES.filter((type) => !/^resource\.(un)?installed$/.test(type)).sort(),
    );
    assert.deepEqual([...SAMPLE_EVENT_TYPES].sort(), Object.keys(EXPECTED).sort());
  });

  it('classify as the kind they are samples of', function () {
    for (const type of SAMPLE_EVENT_TYPES) assert.equal(summarise(sampleEvent(type)).type, type);
  });

  for (const [type, [eventType, action, message, actorType]] of Object.entries(EXPECTED)) {
    it(`${type}: says what Genea says, caused by a ${actorType}`, function () {
      const event = sampleEvent(type);
      assert.deepEqual(
        [event.event_type, event.event_action, event.event_message, event.actor.type],
        [eventType, action, message, actorType],
      );
      assert.equal(event.event_note, null);
      assert.equal(event.event_hw_info, null);
      assert.deepEqual(event.metadata, { version: '2' });
      assert.equal(event.location.length, 1);
      assert.deepEqual(
        [event.location[0].name, event.location[0].timezone, event.location[0].uuid],
        ['Headquarters', 'America/New_York', '5d1f3c8e-2b7a-4c51-9e0d-8a6f2e4b7c10'],
      );
    });
  }

  it('are new events each time, happening now', function () {
    const before = Date.now();
    const a = sampleEvent('access.granted');
    const b = sampleEvent('access.granted');
    assert.notEqual(a.uuid, b.uuid);
    assert.match(a.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(a.created_at, a.event_time);
    assert.ok(Date.parse(a.event_time) >= before - 1 && Date.parse(a.event_time) <= Date.now());
    assert.equal(summarise(a).location.timezone, 'America/New_York');
  });

  it('name a user, a door, a card and a controller where Genea does', function () {
    const granted = sampleEvent('access.granted');
    assert.deepEqual(
      [granted.actor.user_name, granted.actor.user_email, granted.actor.user_location_role],
      ['Aaron Arnold', 'aaron.arnold@example.com', 'USER'],
    );
    assert.deepEqual([granted.door.name, granted.door.door_status], ['Main Entrance', 'CLOSED']);
    assert.deepEqual([granted.card.card_number, granted.card.type, granted.card.status], ['1111', 'KEYCARD', 'ACTIVE']);
    assert.equal(granted.card.badge_type.name, 'Employee');
    assert.deepEqual([granted.controller.name, granted.controller.status], ['Lobby Controller', 'ONLINE']);

    const denied = sampleEvent('access.denied');
    assert.deepEqual(
      [denied.card.card_number, denied.card.uuid, denied.card.status, denied.card.badge_type],
      ['9999', null, null, null],
      'an unknown card: only its number',
    );
    assert.equal(denied.door.name, 'Main Entrance');
    assert.equal(sampleEvent('access.anti_passback').card.card_number, '1111');
  });

  it('audit events: an admin changed card 1111', function () {
    for (const type of ['resource.created', 'resource.updated', 'resource.deleted']) {
      const event = sampleEvent(type);
      assert.deepEqual([event.actor.user_name, event.actor.user_location_role], ['Ada Admin', 'ADMIN'], type);
      assert.deepEqual(event.audit_resource, {
        id: 1111,
        uuid: 'c4e6a8b0-d2f4-4a6c-8e0b-2d4f6a8c0e2b',
        name: 'Card 1111',
        type: 'CARD',
      });
      assert.equal(event.door, undefined, type);
    }
  });

  it('door events: the door alarm states Genea writes, the door open while it alarms', function () {
    const states = (forced, held) => ({
      'Forced Open State': `Prior : ${forced[0]}, Current : ${forced[1]}`,
      'Held Open State': `Prior : ${held[0]}, Current : ${held[1]}`,
    });
    const forced = sampleEvent('door.forced_open');
    assert.deepEqual(forced.additional_info, states(['No', 'Yes'], ['No', 'No']));
    assert.equal(forced.door.door_status, 'OPEN');
    const held = sampleEvent('door.held_open');
    assert.deepEqual(held.additional_info, states(['No', 'No'], ['No', 'Yes']));
    assert.equal(held.door.door_status, 'OPEN');
    const alarm = sampleEvent('door.alarm');
    assert.equal(alarm.additional_info, null);
    assert.equal(alarm.door.door_status, 'OPEN');
    const secured = sampleEvent('door.secured');
    assert.deepEqual(secured.additional_info, states(['Yes', 'No'], ['No', 'No']));
    assert.equal(secured.door.door_status, 'CLOSED');
    for (const type of ['door.forced_open', 'door.secured', 'door.mode_changed', 'door.quick_grant']) {
      const event = sampleEvent(type);
      assert.equal(event.door.name, 'Main Entrance', type);
      assert.equal(event.controller.name, 'Lobby Controller', type);
    }
    assert.equal(sampleEvent('door.mode_changed').door.door_status, 'CLOSED');
    assert.equal(sampleEvent('door.quick_grant').actor.user_name, 'Ada Admin');
    assert.deepEqual(sampleEvent('device.status').additional_info, {
      'Reader Online State': 'Prior : Yes, Current : No',
    });
    assert.equal(sampleEvent('other').door, undefined);
    assert.equal(sampleEvent('other').controller.name, 'Lobby Controller');
  });
});
