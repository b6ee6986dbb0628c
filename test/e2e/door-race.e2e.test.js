'use strict';
// One Genea event, at most one door command, while "Modified Nodes" deploys restart a neighbour. The receiver's
// first output is wired to genea-door (quick grant, the door taken from the event) and to a counting function
// node; deploys of type `nodes` rename only the counting node and send no credentials, as the editor does.
// Signed deliveries of distinct events, each for a door of its own, come from concurrent senders that retry any
// answer but 200, as Genea does. The stand-in of Genea's API counts the quick grants per door: each acknowledged
// event must have opened its door exactly once, and the counting node must have had each event exactly once.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { NodeRedProcess } = require('../support/red-process');
const { GeneaApiStandIn, door } = require('../support/genea-api-stand-in');
const { pool } = require('../support/raw-http');
const { writeSection, table } = require('../support/reliability-report');
const { signBody } = require('../../nodes/lib');
const events = require('../fixtures/events');

const SECRET = 'door-race-genea-secret-31c9';
const API_KEY = 'door-race-api-key-5e0b72';
const EVENTS = 1500;
const CONCURRENCY = 12;
/** Genea retries 3 times; the senders retry until acknowledged, at most this often. */
const MAX_TRIES = 20;

const SETTINGS_SOURCE = `settings.functionGlobalContext = {
  recordDelivery: (uuid) => require('fs').appendFileSync(require('path').join(__dirname, 'neighbour.log'), uuid + '\\n'),
};`;

/** The flow; `version` names the counting node. Credentials only in the first deploy, as the editor sends them. */
function flow(genea, version, withCredentials) {
  return [
    { id: 'tab', type: 'tab', label: 'Door race' },
    { id: 'cfg', type: 'genea-config', name: 'Genea', ...(withCredentials && { credentials: { secret: SECRET } }) },
    {
      id: 'api',
      type: 'genea-api',
      name: 'Genea API',
      baseUrl: genea.url,
      ...(withCredentials && { credentials: { apiKey: API_KEY } }),
    },
    { id: 'rx', type: 'genea-webhook-in', z: 'tab', config: 'cfg', url: '/genea', wires: [['grant', 'count'], []] },
    { id: 'grant', type: 'genea-door', z: 'tab', api: 'api', action: 'quick_unlock', door: '', wires: [[]] },
    {
      id: 'count',
      type: 'function',
      z: 'tab',
      name: `count v${version}`,
      func: "global.get('recordDelivery')(msg.payload.uuid);\nreturn null;",
      outputs: 1,
      wires: [[]],
    },
  ];
}

