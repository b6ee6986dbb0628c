'use strict';
// The packed package in a real Node-RED process: signed deliveries over HTTP into genea-webhook-in, then
// genea-access-granted (first of the day), then a collector. With a persistent context store the day's
// memory survives a restart; with the default in-memory store it does not (the control).
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { NodeRedProcess } = require('../support/red-process');
const { Collector } = require('../support/collector');
const { opensslSignature } = require('../support/openssl');
const { granted, BERLIN } = require('../fixtures/event-builders');

const SECRET = 'e2e-filters-secret-81be2c';

function flow(collector) {
  return [
    { id: 'tab', type: 'tab', label: 'Genea' },
    { id: 'cfg', type: 'genea-config', name: 'Genea', credentials: { secret: SECRET } },
    { id: 'rx', type: 'genea-webhook-in', z: 'tab', config: 'cfg', url: '/genea', wires: [['first'], []] },
    { id: 'first', type: 'genea-access-granted', z: 'tab', mode: 'first-of-day', wires: [['arrivals']] },
    ...collector.sinkNodes('arrivals', '/arrivals', 'tab'),
  ];
}

async function deliver(red, event) {
  const body = JSON.stringify(event);
  const res = await fetch(red.url('/genea'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Sequr-Signature': opensslSignature(body, SECRET) },
    body,
  });
  assert.equal(res.status, 200, await res.text());
}

const uuidsAt = (collector) => collector.on('/arrivals').map((entry) => entry.body.payload.uuid);

/**
 * Resolves once the filter's status, as the editor is sent it, reads `text` (e.g. "2 passed · 1 not first"): the
 * filter's own count of what it decided, so that what did not pass is known to have been dropped, not still on its way.
 */
async function filterStatusReads(red, text) {
  const editor = await red.watchEditor();
  try {
    const deadline = Date.now() + 10_000;
    const statuses = () => editor.messages.filter((m) => m.topic === 'status/first').map((m) => m.data.text);
    while (!statuses().includes(text)) {
      assert.ok(Date.now() < deadline, `the filter's status never read "${text}": ${JSON.stringify(statuses())}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    editor.close();
  }
}

describe('genea-access-granted across a Node-RED restart (real process)', function () {
  this.timeout(90_000);
  let red;
  let collector;

  beforeEach(async function () {
    collector = await Collector.start();
  });
  afterEach(async function () {
    await red?.dispose();
    await collector?.close();
  });

  /**
   * Delivers the day's first event (and a second of the same day, dropped) to one Node-RED, restarts it,
   * then delivers another event of that day and one of the next day; returns once the next day's arrived.
   */
  async function runAcrossRestart(settings) {
    red = await NodeRedProcess.start({ settings });
    await red.deploy(flow(collector));
    const first = granted({ event_time: '2026-11-20T13:00:00Z' });
    const second = granted({ event_time: '2026-11-20T14:00:00Z' });
    const berlin = granted({ event_time: '2026-11-20T14:00:00Z', location: [BERLIN] });
    for (const event of [first, second, berlin]) await deliver(red, event);
    await filterStatusReads(red, '2 passed · 1 not first');
    await collector.waitFor('/arrivals', 2);
    assert.deepEqual(uuidsAt(collector).sort(), [first.uuid, berlin.uuid].sort(), red.log);
    collector.reset();

    const startsBefore = red.log.split('Started flows').length;
    await red.restart();
    // The restarted process's own flow start: one more "Started flows" in the (kept) log.
    const restartedFlows = {
      test: (log) => log.split('Started flows').length > startsBefore,
      toString: () => 'the restarted flows',
    };
    await red.waitForLog(restartedFlows, 30_000);
    const sameDay = granted({ event_time: '2026-11-20T15:00:00Z' });
    const nextDay = granted({ event_time: '2026-11-21T13:00:00Z' });
    for (const event of [sameDay, nextDay]) await deliver(red, event);
    return { sameDay, nextDay };
  }

  it('remembers the day with a persistent (localfilesystem) context store', async function () {
    const { nextDay } = await runAcrossRestart({ contextStorage: { default: { module: 'localfilesystem' } } });
    await filterStatusReads(red, '1 passed · 1 not first');
    await collector.waitFor('/arrivals', 1);
    assert.deepEqual(uuidsAt(collector), [nextDay.uuid], red.log);
    const stored = fs.readFileSync(path.join(red.userDir, 'context', 'tab', 'first.json'), 'utf8');
    assert.match(stored, /"geneaFirstOfDay"/);
  });

  it('forgets it with the default in-memory store (control)', async function () {
    const { sameDay, nextDay } = await runAcrossRestart({});
    await filterStatusReads(red, '2 passed');
    await collector.waitFor('/arrivals', 2);
    assert.deepEqual(uuidsAt(collector).sort(), [sameDay.uuid, nextDay.uuid].sort(), red.log);
  });
});
