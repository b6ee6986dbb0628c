'use strict';
const assert = require('node:assert/strict');
const { todayAt, withSampleDetails, stableUuid } = require('../../nodes/lib/sample-details');
const { sampleEvent } = require('../../nodes/lib/sample-events');

const UUID_V5_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('sample details: stableUuid', function () {
  it('is the same for the same kind and name, different for another of either, and uuid-shaped', function () {
    assert.equal(stableUuid('user', 'Bea Baker'), stableUuid('user', 'Bea Baker'));
    assert.notEqual(stableUuid('user', 'Bea Baker'), stableUuid('user', 'Bea Bakers'));
    assert.notEqual(stableUuid('user', 'Bea Baker'), stableUuid('door', 'Bea Baker'));
    const variants = new Set();
    for (let i = 0; i < 64; i++) {
      const uuid = stableUuid('user', `person ${i}`);
      assert.match(uuid, UUID_V5_SHAPE);
      variants.add(uuid[19]);
    }
    assert.deepEqual([...variants].sort(), ['8', '9', 'a', 'b'], 'every variant digit occurs');
  });

  it('stays what it was in earlier versions (flows may key on the uuids the sender made)', function () {
    assert.equal(stableUuid('door', 'Main Entrance'), 'cdd2b9ac-29ab-5f4f-bba3-4ba77206f1ee');
    assert.equal(stableUuid('user', 'Bea Baker'), '0c455a27-7f02-5438-86bf-31f3abc7a25f');
  });
});

describe("sample details: withSampleDetails (the sender's --user, --location, --timezone, --door, --time)", function () {
  it('changes nothing without details, and never the event it was given', function () {
    const event = sampleEvent('access.granted');
    const copy = structuredClone(event);
    assert.deepEqual(withSampleDetails(event, {}), event);
    withSampleDetails(event, { user: 'Bea', location: 'Lab', timezone: 'UTC', door: 'Back', time: '2026-01-01' });
    assert.deepEqual(event, copy);
  });

  it('--user: a user with that name, a stable uuid and an e-mail address made from the name', function () {
    const event = withSampleDetails(sampleEvent('access.denied'), { user: 'Zoë de la Cruz' });
    assert.deepEqual(event.actor, {
      type: 'USER',
      user_uuid: stableUuid('user', 'Zoë de la Cruz'),
      user_name: 'Zoë de la Cruz',
      user_email: 'zoe.de.la.cruz@example.com',
    });
    const granted = withSampleDetails(sampleEvent('access.granted'), { user: 'Bea_Baker-Smith' });
    assert.equal(granted.actor.user_email, 'bea.baker-smith@example.com');
    assert.equal(granted.actor.user_location_role, 'USER', "the rest of the sample's actor stays");
    assert.equal(withSampleDetails(granted, { user: '  ' }).actor.user_email, 'user@example.com');
    assert.equal(withSampleDetails(granted, { user: '李 雷' }).actor.user_email, 'user@example.com');
    assert.equal(withSampleDetails(granted, { user: 'A  B!' }).actor.user_email, 'a.b@example.com');
    const noActor = sampleEvent('access.granted');
    delete noActor.actor;
    assert.equal(withSampleDetails(noActor, { user: 'Bea' }).actor.user_name, 'Bea');
  });

  it('--location and --timezone: every location of the event, the rest of each kept', function () {
    const event = withSampleDetails(sampleEvent('access.granted'), { location: 'Lab', timezone: 'Europe/Berlin' });
    assert.equal(event.location.length, 1);
    assert.deepEqual(
      [event.location[0].name, event.location[0].uuid, event.location[0].timezone, event.location[0].city],
      ['Lab', stableUuid('location', 'Lab'), 'Europe/Berlin', 'New York'],
    );
    const zoneOnly = withSampleDetails(sampleEvent('access.granted'), { timezone: 'Asia/Tokyo' });
    assert.deepEqual(
      [zoneOnly.location[0].name, zoneOnly.location[0].timezone],
      ['Headquarters', 'Asia/Tokyo'],
      '--timezone alone keeps the name',
    );
    const nameOnly = withSampleDetails(sampleEvent('access.granted'), { location: 'Lab' });
    assert.equal(nameOnly.location[0].timezone, 'America/New_York', '--location alone keeps the zone');
    const two = { ...sampleEvent('access.granted'), location: [{ name: 'A' }, { name: 'B', city: 'Y' }] };
    assert.deepEqual(withSampleDetails(two, { location: 'Lab' }).location, [
      { name: 'Lab', uuid: stableUuid('location', 'Lab') },
      { name: 'Lab', uuid: stableUuid('location', 'Lab'), city: 'Y' },
    ]);
    const single = { ...sampleEvent('access.granted'), location: { name: 'A', city: 'X' } };
    assert.deepEqual(withSampleDetails(single, { timezone: 'UTC' }).location, [
      { name: 'A', city: 'X', timezone: 'UTC' },
    ]);
    const none = sampleEvent('access.granted');
    delete none.location;
    assert.deepEqual(withSampleDetails(none, { timezone: 'UTC' }).location, [{ timezone: 'UTC' }]);
    assert.deepEqual(
      withSampleDetails(sampleEvent('access.granted'), { user: 'x' }).location,
      sampleEvent('other').location,
    );
  });

  it('--door: the door with that name and a stable uuid, its status kept', function () {
    const event = withSampleDetails(sampleEvent('door.forced_open'), { door: 'Loading Dock' });
    assert.deepEqual(
      [event.door.name, event.door.uuid, event.door.door_status],
      ['Loading Dock', stableUuid('door', 'Loading Dock'), 'OPEN'],
    );
    const audit = withSampleDetails(sampleEvent('resource.created'), { door: 'Side' });
    assert.deepEqual(audit.door, { name: 'Side', uuid: stableUuid('door', 'Side') });
  });

  it('--time: event_time and created_at', function () {
    const event = withSampleDetails(sampleEvent('access.granted'), { time: '2026-12-04T08:55:00-05:00' });
    assert.deepEqual([event.event_time, event.created_at], ['2026-12-04T08:55:00-05:00', '2026-12-04T08:55:00-05:00']);
  });
});

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
