'use strict';
// The live door state (src/lib/door-state.ts): every field from Genea's door list and from each kind of door event,
// nulls where Genea says nothing, doors known only from events, doors gone from the list, and the changes each
// merge reports.
const assert = require('node:assert/strict');
const {
  DoorStates,
  DOOR_FIELDS,
  countDoors,
  factsFromEvent,
  refreshMinutes,
  DEFAULT_REFRESH_MINUTES,
  MAX_REFRESH_MINUTES,
} = require('../../nodes/lib/door-state');
const { summarise, sampleEvent } = require('../../nodes/lib');

const T0 = new Date('2026-03-02T08:00:00.000Z');
const T1 = new Date('2026-03-02T09:00:00.000Z');
const SAMPLE_DOOR = sampleEvent('door.forced_open').door.uuid;

/** A door as Genea lists it, every state field given. */
function record(uuid, fields = {}) {
  return {
    uuid,
    name: `Door ${uuid}`,
    location_uuid: 'loc-hq',
    is_locked: true,
    is_online: true,
    is_lockdown: false,
    is_door_force_seen: false,
    is_door_held_seen: false,
    door_access_mode: 'CARD_ONLY',
    ...fields,
  };
}
const LOCATIONS = [{ uuid: 'loc-hq', name: 'Headquarters' }];

/** The summary of a sample event of `type` for door `uuid` (its time `time`). */
function event(type, { uuid = SAMPLE_DOOR, time = '2026-03-02T08:30:00Z', ...fields } = {}) {
  const sample = sampleEvent(type);
  return summarise({ ...sample, event_time: time, door: { ...sample.door, uuid }, ...fields });
}

