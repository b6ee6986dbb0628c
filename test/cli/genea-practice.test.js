'use strict';
// The genea-practice command as a user runs it: a child process that prints its base URL and key, answers Genea's
// door API there, sends signed door events to --receiver (a Collector, signatures checked with openssl), prints
// each, and stops on Ctrl-C; --help, --version, bad arguments and a busy port.
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { Collector } = require('../support/collector');
const { opensslSignature } = require('../support/openssl');
const { freePort } = require('../support/red-process');

const command = path.resolve(__dirname, '..', '..', 'nodes', 'cli', 'genea-practice.js');
const { version } = require('../../package.json');
const SECRET = 'practice-cli-secret';

/** Starts the command; resolves once it printed `until` (or it exited), with the child and its output so far. */
function startPractice(args, { until = 'Press Ctrl-C to stop.', env = {} } = {}) {
  const environment = { ...process.env, ...env };
  if (!('GENEA_SECRET' in env)) delete environment.GENEA_SECRET;
  const child = spawn(process.execPath, [command, ...args], { env: environment });
  const run = { child, stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (chunk) => (run.stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk) => (run.stderr += chunk));
  run.exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${until}":\n${run.stdout}${run.stderr}`)), 15_000);
    const check = () => {
      if (run.stdout.includes(until)) {
        clearTimeout(timer);
        resolve(run);
      }
    };
    child.stdout.on('data', check);
    run.exited.then(() => {
      clearTimeout(timer);
      resolve(run);
    });
  });
}

