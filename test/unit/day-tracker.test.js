'use strict';
const assert = require('node:assert/strict');
const {
  DayTracker,
  localDay,
  eventInstant,
  firstOfDayKey,
  isValidTimeZone,
  pickTimeZone,
  firstOfDayClaim,
} = require('../../nodes/lib/day-tracker');

const at = (iso) => Date.parse(iso);

describe('day tracking', function () {
  describe('localDay', function () {
    it('is the calendar day in the given zone', function () {
      assert.equal(localDay(at('2026-11-30T04:30:00Z'), 'America/New_York'), '2026-11-29'); // 23:30 local
      assert.equal(localDay(at('2026-11-30T05:30:00Z'), 'America/New_York'), '2026-11-30'); // 00:30 local
      assert.equal(localDay(at('2026-11-29T23:30:00Z'), 'Europe/Berlin'), '2026-11-30');
      assert.equal(localDay(at('2026-11-29T23:30:00Z'), 'America/New_York'), '2026-11-29');
      assert.equal(localDay(at('2026-06-30T22:30:00Z'), 'Europe/Berlin'), '2026-07-01'); // summer time, UTC+2
    });

    it('takes a zone name with spaces around it as that zone', function () {
      assert.equal(localDay(at('2026-11-29T23:30:00Z'), ' Europe/Berlin '), '2026-11-30');
    });

    it("falls back to the server's zone for a missing or unknown zone, without throwing", function () {
      const instant = at('2026-11-29T12:00:00Z');
      const server = localDay(instant);
      for (const zone of [undefined, '', 'Mars/Olympus_Mons', 'not a zone']) {
        assert.equal(localDay(instant, zone), server, String(zone));
      }
    });
  });

  it('validates and picks time zones', function () {
    assert.equal(isValidTimeZone('Europe/Berlin'), true);
    assert.equal(isValidTimeZone(' UTC '), true);
    for (const bad of ['', 'Mars/Olympus_Mons', null, 5, {}]) assert.equal(isValidTimeZone(bad), false);
    assert.equal(pickTimeZone(null, 'Nowhere/Else', ' Asia/Tokyo ', 'UTC'), 'Asia/Tokyo');
    assert.equal(pickTimeZone('', undefined), undefined);
  });

  describe('eventInstant', function () {
    const arrival = at('2026-11-30T12:00:00Z');
    it('is the event time when it is readable', function () {
      assert.equal(eventInstant('2026-11-29T23:59:00Z', arrival), at('2026-11-29T23:59:00Z'));
      assert.equal(eventInstant('2026-11-30T13:00:00+01:00', arrival), at('2026-11-30T12:00:00Z'));
    });
    it('is the arrival time for a missing or unreadable event time, or one more than a day ahead', function () {
      for (const time of [undefined, null, '', 'yesterday', 42, '2026-12-02T12:00:00Z']) {
        assert.equal(eventInstant(time, arrival), arrival, String(time));
      }
      assert.equal(eventInstant('2026-12-01T11:00:00Z', arrival), at('2026-12-01T11:00:00Z'));
      assert.equal(eventInstant('2026-12-01T12:00:00Z', arrival), at('2026-12-01T12:00:00Z'), 'exactly a day ahead');
      assert.equal(eventInstant('2026-12-01T12:00:00.001Z', arrival), arrival, 'a millisecond more');
    });
  });

  describe('firstOfDayKey', function () {
    const summary = (location, user) => ({ type: 'access.granted', location, user });
    it('identifies a location by uuid, else by name ignoring case', function () {
      assert.equal(
        firstOfDayKey(summary({ uuid: 'l1', name: 'HQ' }), false),
        firstOfDayKey(summary({ uuid: 'l1', name: 'Other name' }), false),
      );
      assert.equal(
        firstOfDayKey(summary({ uuid: null, name: 'HQ' }), false),
        firstOfDayKey(summary({ name: ' hq ' }), false),
      );
      assert.notEqual(firstOfDayKey(summary({ uuid: 'l1' }), false), firstOfDayKey(summary({ uuid: 'l2' }), false));
    });
    it('keeps the spelling of the keys that restored memory was saved with', function () {
      assert.equal(firstOfDayKey(summary({ uuid: 'L1', name: 'HQ' }), false), '["uuid:L1"]');
      assert.equal(firstOfDayKey(summary({ uuid: null, name: ' HQ ' }), false), '["name:hq"]');
      assert.equal(firstOfDayKey(summary({ uuid: 'l1' }, { uuid: null, name: 'Bea' }), true), '["uuid:l1","name:bea"]');
      assert.equal(firstOfDayKey(summary(undefined), false), '[""]');
    });

    it('takes an empty uuid or name as missing, and anything but an object as no location', function () {
      const byName = firstOfDayKey(summary({ name: 'HQ' }), false);
      assert.equal(firstOfDayKey(summary({ uuid: '', name: 'HQ' }), false), byName);
      const none = firstOfDayKey(summary(undefined), false);
      for (const location of [null, 'junk', 7, {}, { uuid: '', name: '' }, { uuid: 5, name: ['HQ'] }]) {
        assert.equal(firstOfDayKey(summary(location), false), none, JSON.stringify(location));
      }
    });

    it('adds the user in per-user mode; events without either share one key', function () {
      const aaron = { uuid: 'u1', name: 'Aaron' };
      const bea = { uuid: 'u2', name: 'Bea' };
      assert.notEqual(
        firstOfDayKey(summary({ uuid: 'l1' }, aaron), true),
        firstOfDayKey(summary({ uuid: 'l1' }, bea), true),
      );
      assert.equal(
        firstOfDayKey(summary({ uuid: 'l1' }, aaron), false),
        firstOfDayKey(summary({ uuid: 'l1' }, bea), false),
      );
      assert.equal(firstOfDayKey(summary(undefined, undefined), true), firstOfDayKey(summary('junk', 7), true));
    });
  });

  describe('firstOfDayClaim (the shared first-of-day decision)', function () {
    const DAY = 24 * 60 * 60 * 1000;
    it('names the memory key and the day, and lives as long as the memory keeps that day', function () {
      const arrival = at('2026-11-30T12:00:00Z');
      assert.deepEqual(firstOfDayClaim('["uuid:l1"]', '2026-11-30', arrival, arrival), {
        key: '["uuid:l1"]:2026-11-30',
        ttlMs: 3 * DAY,
      });
      assert.equal(firstOfDayClaim('k', '2026-11-29', arrival - 5 * DAY, arrival).ttlMs, 3 * DAY, 'a late event');
    });

    it('lives longer by as much as an event is ahead of the server clock', function () {
      const arrival = at('2026-11-30T12:00:00Z');
      assert.equal(firstOfDayClaim('k', '2026-11-30', arrival + 60 * 60_000, arrival).ttlMs, 3 * DAY + 60 * 60_000);
    });
  });

  describe('DayTracker', function () {
    it("claims each key's first once per day, and never for an earlier day", function () {
      const tracker = new DayTracker();
      assert.equal(tracker.claim('hq', '2026-11-29'), 'first');
      assert.equal(tracker.claim('hq', '2026-11-29'), 'repeat');
      assert.equal(tracker.claim('annex', '2026-11-29'), 'first');
      assert.equal(tracker.claim('hq', '2026-11-30'), 'first');
      assert.equal(tracker.claim('hq', '2026-11-29'), 'older-day', 'a late event of the day before');
      assert.equal(tracker.claim('hq', '2026-11-30'), 'repeat');
    });

    it('keeps the latest day and the two before it, and refuses older days', function () {
      const tracker = new DayTracker();
      tracker.claim('a', '2026-11-27');
      tracker.claim('b', '2026-11-28');
      tracker.claim('c', '2026-11-29');
      assert.equal(tracker.size, 3);
      tracker.claim('d', '2026-11-30');
      assert.deepEqual(Object.keys(tracker.toJSON().firsts), ['b', 'c', 'd']);
      assert.equal(tracker.claim('e', '2026-11-27'), 'older-day', 'older than the memory covers');
      assert.equal(tracker.claim('e', '2026-11-28'), 'first');
      tracker.claim('a', '2026-12-01'); // across a month end
      assert.deepEqual(Object.keys(tracker.toJSON().firsts).sort(), ['a', 'c', 'd']);
    });

    it('a first of a later day counts as the newest claim for the cap', function () {
      const tracker = new DayTracker(undefined, 2);
      tracker.claim('a', '2026-11-29');
      tracker.claim('b', '2026-11-29');
      tracker.claim('a', '2026-11-30');
      tracker.claim('c', '2026-11-30');
      assert.deepEqual(Object.keys(tracker.toJSON().firsts), ['a', 'c'], 'b, the oldest claim, went');
    });

    it('an event of an earlier day never moves the memory back', function () {
      const tracker = new DayTracker();
      tracker.claim('a', '2026-11-30');
      assert.equal(tracker.claim('b', '2026-11-29'), 'first', 'a late first of a day still covered');
      assert.equal(tracker.toJSON().latest, '2026-11-30');
      assert.equal(tracker.claim('c', '2026-11-27'), 'older-day');
    });

    it('holds at most maxKeys keys, dropping the oldest claims', function () {
      const tracker = new DayTracker(undefined, 3);
      for (const key of ['a', 'b', 'c', 'd']) tracker.claim(key, '2026-11-30');
      assert.deepEqual(Object.keys(tracker.toJSON().firsts), ['b', 'c', 'd']);
    });

    it('survives a round trip through JSON, and ignores malformed state', function () {
      const tracker = new DayTracker();
      tracker.claim('hq', '2026-11-30');
      const restored = new DayTracker(JSON.parse(JSON.stringify(tracker)));
      assert.equal(restored.claim('hq', '2026-11-30'), 'repeat');
      assert.equal(restored.claim('annex', '2026-11-30'), 'first');
      for (const junk of [
        null,
        'x',
        42,
        [],
        { firsts: 'x' },
        { firsts: null },
        { firsts: { hq: ['2026-11-30'] } },
        { latest: 'soon', firsts: { hq: 'tuesday', ok: 7 } },
      ]) {
        const tracker = new DayTracker(junk);
        assert.equal(tracker.size, 0);
        assert.equal(tracker.claim('hq', '2026-11-30'), 'first');
      }
    });

    it('prunes restored state against its latest day', function () {
      const tracker = new DayTracker({
        version: 1,
        latest: '2026-11-30',
        firsts: { old: '2026-11-20', hq: '2026-11-30' },
      });
      assert.deepEqual(tracker.toJSON(), { version: 1, latest: '2026-11-30', firsts: { hq: '2026-11-30' } });
    });
  });
});
