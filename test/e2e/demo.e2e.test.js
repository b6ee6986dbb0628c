'use strict';
// `npm start`'s script as a user runs it: it must come up, print the URL, the secret and a sender command line
// that works as printed, keep the secret out of flows.json, run the practice Genea with door control that works from
// the demo tab (a command reaches it, its signed door event comes back to the receiver), leave no process behind on
// SIGINT, and refuse a busy port before it builds anything.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { spawn, execFile } = require('node:child_process');
const { freePort } = require('../support/red-process');
const { npmArgs, npmCommand } = require('../../scripts/npm');
const { nodeRedDir } = require('../support/node-red-path');

const projectRoot = path.resolve(__dirname, '..', '..');
const FILTER_TYPES = [
  'genea-access-granted',
  'genea-access-denied',
  'genea-anti-passback',
  'genea-resource-change',
  'genea-door-event',
];

function processGroupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    if (err.code === 'ESRCH') return false;
    throw err;
  }
}

function connects(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => socket.destroy() || resolve(true));
    socket.once('error', () => resolve(false));
  });
}

describe('npm start (scripts/start.js), the demo', function () {
  this.timeout(60_000);
  let child;
  let output = '';
  let userDir;
  let port;
  let practicePort;

  before(async function () {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'genea-demo-'));
    // Flows an earlier start left: the demo tab between two tabs of the user's.
    fs.writeFileSync(
      path.join(userDir, 'flows.json'),
      JSON.stringify([
        { id: 'user-tab-a', type: 'tab', label: 'A' },
        { id: 'genea-demo-tab', type: 'tab', label: 'Genea demo (earlier)' },
        { id: 'user-tab-b', type: 'tab', label: 'B' },
      ]),
    );
    port = await freePort();
    practicePort = await freePort();
    const env = {
      ...process.env,
      PORT: String(port),
      GENEA_PRACTICE_PORT: String(practicePort),
      GENEA_DEMO_USER_DIR: userDir,
    };
    delete env.GENEA_SECRET;
    delete env.GENEA_PRACTICE_KEY;
    // Its own process group, like a terminal's foreground job, to see that nothing of it outlives it.
    child = spawn(process.execPath, [path.join(projectRoot, 'scripts', 'start.js')], {
      cwd: projectRoot,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk) => (output += chunk));
    const deadline = Date.now() + 45_000;
    while (!output.includes('Press Ctrl-C to stop.')) {
      if (child.exitCode !== null) throw new Error(`npm start exited (${child.exitCode}):\n${output}`);
      if (Date.now() > deadline) throw new Error(`npm start did not come up:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  after(async function () {
    if (child && processGroupAlive(child.pid)) process.kill(-child.pid, 'SIGKILL');
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  it('prints the webhook URL, a generated secret and a sender command line that works as printed', async function () {
    const url = `http://127.0.0.1:${port}/genea`;
    assert.match(output, new RegExp(`Webhook URL: +${url}\n`));
    const secret = /Secret: +([0-9a-f]{40}) +\(generated/.exec(output)?.[1];
    assert.ok(secret, output);
    const command = /\n {2}(node \S+ --url .*)\n/.exec(output)?.[1];
    assert.match(output, /Send it a signed test event from this directory/);
    assert.equal(
      command,
      `node nodes/cli/genea-webhook-send.js --url ${url} --secret ${secret} --event access.granted`,
    );
    const run = await new Promise((resolve) =>
      execFile('sh', ['-c', command], { cwd: projectRoot }, (error, stdout, stderr) =>
        resolve({ code: error ? error.code : 0, stdout, stderr }),
      ),
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\n200 Accepted\n$/);
  });

  it('deployed the receiver on /genea with every filter, the secret only as a credential', async function () {
    const flows = fs.readFileSync(path.join(userDir, 'flows.json'), 'utf8');
    const types = new Set(JSON.parse(flows).map((node) => node.type));
    for (const type of ['genea-config', 'genea-webhook-in', ...FILTER_TYPES, 'debug']) assert.ok(types.has(type), type);
    const secret = /Secret: +([0-9a-f]{40})/.exec(output)[1];
    assert.ok(!flows.includes(secret));
    assert.ok(!fs.readFileSync(path.join(userDir, 'flows_cred.json'), 'utf8').includes(secret), 'stored encrypted');
    const signedWithOtherSecret = await new Promise((resolve) =>
      execFile(
        process.execPath,
        ['nodes/cli/genea-webhook-send.js', '--url', `http://127.0.0.1:${port}/genea`, '--secret', 'not-it'],
        { cwd: projectRoot },
        (error, stdout) => resolve({ code: error ? error.code : 0, stdout }),
      ),
    );
    assert.equal(signedWithOtherSecret.code, 1);
    assert.match(signedWithOtherSecret.stdout, /401 Signature does not match/);
  });

  it('gives a sender command that works in its user dir too (npx), as the README and the examples say', async function () {
    const secret = /Secret: +([0-9a-f]{40})/.exec(output)[1];
    assert.match(output, new RegExp(`in ${userDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: npx genea-webhook-send`));
    const run = await new Promise((resolve) =>
      execFile(
        'npx',
        [
          '--offline',
          'genea-webhook-send',
          '--url',
          `http://127.0.0.1:${port}/genea`,
          '--secret',
          secret,
          '--user',
          'Bea Brown',
        ],
        { cwd: userDir },
        (error, stdout, stderr) => resolve({ code: error ? error.code : 0, stdout, stderr }),
      ),
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\n200 Accepted\n$/);
  });

  it("keeps the demo tab in its place among the user's tabs", function () {
    const tabs = JSON.parse(fs.readFileSync(path.join(userDir, 'flows.json'), 'utf8')).filter((n) => n.type === 'tab');
    assert.deepEqual(
      tabs.map((tab) => tab.id),
      ['user-tab-a', 'genea-demo-tab', 'user-tab-b'],
    );
  });

  it("writes the examples' relative output files into its user dir, not into the checkout", async function () {
    const file = `genea-demo-e2e-${process.pid}.jsonl`;
    const current = await (await fetch(`http://127.0.0.1:${port}/flows`)).json();
    const probe = [
      {
        id: 'probe-inject',
        type: 'inject',
        z: 'user-tab-a',
        once: true,
        onceDelay: 0.1,
        payload: 'x',
        payloadType: 'str',
        repeat: '',
        wires: [['probe-file']],
      },
      {
        id: 'probe-file',
        type: 'file',
        z: 'user-tab-a',
        filename: file,
        filenameType: 'str',
        appendNewline: true,
        createDir: false,
        overwriteFile: 'false',
        encoding: 'none',
        wires: [],
      },
    ];
    const res = await fetch(`http://127.0.0.1:${port}/flows`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify([...current, ...probe]),
    });
    assert.equal(res.status, 204);
    const deadline = Date.now() + 10_000;
    while (!fs.existsSync(path.join(userDir, file))) {
      assert.ok(Date.now() < deadline, `${file} did not appear in the user dir`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(fs.existsSync(path.join(projectRoot, file)), false, 'nothing written into the checkout');
  });

  it('opens the editor without first-run prompts: no update-notification question, no welcome tour', async function () {
    const res = await fetch(`http://127.0.0.1:${port}/settings`, { headers: { Accept: 'application/json' } });
    const settings = await res.json();
    assert.equal(settings.telemetryEnabled, false);
    assert.equal(settings.editorTheme?.tours, false);
  });

  it("prints the practice Genea's base URL and key, and the demo's genea-api uses them, the key as a credential", async function () {
    const baseUrl = `http://127.0.0.1:${practicePort}`;
    assert.match(output, /Door control without a Genea account: the practice Genea \(12 doors, 2 locations\)/);
    assert.match(output, new RegExp(`Base URL: +${baseUrl}\n`));
    const key = /API key: +(practice-[0-9a-f]{32}) +\(generated/.exec(output)?.[1];
    assert.ok(key, output);
    const verify = await fetch(`${baseUrl}/v2/api_key/verify`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ api_key: key }),
    });
    assert.equal(verify.status, 200);
    const flows = fs.readFileSync(path.join(userDir, 'flows.json'), 'utf8');
    const api = JSON.parse(flows).find((node) => node.type === 'genea-api');
    assert.equal(api.baseUrl, baseUrl);
    assert.ok(!flows.includes(key), 'the key is not in flows.json');
    const doorNodes = JSON.parse(flows).filter((node) => node.type === 'genea-door');
    assert.deepEqual(doorNodes.map((node) => node.action).sort(), ['list', 'lock', 'lock', 'quick_unlock', 'unlock']);
    assert.ok(doorNodes.every((node) => node.api === api.id));
  });

  it("sends a door command from the demo tab to the practice Genea, whose signed door event the demo's receiver accepts", async function () {
    const baseUrl = `http://127.0.0.1:${practicePort}`;
    const key = /API key: +(practice-[0-9a-f]{32})/.exec(output)[1];
    const auth = { Authorization: `Bearer ${key}` };
    const customer = (
      await (
        await fetch(`${baseUrl}/v2/api_key/verify`, {
          method: 'POST',
          headers: { ...auth, 'Content-Type': 'application/json' },
          body: JSON.stringify({ api_key: key }),
        })
      ).json()
    ).data.customer_uuid;
    const mainEntrance = async () =>
      (
        await (await fetch(`${baseUrl}/v2/customer/${customer}/door?page_size=100`, { headers: auth })).json()
      ).data.find((door) => door.name === 'Main Entrance');
    assert.equal((await mainEntrance()).is_locked, true);

    // The demo tab's "unlock Main Entrance" button, pressed as the editor presses it.
    const press = await fetch(`http://127.0.0.1:${port}/inject/genea-demo-unlock-button`, { method: 'POST' });
    assert.equal(press.status, 200);
    const deadline = Date.now() + 15_000;
    const line = /practice Genea: door event SEQUR_DOOR_ACCESS_MODE_UNLOCKED \(Main Entrance\) → (\d+) (.*)\n/;
    while (!line.test(output)) {
      assert.ok(Date.now() < deadline, `no door event came back:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.deepEqual(line.exec(output).slice(1), ['200', 'Accepted']);
    assert.equal((await mainEntrance()).is_locked, false, 'the command reached the practice Genea');
    // The receiver took it as Genea's: signed with the demo's secret, classified as a remote mode change.
    const deliveries = await (
      await fetch(`http://127.0.0.1:${port}/genea-webhook-in/genea-demo-receiver/deliveries`, {
        headers: { Accept: 'application/json' },
      })
    ).json();
    const accepted = deliveries.find((delivery) => delivery.action === 'SEQUR_DOOR_ACCESS_MODE_UNLOCKED');
    assert.ok(accepted, JSON.stringify(deliveries));
    assert.equal(accepted.status, 200);
    assert.equal(accepted.type, 'door.mode_changed');
  });

  it("keeps every practice door's live state: the status counts them, a lock shows as a change", async function () {
    const WebSocket = require(require.resolve('ws', { paths: [nodeRedDir] }));
    const socket = new WebSocket(`ws://127.0.0.1:${port}/comms`);
    const messages = [];
    socket.on('message', (data) => messages.push(...[].concat(JSON.parse(String(data)))));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    try {
      socket.send(JSON.stringify({ subscribe: 'status/#' }));
      socket.send(JSON.stringify({ subscribe: 'debug' }));
      const until = async (what, found) => {
        const deadline = Date.now() + 15_000;
        for (;;) {
          const hit = messages.find(found);
          if (hit) return hit;
          assert.ok(Date.now() < deadline, `${what}: ${JSON.stringify(messages).slice(0, 2000)}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      };
      const status = await until(
        'the genea-doors status',
        (m) => m.topic === 'status/genea-demo-door-state' && /^12 doors/.test(m.data.text ?? ''),
      );
      assert.match(status.data.text, /· \d+ unlocked/, 'Main Entrance was unlocked by the test before');
      // The demo's "lock Main Entrance" button: the practice Genea reports the lock as a door event.
      const press = await fetch(`http://127.0.0.1:${port}/inject/genea-demo-lock-button`, { method: 'POST' });
      assert.equal(press.status, 200);
      const change = await until(
        'a change message of Main Entrance',
        (m) => m.topic === 'debug' && m.data.name === 'door states' && /"name":"Main Entrance"/.test(m.data.msg),
      );
      assert.equal(JSON.parse(change.data.msg).locked, true);
    } finally {
      socket.close();
    }
  });

  it('locks a door reported forced open through the practice Genea, which reports the lock back', async function () {
    const secret = /Secret: +([0-9a-f]{40})/.exec(output)[1];
    // The sender's --door derives the door's uuid from its name, as the practice Genea does: its unlocked lobby.
    const run = await new Promise((resolve) =>
      execFile(
        process.execPath,
        [
          'nodes/cli/genea-webhook-send.js',
          '--url',
          `http://127.0.0.1:${port}/genea`,
          '--secret',
          secret,
          '--event',
          'door.forced_open',
          '--door',
          'Lobby',
        ],
        { cwd: projectRoot },
        (error, stdout, stderr) => resolve({ code: error ? error.code : 0, stdout, stderr }),
      ),
    );
    assert.equal(run.code, 0, run.stderr);
    const line = /practice Genea: door event SEQUR_DOOR_ACCESS_MODE_CARD_ONLY \(Lobby\) → (\d+) (.*)\n/;
    const deadline = Date.now() + 15_000;
    while (!line.test(output)) {
      assert.ok(Date.now() < deadline, `the lobby was not locked:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.deepEqual(line.exec(output).slice(1), ['200', 'Accepted']);
  });

  it('stops on SIGINT, Node-RED with it', async function () {
    process.kill(child.pid, 'SIGINT');
    const { code } = await child.exited;
    assert.equal(code, 0, output);
    assert.equal(processGroupAlive(child.pid), false, 'no process of the demo is left');
    assert.equal(await connects(port), false, 'the port is free again');
    assert.equal(await connects(practicePort), false, "the practice Genea's port is free again");
  });
});

describe('npm start on a busy port', function () {
  this.timeout(30_000);

  /** `npm start` with these variables; resolves with its exit code and output. */
  function npmStart(env) {
    return new Promise((resolve) => {
      const child = spawn(npmCommand(), [...npmArgs(), 'start'], {
        cwd: projectRoot,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Were the port not checked, it would build and start: stop it rather than leave it running.
        timeout: 25_000,
      });
      let text = '';
      for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk) => (text += chunk));
      child.on('close', (code) => resolve({ code, text }));
    });
  }

  it("says so at once, before building anything, for Node-RED's port and for the practice Genea's", async function () {
    const blocker = net.createServer();
    await new Promise((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busy = blocker.address().port;
    // The build starts by deleting nodes/: the same file afterwards shows that nothing was built.
    const before = fs.statSync(path.join(projectRoot, 'nodes', 'lib', 'index.js'));
    try {
      const onNodeRed = await npmStart({ PORT: String(busy), GENEA_PRACTICE_PORT: String(await freePort()) });
      assert.notEqual(onNodeRed.code, 0);
      assert.match(
        onNodeRed.text,
        new RegExp(`npm start: port ${busy} is in use; choose another with PORT=<port> npm start`),
      );
      const onPractice = await npmStart({ PORT: String(await freePort()), GENEA_PRACTICE_PORT: String(busy) });
      assert.notEqual(onPractice.code, 0);
      assert.match(
        onPractice.text,
        new RegExp(`npm start: port ${busy} is in use; choose another with GENEA_PRACTICE_PORT=<port> npm start`),
      );
      for (const run of [onNodeRed, onPractice]) assert.doesNotMatch(run.text, /scripts\/build\.js/);
    } finally {
      blocker.close();
    }
    const after = fs.statSync(path.join(projectRoot, 'nodes', 'lib', 'index.js'));
    assert.deepEqual([after.ino, after.mtimeMs], [before.ino, before.mtimeMs], 'nodes/ was not rebuilt');
  });
});