describe('door state (door-state)', function () {
  describe('from the door list', function () {
    it('reads every field of a listed door, the location by its name', function () {
      const states = new DoorStates();
      const record1 = record('d1', {
        is_locked: false,
        is_online: false,
        is_lockdown: true,
        is_door_force_seen: true,
        is_door_held_seen: true,
        door_access_mode: 'Card and Pin',
      });
      const changes = states.applyList([record1], LOCATIONS, T0);
      const expected = {
        uuid: 'd1',
        name: 'Door d1',
        location: 'Headquarters',
        locked: false,
        online: false,
        forced: true,
        held: true,
        lockdown: true,
        mode: 'CARD_AND_PIN',
        updated: T0.toISOString(),
        source: 'list',
      };
      assert.deepEqual(changes, [{ uuid: 'd1', state: expected, previous: null, changed: [...DOOR_FIELDS] }]);
      assert.deepEqual(states.all(), [expected]);
    });

    it('gives null for every field Genea leaves out or sends as null or of another type, never a guess', function () {
      const states = new DoorStates();
      states.applyList(
        [
          { uuid: 'bare' },
          {
            uuid: 'odd',
            name: '  ',
            location_uuid: null,
            is_locked: 'yes',
            is_online: 1,
            is_lockdown: null,
            is_door_force_seen: 'false',
            door_access_mode: '',
          },
        ],
        [],
        T0,
      );
      for (const state of states.all()) {
        for (const field of DOOR_FIELDS) assert.equal(state[field], null, `${state.uuid}.${field}`);
      }
    });

    it('trims the names Genea sends', function () {
      const states = new DoorStates();
      states.applyList([record('a', { name: '  Loading Dock ' })], [{ uuid: 'loc-hq', name: ' Headquarters ' }], T0);
      assert.deepEqual([states.get('a').name, states.get('a').location], ['Loading Dock', 'Headquarters']);
    });

    it('names the location by its uuid when the locations do not name it', function () {
      const states = new DoorStates();
      states.applyList([record('d1', { location_uuid: 'loc-x' })], [{ uuid: 'loc-x', name: null }], T0);
      assert.equal(states.get('d1').location, 'loc-x');
    });

    it('skips records without a uuid and lists a uuid once', function () {
      const states = new DoorStates();
      const changes = states.applyList([record(null), { name: 'x' }, record('d1'), record('d1', { name: 'Y' })], []);
      assert.deepEqual(
        changes.map((c) => c.uuid),
        ['d1'],
      );
      assert.equal(states.get('d1').name, 'Door d1');
      assert.equal(states.size, 1);
    });

    it('reports only doors that differ, with the changed fields, the previous state, and keeps unchanged ones as they were', function () {
      const states = new DoorStates();
      states.applyList([record('d1'), record('d2'), record('d3')], LOCATIONS, T0);
      const before = states.get('d1');
      const changes = states.applyList(
        [
          record('d1'),
          record('d2', { is_locked: false, door_access_mode: 'UNLOCKED' }),
          record('d3', { name: 'Back' }),
        ],
        LOCATIONS,
        T1,
      );
      assert.deepEqual(
        changes.map((c) => [c.uuid, c.changed]),
        [
          ['d2', ['locked', 'mode']],
          ['d3', ['name']],
        ],
      );
      assert.equal(changes[0].previous.locked, true);
      assert.equal(changes[0].previous.updated, T0.toISOString());
      assert.equal(changes[0].state.locked, false);
      assert.equal(changes[0].state.updated, T1.toISOString());
      assert.equal(states.get('d1'), before, 'an unchanged door keeps its state and time');
    });

    it('removes doors gone from the list: a change with state null, after the others', function () {
      const states = new DoorStates();
      states.applyList([record('d1'), record('d2')], LOCATIONS, T0);
      const gone = states.get('d1');
      const changes = states.applyList([record('d2', { is_online: false }), record('d3')], LOCATIONS, T1);
      assert.deepEqual(
        changes.map((c) => [c.uuid, c.state === null, c.changed.join()]),
        [
          ['d2', false, 'online'],
          ['d3', false, DOOR_FIELDS.join()],
          ['d1', true, DOOR_FIELDS.join()],
        ],
      );
      assert.equal(changes[2].previous, gone);
      assert.equal(states.get('d1'), undefined);
      assert.deepEqual(
        states.all().map((s) => s.uuid),
        ['d2', 'd3'],
      );
      assert.deepEqual(
        states.applyList([], [], T1).map((c) => c.state),
        [null, null],
        'an empty list removes every door',
      );
      assert.equal(states.size, 0);
    });

    it('keeps what an event told where the list says nothing, and takes what the list says where it does', function () {
      const states = new DoorStates();
      states.applyEvent(event('door.held_open', { uuid: 'd1' }), T0);
      states.applyEvent(event('door.forced_open', { uuid: 'd1' }), T0);
      const changes = states.applyList([{ uuid: 'd1', name: 'Door d1', is_door_force_seen: false }], [], T1);
      assert.deepEqual(changes[0].changed, ['name', 'forced']);
      assert.equal(states.get('d1').location, 'Headquarters', 'the list names no location: the event’s stays');
      const state = states.get('d1');
      assert.equal(state.held, true, 'the list does not give is_door_held_seen');
      assert.equal(state.forced, false);
      assert.equal(state.source, 'list');
    });
  });

  describe('from events', function () {
    let states;
    beforeEach(function () {
      states = new DoorStates();
      states.applyList([record(SAMPLE_DOOR, { name: 'Main Entrance' })], LOCATIONS, T0);
    });

    function apply(type, fields) {
      return states.applyEvent(event(type, fields), T1);
    }

    it('door.forced_open sets forced (and held only when the alarm says held open too)', function () {
      const [change] = apply('door.forced_open');
      assert.deepEqual(change.changed, ['forced']);
      assert.equal(change.state.forced, true);
      assert.equal(change.state.held, false);
      assert.equal(change.previous.forced, false);
      assert.equal(change.state.source, 'event');
      assert.equal(change.state.updated, '2026-03-02T08:30:00.000Z', 'the event’s own time');
      const both = apply('door.forced_open', {
        additional_info: { 'Forced Open State': 'Current : Yes', 'Held Open State': 'Current : Yes' },
      });
      assert.deepEqual(both[0].changed, ['held']);
    });

    it('a summary of type door.forced_open or door.held_open sets its state even without alarm states', function () {
      // A summary a flow made itself (msg.genea), without the alarms summarise() would add.
      const bare = (type) => ({ type, time: '2026-03-02T08:30:00.000Z', door: { uuid: SAMPLE_DOOR } });
      const [forced] = states.applyEvent(bare('door.forced_open'), T1);
      assert.deepEqual([forced.changed, forced.state.forced], [['forced'], true]);
      const [held] = states.applyEvent(bare('door.held_open'), T1);
      assert.deepEqual([held.changed, held.state.held], [['held'], true]);
    });

    it('an event that is not about a door’s state adds no door it does not know', function () {
      const fresh = new DoorStates();
      for (const type of ['access.granted', 'access.denied', 'door.quick_grant']) {
        assert.deepEqual(fresh.applyEvent(event(type, { uuid: 'unknown-door' }), T1), [], type);
      }
      assert.equal(fresh.size, 0);
    });

    it('door.held_open sets held', function () {
      const [change] = apply('door.held_open');
      assert.deepEqual(change.changed, ['held']);
      assert.equal(change.state.held, true);
      assert.equal(change.state.forced, false);
    });

    it('a door.alarm that names no current state changes nothing', function () {
      assert.equal(event('door.alarm').type, 'door.alarm');
      assert.deepEqual(apply('door.alarm'), []);
      assert.deepEqual(states.get(SAMPLE_DOOR).updated, T0.toISOString());
    });

    it('door.alarm states given on the summary set forced and held', function () {
      const summary = { ...event('door.alarm'), alarms: ['forced_open', 'held_open'] };
      const [change] = states.applyEvent(summary, T1);
      assert.deepEqual(change.changed, ['forced', 'held']);
    });

    it('door.secured clears forced and held', function () {
      apply('door.forced_open', {
        additional_info: { 'Forced Open State': 'Current : Yes', 'Held Open State': 'Current : Yes' },
      });
      const [change] = apply('door.secured');
      assert.deepEqual(change.changed, ['forced', 'held']);
      assert.equal(change.state.forced, false);
      assert.equal(change.state.held, false);
      assert.deepEqual(apply('door.secured'), [], 'secured again: nothing changes');
    });

    it('door.mode_changed sets mode', function () {
      const [change] = apply('door.mode_changed');
      assert.deepEqual(change.changed, ['mode']);
      assert.equal(change.state.mode, 'UNLOCKED');
      assert.equal(change.previous.mode, 'CARD_ONLY');
      assert.equal(change.state.locked, true, 'a mode says nothing of the lock');
    });

    it('device.status sets online when the event says so, and nothing when it does not', function () {
      const [change] = apply('device.status');
      assert.deepEqual(change.changed, ['online']);
      assert.equal(change.state.online, false);
      assert.deepEqual(apply('device.status', { additional_info: { note: 'rebooted' } }), []);
      const [back] = apply('device.status', { additional_info: { 'Reader Online State': 'Current : Online' } });
      assert.equal(back.state.online, true);
    });

    it('events that are not about a door’s state, or name no door, change nothing', function () {
      for (const type of ['access.granted', 'access.denied', 'door.quick_grant', 'resource.updated', 'other']) {
        assert.deepEqual(apply(type), [], type);
      }
      const noDoor = summarise({ ...sampleEvent('door.forced_open'), door: null });
      assert.equal(factsFromEvent(noDoor), null);
      assert.deepEqual(states.applyEvent(noDoor), []);
      assert.deepEqual(states.applyEvent({ ...event('door.forced_open'), door: { uuid: ' ', name: 'x' } }), []);
    });

    it('takes the door’s and the location’s names from the event', function () {
      const [change] = apply('door.forced_open', { door: { uuid: SAMPLE_DOOR, name: 'Front' }, location: [] });
      assert.deepEqual(change.changed, ['name', 'forced']);
      const [moved] = apply('door.secured', { location: [{ uuid: 'loc-2' }] });
      assert.equal(moved.state.location, 'loc-2');
    });

    it('adds a door it does not know, with only what the event says and null for the rest', function () {
      const [change] = states.applyEvent(
        event('door.forced_open', { uuid: 'new-door', time: null, created_at: null }),
        T1,
      );
      assert.equal(change.previous, null);
      assert.deepEqual(change.changed, [...DOOR_FIELDS]);
      assert.deepEqual(change.state, {
        uuid: 'new-door',
        name: 'Main Entrance',
        location: 'Headquarters',
        locked: null,
        online: null,
        forced: true,
        held: null,
        lockdown: null,
        mode: null,
        updated: T1.toISOString(),
        source: 'event',
      });
      assert.equal(states.size, 2);
    });

    it('leaves the state it reported unchanged: each change has its own objects', function () {
      const [first] = apply('door.forced_open');
      const [second] = apply('door.secured');
      assert.equal(second.previous, first.state);
      assert.equal(first.state.forced, true);
    });
  });

  it('counts doors, unlocked, offline and alarms from what is known only', function () {
    const states = new DoorStates();
    states.applyList(
      [
        record('a', { is_locked: false }),
        record('b', { is_online: false, is_door_held_seen: true }),
        record('c', { is_door_force_seen: true, is_door_held_seen: true }),
        { uuid: 'd' },
      ],
      [],
    );
    assert.deepEqual(countDoors(states.all()), { doors: 4, unlocked: 1, offline: 1, alarm: 2 });
  });

  it('reads refreshMinutes: empty is the default of 5, 0 to a day are used as given, anything else is refused', function () {
    assert.equal(DEFAULT_REFRESH_MINUTES, 5);
    assert.equal(MAX_REFRESH_MINUTES, 1440);
    for (const empty of [undefined, null, '', '  ']) assert.equal(refreshMinutes(empty), 5, String(empty));
    for (const [value, minutes] of [
      [0, 0],
      ['0', 0],
      [' 2.5 ', 2.5],
      [1440, 1440],
      ['1440', 1440],
      [0.005, 0.005],
    ]) {
      assert.equal(refreshMinutes(value), minutes, JSON.stringify(value));
    }
    for (const bad of [-1, '-0.5', 1440.5, '1441', 'soon', NaN, Infinity, '1e400', true, {}, [5]]) {
      assert.equal(refreshMinutes(bad), null, JSON.stringify(bad) ?? String(bad));
    }
  });
});
