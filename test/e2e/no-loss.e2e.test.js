'use strict';
// Nothing lost, nothing doubled: a load of distinct signed events (then a storm of each event four times)
// against a real Node-RED process that is redeployed meanwhile, full and modified-nodes deployments. Every
// event Genea was told was received (2xx) must have produced exactly one message; the others are retried as
// Genea would, until acknowledged. Messages are counted by the next node, a function node that appends each
// uuid to a file synchronously.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { NodeRedProcess } = require('../support/red-process');
const { pool } = require('../support/raw-http');
const { writeSection, table } = require('../support/reliability-report');
const events = require('../fixtures/events');

const SECRET = 'no-loss-genea-secret-77d0';
const LOAD = { minEvents: 2000, maxEvents: 5000, concurrency: 16 };
const STORM = { events: 600, copies: 4, concurrency: 16 };
/** Genea retries a delivery up to 3 times; the test retries until acknowledged, at most this often. */
const MAX_RETRIES = 5;
const DEPLOYS = [
  ['full', 'all nodes'],
  ['nodes', 'the counting node'],
  ['nodes', 'the receiver'],
  ['full', 'all nodes'],
  ['nodes', 'both'],
  ['flows', 'the whole tab'],
];

const sign = (body) => `sha1=${crypto.createHmac('sha1', SECRET).update(body).digest('hex')}`;

// Node-RED's global context gets a function that appends to a file in the user dir: it survives redeploys
// and is synchronous, so a message counts the moment the next node handles it.
const SETTINGS_SOURCE = `settings.functionGlobalContext = {
  recordDelivery: (uuid) => require('fs').appendFileSync(require('path').join(__dirname, 'emitted.log'), uuid + '\\n'),
};`;

function flows(version, changed) {
  const name = (node) => (changed === node || changed === 'both' || changed === 'the whole tab' ? `v${version}` : '');
  return [
    { id: 'tab', type: 'tab', label: 'Genea', info: changed === 'the whole tab' ? `v${version}` : '' },
    { id: 'cfg', type: 'genea-config', name: 'Genea', credentials: { secret: SECRET } },
    {
      id: 'rx',
      type: 'genea-webhook-in',
      z: 'tab',
      name: name('the receiver'),
      config: 'cfg',
      url: '/genea',
      wires: [['count'], []],
    },
    {
      id: 'count',
      type: 'function',
      z: 'tab',
      name: name('the counting node'),
      func: "global.get('recordDelivery')(msg.payload.uuid);\nreturn null;",
      outputs: 1,
      wires: [[]],
    },
  ];
}

