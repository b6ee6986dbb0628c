'use strict';
// The server processes under test (a real Node-RED, the bare Node server), how to wait for them, what they
// cost (RSS, CPU time from /proc), and their cleanup: every child and temp dir is registered here and removed
// on any exit of the bench, including errors and Ctrl-C.
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { nodeRedCli } = require('../test/support/node-red-path');

const ROOT = path.resolve(__dirname, '..');
const HOST = '127.0.0.1';
const children = new Set();
const tempDirs = new Set();

/** Kills what is still running and removes the temp dirs; synchronous, so it also works in an 'exit' handler. */
function cleanupNow() {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}
process.on('exit', cleanupNow);

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` (resolving true when ready) until it is ready or `timeoutMs` passes. */
async function waitFor(what, probe, timeoutMs, child) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`${what}: process exited with code ${child.exitCode}`);
    if (await probe().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`${what}: not ready within ${timeoutMs} ms`);
}

function startChild(name, args, env) {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let log = '';
  const keep = (chunk) => {
    log = (log + chunk).slice(-20_000); // the tail, for error reports
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.on('exit', () => children.delete(child));
  return { name, child, pid: child.pid, startedAt: Date.now(), log: () => log };
}

/** Stops a server: SIGINT (Node-RED then stops its flows and writes a --cpu-prof profile), SIGKILL after 10 s. */
async function stop(server) {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function request(port, method, urlPath, { body, headers = {} } = {}) {
  const res = await fetch(`http://${HOST}:${port}${urlPath}`, { method, body, headers });
  return { status: res.status, text: await res.text() };
}

/**
 * A real Node-RED with the settings.js it creates by default (httpAdminRoot = httpNodeRoot = '/'),
 * except that it listens on loopback only, in a fresh user dir where this package is linked into
 * node_modules. `flow` is deployed over the admin API; `readyPath` is polled until it answers an unsigned POST
 * with `readyStatus` (401: the route is mounted and checks signatures; D, which checks nothing, answers 200).
 */
async function startNodeRed(name, { flow, readyPath, readyStatus = 401, env = {}, cpuProfDir }) {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), `genea-bench-${name}-`));
  tempDirs.add(userDir);
  fs.mkdirSync(path.join(userDir, 'node_modules'));
  fs.symlinkSync(ROOT, path.join(userDir, 'node_modules', 'node-red-contrib-genea-webhooks'), 'dir');
  fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: `bench-${name}`, private: true }));
  // The counting sink (Node-RED loads the user dir's nodes/ folder).
  fs.cpSync(path.join(__dirname, 'nodes'), path.join(userDir, 'nodes'), { recursive: true });
  const port = await freePort();
  const nodeArgs = cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : [];
  const server = startChild(
    name,
    [...nodeArgs, nodeRedCli, '--userDir', userDir, '--port', String(port), '-D', `uiHost=${HOST}`],
    env,
  );
  server.port = port;
  try {
    await waitFor(
      `Node-RED ${name}`,
      async () => (await request(port, 'GET', '/flows')).status === 200,
      60_000,
      server.child,
    );
    const deployed = await request(port, 'POST', '/flows', {
      body: JSON.stringify(flow),
      headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
    });
    if (deployed.status !== 200 && deployed.status !== 204) {
      throw new Error(`deploying the ${name} flow: HTTP ${deployed.status} ${deployed.text}`);
    }
    const probe = {
      body: '{}',
      headers: { 'Content-Type': 'application/json', 'X-Sequr-Signature': 'sha1=' + '0'.repeat(40) },
    };
    await waitFor(
      `${name} route ${readyPath}`,
      async () => (await request(port, 'POST', readyPath, probe)).status === readyStatus,
      30_000,
      server.child,
    );
  } catch (err) {
    throw new Error(`${err.message}\n--- Node-RED ${name} output ---\n${server.log()}`, { cause: err });
  }
  return server;
}

/** Configuration C: bench/bare-server.js. */
async function startBareServer(name, { env }) {
  const port = await freePort();
  const server = startChild(name, [path.join(__dirname, 'bare-server.js'), String(port)], env);
  server.port = port;
  await waitFor(`${name} server`, async () => server.log().includes('listening'), 10_000, server.child);
  return server;
}

/** Accepted deliveries counted by the server's sink (GET /bench/count, bench-count.js); null for D, which has none. */
async function acceptedCount(server) {
  if (server.name === 'D') return null;
  return JSON.parse((await request(server.port, 'GET', '/bench/count')).text).count;
}

/** V8 heap in use after a full GC, bytes (configuration A's GET /bench/memory). */
async function heapUsedAfterGc(server) {
  return JSON.parse((await request(server.port, 'GET', '/bench/memory')).text).heapUsed;
}

function readProc(pid, file) {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return null; // not Linux, or the process is gone
  }
}

/** Resident set size now, bytes (null where /proc is not available). */
function rssBytes(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readProc(pid, 'status') ?? '');
  return match ? Number(match[1]) * 1024 : null;
}

/** CPU time used so far (user + system), ms. */
function cpuMs(pid) {
  const stat = readProc(pid, 'stat');
  if (!stat) return null;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime (fields 14 and 15 of /proc/pid/stat) in clock ticks, 100 per second on Linux.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Samples a process's RSS every `intervalMs` until stopped; `stop()` gives the peak. */
function sampleRss(pid, intervalMs = 50) {
  let peak = rssBytes(pid);
  const timer = setInterval(() => {
    const now = rssBytes(pid);
    if (now !== null && (peak === null || now > peak)) peak = now;
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      const now = rssBytes(pid);
      return now !== null && (peak === null || now > peak) ? now : peak;
    },
  };
}

module.exports = {
  heapUsedAfterGc,
  startNodeRed,
  startBareServer,
  stop,
  cleanupNow,
  acceptedCount,
  rssBytes,
  cpuMs,
  sampleRss,
  sleep,
};
