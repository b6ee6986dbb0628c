'use strict';
// Every example flow, as Node-RED's Import > Examples serves it from the installed package, imported at once into a
// real Node-RED process: placeholders pointed at a loopback collector and a temp dir, the secret set as the config
// nodes' credential, driven by the installed genea-webhook-send command, and each example's output checked.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFile } = require('node:child_process');
const { NodeRedProcess } = require('../support/red-process');
const { Collector } = require('../support/collector');
const { runSender } = require('../support/sender');
const { sampleEvent } = require('../../nodes/lib');
const { GeneaApiStandIn, door } = require('../support/genea-api-stand-in');
const { neededPackages, readExamples } = require('../support/examples');

const PACKAGE = 'node-red-contrib-genea-webhooks';
const SECRET = 'examples-e2e-secret-3f7a';
const API_KEY = 'examples-e2e-api-key-71c0d4';
const VISITOR_TOKEN = 'examples-e2e-visitor-token-0b9e';
// The sample events' door and location (src/lib/sample-events.ts), which the examples use as their front door.
const FRONT = '3a9f7c1e-5b2d-4e8a-9c6f-1d3b5a7e9c2f';
const HQ = '5d1f3c8e-2b7a-4c51-9e0d-8a6f2e4b7c10';
const PLACEHOLDER_URL = /^(https?):\/\/([a-z-]+)\.example\.invalid(\/.*)$/;
const exampleFiles = fs.readdirSync(path.resolve(__dirname, '..', '..', 'examples')).filter((f) => f.endsWith('.json'));
/** The packages some examples need beside Node-RED and this one (Dashboard 2), as their comments say. */
const NEEDED = [...new Set(readExamples().flatMap((example) => example.needs))];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The lines of `file` once it has at least `count`; rejects after 10 s. */
async function waitForLines(file, count) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
    if (lines.length >= count) return lines;
    if (Date.now() > deadline) throw new Error(`expected ${count} lines in ${file}, got:\n${lines.join('\n')}`);
    await sleep(50);
  }
}

/** `check()`'s first truthy answer, polled; rejects after 10 s naming `what`. */
async function waitUntil(what, check) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const answer = check();
    if (answer) return answer;
    if (Date.now() > deadline) throw new Error(`waited 10 s for ${what}`);
    await sleep(50);
  }
}

/** The local date `YYYY-MM-DD` in `timeZone` at `ms`. */
const today = (timeZone, ms) => new Date(ms).toLocaleDateString('en-CA', { timeZone });

/** A UTC day `daysAgo` before today at `time` (between 12:00 and 20:00 UTC: the same date in New York). */
function at(daysAgo, time) {
  const day = new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
  return `${day}T${time}:00.000Z`;
}

const users = {
  aaron: { user_uuid: 'user-aaron', user_name: 'Aaron Arnold', user_email: 'aaron@example.com' },
  bea: { user_uuid: 'user-bea', user_name: 'Bea Brown', user_email: 'bea@example.com' },
};

/** An access-granted event of `user` at `time` (sample location Headquarters, America/New_York). */
function arrival(id, user, time) {
  const event = sampleEvent('access.granted');
  return { ...event, uuid: id, event_time: time, created_at: time, actor: { ...event.actor, ...users[user] } };
}