describe('genea-webhook-in loses nothing and doubles nothing across redeploys (real Node-RED)', function () {
  this.timeout(180_000);
  let red;
  let version = 0;
  const rows = [];

  before(async function () {
    red = await NodeRedProcess.start({ settingsSource: SETTINGS_SOURCE });
    await red.deploy(flows(version, 'all nodes'));
  });
  after(async function () {
    await red?.dispose();
  });

  function emitted() {
    const file = path.join(red.userDir, 'emitted.log');
    const counts = new Map();
    if (!fs.existsSync(file)) return counts;
    for (const uuid of fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
      counts.set(uuid, (counts.get(uuid) ?? 0) + 1);
    }
    return counts;
  }

  /** POSTs the event `uuid` once; resolves to the status, or 'error' for a failed connection. */
  async function deliver(uuid) {
    const body = JSON.stringify({ ...events.granted, uuid });
    try {
      const res = await red.request('POST', red.url('/genea'), {
        headers: { 'Content-Type': 'application/json', 'X-Sequr-Signature': sign(body) },
        body,
      });
      return res.status;
    } catch {
      return 'error';
    }
  }

  /** Makes every deployment of DEPLOYS in turn; resolves to each one's label and when it started and ended. */
  async function redeployAll() {
    const made = [];
    for (const [type, changed] of DEPLOYS) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      const start = performance.now();
      await red.deploy(flows(++version, changed), type);
      made.push({ label: `${type} (${changed})`, start, end: performance.now() });
    }
    return made;
  }

  /**
   * Sends `sends` (uuids, repeats allowed) while redeploying, retries the events never acknowledged, and
   * checks that every event was acknowledged and produced exactly one message.
   */
  async function run(label, sends, concurrency, { keepGoing } = {}) {
    const statuses = new Map();
    const record = (uuid, status) => statuses.set(uuid, [...(statuses.get(uuid) ?? []), status]);
    let deploying = true;
    const deployments = redeployAll().finally(() => (deploying = false));
    let sent = 0;
    /** [sent, answered] of each request of the load, to measure which ones each deployment overlapped. */
    const spans = [];
    const queue = [...sends];
    await pool(
      Array.from({ length: concurrency }, () => async () => {
        for (;;) {
          let uuid = queue.shift();
          if (uuid === undefined && keepGoing && deploying) uuid = keepGoing(sent);
          if (uuid === undefined) return;
          sent++;
          const start = performance.now();
          const status = await deliver(uuid);
          spans.push([start, performance.now()]);
          record(uuid, status);
        }
      }),
      concurrency,
    );
    const made = (await deployments).map((deployment) => ({
      ...deployment,
      overlapping: spans.filter(([start, end]) => start < deployment.end && end > deployment.start).length,
    }));
    for (const deployment of made) {
      assert.ok(deployment.overlapping > 0, `no request of the load was under way during ${deployment.label}`);
    }

    const firstAnswers = {};
    for (const list of statuses.values()) for (const s of list) firstAnswers[s] = (firstAnswers[s] ?? 0) + 1;
    const acknowledged = (uuid) => statuses.get(uuid).some((s) => s >= 200 && s < 300);
    let retried = 0;
    for (let round = 0; round < MAX_RETRIES; round++) {
      const pending = [...statuses.keys()].filter((uuid) => !acknowledged(uuid));
      retried += pending.length;
      await pool(
        pending.map((uuid) => async () => record(uuid, await deliver(uuid))),
        4,
      );
    }

    const uuids = [...statuses.keys()];
    const deadline = Date.now() + 15_000;
    while (emitted().size < uuids.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    // A sentinel event, sent after every answer: once its message is counted, any late second message of an
    // event above would have been counted before it.
    const sentinel = `sentinel-${label}-${Date.now()}`;
    assert.equal(await deliver(sentinel), 200, 'the sentinel is accepted');
    while (!emitted().has(sentinel) && Date.now() < deadline + 5_000) await new Promise((r) => setTimeout(r, 20));
    const counts = emitted();
    assert.equal(counts.get(sentinel), 1, 'the sentinel produced its message');
    counts.delete(sentinel);
    const unacknowledged = uuids.filter((uuid) => !acknowledged(uuid));
    const lost = uuids.filter((uuid) => acknowledged(uuid) && !counts.has(uuid));
    const doubled = uuids.filter((uuid) => (counts.get(uuid) ?? 0) > 1);
    const strays = [...counts.keys()].filter((uuid) => !statuses.has(uuid));
    rows.push([
      label,
      String(sent),
      String(uuids.length),
      made.map((deployment) => `${deployment.label}: ${deployment.overlapping}`).join(', '),
      Object.entries(firstAnswers)
        .map(([s, n]) => `${s}: ${n}`)
        .join(', '),
      String(retried),
      String(uuids.length - unacknowledged.length),
      String([...counts.values()].reduce((a, b) => a + b, 0)),
      String(lost.length),
      String(doubled.length),
    ]);
    assert.deepEqual(unacknowledged, [], 'every event is acknowledged once retried');
    assert.deepEqual(lost, [], 'every acknowledged event produced a message');
    assert.deepEqual(doubled, [], 'no event produced two messages');
    assert.deepEqual(strays, []);
  }

  it('distinct events under load: every acknowledged event gives exactly one message', async function () {
    const prefix = `load-${Date.now()}`;
    const initial = Array.from({ length: LOAD.minEvents }, (_, i) => `${prefix}-${i}`);
    let extra = LOAD.minEvents;
    await run('distinct events', initial, LOAD.concurrency, {
      keepGoing: () => (extra < LOAD.maxEvents ? `${prefix}-${extra++}` : undefined),
    });
  });

  it("a duplicate storm (each event sent 4 times, as Genea's retries would) gives one message per event", async function () {
    fs.rmSync(path.join(red.userDir, 'emitted.log'), { force: true });
    const prefix = `storm-${Date.now()}`;
    const sends = [];
    for (let i = 0; i < STORM.events; i++) for (let c = 0; c < STORM.copies; c++) sends.push(`${prefix}-${i}`);
    // Shuffled, so copies of one event arrive both together and apart.
    for (let i = sends.length - 1; i > 0; i--) {
      const j = crypto.randomInt(i + 1);
      [sends[i], sends[j]] = [sends[j], sends[i]];
    }
    // Once the storm is sent, further copies of its events keep the load going until the last redeployment.
    const copyOfAny = () => sends[crypto.randomInt(sends.length)];
    await run(`duplicate storm (${STORM.events} events × ${STORM.copies})`, sends, STORM.concurrency, {
      keepGoing: copyOfAny,
    });
  });

  after(function () {
    if (rows.length === 0) return;
    writeSection('no-loss', 'Nothing lost, nothing doubled (test/e2e/no-loss.e2e.test.js)', [
      'Signed deliveries from concurrent clients while the flow is redeployed; deliveries not answered 2xx ' +
        `are retried (up to ${MAX_RETRIES} rounds) as Genea would. A message is counted when the node wired ` +
        "to the receiver's first output handles it.",
      '',
      ...table(
        [
          'run',
          'requests',
          'events',
          'redeployments: requests under way during each',
          'first answers',
          'retries',
          'events acknowledged',
          'messages',
          'lost',
          'doubled',
        ],
        rows,
      ),
    ]);
  });
});
