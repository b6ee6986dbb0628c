'use strict';
// Door and device events through the packed package in a real Node-RED process: signed deliveries (signatures by
// openssl, bodies in the state-text variants Genea sends, a retry) into genea-webhook-in, then genea-door-event
// filters and a core switch on msg.topic, each posting what it passes to a loopback collector.
const assert = require('node:assert/strict');
const { NodeRedProcess } = require('../support/red-process');
const { Collector } = require('../support/collector');
const { opensslSignature } = require('../support/openssl');
const { doorAlarm, doorSecure, doorEvent, granted } = require('../fixtures/event-builders');

const SECRET = 'e2e-door-events-secret-5d21';

function flow(collector) {
  return [
    { id: 'tab', type: 'tab', label: 'Genea doors' },
    { id: 'cfg', type: 'genea-config', name: 'Genea', credentials: { secret: SECRET } },
    {
      id: 'rx',
      type: 'genea-webhook-in',
      z: 'tab',
      config: 'cfg',
      url: '/genea-doors',
      wires: [['alarms', 'remote', 'devices'], []],
    },
    // Default kinds: forced open, held open, alarm, secured.
    { id: 'alarms', type: 'genea-door-event', z: 'tab', wires: [['to-alarms']] },
    {
      id: 'remote',
      type: 'genea-door-event',
      z: 'tab',
      kinds: ['mode_changed', 'quick_grant'],
      door: 'Front Door',
      wires: [['to-remote']],
    },
    {
      id: 'devices',
      type: 'switch',
      z: 'tab',
      property: 'topic',
      propertyType: 'msg',
      rules: [{ t: 'eq', v: 'device.status', vt: 'str' }],
      checkall: 'true',
      outputs: 1,
      wires: [['to-devices']],
    },
    ...collector.sinkNodes('to-alarms', '/alarms', 'tab'),
    ...collector.sinkNodes('to-remote', '/remote', 'tab'),
    ...collector.sinkNodes('to-devices', '/devices', 'tab'),
  ];
}

describe('door and device events (real Node-RED process)', function () {
  this.timeout(90_000);
  let red;
  let collector;

  before(async function () {
    collector = await Collector.start();
    red = await NodeRedProcess.start();
    await red.deploy(flow(collector));
  });
  after(async function () {
    await red?.dispose();
    await collector?.close();
  });

  /** POSTs `body` (text, sent byte for byte) signed as Genea signs it. */
  async function deliver(body) {
    const res = await fetch(red.url('/genea-doors'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Sequr-Signature': opensslSignature(body, SECRET) },
      body,
    });
    assert.equal(res.status, 200, await res.text());
  }

  it('classifies, filters and summarises signed door events, each once', async function () {
    const backDoor = { uuid: 'door-back', name: 'Back Door', door_status: 'CLOSED' };
    const forced = doorAlarm({ 'Forced Open State': 'Prior : No, Current : Yes', 'Held Open State': 'Prior : No' });
    const held = doorAlarm({ held_open_state: 'prior:no,current:YES' });
    const both = doorAlarm(
      JSON.stringify({ 'FORCED OPEN STATE': 'Current : Yes', 'Held Open State': 'Current : Yes' }),
    );
    const unreadable = doorAlarm({ 'Forced Open State': 'Prior : No, Current : ?' });
    const secured = doorSecure({ 'Forced Open State': 'Prior : Yes, Current : No' });
    const unlocked = doorEvent('SEQUR_DOOR_ACCESS_MODE_UNLOCKED', null, { actor: { type: 'API_KEY' } });
    const lockedElsewhere = doorEvent('SEQUR_DOOR_ACCESS_MODE_LOCKED', null, { door: backDoor });
    const quickGrant = doorEvent('SEQUR_HOST_INITIATED_REQUEST_DOOR_USE_NOT_VERIFIED', null);
    const readerOffline = doorEvent('OSDP_READER_ONLINE_STATUS_UPDATE', { 'Reader Status': 'OFFLINE' });
    const bodies = [forced, held, both, unreadable, secured, unlocked, lockedElsewhere, quickGrant, readerOffline]
      .concat(granted())
      .map((event, index) => JSON.stringify(event, null, index % 3)); // compact and pretty-printed alike
    for (const [index, body] of bodies.entries()) {
      await deliver(body);
      if (index === 1) await deliver(body); // Genea's retry of the held-open alarm: not emitted again
    }

    // A sentinel for each sink, delivered last, must arrive there: only then is what else reached it all there is.
    // Each sink is checked against its own sentinel: the sinks post independently, in no order among each other.
    const sentinels = {
      '/alarms': doorAlarm({ 'Forced Open State': 'Prior : No, Current : Yes' }),
      '/remote': doorEvent('SEQUR_HOST_INITIATED_REQUEST_DOOR_USE_NOT_VERIFIED', null),
      '/devices': doorEvent('OSDP_READER_ONLINE_STATUS_UPDATE', { 'Reader Status': 'ONLINE' }),
    };
    for (const sentinel of Object.values(sentinels)) await deliver(JSON.stringify(sentinel));
    const before = async (sink) => {
      const isSentinel = (entry) => entry.body.payload.uuid === sentinels[sink].uuid;
      const deadline = Date.now() + 10_000;
      while (!collector.on(sink).some(isSentinel)) {
        assert.ok(Date.now() < deadline, `the sentinel never reached ${sink}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return collector.on(sink).filter((entry) => !isSentinel(entry));
    };
    const devices = await before('/devices');
    const alarms = await before('/alarms');
    const remote = await before('/remote');
    const byUuid = (entries) => new Map(entries.map((entry) => [entry.body.payload.uuid, entry.body]));

    const passedAlarms = byUuid(alarms);
    assert.equal(alarms.length, 5, red.log);
    const alarmOf = (event) => {
      const { topic, genea } = passedAlarms.get(event.uuid);
      return [topic, genea.alarms ?? genea.resolved];
    };
    assert.deepEqual(alarmOf(forced), ['door.forced_open', ['forced_open']]);
    assert.deepEqual(alarmOf(held), ['door.held_open', ['held_open']]);
    assert.deepEqual(alarmOf(both), ['door.forced_open', ['forced_open', 'held_open']]);
    assert.deepEqual(alarmOf(unreadable), ['door.alarm', []]);
    assert.deepEqual(alarmOf(secured), ['door.secured', ['forced_open']]);
    const { genea } = passedAlarms.get(forced.uuid);
    assert.deepEqual(genea.door, { name: 'Front Door', uuid: 'door-front', status: 'OPEN' });
    assert.equal(genea.location.name, 'HQ');
    assert.deepEqual(passedAlarms.get(secured.uuid).payload, secured, 'the event as Genea sent it');

    const passedRemote = byUuid(remote);
    assert.deepEqual([...passedRemote.keys()].sort(), [unlocked.uuid, quickGrant.uuid].sort());
    const mode = passedRemote.get(unlocked.uuid).genea;
    assert.deepEqual([mode.type, mode.mode, mode.remote], ['door.mode_changed', 'UNLOCKED', true]);
    assert.equal(passedRemote.get(quickGrant.uuid).genea.remote, false);

    assert.equal(devices.length, 1);
    assert.deepEqual([devices[0].body.payload.uuid, devices[0].body.genea.online], [readerOffline.uuid, false]);
    assert.doesNotMatch(red.log, /\[error\]/);
  });
});
