#!/usr/bin/env node
// `npm start`, the demo: a local Node-RED from this project's own dependencies with this package loaded from the
// working tree, a user dir inside the project (.node-red/, git-ignored; GENEA_DEMO_USER_DIR for another one), the
// practice Genea (src/practice/) beside it, and the demo tab (scripts/demo-flow.js) deployed over the admin API, so
// that the secret (GENEA_SECRET, or generated) and the practice key (GENEA_PRACTICE_KEY, or generated) are stored as
// credentials, never in flows.json. PORT chooses Node-RED's port (1880), GENEA_PRACTICE_PORT the practice Genea's
// (PORT + 1). Both ports are checked before anything else; `--build` (what `npm start` passes) then builds nodes/.
// Ctrl-C stops it all.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { execFileSync, spawn } = require('node:child_process');
const { demoFlow, DEMO_PATH } = require('./demo-flow');

const root = path.resolve(__dirname, '..');
const userDir = path.resolve(process.env.GENEA_DEMO_USER_DIR || path.join(root, '.node-red'));
const port = Number(process.env.PORT || 1880);
const practicePort = Number(process.env.GENEA_PRACTICE_PORT || port + 1);
const practiceKey = process.env.GENEA_PRACTICE_KEY || `practice-${crypto.randomBytes(16).toString('hex')}`;
/** The door the demo's buttons command. */
const DEMO_DOOR = 'Main Entrance';
const secret = process.env.GENEA_SECRET || crypto.randomBytes(20).toString('hex');
const base = `http://127.0.0.1:${port}`;
const STARTUP_TIMEOUT_MS = 60_000;

function fail(message) {
  console.error(`npm start: ${message}`);
  process.exit(1);
}

function prepareUserDir() {
  fs.mkdirSync(path.join(userDir, 'node_modules', '.bin'), { recursive: true });
  const link = path.join(userDir, 'node_modules', 'node-red-contrib-genea-webhooks');
  if (!fs.existsSync(link)) fs.symlinkSync(root, link, 'dir');
  // The package's commands, as an install would link them: `npx genea-webhook-send` works in the user dir too.
  for (const [command, file] of Object.entries(require('../package.json').bin)) {
    const bin = path.join(userDir, 'node_modules', '.bin', command);
    if (!fs.existsSync(bin)) fs.symlinkSync(path.join('..', 'node-red-contrib-genea-webhooks', file), bin);
  }
  const manifest = path.join(userDir, 'package.json');
  if (!fs.existsSync(manifest)) {
    fs.writeFileSync(manifest, JSON.stringify({ name: 'genea-demo', private: true }, null, 2));
  }
}

/**
 * Refuses a busy port up front, before the build: otherwise the demo would build for seconds, then deploy to
 * whatever already listens there.
 */
function assertPortFree(candidate, variable) {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => fail(`port ${candidate} is in use; choose another with ${variable}=<port> npm start`));
    probe.listen(candidate, '127.0.0.1', () => probe.close(resolve));
  });
}

/** The practice Genea on loopback, sending its door events to the demo's receiver. */
async function startPracticeGenea() {
  const { PracticeGenea, PRACTICE_CUSTOMER, PRACTICE_LOCATIONS, practiceDoors } = require(
    path.join(root, 'nodes', 'practice', 'practice-genea.js'),
  );
  try {
    return await PracticeGenea.start({
      port: practicePort,
      keys: { [practiceKey]: PRACTICE_CUSTOMER },
      doors: practiceDoors(),
      locations: [...PRACTICE_LOCATIONS],
      receiver: { url: `${base}${DEMO_PATH}`, secret },
      onDelivery: ({ event, status, reason }) =>
        console.log(
          `practice Genea: door event ${event.event_action} (${event.door?.name}) → ${status ?? 'not delivered:'} ${reason}`,
        ),
    });
  } catch (err) {
    return fail(`the practice Genea cannot listen on port ${practicePort}: ${err.message}`);
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `url` until it answers 200; gives up after the startup timeout. */
async function waitForAdminApi(url) {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`Node-RED did not start within ${STARTUP_TIMEOUT_MS / 1000} s`);
    await sleep(200);
  }
}

/**
 * Replaces the demo tab (if an earlier start left one), keeps every other flow of the user dir, and resolves once
 * Node-RED's log says the deployed flows started: the admin API answers before they have.
 */
