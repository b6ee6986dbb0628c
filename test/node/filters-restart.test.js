'use strict';
// A real Node-RED process: signed deliveries over HTTP into genea-webhook-in, then genea-access-granted
// (first of the day), then an http request node to a local sink. With a persistent context store the day's
// memory survives a restart; with the default in-memory store it does not (the control).
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { prepareUserDir, startNodeRed } = require('../support/node-red-process');
const { granted, BERLIN } = require('../support/genea-events');

const SECRET = 'restart-test-secret';

/** An HTTP server on 127.0.0.1 that records the uuid of every JSON body POSTed to it. */
async function startSink() {
  const uuids = [];
  const waiters = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      uuids.push(JSON.parse(body).uuid);
      res.end('ok');
      for (const waiter of waiters.splice(0)) waiter();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/sink`,
    uuids,
    /** Resolves once all of `expected` (uuids) have arrived. */
    async received(...expected) {
      while (!expected.every((uuid) => uuids.includes(uuid))) await new Promise((resolve) => waiters.push(resolve));
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

function flows(sinkUrl) {
  return [
    { id: 'tab', type: 'tab', label: 'Genea' },
    { id: 'cfg', type: 'genea-config', name: 'genea' },
    { id: 'rx', type: 'genea-webhook-in', z: 'tab', config: 'cfg', url: '/genea', wires: [['first'], []] },
    { id: 'first', type: 'genea-access-granted', z: 'tab', mode: 'first-of-day', wires: [['post']] },
    { id: 'post', type: 'http request', z: 'tab', method: 'POST', ret: 'txt', url: sinkUrl, wires: [[]] },
  ];
}

async function deliver(nodeRed, body) {
  const raw = JSON.stringify(body);
  const signature = `sha1=${crypto.createHmac('sha1', SECRET).update(raw).digest('hex')}`;
  const res = await fetch(`${nodeRed.url}/genea`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Sequr-Signature': signature },
    body: raw,
  });
  assert.equal(res.status, 200, await res.text());
}

describe('genea-access-granted across a Node-RED restart (real process)', function () {
  this.timeout(60_000);
  let sink;
  let nodeRed;
  const userDirs = [];

  beforeEach(async () => {
    sink = await startSink();
  });
  afterEach(async () => {
    await nodeRed?.stop();
    await sink.close();
  });
  after(() => {
    for (const dir of userDirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Delivers the day's first event (and a second one, dropped) to one Node-RED process, restarts it, then
   * delivers another event of the same day and one of the next day; returns once the next day's has arrived.
   */
  async function runAcrossRestart(settings) {
    const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'genea-restart-'));
    userDirs.push(userDir);
    prepareUserDir(userDir, { flows: flows(sink.url), credentials: { cfg: { secret: SECRET } }, settings });

    nodeRed = await startNodeRed(userDir);
    const first = granted({ event_time: '2026-11-20T13:00:00Z' });
    const second = granted({ event_time: '2026-11-20T14:00:00Z' });
    const berlin = granted({ event_time: '2026-11-20T14:00:00Z', location: [BERLIN] });
    for (const body of [first, second, berlin]) await deliver(nodeRed, body);
    await sink.received(first.uuid, berlin.uuid);
    // `second` was delivered before `berlin`: had it passed, it would have been posted before it.
    assert.deepEqual(sink.uuids.splice(0).sort(), [first.uuid, berlin.uuid].sort(), nodeRed.log());
    await nodeRed.stop();

    nodeRed = await startNodeRed(userDir);
    const sameDay = granted({ event_time: '2026-11-20T15:00:00Z' });
    const nextDay = granted({ event_time: '2026-11-21T13:00:00Z' });
    for (const body of [sameDay, nextDay]) await deliver(nodeRed, body);
    await sink.received(nextDay.uuid);
    return { sameDay, nextDay, userDir };
  }

  it('remembers the day with a persistent (localfilesystem) context store', async function () {
    const settings = { contextStorage: { default: { module: 'localfilesystem' } } };
    const { nextDay, userDir } = await runAcrossRestart(settings);
    // `sameDay` was delivered before `nextDay`: had it passed, it would have been posted before it.
    assert.deepEqual(sink.uuids, [nextDay.uuid], nodeRed.log());
    const stored = fs.readFileSync(path.join(userDir, 'context', 'tab', 'first.json'), 'utf8');
    assert.match(stored, /"geneaFirstOfDay"/);
  });

  it('forgets it with the default in-memory store (control)', async function () {
    const { sameDay, nextDay } = await runAcrossRestart({});
    await sink.received(sameDay.uuid);
    assert.deepEqual(sink.uuids.slice().sort(), [sameDay.uuid, nextDay.uuid].sort(), nodeRed.log());
  });
});
