'use strict';
// Classification of door and device events (shared facts, "Door and device events") through the one summarise of
// the receiver and the filters: every type, every state-text variant, and the summary fields they carry.
const assert = require('node:assert/strict');
const { summarise, summariseMessage, isGeneaSummary } = require('../../nodes/lib/event');
const { doorEvent, doorAlarm, doorSecure, granted, HQ } = require('../fixtures/event-builders');

const FORCED = 'Forced Open State';
const HELD = 'Held Open State';
const alarmOf = (info) => {
  const summary = summarise(doorAlarm(info));
  return [summary.type, summary.alarms];
};

describe('door and device events (summarise)', function () {
  describe('door alarm (SEQUR_DOOR_POSITION_SENSOR_ALARM)', function () {
    it('is door.forced_open when the forced-open state is current, also with held-open current too', function () {
      assert.deepEqual(alarmOf({ [FORCED]: 'Prior : No, Current : Yes', [HELD]: 'Prior : No, Current : No' }), [
        'door.forced_open',
        ['forced_open'],
      ]);
      assert.deepEqual(alarmOf({ [FORCED]: 'Prior : No, Current : Yes', [HELD]: 'Prior : No, Current : Yes' }), [
        'door.forced_open',
        ['forced_open', 'held_open'],
      ]);
      assert.deepEqual(alarmOf({ [FORCED]: 'Prior : Yes, Current : Yes' }), ['door.forced_open', ['forced_open']]);
    });

    it('is door.held_open when only the held-open state is current', function () {
      assert.deepEqual(alarmOf({ [FORCED]: 'Prior : No, Current : No', [HELD]: 'Prior : No, Current : Yes' }), [
        'door.held_open',
        ['held_open'],
      ]);
      assert.deepEqual(alarmOf({ [HELD]: 'Current : Yes' }), ['door.held_open', ['held_open']]);
    });

    it('reads the state texts in any spacing and case, with or without their Prior part', function () {
      for (const text of [
        'Prior : No, Current : Yes',
        'prior:no,current:YES',
        'Current : Yes',
        'current:yes',
        '  PRIOR = NO ;  CURRENT = yes ',
        'Current: True',
        'Yes',
      ]) {
        assert.deepEqual(alarmOf({ [FORCED]: text }), ['door.forced_open', ['forced_open']], text);
        assert.deepEqual(alarmOf({ [HELD]: text }), ['door.held_open', ['held_open']], text);
      }
      assert.deepEqual(alarmOf({ [HELD]: true }), ['door.held_open', ['held_open']], 'a boolean');
      assert.deepEqual(alarmOf({ [HELD]: { Prior: 'No', Current: 'Yes' } }), ['door.held_open', ['held_open']]);
    });

    it('matches the state keys in any case and spacing', function () {
      for (const key of [
        'Forced Open State',
        'forced_open_state',
        'FORCED OPEN STATE',
        'forcedOpenState',
        'Forced Open',
      ]) {
        assert.deepEqual(alarmOf({ [key]: 'Prior : No, Current : Yes' }), ['door.forced_open', ['forced_open']], key);
      }
      for (const key of ['Held Open State', 'held_open_state', ' held-open ', 'HeldOpen']) {
        assert.deepEqual(alarmOf({ [key]: 'Prior : No, Current : Yes' }), ['door.held_open', ['held_open']], key);
      }
      // The same state under two spellings: a current Yes in either counts.
      assert.deepEqual(alarmOf({ forced_open_state: 'Current : No', [FORCED]: 'Current : Yes' }), [
        'door.forced_open',
        ['forced_open'],
      ]);
    });

    it('reads additional_info sent as JSON text', function () {
      const info = JSON.stringify({ [HELD]: 'Prior : No, Current : Yes' });
      assert.deepEqual(alarmOf(info), ['door.held_open', ['held_open']]);
    });

    it('is door.alarm, with no current states, when no state can be read, and never throws', function () {
      for (const info of [
        undefined,
        null,
        {},
        'not json',
        '{"broken":',
        '[1,2]',
        42,
        [{ [FORCED]: 'Current : Yes' }],
        { [FORCED]: 'Prior : No' },
        { [FORCED]: 'Current : maybe' },
        { [FORCED]: 42, [HELD]: null },
        { [FORCED]: 'Prior : No, Current : No', [HELD]: 'Prior : Yes, Current : No' },
        { 'Door Status': 'Current : Yes' },
      ]) {
        assert.deepEqual(alarmOf(info), ['door.alarm', []], JSON.stringify(info) ?? String(info));
      }
    });
  });

  describe('door secure (SEQUR_DOOR_POSITION_SENSOR_SECURE)', function () {
    it('is door.secured, with the states that went from Yes to No as resolved', function () {
      const resolvedOf = (info) => {
        const summary = summarise(doorSecure(info));
        assert.equal(summary.type, 'door.secured');
        return summary.resolved;
      };
      assert.deepEqual(resolvedOf({ [FORCED]: 'Prior : Yes, Current : No', [HELD]: 'Prior : No, Current : No' }), [
        'forced_open',
      ]);
      assert.deepEqual(
        resolvedOf({ forced_open_state: 'prior:yes,current:NO', held_open_state: 'prior:YES,current:no' }),
        ['forced_open', 'held_open'],
      );
      // Without a Prior part nothing says the state was Yes before.
      assert.deepEqual(resolvedOf({ [HELD]: 'Current : No' }), []);
      assert.deepEqual(resolvedOf({ [HELD]: 'Prior : Yes, Current : Yes' }), []);
      // The same state under two spellings: what either says counts.
      assert.deepEqual(resolvedOf({ forced_open_state: 'Prior : Yes, Current : No', [FORCED]: 'Current : No' }), [
        'forced_open',
      ]);
      assert.deepEqual(resolvedOf({ [FORCED]: 'Current : No', forced_open_state: 'Prior : Yes' }), ['forced_open']);
      assert.deepEqual(resolvedOf({ [FORCED]: 'unreadable', forced_open: 'Prior : Yes, Current : Yes' }), []);
      assert.deepEqual(resolvedOf(undefined), []);
      assert.deepEqual(resolvedOf('garbage'), []);
    });
  });

  describe('door access mode (SEQUR_DOOR_ACCESS_MODE_<MODE>)', function () {
    it('is door.mode_changed with the mode, remote when the actor is an API key', function () {
      const viaApi = summarise(doorEvent('SEQUR_DOOR_ACCESS_MODE_UNLOCKED', null, { actor: { type: 'API_KEY' } }));
      assert.deepEqual([viaApi.type, viaApi.mode, viaApi.remote], ['door.mode_changed', 'UNLOCKED', true]);
      const bySchedule = summarise(doorEvent('SEQUR_DOOR_ACCESS_MODE_CARD_ONLY', null));
      assert.deepEqual(
        [bySchedule.type, bySchedule.mode, bySchedule.remote],
        ['door.mode_changed', 'CARD_ONLY', false],
      );
      const lowerCase = summarise(
        doorEvent('sequr_door_access_mode_Card_Or_Pin', null, { actor: { type: 'api_key' } }),
      );
      assert.deepEqual([lowerCase.type, lowerCase.mode, lowerCase.remote], ['door.mode_changed', 'CARD_OR_PIN', true]);
      const noActor = summarise(doorEvent('SEQUR_DOOR_ACCESS_MODE_LOCKED', null, { actor: null }));
      assert.deepEqual([noActor.mode, noActor.remote], ['LOCKED', false]);
    });

    it('needs a mode: a bare SEQUR_DOOR_ACCESS_MODE_ stays other', function () {
      for (const action of ['SEQUR_DOOR_ACCESS_MODE_', 'SEQUR_DOOR_ACCESS_MODE', 'SEQUR_DOOR_ACCESS_MODE___']) {
        const summary = summarise(doorEvent(action, null));
        assert.equal(summary.type, 'other', action);
        assert.equal(summary.mode, undefined);
      }
    });
  });

  describe('quick grant (SEQUR_HOST_INITIATED_REQUEST_DOOR_USE_NOT_VERIFIED)', function () {
    it('is door.quick_grant, remote when the actor is an API key', function () {
      const action = 'SEQUR_HOST_INITIATED_REQUEST_DOOR_USE_NOT_VERIFIED';
      const viaApi = summarise(doorEvent(action, null, { actor: { type: 'API_KEY', user_name: 'Facilities app' } }));
      assert.deepEqual([viaApi.type, viaApi.remote, viaApi.user.name], ['door.quick_grant', true, 'Facilities app']);
      const byAdmin = summarise(doorEvent(action, null, { actor: { type: 'USER', user_name: 'Ada Admin' } }));
      assert.deepEqual([byAdmin.type, byAdmin.remote], ['door.quick_grant', false]);
    });
  });

  describe('reader status (OSDP_READER_ONLINE_STATUS_UPDATE)', function () {
    const statusOf = (info, fields) => {
      const summary = summarise(doorEvent('OSDP_READER_ONLINE_STATUS_UPDATE', info, fields));
      assert.equal(summary.type, 'device.status');
      return summary.online;
    };

    it('is device.status, online when the event says so unambiguously', function () {
      assert.equal(statusOf({ online: true }), true);
      assert.equal(statusOf({ Online: 'No' }), false);
      assert.equal(statusOf({ is_online: 'false' }), false);
      assert.equal(statusOf({ 'Reader Online State': 'Prior : Yes, Current : No' }), false);
      assert.equal(statusOf({ 'Online Status': 'Prior : Offline, Current : Online' }), true);
      assert.equal(statusOf({ status: 'OFFLINE' }), false);
      assert.equal(statusOf({ 'Reader Status': ' online ' }), true);
      assert.equal(statusOf('{"status":"ONLINE"}'), true, 'additional_info as JSON text');
      assert.equal(statusOf(null, { event_hw_info: { reader_status: 'OFFLINE' } }), false, 'in event_hw_info');
      assert.equal(statusOf({ online: false, status: 'Offline' }), false, 'two ways of saying the same');
    });

    it('leaves online out when the event does not say, or says both', function () {
      for (const info of [
        undefined,
        null,
        {},
        'text',
        { status: 'ACTIVE' },
        { status: true },
        { online: 'maybe' },
        { 'Online Status': 'Prior : Online' },
        { online: true, status: 'OFFLINE' },
        { Online: 'Yes', reader: { status: 'OFFLINE' }, 'Reader Status': 'Offline' },
      ]) {
        assert.equal(statusOf(info), undefined, JSON.stringify(info) ?? String(info));
      }
      // The controller's status is not the reader's.
      const controller = { uuid: 'ctl-1', name: 'Lobby', status: 'OFFLINE' };
      assert.equal(statusOf(null, { controller }), undefined);
      assert.equal(statusOf(undefined, { event_message: 'Reader went offline' }), undefined);
    });
  });

  it("gives door and device events the door's status, and leaves the summary of other types as it was", function () {
    const alarm = summarise(doorAlarm({ [FORCED]: 'Current : Yes' }));
    assert.deepEqual(alarm.door, { name: 'Front Door', uuid: 'door-front', status: 'OPEN' });
    assert.deepEqual(alarm.location, { name: 'HQ', uuid: 'loc-hq', timezone: 'America/New_York' });
    const withoutStatus = summarise(doorSecure(null, { door: { uuid: 'door-back', name: 'Back Door' } }));
    assert.deepEqual(withoutStatus.door, { name: 'Back Door', uuid: 'door-back', status: null });
    assert.equal(summarise(doorAlarm(null, { door: null })).door, undefined);
    const grant = summarise(granted({ door: { uuid: 'door-front', name: 'Front Door', door_status: 'OPEN' } }));
    assert.deepEqual(grant.door, { name: 'Front Door', uuid: 'door-front' });
    for (const field of ['alarms', 'resolved', 'mode', 'remote', 'online']) assert.ok(!(field in grant), field);
  });

  it('keeps every earlier meaning: denials, grants and audit actions that mention doors stay what they were', function () {
    const cases = {
      SEQUR_ACCESS_DENIED_DOOR_POSITION_SENSOR_ALARM: 'access.denied',
      SEQUR_ACCESS_GRANTED_DOOR_ACCESS_MODE_UNLOCKED: 'access.granted',
      SEQUR_DOOR_ACCESS_MODE_UPDATED: 'resource.updated',
      SEQUR_DOOR_POSITION_SENSOR_FORCED_OPEN: 'other',
      SEQUR_DOOR_POSITION_SENSOR_HELD_OPEN: 'other',
      SEQUR_DOOR_POSITION_SENSOR_ALARM_CLEARED: 'other',
      SEQUR_READER_ONLINE: 'other',
    };
    for (const [action, type] of Object.entries(cases)) {
      assert.equal(summarise(doorEvent(action, { [FORCED]: 'Current : Yes' })).type, type, action);
    }
    // Older flat payloads carry no action: a door text in the message is not enough.
    assert.equal(summarise({ event_message: 'Door Forced Open', site_location: 'HQ' }).type, 'other');
  });

  it('classifies raw door events in a message, as an object or JSON text, like msg.genea from the receiver', function () {
    const body = doorAlarm({ [HELD]: 'prior:no,current:YES' }, { location: HQ });
    for (const payload of [body, JSON.stringify(body), Buffer.from(JSON.stringify(body))]) {
      const summary = summariseMessage({ payload });
      assert.deepEqual([summary.type, summary.alarms, summary.location.name], ['door.held_open', ['held_open'], 'HQ']);
    }
    for (const type of ['door.forced_open', 'door.quick_grant', 'device.status']) {
      assert.equal(isGeneaSummary({ type }), true, type);
    }
  });
});