describe('door safety: one event opens its door at most once while deploys restart a neighbour (real Node-RED)', function () {
  this.timeout(240_000);
  let red;
  let genea;
  const prefix = `race-${Date.now()}`;
  const doorOf = (i) => `${prefix}-door-${i}`;

  before(async function () {
    genea = await GeneaApiStandIn.start({
      keys: { [API_KEY]: 'customer-race' },
      doors: Array.from({ length: EVENTS + 1 }, (_, i) => door(doorOf(i))),
    });
    red = await NodeRedProcess.start({ settingsSource: SETTINGS_SOURCE });
    await red.deploy(flow(genea, 0, true));
  });
  after(async function () {
    await red?.dispose();
    await genea?.close();
  });

  /** POSTs event `i` once; resolves to the status, or 'error' for a failed connection. */
  async function deliver(i) {
    const body = JSON.stringify({ ...events.granted, uuid: `${prefix}-${i}`, door: { uuid: doorOf(i) } });
    try {
      const res = await red.request('POST', red.url('/genea'), {
        headers: { 'Content-Type': 'application/json', 'X-Sequr-Signature': signBody(body, SECRET) },
        body,
      });
      return res.status;
    } catch {
      return 'error';
    }
  }

  function neighbourCounts() {
    const counts = new Map();
    const file = path.join(red.userDir, 'neighbour.log');
    if (!fs.existsSync(file)) return counts;
    for (const uuid of fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
      counts.set(uuid, (counts.get(uuid) ?? 0) + 1);
    }
    return counts;
  }

  const grants = (i) => genea.commands(doorOf(i)).filter((command) => command === 'quick_unlock').length;

  it('every acknowledged event quick-grants its door exactly once and reaches the neighbour exactly once', async function () {
    const answers = {};
    const statuses = new Map();
    let loadRunning = true;
    const loadStarted = Date.now();

    // Deploys back to back for as long as the load runs; each one's start and end are kept to measure the overlap.
    const deployWindows = [];
    const deploying = (async () => {
      for (let version = 1; loadRunning; version++) {
        const started = Date.now();
        await red.deploy(flow(genea, version, false), 'nodes');
        deployWindows.push([started, Date.now()]);
      }
    })();

    await pool(
      Array.from({ length: EVENTS }, (_, i) => async () => {
        const list = [];
        for (let tries = 0; tries < MAX_TRIES && !list.includes(200); tries++) {
          const status = await deliver(i);
          list.push(status);
          answers[status] = (answers[status] ?? 0) + 1;
        }
        statuses.set(i, list);
      }),
      CONCURRENCY,
    );
    const loadEnded = Date.now();
    loadRunning = false;
    await deploying;

    // Deploys that began and ended while the load ran.
    const during = deployWindows.filter(([from, to]) => from >= loadStarted && to <= loadEnded).length;
    assert.ok(during >= 5, `only ${during} deploys happened during the load`);

    const acknowledged = [...statuses.keys()].filter((i) => statuses.get(i).includes(200));
    assert.equal(acknowledged.length, EVENTS, 'every event is acknowledged once retried');

    // A last event, delivered after every other one was answered: once its door was granted and the neighbour
    // counted it, every command and message of the others was sent before.
    const sentinel = EVENTS;
    assert.equal(await deliver(sentinel), 200);
    const deadline = Date.now() + 30_000;
    while (grants(sentinel) === 0 || !neighbourCounts().has(`${prefix}-${sentinel}`)) {
      if (Date.now() > deadline) throw new Error(`the sentinel never arrived:\n${red.log.slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    while (acknowledged.some((i) => grants(i) === 0) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    const neighbour = neighbourCounts();
    const grantCounts = acknowledged.map(grants);
    const openedTwice = grantCounts.filter((n) => n > 1).length;
    const neverOpened = grantCounts.filter((n) => n === 0).length;
    const neighbourLost = acknowledged.filter((i) => !neighbour.has(`${prefix}-${i}`)).length;
    const neighbourTwice = acknowledged.filter((i) => neighbour.get(`${prefix}-${i}`) > 1).length;
    const handedOver = (red.log.match(/reached the wired nodes while a deploy replaced/g) ?? []).length;

    writeSection('door-race', 'Door safety while deploys restart a neighbour (test/e2e/door-race.e2e.test.js)', [
      `${EVENTS} signed events, each for a door of its own, from ${CONCURRENCY} concurrent senders that retry ` +
        'any answer but 200; the receiver wired to genea-door (quick grant, door from the event) and a counting ' +
        'node, which "Modified Nodes" deploys (no credentials sent) rename back to back. Quick grants counted ' +
        "at the stand-in of Genea's API.",
      '',
      ...table(
        [
          'events',
          'deploys during the load',
          'answers (retries included)',
          'hand-overs to a replaced node',
          'doors opened',
          'doors opened twice',
          'doors never opened',
          'neighbour: lost',
          'neighbour: twice',
        ],
        [
          [
            String(EVENTS),
            String(during),
            Object.entries(answers)
              .map(([s, n]) => `${s}: ${n}`)
              .join(', '),
            String(handedOver),
            String(grantCounts.filter((n) => n === 1).length),
            String(openedTwice),
            String(neverOpened),
            String(neighbourLost),
            String(neighbourTwice),
          ],
        ],
      ),
    ]);
    assert.equal(openedTwice, 0, 'no door was opened twice for one event');
    assert.equal(neverOpened, 0, 'every acknowledged event opened its door');
    assert.equal(neighbourTwice, 0, 'the neighbour never had an event twice');
    assert.equal(neighbourLost, 0, 'the neighbour had every acknowledged event');
    assert.equal(grants(sentinel), 1);
  });
});
