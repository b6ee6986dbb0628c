'use strict';
// The practice Genea (src/practice/practice-genea.ts) over real loopback HTTP: its dozen doors with every documented
// field, the documented endpoints, the door events it sends to a receiver (a Collector) signed as Genea signs them
// (checked with openssl) and classified by the package's own core, and the hooks tests use.
const assert = require('node:assert/strict');
const { Collector } = require('../support/collector');
const { opensslSignature } = require('../support/openssl');
const { freePort } = require('../support/red-process');
const {
  PracticeGenea,
  PRACTICE_CUSTOMER,
  PRACTICE_LOCATIONS,
  practiceDoors,
  door,
} = require('../../nodes/practice/practice-genea');
const { summarise } = require('../../nodes/lib');

const KEY = 'practice-unit-key';
const SECRET = 'practice-unit-secret';
const DOCUMENTED_DOOR_FIELDS = [
  'uuid',
  'name',
  'description',
  'location_uuid',
  'is_locked',
  'is_online',
  'last_online_at',
  'last_offline_at',
  'is_lockdown',
  'is_door_force_seen',
  'last_door_force_seen_at',
  'is_door_held_seen',
  'last_door_held_seen_at',
  'is_elevator_door',
  'door_access_mode',
  'door_access_time',
  'reader_model',
  'controller',
  'created_at',
  'updated_at',
];

