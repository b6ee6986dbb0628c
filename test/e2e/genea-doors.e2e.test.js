'use strict';
// Live door state in a real Node-RED process with the packed package: genea-doors lists the stand-in's doors at
// start, signed door deliveries through genea-webhook-in change a door at once, a listing asked for by an inject
// reports what changed in Genea's door list meanwhile (a door gone, one added, one unlocked), and a Modified Nodes
// redeploy keeps the state.
const assert = require('node:assert/strict');
const { NodeRedProcess } = require('../support/red-process');
const { GeneaApiStandIn, door } = require('../support/genea-api-stand-in');
const { sampleEvent, signBody } = require('../../nodes/lib');

const SECRET = 'e2e-genea-doors-secret-3c7d';
const API_KEY = 'e2e-genea-doors-api-key-58ba02';
const CUSTOMER = 'customer-e2e-doors';
const MAIN = sampleEvent('door.forced_open').door.uuid;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function flow(genea, doorsName = '') {
  return [
    { id: 'tab', type: 'tab', label: 'Door states' },
    { id: 'cfg', type: 'genea-config', name: 'Genea', credentials: { secret: SECRET } },
    { id: 'api', type: 'genea-api', name: 'Genea API', baseUrl: genea.url, credentials: { apiKey: API_KEY } },
    { id: 'rx', type: 'genea-webhook-in', z: 'tab', config: 'cfg', url: '/genea-doors', wires: [['doors'], []] },
    { id: 'ask', type: 'inject', z: 'tab', payload: '', payloadType: 'date', wires: [['doors']] },
    {
      id: 'doors',
      type: 'genea-doors',
      z: 'tab',
      name: doorsName,
      api: 'api',
      refreshMinutes: '0',
      wires: [['debug-changes'], ['debug-all']],
    },
    { id: 'debug-changes', type: 'debug', z: 'tab', name: 'changes', active: true, tosidebar: true, complete: 'true' },
    { id: 'debug-all', type: 'debug', z: 'tab', name: 'all', active: true, tosidebar: true, complete: 'true' },
  ];
}

describe('genea-doors end to end (real Node-RED process)', function () {
  this.timeout(90_000);
  let red;
  let genea;
  let editor;

  async function deliver(event) {
    const body = JSON.stringify(event);
    const res = await red.request('POST', red.url('/genea-doors'), {
      headers: { 'Content-Type': 'application/json', 'X-Sequr-Signature': signBody(body, SECRET) },
      body,
    });
    return res.status;
  }

  /** The messages the debug node `name` showed, once there are `count` of them (as parsed JSON). */
  async function debugMessages(name, count) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const found = editor.messages.filter((m) => m.topic === 'debug' && m.data.name === name);
      if (found.length >= count) return found.map((m) => JSON.parse(m.data.msg));
      if (Date.now() > deadline) throw new Error(`expected ${count} debug messages of ${name}: ${red.log}`);
      await sleep(50);
    }
  }

  const ask = async () => assert.equal((await red.request('POST', red.adminUrl('/inject/ask'))).status, 200);
  const statuses = () => editor.messages.filter((m) => m.topic === 'status/doors').map((m) => m.data.text);

  before(async function () {
    genea = await GeneaApiStandIn.start({
      keys: { [API_KEY]: CUSTOMER },
      doors: [
        door(MAIN, { name: 'Main Entrance' }),
        door('door-back', { name: 'Back door' }),
        door('door-store', { name: 'Store room', is_online: false }),
      ],
      locations: [{ uuid: 'location-hq', name: 'Headquarters' }],
    });
    red = await NodeRedProcess.start();
    editor = await red.watchEditor();
    await red.deploy(flow(genea));
  });
  after(async function () {
    editor?.close();
    await red?.dispose();
    await genea?.close();
  });

  it('sends every door at start, nothing on the changes output, and sums them up in the status', async function () {
    const [all] = await debugMessages('all', 1);
    assert.equal(all.topic, 'doors');
    assert.deepEqual(
      all.payload.map((state) => [state.uuid, state.location, state.locked, state.online, state.source]),
      [
        [MAIN, 'Headquarters', true, true, 'list'],
        ['door-back', 'Headquarters', true, true, 'list'],
        ['door-store', 'Headquarters', true, false, 'list'],
      ],
    );
    const deadline = Date.now() + 5_000;
    while (!statuses().includes('3 doors · 1 offline')) {
      assert.ok(Date.now() < deadline, statuses().join(' | '));
      await sleep(50);
    }
  });

  it('signed forced-open and secure deliveries change the door at once', async function () {
    assert.equal(await deliver(sampleEvent('door.forced_open')), 200);
    assert.equal(await deliver(sampleEvent('door.secured')), 200);
    const [first, second] = await debugMessages('changes', 2);
    assert.deepEqual(
      [first.topic, first.changed, first.payload.forced, first.previous.forced],
      [MAIN, ['forced'], true, false],
    );
    assert.equal(first.payload.source, 'event');
    assert.equal(first.genea.type, 'door.forced_open');
    assert.deepEqual([second.topic, second.changed, second.payload.forced], [MAIN, ['forced'], false]);
    assert.ok(statuses().includes('3 doors · 1 offline · 1 alarm'), statuses().join(' | '));
  });

  it('an inject lists again: what changed in Genea’s door list meanwhile, then every door', async function () {
    const before = (await debugMessages('changes', 2)).length;
    genea.setDoor('door-back', { is_locked: false });
    genea.removeDoor('door-store');
    genea.addDoor(door('door-annex', { name: 'Annex', door_access_mode: 'CARD_OR_PIN' }));
    await ask();
    const all = (await debugMessages('all', 2))[1];
    const changes = (await debugMessages('changes', before + 3)).slice(before);
    assert.deepEqual(
      changes.map((m) => [m.topic, m.payload === null ? null : m.payload.source]),
      [
        ['door-back', 'list'],
        ['door-annex', 'list'],
        ['door-store', null],
      ],
    );
    assert.deepEqual(changes[0].changed, ['locked']);
    assert.equal(changes[1].payload.mode, 'CARD_OR_PIN');
    assert.equal(changes[2].previous.name, 'Store room');
    assert.deepEqual(
      all.payload.map((state) => state.uuid),
      [MAIN, 'door-back', 'door-annex'],
    );
    assert.equal(genea.count(`GET /v2/customer/${CUSTOMER}/door`), 2);
  });

  it('keeps the state across a Modified Nodes redeploy of genea-doors', async function () {
    const changesBefore = (await debugMessages('changes', 5)).length;
    assert.equal(await deliver(sampleEvent('door.held_open')), 200);
    await debugMessages('changes', changesBefore + 1);
    await red.deploy(flow(genea, 'Doors'), 'nodes');
    const all = (await debugMessages('all', 3))[2];
    const main = all.payload.find((state) => state.uuid === MAIN);
    // The redeployed node compares its first listing with the state it kept: the door held open by the event is not
    // held in Genea's list, one change (a state started afresh would send none).
    const changes = (await debugMessages('changes', changesBefore + 2)).slice(changesBefore + 1);
    assert.deepEqual(
      changes.map((m) => [m.topic, m.changed, m.previous.source]),
      [[MAIN, ['held'], 'event']],
    );
    assert.equal(main.held, false);
  });
});