async function waitForOutput(run, pattern) {
  const deadline = Date.now() + 10_000;
  while (!pattern.test(run.stdout)) {
    if (Date.now() > deadline) throw new Error(`no ${pattern} in:\n${run.stdout}${run.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('genea-practice', function () {
  this.timeout(30_000);
  let collector;
  const running = [];

  before(async function () {
    collector = await Collector.start({ respond: () => ({ status: 200, text: 'Accepted' }) });
  });
  afterEach(function () {
    for (const run of running.splice(0)) if (run.child.exitCode === null) run.child.kill('SIGKILL');
  });
  after(async function () {
    await collector.close();
  });

  it('prints its base URL and key, serves the doors there, sends signed door events and stops on Ctrl-C', async function () {
    const run = await startPractice([
      '--port',
      '0',
      '--key',
      'my-practice-key',
      '--receiver',
      `${collector.url}/genea`,
      '--secret',
      SECRET,
    ]);
    running.push(run);
    const baseUrl = /Base URL: (http:\/\/127\.0\.0\.1:\d+)\n/.exec(run.stdout)?.[1];
    assert.ok(baseUrl, run.stdout);
    assert.match(run.stdout, /API key: +my-practice-key +\(from --key\)/);
    assert.match(run.stdout, new RegExp(`Door events go to ${collector.url}/genea`));
    assert.match(run.stdout, /Headquarters: Main Entrance, Lobby \(unlocked\), .*Roof Access \(offline\)\n/);
    assert.ok(!run.stdout.includes(SECRET), 'the secret is never printed');

    const auth = { Authorization: 'Bearer my-practice-key' };
    const verify = await fetch(`${baseUrl}/v2/api_key/verify`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ api_key: 'my-practice-key' }),
    });
    const customer = (await verify.json()).data.customer_uuid;
    const doors = (
      await (await fetch(`${baseUrl}/v2/customer/${customer}/door?page_size=100`, { headers: auth })).json()
    ).data;
    assert.equal(doors.length, 12);
    const front = doors.find((d) => d.name === 'Front Door');
    const unlock = await fetch(`${baseUrl}/v2/door/${front.uuid}/unlock`, { method: 'PUT', headers: auth });
    assert.equal(unlock.status, 200);

    const [event] = await collector.waitFor('/genea', 1);
    assert.equal(event.headers['x-sequr-signature'], opensslSignature(event.raw, SECRET));
    assert.equal(event.body.event_action, 'SEQUR_DOOR_ACCESS_MODE_UNLOCKED');
    assert.equal(event.body.door.uuid, front.uuid);
    await waitForOutput(run, /door event SEQUR_DOOR_ACCESS_MODE_UNLOCKED \(Front Door\) → 200 Accepted\n/);

    run.child.kill('SIGINT');
    assert.equal(await run.exited, 0);
    await assert.rejects(fetch(`${baseUrl}/v2/api_key/verify`), 'it no longer listens');
  });

  it('generates a key when none is given, and takes the secret from GENEA_SECRET', async function () {
    collector.reset();
    const run = await startPractice(['--port', '0', '--receiver', `${collector.url}/genea`], {
      env: { GENEA_SECRET: SECRET },
    });
    running.push(run);
    const key = /API key: +(practice-[0-9a-f]{32}) +\(generated/.exec(run.stdout)?.[1];
    assert.ok(key, run.stdout);
    const baseUrl = /Base URL: (\S+)\n/.exec(run.stdout)[1];
    const verify = await fetch(`${baseUrl}/v2/api_key/verify`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ api_key: key }),
    });
    assert.equal(verify.status, 200);
    const customer = (await verify.json()).data.customer_uuid;
    const doors = (
      await (
        await fetch(`${baseUrl}/v2/customer/${customer}/door`, { headers: { Authorization: `Bearer ${key}` } })
      ).json()
    ).data;
    await fetch(`${baseUrl}/v2/door/${doors[0].uuid}/quick_unlock`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${key}` },
    });
    const [event] = await collector.waitFor('/genea', 1);
    assert.equal(event.headers['x-sequr-signature'], opensslSignature(event.raw, SECRET));
  });

  it('without --receiver sends no events and says how to turn them on', async function () {
    const run = await startPractice(['--port', '0']);
    running.push(run);
    assert.match(run.stdout, /Door events: off \(--receiver <url> and --secret/);
  });

  it('--help and --version', async function () {
    const help = await startPractice(['--help'], { until: 'never printed' });
    assert.equal(await help.exited, 0);
    assert.match(help.stdout, /^Usage: genea-practice /);
    assert.match(help.stdout, /--receiver <url>/);
    const shown = await startPractice(['--version'], { until: 'never printed' });
    assert.equal(await shown.exited, 0);
    assert.equal(shown.stdout, `${version}\n`);
  });

  it('refuses bad arguments with exit status 2 and one line saying what is wrong', async function () {
    const cases = [
      [['--port', 'x'], /--port takes a port number from 0 to 65535, not x/],
      [['--port', '70000'], /--port takes a port number/],
      [['--key', 'two words'], /--key must be one word/],
      [['--secret', 's'], /--secret signs the events sent to --receiver: give --receiver too/],
      [['--receiver', 'http://127.0.0.1:1880/genea'], /--receiver needs the webhook secret/],
      [['--receiver', 'not a url', '--secret', 's'], /--receiver not a url is not a URL/],
      [['--receiver', 'ftp://host/x', '--secret', 's'], /--receiver must be an http or https URL, not ftp:/],
      [['--colour'], /Unknown option '--colour'/],
    ];
    for (const [args, reason] of cases) {
      const run = await startPractice(args, { until: 'never printed' });
      assert.equal(await run.exited, 2, args.join(' '));
      assert.match(run.stderr, reason);
      assert.match(run.stderr, /Run genea-practice --help for the options\.\n$/);
      assert.equal(run.stdout, '');
    }
  });

  it('says at once when its port is in use, exit status 1', async function () {
    const port = await freePort();
    const blocker = require('node:net').createServer();
    await new Promise((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const run = await startPractice(['--port', String(port)], { until: 'never printed' });
      assert.equal(await run.exited, 1);
      assert.equal(run.stderr, `genea-practice: port ${port} is in use; choose another with --port <port>\n`);
    } finally {
      blocker.close();
    }
  });
});
