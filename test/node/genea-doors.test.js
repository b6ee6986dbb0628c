'use strict';
// genea-doors in Node-RED (node-red-node-test-helper) against the loopback stand-in of Genea's API: the initial
// state on output 2 only, a change message per door event, listings on request and on the timer with changes for
// doors that differ and removals, failures to Catch with the last state kept, the status, and the state across a
// redeploy.
const assert = require('node:assert/strict');
const { helper, load } = require('../support/helper');
const { GeneaApiStandIn, door } = require('../support/genea-api-stand-in');
const { sampleEvent, summarise } = require('../../nodes/lib');

const KEY = 'node-test-doors-key-91b3';
const CUSTOMER = 'customer-doors';
const FORCED = sampleEvent('door.forced_open');
const MAIN = FORCED.door.uuid;

/** A message as genea-webhook-in sends it: the event, and its summary in msg.genea. */
function eventMessage(type, fields = {}) {
  const event = { ...sampleEvent(type), ...fields };
  return { payload: event, genea: summarise(event), topic: type };
}

describe('genea-doors (node)', function () {
  let genea;
  let seen;
  let apiId;
  // Fresh node ids per load: a genea-doors node keeps its state by id across the test helper's unload.
  let doorsId;
  let loads = 0;

  before(() => helper.startServer());
  after(() => helper.stopServer());
  beforeEach(async function () {
    genea = await GeneaApiStandIn.start({
      keys: { [KEY]: CUSTOMER },
      doors: [
        door(MAIN, { name: 'Main Entrance', location_uuid: 'loc-hq' }),
        door('back', { name: 'Back door', is_locked: false, location_uuid: 'loc-hq' }),
        door('store', { name: 'Store room', is_online: false, location_uuid: 'loc-x' }),
      ],
      locations: [{ uuid: 'loc-hq', name: 'Headquarters' }],
    });
  });
  afterEach(async function () {
    await helper.unload();
    await genea.close();
    if (seen) assert.ok(!JSON.stringify(seen).includes(KEY), 'the key appeared in an output, error or status');
    seen = undefined;
  });

  function flow(props = {}) {
    return [
      { id: 'flow', type: 'tab' },
      { id: apiId, type: 'genea-api', name: 'Genea', baseUrl: genea.url },
      {
        id: doorsId,
        z: 'flow',
        type: 'genea-doors',
        api: apiId,
        refreshMinutes: '0',
        ...props,
        wires: [['changes'], ['all']],
      },
      { id: 'changes', z: 'flow', type: 'helper' },
      { id: 'all', z: 'flow', type: 'helper' },
      { id: 'catcher', z: 'flow', type: 'catch', scope: [doorsId], wires: [['caught']] },
      { id: 'caught', z: 'flow', type: 'helper' },
    ];
  }

  /** Wires the collectors of the helper nodes; `seen` gathers every output, error, warning and status. */
  function watch() {
    seen = { changes: [], all: [], caught: [], statuses: [] };
    for (const name of ['changes', 'all', 'caught']) helper.getNode(name).on('input', (msg) => seen[name].push(msg));
    const node = helper.getNode(doorsId);
    node.on('call:status', (call) => seen.statuses.push(call.args[0]));
    for (const call of node.status.getCalls()) seen.statuses.push(call.args[0]);
    return node;
  }

  /** Loads a genea-doors `doors` with `props`, its outputs wired to `changes` and `all`, a catch to `caught`. */
  async function loadDoors(props = {}, { key = KEY } = {}) {
    apiId = `api-${++loads}`;
    doorsId = `doors-${loads}`;
    await load(flow(props), key === null ? {} : { [apiId]: { apiKey: key } });
    return watch();
  }

  /** Resolves once `seen[name]` holds `count` messages. */
  async function until(name, count) {
    const deadline = Date.now() + 10_000;
    while (seen[name].length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} ${name}, got ${seen[name].length}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return seen[name];
  }

  const lastStatus = () => seen.statuses.at(-1);
  const byUuid = (states) => Object.fromEntries(states.map((state) => [state.uuid, state]));

  it('lists every door at start and sends the whole state on output 2 only, with a summary status', async function () {
    const node = await loadDoors();
    const [all] = await until('all', 1);
    assert.equal(all.topic, 'doors');
    const states = byUuid(all.payload);
    assert.deepEqual(Object.keys(states), [MAIN, 'back', 'store']);
    assert.deepEqual(
      { ...states.back, updated: undefined },
      {
        uuid: 'back',
        name: 'Back door',
        location: 'Headquarters',
        locked: false,
        online: true,
        forced: false,
        held: false,
        lockdown: false,
        mode: 'CARD',
        updated: undefined,
        source: 'list',
      },
    );
    assert.equal(states.store.location, 'loc-x', 'a location Genea does not name keeps its uuid');
    assert.equal(lastStatus().text, '3 doors · 1 unlocked · 1 offline');
    assert.equal(lastStatus().fill, 'yellow');
    // The first thing on output 1 is the change of the event sent after the start: the start sent nothing there.
    node.receive(eventMessage('door.forced_open'));
    const [change] = await until('changes', 1);
    assert.equal(change.topic, MAIN);
    assert.equal(genea.count(`GET /v2/customer/${CUSTOMER}/door`), 1);
  });

  it('shows a green status when every door is locked, online and without alarm', async function () {
    genea.setDoor('back', { is_locked: true });
    genea.setDoor('store', { is_online: true });
    await loadDoors();
    await until('all', 1);
    assert.deepEqual(lastStatus(), { fill: 'green', shape: 'dot', text: '3 doors' });
  });

  it('sends one change per door event: the new state, the previous one and the changed fields', async function () {
    const node = await loadDoors();
    await until('all', 1);
    node.receive({ ...eventMessage('door.forced_open', { event_time: '2026-03-02T08:30:00Z' }), kept: 'yes' });
    const [forced] = await until('changes', 1);
    assert.equal(forced.topic, MAIN);
    assert.deepEqual(forced.changed, ['forced']);
    assert.equal(forced.payload.forced, true);
    assert.equal(forced.payload.source, 'event');
    assert.equal(forced.payload.updated, '2026-03-02T08:30:00.000Z', 'the event’s time');
    assert.equal(forced.previous.forced, false);
    assert.equal(forced.previous.source, 'list');
    assert.equal(forced.kept, 'yes', 'the rest of the message goes on');
    assert.equal(lastStatus().text, '3 doors · 1 unlocked · 1 offline · 1 alarm');
    assert.equal(lastStatus().fill, 'red');

    // Events that change nothing send nothing: the secured event after them is the next change.
    node.receive(eventMessage('access.granted'));
    node.receive(eventMessage('door.forced_open'));
    node.receive(eventMessage('door.mode_changed'));
    node.receive(eventMessage('door.secured'));
    const [, mode, secured] = await until('changes', 3);
    assert.deepEqual([mode.changed, mode.payload.mode], [['mode'], 'UNLOCKED']);
    assert.deepEqual(secured.changed, ['forced'], 'held was not on');
    assert.equal(secured.payload.forced, false);
    assert.equal(lastStatus().text, '3 doors · 1 unlocked · 1 offline');
    assert.equal(seen.all.length, 1, 'an event lists nothing');
    assert.equal(genea.count(`GET /v2/customer/${CUSTOMER}/door`), 1);
  });

  it('reads a Genea event from msg.payload alone (JSON text too), and adds a door it does not know', async function () {
    const node = await loadDoors();
    await until('all', 1);
    const event = { ...sampleEvent('device.status'), door: { uuid: 'garage', name: 'Garage' } };
    node.receive({ payload: JSON.stringify(event) });
    const [added] = await until('changes', 1);
    assert.equal(added.topic, 'garage');
    assert.equal(added.previous, null);
    assert.equal(added.payload.online, false);
    assert.equal(added.payload.locked, null, 'what the event does not say is null');
    assert.equal(added.payload.name, 'Garage');
    assert.equal(lastStatus().text, '4 doors · 1 unlocked · 2 offline');
  });

  it('lists again on a message without a Genea event: changes (source list), removals, then every door with that message', async function () {
    const node = await loadDoors();
    await until('all', 1);
    genea.setDoor('back', { is_locked: true });
    genea.setDoor('store', { is_online: true, is_door_held_seen: true });
    genea.removeDoor(MAIN);
    genea.addDoor(door('annex', { name: 'Annex' }));
    node.receive({ payload: 'refresh', topic: 'inject', asked: 18 });
    const [, all] = await until('all', 2);
    assert.deepEqual(
      seen.changes.map((m) => [m.topic, m.changed.join(), m.payload?.source ?? null]),
      [
        ['back', 'locked', 'list'],
        ['store', 'online,held', 'list'],
        ['annex', 'name,location,locked,online,forced,held,lockdown,mode', 'list'],
        [MAIN, 'name,location,locked,online,forced,held,lockdown,mode', null],
      ],
    );
    const removed = seen.changes[3];
    assert.equal(removed.payload, null);
    assert.equal(removed.previous.name, 'Main Entrance');
    assert.equal(all.topic, 'doors');
    assert.equal(all.asked, 18, 'the asking message carries every door');
    assert.deepEqual(
      all.payload.map((state) => state.uuid),
      ['back', 'store', 'annex'],
    );
    assert.equal(lastStatus().text, '3 doors · 1 alarm');
    // Nothing differs: a listing sends every door and no change.
    node.receive({ payload: '' });
    await until('all', 3);
    assert.equal(seen.changes.length, 4);
  });

  it('lists every refreshMinutes', async function () {
    await loadDoors({ refreshMinutes: '0.005' }); // 300 ms
    await until('all', 1);
    genea.setDoor('back', { is_locked: true });
    const [change] = await until('changes', 1);
    assert.deepEqual([change.topic, change.changed, change.payload.source], ['back', ['locked'], 'list']);
    await until('all', 2);
  });

  it('sends a failed listing to Catch with the reason, keeps the last state and says so in the status', async function () {
    const node = await loadDoors();
    await until('all', 1);
    const list = `GET /v2/customer/${CUSTOMER}/door`;
    genea.answerNext(list, { status: 503, body: { meta: { message: 'Maintenance' } } }, 2);
    node.receive({ payload: 'refresh' });
    const [caught] = await until('caught', 1);
    assert.equal(
      caught.error.message,
      'Listing the doors failed: 503 Maintenance – the last known state of 3 doors is kept.',
    );
    assert.equal(caught.payload, 'refresh');
    assert.deepEqual(lastStatus(), { fill: 'red', shape: 'ring', text: 'listing failed · 3 doors as last known' });
    // The next listing works: nothing changed, so no change message, and the state is the one kept.
    node.receive({ payload: 'refresh' });
    const [, all] = await until('all', 2);
    assert.equal(all.payload.length, 3);
    assert.equal(seen.changes.length, 0);
    assert.equal(lastStatus().text, '3 doors · 1 unlocked · 1 offline');
  });

  it('reports a listing failure of the timer or the start to Catch too, and a config node without key', async function () {
    await loadDoors({}, { key: null });
    const [caught] = await until('caught', 1);
    assert.equal(
      caught.error.message,
      'Listing the doors failed: The deployed Genea API config node has no API key: type one. – the last known state of 0 doors is kept.',
    );
    assert.equal(lastStatus().text, 'listing failed · 0 doors as last known');
  });

  it('says so without a Genea API config node', async function () {
    doorsId = `doors-${++loads}`;
    await load([
      { id: 'flow', type: 'tab' },
      { id: doorsId, z: 'flow', type: 'genea-doors', api: 'missing', wires: [['changes'], ['all']] },
      { id: 'changes', z: 'flow', type: 'helper' },
      { id: 'all', z: 'flow', type: 'helper' },
      { id: 'catcher', z: 'flow', type: 'catch', scope: [doorsId], wires: [['caught']] },
      { id: 'caught', z: 'flow', type: 'helper' },
    ]);
    watch();
    const [caught] = await until('caught', 1);
    assert.equal(caught.error.message, 'Listing the doors failed: no Genea API config node is selected.');
    assert.deepEqual(lastStatus(), { fill: 'red', shape: 'ring', text: 'no Genea API' });
  });

  it('warns of a refreshMinutes it cannot use and lists every 5 minutes instead', async function () {
    const node = await loadDoors({ refreshMinutes: 'soon' });
    await until('all', 1);
    assert.deepEqual(
      node.warn.getCalls().map((call) => call.args[0]),
      [
        'List every "soon" minutes is not a number from 0 to 1440: listing every 5 minutes. Fix the genea-doors node and deploy.',
      ],
    );
  });

  it('keeps the state across a redeploy of the node, and drops it when the node is removed', async function () {
    const node = await loadDoors();
    await until('all', 1);
    node.receive(eventMessage('door.forced_open'));
    await until('changes', 1);
    genea.setDoor(MAIN, { is_door_force_seen: true });
    const credentials = { [apiId]: { apiKey: KEY } };
    genea.setDoor('back', { is_locked: true });
    await helper.setFlows(flow({ name: 'renamed' }), 'full', credentials);
    watch();
    // The redeployed node's first listing is compared with the state kept: the back door's lock is its one change
    // (a state started afresh would send none), and the forced door stays as the event made it.
    const [all] = await until('all', 1);
    assert.deepEqual(
      seen.changes.map((m) => [m.topic, m.changed.join()]),
      [['back', 'locked']],
    );
    const main = all.payload.find((state) => state.uuid === MAIN);
    assert.deepEqual([main.forced, main.source], [true, 'event']);

    await helper.setFlows([{ id: apiId, type: 'genea-api', baseUrl: genea.url }], 'full', credentials);
    genea.setDoor('store', { name: 'Stock room' });
    await helper.setFlows(flow(), 'full', credentials);
    watch();
    await until('all', 1);
    // The removed node's state is gone: the new one starts afresh, with nothing on output 1 (a kept state would
    // have sent the store room's new name there first).
    helper.getNode(doorsId).receive(eventMessage('door.held_open'));
    const [held] = await until('changes', 1);
    assert.equal(held.topic, MAIN);
    assert.deepEqual(held.changed, ['held']);
  });
});