describe('example flows end to end (all imported into one real Node-RED)', function () {
  this.timeout(60_000);
  let red;
  let collector;
  let dir;
  let examples;
  let sender;
  let genea;

  /** Sends with the installed command; `--url` is a path on this Node-RED. */
  async function send(urlPath, args, expectedCode = 0) {
    const run = await runSender(['--url', red.url(urlPath), '--secret', SECRET, ...args], { command: sender });
    assert.equal(run.code, expectedCode, `${run.stdout}${run.stderr}`);
    return run;
  }

  async function sendFile(urlPath, event, extraArgs = []) {
    const file = path.join(dir, `${event.uuid}.json`);
    fs.writeFileSync(file, JSON.stringify(event));
    return send(urlPath, ['--file', file, ...extraArgs]);
  }

  const sendWithWrongSecret = (urlPath) =>
    runSender(['--url', red.url(urlPath), '--secret', 'not-the-secret'], { command: sender });

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genea-examples-'));
    collector = await Collector.start();
    genea = await GeneaApiStandIn.start({
      keys: { [API_KEY]: 'customer-examples' },
      doors: [
        door(FRONT, { name: 'Main Entrance', location_uuid: HQ, is_locked: true }),
        door('hq-lobby', { name: 'Lobby', location_uuid: HQ, is_locked: false }),
        door('hq-garage', { name: 'Garage', location_uuid: HQ, is_locked: false }),
        door('hq-roof', { name: 'Roof', location_uuid: HQ, is_locked: false, is_online: false }),
        door('branch-door', { name: 'Branch', location_uuid: 'location-branch', is_locked: false }),
      ],
    });
    // The visitor example's endpoint opens a door only with this token; Node-RED inherits the environment.
    process.env.GENEA_VISITOR_TOKEN = VISITOR_TOKEN;
    // The packages some examples need (Dashboard 2) are installed beside this one, as their comments ask.
    red = await NodeRedProcess.start({ modules: NEEDED });
    delete process.env.GENEA_VISITOR_TOKEN;
    sender = path.join(red.userDir, 'node_modules', '.bin', 'genea-webhook-send');

    // What Import > Examples lists and imports: the editor's library API over the installed package.
    const listing = await (await fetch(red.adminUrl(`/library/examples/flows/${PACKAGE}`))).json();
    const names = listing.map((entry) => entry.fn).sort();
    assert.deepEqual(
      names,
      exampleFiles.map((file) => file.replace(/\.json$/, '')),
    );
    examples = {};
    for (const name of names) {
      const res = await fetch(red.adminUrl(`/library/examples/flows/${PACKAGE}/${name}`));
      assert.equal(res.status, 200, name);
      examples[name] = await res.json();
    }

    const flows = Object.values(examples)
      .flat()
      // The door examples share one Genea API config node, as the editor's import keeps one.
      .filter((node, index, all) => all.findIndex((other) => other.id === node.id) === index)
      .map((node) => {
        const copy = structuredClone(node);
        if (copy.type === 'genea-config') copy.credentials = { secret: SECRET };
        if (copy.type === 'genea-api') {
          copy.credentials = { apiKey: API_KEY };
          copy.baseUrl = genea.url;
        }
        if (copy.type === 'http request') {
          const [, , host, rest] = PLACEHOLDER_URL.exec(copy.url);
          copy.url = `${collector.url}/${host}${rest}`;
        }
        if (copy.type === 'file') copy.filename = path.join(dir, copy.filename);
        return copy;
      });
    await red.deploy(flows);
  });
  after(async function () {
    await red?.dispose();
    await collector?.close();
    await genea?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('are self-explaining, free of secrets, on distinct paths, and together use every node of the package', async function () {
    const nodeSets = await (await fetch(red.adminUrl('/nodes'), { headers: { Accept: 'application/json' } })).json();
    const moduleOf = new Map(nodeSets.flatMap((set) => set.types.map((type) => [type, set.module])));
    const packageTypes = nodeSets.filter((set) => set.module === PACKAGE).flatMap((set) => set.types);
    assert.ok(packageTypes.length >= 6, packageTypes.join());
    const used = new Set();
    const paths = [];
    for (const [name, nodes] of Object.entries(examples)) {
      assert.equal(nodes.filter((node) => node.type === 'tab').length, 1, name);
      assert.ok(nodes.filter((node) => node.type === 'comment').length >= 2, `${name}: comments`);
      const modules = ['node-red', PACKAGE, ...neededPackages(nodes)];
      for (const node of nodes) {
        if (node.type === 'tab') continue;
        used.add(node.type);
        assert.ok(modules.includes(moduleOf.get(node.type)), `${name}: ${node.type} is not a core node`);
        if (node.type === 'http request') assert.match(node.url, PLACEHOLDER_URL, `${name}: placeholder URL`);
      }
      const receivers = nodes.filter((node) => node.type === 'genea-webhook-in');
      const configs = nodes.filter((node) => node.type === 'genea-config');
      assert.equal(configs.length, receivers.length > 0 ? 1 : 0, name);
      assert.ok(nodes.filter((node) => node.type === 'genea-api').length <= 1, name);
      for (const config of nodes.filter((node) => /^genea-(config|api)$/.test(node.type))) {
        assert.equal(config.credentials, undefined, `${name}: no credentials`);
      }
      for (const api of nodes.filter((node) => node.type === 'genea-api')) {
        assert.equal(api.baseUrl, 'https://api.sequr.io', `${name}: Genea's API`);
      }
      assert.doesNotMatch(JSON.stringify(nodes), /"(secret|previousSecret|password|apiKey)"/, `${name}: no secret`);
      paths.push(...nodes.filter((node) => node.type === 'genea-webhook-in').map((node) => node.url));
    }
    assert.deepEqual(
      packageTypes.filter((type) => !used.has(type)),
      [],
      'node types no example uses',
    );
    assert.equal(new Set(paths).size, paths.length, `receiver paths are distinct: ${paths}`);
    assert.doesNotMatch(red.log, /Waiting for missing types|\[error\]/);
  });

  describe("door commands through Genea's API (the stand-in)", function () {
    /** Waits until the stand-in has `count` requests matching `pattern`. */
    async function waitForRequests(pattern, count) {
      const deadline = Date.now() + 10_000;
      while (genea.count(pattern) < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} × ${pattern}: ${JSON.stringify(genea.requests)}`);
        await sleep(50);
      }
    }

    it('lockdown: a forced door locks every unlocked door of its location once, alerts, and reports a failure', async function () {
      const forced = sampleEvent('door.forced_open');
      // Genea delivers it three times: the receiver emits it once.
      const doorLists = 'GET /v2/customer/customer-examples/door';
      // The genea-doors examples list at start: count the lockdown's own listings only.
      const listedBefore = genea.count(doorLists);
      await sendFile('/genea-lockdown', forced, ['--repeat', '3']);
      const alerts = await collector.waitFor('/chat/hooks/genea-lockdown', 2);
      assert.deepEqual(alerts.map((alert) => alert.body.text).sort(), [
        'Door forced open: Main Entrance, Headquarters. Locking every unlocked door there.',
        'Lockdown: lock hq-roof failed: 422 Door is offline',
      ]);
      await waitForRequests(/^PUT \/v2\/door\/[^/]+\/lock$/, 3);
      // The sentinel: a later forced door at the branch, whose lock must come. Had the first event been emitted twice,
      // or locked the branch, its commands would have been sent before the sentinel's.
      const branch = {
        ...sampleEvent('door.forced_open'),
        door: { uuid: 'branch-door', name: 'Branch', door_status: 'OPEN' },
        location: [{ uuid: 'location-branch', name: 'Branch office', timezone: 'America/New_York' }],
      };
      await sendFile('/genea-lockdown', branch);
      await waitForRequests('PUT /v2/door/branch-door/lock', 1);
      assert.deepEqual(genea.commands('hq-lobby'), ['lock']);
      assert.deepEqual(genea.commands('hq-garage'), ['lock']);
      assert.deepEqual(genea.commands('hq-roof'), ['lock']);
      assert.deepEqual(genea.commands(FRONT), [], 'already locked');
      assert.deepEqual(genea.commands('branch-door'), ['lock'], "the sentinel's lock, and no other");
      assert.equal(genea.count(doorLists) - listedBefore, 2, 'one listing per event');
      assert.ok(genea.requests.every((r) => r.authorization === `Bearer ${API_KEY}`));
    });

    it('front door: the first arrival of the day unlocks it, the 18:00 inject locks it', async function () {
      for (const event of [arrival('f1', 'aaron', at(5, '13:00')), arrival('f2', 'bea', at(5, '13:30'))]) {
        await sendFile('/genea-front-door', event);
      }
      await waitForRequests(`PUT /v2/door/${FRONT}/unlock`, 1);
      const inject = await red.request('POST', red.adminUrl('/inject/genea-ex10-evening'));
      assert.equal(inject.status, 200);
      await waitForRequests(`PUT /v2/door/${FRONT}/lock`, 1);
      assert.deepEqual(genea.commands(FRONT), ['unlock', 'lock'], 'one unlock for the day, then the lock');
      assert.equal(genea.doorState(FRONT).is_locked, true);
    });

    it('visitor: a quick grant per request with the token, none without; a failure is not repeated', async function () {
      const letIn = (token) =>
        red.request('POST', red.url('/genea-visitor/let-in'), { headers: token ? { 'X-Visitor-Token': token } : {} });
      const before = genea.commands(FRONT).length;
      for (const token of [undefined, '', 'wrong-token-of-some-length']) {
        const refused = await letIn(token);
        assert.equal(refused.status, 401, `token ${token}`);
      }
      assert.equal(genea.commands(FRONT).length, before, 'no grant without the token');
      const opened = await letIn(VISITOR_TOKEN);
      assert.equal(opened.status, 200);
      assert.deepEqual(JSON.parse(opened.text), { opened: true, door: FRONT, message: 'Quick grant sent' });
      genea.answerNext(`PUT /v2/door/${FRONT}/quick_unlock`, {
        status: 500,
        body: { meta: { message: 'Internal error' } },
      });
      const failed = await letIn(VISITOR_TOKEN);
      assert.equal(failed.status, 502);
      assert.equal(
        JSON.parse(failed.text).error,
        `quick_unlock ${FRONT} failed: 500 Internal error – not repeated, as the door may have opened`,
      );
      // The inject button's path has no caller to answer: its result, a failure included, goes to its debug node.
      const editor = await red.watchEditor();
      const buttonResults = () =>
        editor.messages
          .filter((m) => m.topic === 'debug' && m.data.id === 'genea-ex11-button-result')
          .map((m) => JSON.parse(m.data.msg));
      try {
        assert.equal((await red.request('POST', red.adminUrl('/inject/genea-ex11-button'))).status, 200);
        await waitUntil('the button opened the door', () => buttonResults().length === 1);
        genea.answerNext(`PUT /v2/door/${FRONT}/quick_unlock`, {
          status: 422,
          body: { meta: { message: 'Door is offline' } },
        });
        assert.equal((await red.request('POST', red.adminUrl('/inject/genea-ex11-button'))).status, 200);
        await waitUntil('the button reported the failure', () => buttonResults().length === 2);
      } finally {
        editor.close();
      }
      const [buttonOpened, buttonFailed] = buttonResults();
      assert.deepEqual(buttonOpened, { opened: true, door: FRONT, message: 'Quick grant sent' });
      assert.equal(buttonFailed.opened, false);
      assert.match(buttonFailed.error, new RegExp(`^quick_unlock ${FRONT} failed: 422 Door is offline`));
      assert.deepEqual(genea.commands(FRONT).slice(before), Array(4).fill('quick_unlock'));
      assert.doesNotMatch(red.log, /No response object/);
      assert.ok(!red.log.includes(API_KEY), 'the API key is in the Node-RED log');
    });

    it('doors still unlocked at 18:00: the inject lists the doors again and names the unlocked ones in the chat', async function () {
      genea.setDoor('hq-garage', { is_locked: false });
      const unlocked = genea.doors.filter((d) => d.is_locked === false).map((d) => `${d.name} (${d.location_uuid})`);
      assert.ok(unlocked.length >= 2, unlocked.join());
      assert.equal((await red.request('POST', red.adminUrl('/inject/genea-ex12-evening'))).status, 200);
      const [message] = await collector.waitFor('/chat/hooks/genea-doors-unlocked', 1);
      assert.deepEqual(message.body, { text: `Still unlocked at 18:00: ${unlocked.join(', ')}` });
    });

    it('door board: the dashboard page is served, as the example says', async function () {
      const page = await red.request('GET', red.url('/dashboard/doors'));
      assert.equal(page.status, 200);
    });
  });

  it('central log: every event as a JSON line, rejected deliveries in their own file', async function () {
    const event = { ...sampleEvent('access.denied'), uuid: 'log-file-1' };
    await sendFile('/genea-log', event);
    assert.equal((await sendWithWrongSecret('/genea-log')).code, 1);
    await send('/genea-log', ['--event', 'resource.updated']);
    const lines = (await waitForLines(path.join(dir, 'genea-events.jsonl'), 2)).map((line) => JSON.parse(line));
    assert.deepEqual(lines[0], event);
    assert.equal(lines[1].event_action, 'UPDATED');
    const [line] = await waitForLines(path.join(dir, 'genea-rejected.jsonl'), 1);
    const rejection = JSON.parse(line);
    assert.equal(rejection.status, 401);
    assert.equal(rejection.path, '/genea-log');
    assert.match(rejection.reason, /Signature does not match/);
  });

  it('central log over HTTP: the event as sent to the collector, and the rejections', async function () {
    const event = { ...sampleEvent('resource.deleted'), uuid: 'log-http-1' };
    await sendFile('/genea-log-http', event);
    const [posted] = await collector.waitFor('/logs/genea/events', 1);
    assert.equal(posted.method, 'POST');
    assert.deepEqual(posted.body, event);
    assert.equal(posted.headers['x-sequr-signature'], undefined, "Genea's headers are not passed on");
    assert.equal((await sendWithWrongSecret('/genea-log-http')).code, 1);
    const [rejected] = await collector.waitFor('/logs/genea/rejected', 1);
    assert.equal(rejected.body.status, 401);
  });

  describe('arrivals', function () {
    // Local New York times: 08:00 means 08:00 in winter, 09:00 in summer; all are the UTC date in New York.
    const a1 = arrival('a1', 'aaron', at(4, '13:00')); // day 1: first arrival
    const b1 = arrival('b1', 'bea', at(4, '13:05')); // day 1: second person
    const a1Again = arrival('a1-again', 'aaron', at(4, '17:30')); // day 1: Aaron once more
    const b2 = arrival('b2', 'bea', at(3, '13:10')); // day 2: first arrival
    const a3 = arrival('a3', 'aaron', at(2, '19:00')); // day 3: first arrival, in the afternoon
    const b4 = arrival('b4', 'bea', at(1, '12:30')); // day 4: first arrival, early

    before(async function () {
      for (const event of [a1, b1, a1Again, b2, a3, b4]) {
        // Genea retries the first delivery: the receiver emits it once.
        const retries = event === a1 ? ['--repeat', '3'] : [];
        for (const urlPath of ['/genea-alarm', '/genea-time', '/genea-coffee']) await sendFile(urlPath, event, retries);
      }
    });

    it('alarm: one disarm call per day, on its first arrival', async function () {
      const calls = await collector.waitFor('/alarm/disarm', 4);
      assert.deepEqual(
        calls.map((call) => call.body).sort((x, y) => x.at.localeCompare(y.at)),
        [a1, b2, a3, b4].map((event) => ({
          command: 'disarm',
          location: 'Headquarters',
          by: event.actor.user_name,
          at: event.event_time,
        })),
      );
      assert.equal(calls[0].headers['x-sequr-signature'], undefined);
    });

    it('time tracking: one CSV row per user per day, in local date and time', async function () {
      const rows = (await waitForLines(path.join(dir, 'genea-arrivals.csv'), 5)).sort();
      const localTime = (iso) =>
        new Date(iso).toLocaleTimeString('en-GB', { timeZone: 'America/New_York', hourCycle: 'h23' });
      assert.deepEqual(
        rows,
        [a1, b1, b2, a3, b4].map((event) =>
          [
            event.event_time.slice(0, 10),
            localTime(event.event_time),
            event.actor.user_name,
            event.actor.user_email,
            'Headquarters',
            'Main Entrance',
          ].join(','),
        ),
      );
    });

    it('coffee: brews on the first arrival of the day when it is in the morning', async function () {
      const calls = await collector.waitFor('/coffee/brew', 3);
      // Not for a3: Aaron's first arrival of day 3 came in the afternoon.
      assert.deepEqual(
        calls.map((call) => call.body).sort((x, y) => x.for.localeCompare(y.for)),
        [a1, b2, b4].map((event) => ({ brew: 'coffee', location: 'Headquarters', for: event.actor.user_name })),
      );
    });
  });

  it('alerts: one for a denial, one for an anti-passback violation, one for a rejected delivery', async function () {
    await send('/genea-alerts', ['--event', 'access.denied']);
    await send('/genea-alerts', ['--event', 'access.anti_passback']);
    await send('/genea-alerts', ['--event', 'access.granted']);
    assert.equal((await sendWithWrongSecret('/genea-alerts')).code, 1);
    const alerts = await collector.waitFor('/chat/hooks/genea-alerts', 3);
    assert.deepEqual(alerts.map((alert) => alert.body.text).sort(), [
      'Access denied at Main Entrance, Headquarters: Access Denied - Card Not Found (card 9999)',
      'Anti-passback violation at Main Entrance, Headquarters: Aaron Arnold (card 1111)',
      'Genea webhook rejected a delivery from 127.0.0.1: 401 Signature does not match the configured secret',
    ]);
  });

  it('door alarms: an alert for a door forced or held open, an all-clear once it is secure again', async function () {
    for (const type of ['door.forced_open', 'door.mode_changed', 'door.held_open', 'access.granted', 'door.secured']) {
      await send('/genea-doors', ['--event', type]);
    }
    const messages = await collector.waitFor('/chat/hooks/genea-doors', 3);
    assert.deepEqual(messages.map((message) => message.body.text).sort(), [
      'All clear: Main Entrance, Headquarters is secure again (was forced open)',
      'Door forced open: Main Entrance, Headquarters',
      'Door held open too long: Main Entrance, Headquarters',
    ]);
    assert.equal(messages[0].headers['x-sequr-signature'], undefined, "Genea's headers are not passed on");
  });

  it('audit trail: one CSV row per created, updated and deleted resource', async function () {
    await send('/genea-audit', ['--event', 'access.granted']);
    for (const type of ['resource.created', 'resource.updated', 'resource.deleted']) {
      await send('/genea-audit', ['--event', type]);
    }
    const rows = await waitForLines(path.join(dir, 'genea-audit.csv'), 3);
    assert.deepEqual(
      rows.map((row) => row.split(',').slice(1)).sort((x, y) => x[4].localeCompare(y[4])),
      [
        ['created', 'CARD', 'Card 1111', 'Ada Admin', 'Created Card 1111 for Aaron Arnold'],
        ['deleted', 'CARD', 'Card 1111', 'Ada Admin', 'Deleted Card 1111 for Aaron Arnold'],
        ['updated', 'CARD', 'Card 1111', 'Ada Admin', 'Updated Card 1111 for Aaron Arnold'],
      ],
    );
    for (const row of rows) assert.ok(!Number.isNaN(Date.parse(row.split(',')[0])), row);
  });

  it("the installed genea-webhook-send tells the installed package's version", async function () {
    const run = await runSender(['--version'], { command: sender });
    assert.equal(run.code, 0, run.stderr);
    const installed = path.join(red.userDir, 'node_modules', PACKAGE, 'package.json');
    assert.equal(run.stdout, `genea-webhook-send ${JSON.parse(fs.readFileSync(installed, 'utf8')).version}\n`);
  });

  it('pass rejected deliveries to an outbound call only through a rate limit that drops the rest', function () {
    // Anyone can send unsigned requests: each would otherwise become one outbound call (a chat alert, a log POST).
    const outbound = ['http request', 'tcp out', 'udp out', 'websocket out', 'mqtt out', 'e-mail'];
    let checked = 0;
    for (const [name, nodes] of Object.entries(examples)) {
      const byId = new Map(nodes.map((node) => [node.id, node]));
      const unlimited = [];
      const walk = (id, limited, seen) => {
        const node = byId.get(id);
        if (!node || seen.has(id)) return;
        const limits = node.type === 'delay' && node.pauseType === 'rate' && node.drop === true;
        if (outbound.includes(node.type)) {
          checked++;
          if (!limited && !limits) unlimited.push(node.name || node.id);
        }
        for (const next of (node.wires ?? []).flat()) walk(next, limited || limits, new Set([...seen, id]));
      };
      for (const receiver of nodes.filter((node) => node.type === 'genea-webhook-in')) {
        for (const id of receiver.wires[1] ?? []) walk(id, false, new Set());
      }
      assert.deepEqual(unlimited, [], `${name}: rejected deliveries reach these without a rate limit`);
      const commented = nodes.some((node) => node.type === 'comment' && /unsigned requests/.test(node.name));
      if (checked > 0) assert.ok(commented, `${name}: a comment says why output 2 is rate-limited`);
      checked = 0;
    }
  });

  // After the examples' own checks (a suite's tests run before its child suites): these send more events.
  describe('rejected deliveries in a burst', function () {
    it('500 unsigned POSTs to example 06 make at most as many chat alerts as its rate limit allows', async function () {
      this.timeout(120_000);
      const limit = examples['06-alert-denied-anti-passback'].find((node) => node.type === 'delay');
      const unitMs = { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000 }[limit.rateUnits];
      const intervalMs = (Number(limit.nbRateUnits) * unitMs) / Number(limit.rate);
      const chat = '/chat/hooks/genea-alerts';
      const before = collector.on(chat).length;
      const started = Date.now();
      const statuses = [];
      for (let batch = 0; batch < 20; batch++) {
        const answers = await Promise.all(
          Array.from({ length: 25 }, () =>
            red.request('POST', red.url('/genea-alerts'), {
              headers: { 'Content-Type': 'application/json' },
              body: '{"uuid":"not-signed"}',
            }),
          ),
        );
        statuses.push(...answers.map((answer) => answer.status));
      }
      assert.deepEqual([...new Set(statuses)], [401]);
      assert.equal(statuses.length, 500);
      // The sentinel: a signed denial sent after the burst reaches the same chat node after every rejection did.
      await send('/genea-alerts', ['--event', 'access.denied']);
      const after = await waitUntil('the denial alert after the burst', () => {
        const posts = collector.on(chat).slice(before);
        return posts.some((post) => post.body.text.startsWith('Access denied')) && posts;
      });
      const elapsedMs = Date.now() - started;
      const rejected = after.filter((post) => post.body.text.startsWith('Genea webhook rejected a delivery'));
      const allowed = 1 + Math.floor(elapsedMs / intervalMs);
      assert.ok(rejected.length <= allowed, `${rejected.length} alerts for 500 rejections in ${elapsedMs} ms`);
    });
  });

  describe('comments', function () {
    it("their comments' sender commands work as written, in the user dir, with every option they show", async function () {
      this.timeout(240_000); // some twenty runs of npx
      const started = Date.now();
      for (const [name, nodes] of Object.entries(examples)) {
        if (!nodes.some((node) => node.type === 'genea-webhook-in')) continue; // nothing to send to
        const info = nodes.map((node) => node.info ?? '').find((text) => text.includes('Try it without Genea'));
        assert.ok(info, `${name}: a comment says how to try it`);
        const [, command] = /`(npx genea-webhook-send [^`]+)`/.exec(info);
        const base = command
          .replace("'<the secret>'", SECRET)
          .replace('http://127.0.0.1:1880', red.url('').replace(/\/$/, ''));
        // "add `--user ...`", "then `--user ...`": options shown for the same command; an `--event` in place of its own
        // (an option given twice is an error).
        const additions = [...info.matchAll(/`(--[^`]+)`/g)]
          .map((match) => match[1])
          .filter((text) => text !== '--event');
        for (const extra of ['', ...additions]) {
          const run = await new Promise((resolve) =>
            execFile(
              'sh',
              [
                '-c',
                `${(extra.startsWith('--event ') ? base.replace(/ --event \S+/, '') : base).replace(/^npx /, 'npx --offline ')} ${extra}`,
              ],
              { cwd: red.userDir },
              (error, stdout, stderr) => resolve({ code: error ? error.code : 0, stdout, stderr }),
            ),
          );
          assert.equal(run.code, 0, `${name}: ${command} ${extra}\n${run.stdout}${run.stderr}`);
          assert.match(run.stdout, /200 Accepted|^POST /m, `${name}: ${extra}`);
        }
      }
      // Their times are of today, so the arrivals they send are firsts whenever they are run, after any other day's.
      const todays = (zone) => [...new Set([today(zone, started), today(zone, Date.now())])];
      const arrivals = path.join(dir, 'genea-arrivals.csv');
      for (const [user, time] of [
        ['Grace Hopper', '08:55:00'],
        ['Bea Brown', '09:10:00'],
      ]) {
        const rows = await waitUntil(`a CSV row for ${user}`, () => {
          const lines = fs.readFileSync(arrivals, 'utf8').split('\n');
          return lines.filter((line) => line.includes(`,${time},${user},`)).length > 0 && lines;
        });
        const row = rows.find((line) => line.includes(`,${time},${user},`));
        assert.ok(todays('America/New_York').includes(row.slice(0, 10)), row);
      }
      const brews = await waitUntil('a brew in Berlin', () => {
        const calls = collector.on('/coffee/brew').filter((call) => call.body.location === 'Berlin');
        return calls.length > 0 && calls;
      });
      assert.deepEqual(
        brews.map((call) => call.body),
        [{ brew: 'coffee', location: 'Berlin', for: 'Aaron Arnold' }],
      );
    });

    it("name the dialog's fields as the dialog does", function () {
      const filters = JSON.parse(
        fs.readFileSync(
          path.join(
            red.userDir,
            'node_modules',
            PACKAGE,
            'nodes',
            'genea-filters',
            'locales',
            'en-US',
            'genea-filters.json',
          ),
          'utf8',
        ),
      )['genea-filters'];
      const alerts = examples['06-alert-denied-anti-passback'].map((node) => node.info ?? '').join('\n');
      assert.ok(alerts.includes(`"${filters.label.includeAntiPassbackCheckbox}" is off`), alerts);
      assert.doesNotMatch(alerts, /Include anti-passback/);
    });
  });
});