describe('practice Genea', function () {
  let genea;
  let collector;

  const call = async (method, path, { key = KEY, body } = {}) => {
    const res = await fetch(`${genea.url}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  const byName = (name) => genea.doors.find((d) => d.name === name);

  before(async function () {
    collector = await Collector.start({ respond: () => ({ status: 200, text: 'Accepted' }) });
  });
  after(async function () {
    await collector.close();
  });
  beforeEach(async function () {
    collector.reset();
    genea = await PracticeGenea.start({
      keys: { [KEY]: PRACTICE_CUSTOMER },
      doors: practiceDoors(),
      locations: [...PRACTICE_LOCATIONS],
      receiver: { url: `${collector.url}/genea`, secret: SECRET },
    });
  });
  afterEach(async function () {
    await genea.close();
  });

  it('serves a dozen doors in two locations with every documented field, null where unknown', async function () {
    const doors = practiceDoors();
    assert.equal(doors.length, 12);
    assert.equal(new Set(doors.map((d) => d.uuid)).size, 12);
    assert.deepEqual(
      [...new Set(doors.map((d) => d.location_uuid))].sort(),
      PRACTICE_LOCATIONS.map((l) => l.uuid).sort(),
    );
    for (const d of doors) assert.deepEqual(Object.keys(d).sort(), [...DOCUMENTED_DOOR_FIELDS].sort(), d.name);
    assert.equal(doors.find((d) => d.name === 'Main Entrance').last_online_at, null);
    assert.equal(doors.find((d) => d.name === 'Roof Access').is_online, false);
    assert.equal(doors.find((d) => d.name === 'Lobby').is_locked, false);
    assert.deepEqual(door('x', { name: 'X' }).name, 'X');
  });

  it('verifies its key and answers with the customer; refuses others with 401 (or the chosen status)', async function () {
    const verified = await call('POST', '/v2/api_key/verify', { body: { api_key: KEY } });
    assert.equal(verified.status, 200);
    assert.equal(verified.body.data.customer_uuid, PRACTICE_CUSTOMER);
    assert.equal((await call('POST', '/v2/api_key/verify', { body: { api_key: 'other' } })).status, 401);
    const refused = await call('GET', `/v2/customer/${PRACTICE_CUSTOMER}/door`, { key: 'wrong' });
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error.message, 'Invalid API key');
    genea.badKeyStatus = 403;
    assert.equal((await call('GET', `/v2/customer/${PRACTICE_CUSTOMER}/door`, { key: 'wrong' })).status, 403);
    assert.equal((await call('GET', '/v2/customer/someone-else/door')).status, 403);
    assert.equal((await call('GET', '/v2/nothing')).status, 404);
  });

  it('lists doors and locations in pages, with Genea-shaped pagination', async function () {
    const first = await call('GET', `/v2/customer/${PRACTICE_CUSTOMER}/door?page=1&page_size=5`);
    assert.equal(first.status, 200);
    assert.equal(first.body.data.length, 5);
    assert.deepEqual(first.body.meta.pagination, {
      page: 1,
      page_size: 5,
      row_count: 12,
      page_count: 3,
      from: 1,
      to: 5,
    });
    const last = await call('GET', `/v2/customer/${PRACTICE_CUSTOMER}/door?page=3&page_size=5`);
    assert.deepEqual(
      last.body.data.map((d) => d.name),
      practiceDoors()
        .slice(10)
        .map((d) => d.name),
    );
    genea.maxPageSize = 4;
    const capped = await call('GET', `/v2/customer/${PRACTICE_CUSTOMER}/door?page=1&page_size=100`);
    assert.equal(capped.body.meta.pagination.page_count, 3);
    const locations = await call('GET', `/v2/customer/${PRACTICE_CUSTOMER}/location`);
    assert.deepEqual(
      locations.body.data.map((l) => [l.name, l.timezone]),
      [
        ['Headquarters', 'America/New_York'],
        ['Berlin Office', 'Europe/Berlin'],
      ],
    );
  });

  it('unlocks and locks a door and sends each change as the signed door event Genea would send', async function () {
    const target = byName('Main Entrance');
    const unlocked = await call('PUT', `/v2/door/${target.uuid}/unlock`);
    assert.equal(unlocked.status, 200);
    assert.equal(unlocked.body.data.is_locked, false);
    const locked = await call('PUT', `/v2/door/${target.uuid}/lock`);
    assert.equal(locked.body.data.is_locked, true);
    const [first, second] = await collector.waitFor('/genea', 2);
    for (const request of [first, second]) {
      assert.equal(request.headers['content-type'], 'application/json');
      assert.equal(request.headers['x-sequr-signature'], opensslSignature(request.raw, SECRET));
      assert.equal(request.body.actor.type, 'API_KEY');
      assert.equal(request.body.door.uuid, target.uuid);
      assert.equal(request.body.door.name, 'Main Entrance');
      assert.equal(request.body.location[0].name, 'Headquarters');
    }
    assert.equal(first.body.event_action, 'SEQUR_DOOR_ACCESS_MODE_UNLOCKED');
    assert.equal(second.body.event_action, 'SEQUR_DOOR_ACCESS_MODE_CARD_ONLY');
    const summary = summarise(first.body);
    assert.equal(summary.type, 'door.mode_changed');
    assert.equal(summary.mode, 'UNLOCKED');
    assert.equal(summary.remote, true);
    assert.equal(summarise(second.body).mode, 'CARD_ONLY');
    await genea.settled();
    assert.deepEqual(
      genea.deliveries.map((d) => [d.status, d.reason]),
      [
        [200, 'Accepted'],
        [200, 'Accepted'],
      ],
    );
  });

  it('sends no event for a lock of a locked door, and a quick-grant event for every quick grant', async function () {
    const target = byName('Back Door');
    assert.equal((await call('PUT', `/v2/door/${target.uuid}/lock`)).status, 200);
    const grant = await call('PUT', `/v2/door/${target.uuid}/quick_unlock`);
    assert.equal(grant.status, 200);
    assert.equal(grant.body.meta.message, 'Quick grant sent');
    await call('PUT', `/v2/door/${target.uuid}/quick_unlock`);
    // The two quick grants are the sentinel: the lock, answered before them, would have been delivered first.
    const events = await collector.waitFor('/genea', 2);
    assert.deepEqual(
      events.map((e) => summarise(e.body).type),
      ['door.quick_grant', 'door.quick_grant'],
    );
    assert.equal(events[0].body.event_action, 'SEQUR_HOST_INITIATED_REQUEST_DOOR_USE_NOT_VERIFIED');
    assert.deepEqual(genea.commands(target.uuid), ['lock', 'quick_unlock', 'quick_unlock']);
    assert.equal(genea.doorState(target.uuid).is_locked, true);
  });

  it('refuses commands to an offline door, a door in lockdown and an unknown door, and sends nothing', async function () {
    const roof = byName('Roof Access');
    const offline = await call('PUT', `/v2/door/${roof.uuid}/unlock`);
    assert.equal(offline.status, 422);
    assert.equal(offline.body.meta.message, 'Door is offline');
    const storage = byName('Storage');
    genea.setDoor(storage.uuid, { is_lockdown: true });
    const lockdown = await call('PUT', `/v2/door/${storage.uuid}/quick_unlock`);
    assert.equal(lockdown.status, 422);
    assert.match(lockdown.body.meta.message, /lockdown/);
    assert.equal((await call('PUT', '/v2/door/no-such-door/lock')).status, 404);
    // Sentinel: an accepted unlock's event arrives; nothing before it did.
    await call('PUT', `/v2/door/${byName('Kitchen').uuid}/unlock`);
    const [only] = await collector.waitFor('/genea', 1);
    assert.equal(collector.on('/genea').length, 1);
    assert.equal(only.body.door.name, 'Kitchen');
  });

  it('raises forced-open, held-open and secure events for a door, and its listed state follows', async function () {
    const target = byName('Loading Dock');
    await genea.sendDoorEvent(target.uuid, 'forced_open');
    assert.equal(genea.doorState(target.uuid).is_door_force_seen, true);
    assert.ok(genea.doorState(target.uuid).last_door_force_seen_at);
    await genea.sendDoorEvent(target.uuid, 'held_open');
    assert.equal(genea.doorState(target.uuid).is_door_held_seen, true);
    const secured = await genea.sendDoorEvent(target.uuid, 'secured');
    assert.equal(secured.status, 200);
    const listed = (await call('GET', `/v2/customer/${PRACTICE_CUSTOMER}/door?page=1&page_size=100`)).body.data.find(
      (d) => d.uuid === target.uuid,
    );
    assert.equal(listed.is_door_force_seen, false);
    assert.equal(listed.is_door_held_seen, false);

    const [forced, held, secure] = collector.on('/genea');
    for (const request of [forced, held, secure]) {
      assert.equal(request.headers['x-sequr-signature'], opensslSignature(request.raw, SECRET));
    }
    assert.equal(forced.body.event_action, 'SEQUR_DOOR_POSITION_SENSOR_ALARM');
    assert.deepEqual(forced.body.additional_info, {
      'Forced Open State': 'Prior : No, Current : Yes',
      'Held Open State': 'Prior : No, Current : No',
    });
    assert.equal(forced.body.door.door_status, 'OPEN');
    assert.equal(summarise(forced.body).type, 'door.forced_open');
    // Held open while still forced: both current, and the summary leads with forced.
    assert.deepEqual(held.body.additional_info, {
      'Forced Open State': 'Prior : Yes, Current : Yes',
      'Held Open State': 'Prior : No, Current : Yes',
    });
    assert.deepEqual(summarise(held.body).alarms, ['forced_open', 'held_open']);
    assert.equal(secure.body.event_action, 'SEQUR_DOOR_POSITION_SENSOR_SECURE');
    assert.equal(secure.body.door.door_status, 'CLOSED');
    assert.equal(summarise(secure.body).type, 'door.secured');
    assert.deepEqual(summarise(secure.body).resolved, ['forced_open', 'held_open']);
    assert.equal(secure.body.actor.type, 'SYSTEM');
  });

  it('a held-open alarm alone is held_open; an unknown door or kind throws', async function () {
    const target = byName('Garage');
    await genea.sendDoorEvent(target.uuid, 'held_open');
    const [held] = collector.on('/genea');
    assert.equal(summarise(held.body).type, 'door.held_open');
    assert.equal(genea.doorState(target.uuid).is_door_force_seen, false);
    assert.throws(() => genea.sendDoorEvent('no-such-door', 'forced_open'), /no door no-such-door/);
    assert.throws(() => genea.sendDoorEvent(target.uuid, 'exploded'), /unknown door event exploded/);
  });

  it('changes, adds and removes doors as the next listing shows them', async function () {
    const list = async () => (await call('GET', `/v2/customer/${PRACTICE_CUSTOMER}/door?page_size=100`)).body.data;
    const kitchen = byName('Kitchen');
    genea.setDoor(kitchen.uuid, { is_online: false, uuid: 'ignored' });
    genea.addDoor(door('door-new', { name: 'New Door', location_uuid: PRACTICE_LOCATIONS[1].uuid }));
    assert.equal(genea.removeDoor(byName('Garage').uuid), true);
    assert.equal(genea.removeDoor('no-such-door'), false);
    const doors = await list();
    assert.equal(doors.length, 12);
    assert.equal(doors.find((d) => d.uuid === kitchen.uuid).is_online, false);
    assert.ok(doors.some((d) => d.name === 'New Door'));
    assert.ok(!doors.some((d) => d.name === 'Garage'));
    genea.addDoor(door('door-new', { name: 'Renamed' }));
    assert.equal((await list()).filter((d) => d.uuid === 'door-new').length, 1);
    assert.throws(() => genea.setDoor('no-such-door', {}), /no door no-such-door/);
  });

  it('reports a receiver that cannot be reached or refuses, and sends nothing without a receiver', async function () {
    const seen = [];
    const lonely = await PracticeGenea.start({
      keys: { [KEY]: PRACTICE_CUSTOMER },
      doors: practiceDoors(),
      locations: [...PRACTICE_LOCATIONS],
    });
    const quiet = await lonely.sendDoorEvent(lonely.doors[0].uuid, 'forced_open');
    assert.deepEqual([quiet.status, quiet.reason], [null, 'no receiver']);
    assert.deepEqual(lonely.deliveries, []);
    lonely.receiver = { url: `http://127.0.0.1:${await freePort()}/genea`, secret: SECRET };
    const unreachable = await lonely.sendDoorEvent(lonely.doors[0].uuid, 'secured');
    assert.equal(unreachable.status, null);
    assert.match(unreachable.reason, /ECONNREFUSED/);
    await lonely.close();

    const refusing = await Collector.start({ respond: () => ({ status: 401, text: 'Signature does not match' }) });
    const other = await PracticeGenea.start({
      doors: practiceDoors(),
      receiver: { url: `${refusing.url}/genea`, secret: 'wrong' },
      onDelivery: (delivery) => seen.push(delivery),
    });
    const refused = await other.sendDoorEvent(other.doors[0].uuid, 'forced_open');
    await other.close();
    await refusing.close();
    assert.deepEqual([refused.status, refused.reason], [401, 'Signature does not match']);
    assert.deepEqual(seen, [refused]);
  });

  it('plays scripted answers once each, in place of its own, and hangs up when told', async function () {
    const target = byName('Front Door');
    genea.answerNext(`PUT /v2/door/${target.uuid}/unlock`, { status: 429, body: { meta: { message: 'Slow down' } } });
    genea.answerNext(/^GET /, { status: 500, body: '<html>oops</html>', delayMs: 20 });
    genea.answerNext('POST /v2/api_key/verify', { status: 200, hangUp: true });
    assert.equal((await call('PUT', `/v2/door/${target.uuid}/unlock`)).status, 429);
    assert.equal(genea.doorState(target.uuid).is_locked, true, 'a scripted answer changes nothing');
    const res = await fetch(`${genea.url}/v2/customer/${PRACTICE_CUSTOMER}/door`, {
      headers: { Authorization: `Bearer ${KEY}` },
    });
    assert.equal(res.status, 500);
    assert.equal(await res.text(), '<html>oops</html>');
    await assert.rejects(call('POST', '/v2/api_key/verify', { body: { api_key: KEY } }));
    assert.equal((await call('PUT', `/v2/door/${target.uuid}/unlock`)).status, 200);
    assert.equal(genea.count(`PUT /v2/door/${target.uuid}/unlock`), 2);
    assert.equal(genea.count(/^POST /), 1);
    const [request] = genea.requests;
    assert.equal(request.authorization, `Bearer ${KEY}`);
    // Only the real unlock sent an event.
    const [event] = await collector.waitFor('/genea', 1);
    await genea.settled();
    assert.equal(collector.on('/genea').length, 1);
    assert.equal(event.body.event_action, 'SEQUR_DOOR_ACCESS_MODE_UNLOCKED');
  });

  it('says when its port is taken', async function () {
    const port = Number(new URL(genea.url).port);
    await assert.rejects(PracticeGenea.start({ port }), { code: 'EADDRINUSE' });
  });
});