async function deployDemo(log, practice) {
  await waitForAdminApi(`${base}/flows`);
  const door = practice.doors.find((candidate) => candidate.name === DEMO_DOOR);
  const demo = demoFlow(secret, { baseUrl: practice.url, key: practiceKey, door });
  const demoIds = new Set(demo.map((node) => node.id));
  const current = await (await fetch(`${base}/flows`)).json();
  // The demo tab takes the place of the one an earlier start left (tabs show in the order of the flows).
  const at = current.findIndex((node) => demoIds.has(node.id) || demoIds.has(node.z));
  const kept = current.filter((node) => !demoIds.has(node.id) && !demoIds.has(node.z));
  const keptBefore = at === -1 ? kept.length : current.slice(0, at).filter((node) => kept.includes(node)).length;
  const res = await fetch(`${base}/flows`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
    body: JSON.stringify([...kept.slice(0, keptBefore), ...demo, ...kept.slice(keptBefore)]),
  });
  if (!res.ok) throw new Error(`deploying the demo flow answered ${res.status} ${await res.text()}`);
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    const afterDeploy = log.text.split('Updated flows')[1] ?? '';
    if (afterDeploy.includes('Started flows')) return;
    if (afterDeploy.includes('Waiting for missing types')) throw new Error('node types of the demo are missing');
    if (Date.now() > deadline) throw new Error(`the demo flow did not start within ${STARTUP_TIMEOUT_MS / 1000} s`);
    await sleep(50);
  }
}

function shellQuote(text) {
  return /^[\w.-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

function printBanner(practice) {
  const url = `${base}${DEMO_PATH}`;
  const sender = path.relative(process.cwd(), path.join(root, 'nodes', 'cli', 'genea-webhook-send.js'));
  const origin = process.env.GENEA_SECRET ? 'from GENEA_SECRET' : 'generated; set GENEA_SECRET to choose one';
  const keyOrigin = process.env.GENEA_PRACTICE_KEY
    ? 'from GENEA_PRACTICE_KEY'
    : 'generated; set GENEA_PRACTICE_KEY to choose one';
  console.log(
    [
      '',
      'Genea webhook demo is running.',
      `  Node-RED editor: ${base}/`,
      `  Webhook URL:     ${url}`,
      `  Secret:          ${secret}   (${origin})`,
      'Send it a signed test event from this directory, then watch the debug sidebar:',
      `  node ${sender} --url ${url} --secret ${shellQuote(secret)} --event access.granted`,
      `  (in ${userDir}: npx genea-webhook-send ...; add --user, --location, --time, ... as in the README)`,
      `Door control without a Genea account: the practice Genea (${practice.doors.length} doors, 2 locations)`,
      `  Base URL:        ${practice.url}`,
      `  API key:         ${practiceKey}   (${keyOrigin})`,
      `  The demo tab's buttons lock, unlock and quick-grant "${DEMO_DOOR}"; its door events come back to ${url}.`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}

async function main() {
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`PORT=${process.env.PORT} is not a port number`);
  if (!Number.isInteger(practicePort) || practicePort < 1 || practicePort > 65535 || practicePort === port) {
    fail(`GENEA_PRACTICE_PORT=${practicePort} is not a port number other than PORT`);
  }
  await assertPortFree(port, 'PORT');
  await assertPortFree(practicePort, 'GENEA_PRACTICE_PORT');
  if (process.argv.includes('--build')) {
    try {
      execFileSync(process.execPath, [path.join(__dirname, 'build.js')], { cwd: root, stdio: 'inherit' });
    } catch {
      fail('the build failed; see above');
    }
  }
  prepareUserDir();
  const practice = await startPracticeGenea();
  const settings = path.join(__dirname, 'demo-settings.js');
  const red = spawn(
    process.execPath,
    [require.resolve('node-red/red.js'), '--userDir', userDir, '--settings', settings, '--port', String(port)],
    // demo-settings.js reads the user dir from here: the examples' output files go there, not into the checkout.
    { stdio: ['inherit', 'pipe', 'pipe'], env: { ...process.env, GENEA_DEMO_USER_DIR: userDir } },
  );
  // Node-RED's output goes on to the terminal; until the demo is deployed it is also read, to see the flows start.
  const log = { text: '', watching: true };
  for (const [from, to] of [
    [red.stdout, process.stdout],
    [red.stderr, process.stderr],
  ]) {
    from.on('data', (chunk) => {
      to.write(chunk);
      if (log.watching) log.text += chunk;
    });
  }
  // Ctrl-C reaches Node-RED directly too; it ignores a repeated signal. A `kill` of this process alone does not:
  // pass it on, once, and leave when Node-RED has stopped.
  let stopping = false;
  let failed = false;
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    red.kill(signal);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  red.on('close', (code) => process.exit(failed ? 1 : (code ?? 0)));

  try {
    await deployDemo(log, practice);
  } catch (err) {
    console.error(`npm start: ${err.message}; see the Node-RED log above.`);
    failed = true;
    stop('SIGTERM');
    return;
  }
  log.watching = false;
  log.text = '';
  if (!stopping) printBanner(practice);
}

main();
