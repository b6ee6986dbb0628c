'use strict';
const assert = require('node:assert/strict');
const { todayAt } = require('../../nodes/lib/sample-details');

describe("sample details: todayAt (the sender's --time HH:MM)", function () {
  it("is that local time on today's date in the zone, with the zone's offset then", function () {
    const december4 = Date.parse('2026-12-04T15:00:00Z');
    assert.equal(todayAt('08:55', 'America/New_York', december4), '2026-12-04T08:55:00-05:00');
    assert.equal(todayAt('07:30:15', 'Europe/Berlin', december4), '2026-12-04T07:30:15+01:00');
    assert.equal(todayAt('23:59', 'Asia/Kolkata', december4), '2026-12-04T23:59:00+05:30');
    assert.equal(todayAt('00:00', 'UTC', december4), '2026-12-04T00:00:00+00:00');
  });

  it("takes today as it is in the zone, not on the server's clock or in UTC", function () {
    const lateUtc = Date.parse('2026-12-04T03:00:00Z'); // still the 3rd in New York, already the 4th in Tokyo
    assert.equal(todayAt('08:55', 'America/New_York', lateUtc), '2026-12-03T08:55:00-05:00');
    assert.equal(todayAt('08:55', 'Asia/Tokyo', lateUtc), '2026-12-04T08:55:00+09:00');
  });

  it('names the same instant as the local time, on a day the offset changes', function () {
    const dstStart = Date.parse('2026-03-29T12:00:00Z'); // Berlin: +01:00 until 02:00, then +02:00
    assert.equal(todayAt('01:30', 'Europe/Berlin', dstStart), '2026-03-29T01:30:00+01:00');
    assert.equal(todayAt('08:55', 'Europe/Berlin', dstStart), '2026-03-29T08:55:00+02:00');
    const dstEnd = Date.parse('2026-11-01T12:00:00Z'); // New York: -04:00 until 02:00, then -05:00
    assert.equal(todayAt('00:30', 'America/New_York', dstEnd), '2026-11-01T00:30:00-04:00');
    assert.equal(todayAt('09:10', 'America/New_York', dstEnd), '2026-11-01T09:10:00-05:00');
    for (const iso of [todayAt('08:55', 'Europe/Berlin', dstStart), todayAt('09:10', 'America/New_York', dstEnd)]) {
      const zone = iso.endsWith('+02:00') ? 'Europe/Berlin' : 'America/New_York';
      const local = new Date(iso).toLocaleTimeString('en-GB', { timeZone: zone, hourCycle: 'h23' });
      assert.equal(local, iso.slice(11, 19), iso);
    }
  });

  it('is null for anything but HH:MM or HH:MM:SS of one day', function () {
    for (const text of ['8:55', '24:00', '08:60', '08:55:60', '0855', '08:55Z', '2026-12-01T08:55:00Z', ' 08:55', '']) {
      assert.equal(todayAt(text, 'UTC'), null, text);
    }
  });
});
