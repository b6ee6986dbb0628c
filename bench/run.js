#!/usr/bin/env node
'use strict';
// `npm run bench`: signed Genea deliveries per second, in one run on this machine, against
//   A. genea-webhook-in in a real Node-RED with default settings → genea-access-granted → counting sink;
//   B. the same Node-RED: core http in (raw body) → function verifying the HMAC → counting sink, http response;
//   C. a bare Node http server doing the same verification (the ceiling);
//   D. the same Node-RED: core http in (raw body) → http response, nothing else (the platform's floor);
//   R. A with its duplicate window in Redis (a genea-redis config node on a local redis-server).
// Then A's cost against body size and A's memory with its duplicate window full. Prints Markdown tables.
// The load generator (autocannon) runs in this process, each server in its own child process. It never
// fails on a number; it fails only if a server cannot be started or answers nothing but errors.
// Options (flag or BENCH_<NAME> environment variable): see OPTIONS below.
const os = require('node:os');
const path = require('node:path');
const autocannon = require('autocannon');
const { signedEvents } = require('./events');
const { receiverFlow, sharedReceiverFlow, coreFlow, floorFlow } = require('./flows');
const { RedisServer } = require('../test/support/redis-server');
const servers = require('./servers');
const { nodeRedVersion } = require('../test/support/node-red-path');

const OPTIONS = {
  duration: { value: 6, help: 'seconds of load per measured point' },
  warmup: { value: 2, help: 'seconds of unmeasured load per server before its first point' },
  connections: { value: '1,20,100', help: 'concurrencies for the A/B/C/D/R comparison' },
  rounds: {
    value: 1,
    help: 'interleaved rounds per concurrency (C, B, D, R, A in each); figures pool the rounds, ratios show their range',
  },
  sizes: { value: '0,10240,102400,1048576', help: 'body sizes (bytes) for A; 0 is a plain event (~1.2 KB)' },
  sizeConnections: { value: 4, help: 'concurrency for the body-size series' },
  sizeDuration: { value: 5, help: 'seconds per body size' },
  windowEvents: { value: 150000, help: 'distinct events A has accepted when its memory is last measured' },
  profile: { value: '', help: 'directory for --cpu-prof profiles of Node-RED A, D and R (off when empty)' },
  maxMinutes: { value: 8, help: 'hard limit for the whole run' },
};

function parseOptions(argv) {
  const options = {};
  for (const [name, { value }] of Object.entries(OPTIONS)) {
    const envName = `BENCH_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
    options[name] = process.env[envName] ?? value;
  }
  for (const arg of argv) {
    const match = /^--([a-zA-Z]+)(?:=(.*))?$/.exec(arg);
    if (!match || !(match[1] in OPTIONS)) {
      const lines = Object.entries(OPTIONS).map(([n, o]) => `  --${n}=${o.value}  ${o.help}`);
      console.error(`usage: node bench/run.js [options]\n${lines.join('\n')}`);
      process.exit(arg === '--help' ? 0 : 2);
    }
    options[match[1]] = match[2] ?? 'true';
  }
  const numbers = (list) => String(list).split(',').filter(Boolean).map(Number);
  return {
    ...options,
    duration: Number(options.duration),
    rounds: Math.max(1, Math.floor(Number(options.rounds)) || 1),
    warmup: Number(options.warmup),
    connections: numbers(options.connections),
    sizes: numbers(options.sizes),
    sizeConnections: Number(options.sizeConnections),
    sizeDuration: Number(options.sizeDuration),
    windowEvents: Number(options.windowEvents),
    maxMinutes: Number(options.maxMinutes),
    profile: options.profile ? path.resolve(options.profile) : '',
  };
}

const SECRET = 'bench-secret-5b7e0c1d9a';
/** MemoryClaimStore's default maxEntries (src/lib/claim-store.ts). */
const WINDOW_BOUND = 100_000;
const PATHS = { A: '/genea', B: '/genea', C: '/genea', D: '/genea', R: '/genea' };

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Drives `server` with signed deliveries from `source` for `duration` seconds (or `amount` requests) and
 * measures what the bench reports: 2xx per second, latency percentiles (from autocannon's own per-response
 * timings, at sub-millisecond resolution), the server's peak RSS and CPU time per request.
 */
async function drive(server, source, { connections, duration, amount }) {
  const before = await servers.acceptedCount(server);
  const rss = servers.sampleRss(server.pid);
  const cpuBefore = servers.cpuMs(server.pid);
  const latencies = [];
  const statuses = {};
  const started = process.hrtime.bigint();
  const clientCpu = process.cpuUsage();
  const result = await new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${server.port}`,
        connections,
        ...(amount ? { amount } : { duration }),
        timeout: 30,
        requests: [
          {
            method: 'POST',
            path: PATHS[server.name],
            setupRequest(request) {
              const { body, signature } = source.next();
              request.body = body;
              request.headers = { 'Content-Type': 'application/json', 'X-Sequr-Signature': signature };
              return request;
            },
          },
        ],
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      statuses[statusCode] = (statusCode in statuses ? statuses[statusCode] : 0) + 1;
      if (statusCode === 200) latencies.push(responseTime);
    });
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const { user, system } = process.cpuUsage(clientCpu);
  const cpuAfter = servers.cpuMs(server.pid);
  const peakRss = rss.stop();
  const ok = statuses[200] ?? 0;
  if (ok === 0) throw new Error(`${server.name}: no request accepted (${JSON.stringify(statuses)}): ${server.log()}`);
  // The receiver answers before its flow runs: give the sink a moment to catch up before comparing counts.
  // D has no sink: every 200 is all it does.
  let emitted = before === null ? ok : 0;
  for (let i = 0; i < 40 && emitted < ok; i++) {
    emitted = (await servers.acceptedCount(server)) - before;
    if (emitted < ok) await servers.sleep(50);
  }
  latencies.sort((a, b) => a - b);
  const serverCpuMs = cpuBefore === null ? null : cpuAfter - cpuBefore;
  return {
    connections,
    requests: ok,
    seconds,
    rps: ok / seconds,
    latencies,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    peakRss,
    serverCpuMs,
    cpuPerRequestUs: serverCpuMs === null ? null : (serverCpuMs * 1000) / ok,
    clientCpuMs: (user + system) / 1000,
    /** Share of one core the load generator (this process) used: near 100 % it, not the server, set the pace. */
    clientCpuPercent: (user + system) / 1e4 / seconds,
    failures: result.errors + result.timeouts + (result.non2xx ?? 0),
    statuses,
    emitted,
  };
}

/** One server's rounds at one concurrency as one result: requests, time and CPU summed, latencies merged. */
function pooled(rounds) {
  if (rounds.length === 1) return { ...rounds[0], check: checked(rounds[0]) };
  const sum = (key) => rounds.reduce((total, round) => total + round[key], 0);
  const requests = sum('requests');
  const seconds = sum('seconds');
  const latencies = rounds.flatMap((round) => round.latencies).sort((x, y) => x - y);
  const serverCpuMs = rounds.some((round) => round.serverCpuMs === null) ? null : sum('serverCpuMs');
  const problems = rounds.map(checked).filter((check) => check !== 'ok');
  return {
    connections: rounds[0].connections,
    requests,
    seconds,
    rps: requests / seconds,
    latencies,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    peakRss: Math.max(...rounds.map((round) => round.peakRss ?? 0)),
    serverCpuMs,
    cpuPerRequestUs: serverCpuMs === null ? null : (serverCpuMs * 1000) / requests,
    clientCpuPercent: sum('clientCpuMs') / 10 / seconds,
    check: problems.length === 0 ? 'ok' : problems.join('; '),
  };
}

const fmt = {
  n: (value, digits = 0) => (value === null || Number.isNaN(value) ? 'n/a' : value.toFixed(digits)),
  mib: (bytes) => (bytes === null ? 'n/a' : (bytes / 1048576).toFixed(0)),
  size: (bytes) =>
    bytes >= 1048576 ? `${bytes / 1048576} MiB` : bytes >= 1024 ? `${+(bytes / 1024).toFixed(1)} KiB` : `${bytes} B`,
};

function table(header, rows) {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

function checked(result) {
  const problems = [];
  if (result.failures > 0) problems.push(`${result.failures} not 200: ${JSON.stringify(result.statuses)}`);
  // Requests still in flight when the load stops are processed but not counted by autocannon.
  const inFlight = result.emitted - result.requests;
  if (inFlight < 0 || inFlight > result.connections) {
    problems.push(`sink counted ${result.emitted} of ${result.requests}`);
  }
  return problems.length ? problems.join('; ') : 'ok';
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  setTimeout(() => {
    console.error(`bench: still running after ${options.maxMinutes} minutes, stopping`);
    process.exit(1);
  }, options.maxMinutes * 60_000).unref();
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      console.error(`bench: ${signal}, stopping servers`);
      process.exit(130);
    });
  }

  const env = { GENEA_SECRET: SECRET };
  const profileDir = (name) => (options.profile ? path.join(options.profile, name) : undefined);
  console.error('bench: starting A (Node-RED + genea-webhook-in), B (Node-RED + core http in), C (bare node http)');
  console.error('bench: and D (Node-RED, core http in → http response), R (A with Redis, on a local redis-server)');
  const redis = await RedisServer.start();
  const [a, b, c, d, r] = await Promise.all([
    servers.startNodeRed('A', {
      flow: receiverFlow(SECRET, PATHS.A),
      readyPath: PATHS.A,
      env,
      cpuProfDir: profileDir('A'),
    }),
    servers.startNodeRed('B', { flow: coreFlow(PATHS.B), readyPath: PATHS.B, env }),
    servers.startBareServer('C', { env }),
    servers.startNodeRed('D', {
      flow: floorFlow(PATHS.D),
      readyPath: PATHS.D,
      readyStatus: 200,
      env,
      cpuProfDir: profileDir('D'),
    }),
    servers.startNodeRed('R', {
      flow: sharedReceiverFlow(SECRET, PATHS.R, redis),
      readyPath: PATHS.R,
      env,
      cpuProfDir: profileDir('R'),
    }),
  ]);
  const all = [a, b, c, d, r];
  const baselineHeap = await servers.heapUsedAfterGc(a);
  const baselineRss = servers.rssBytes(a.pid);
  const plainEvents = signedEvents(SECRET);
  let acceptedByA = 0;
  const track = (server, result) => {
    if (server === a) acceptedByA += result.requests;
    return result;
  };

  const cpu = os.cpus();
  console.log(`# Genea webhook bench, ${new Date().toISOString()}\n`);
  console.log(
    `Node ${process.version}, Node-RED ${nodeRedVersion}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ` +
      `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB. Plain event ${plainEvents.bodyBytes} bytes, unique uuid per request.\n` +
      `Options: ${JSON.stringify(options)}\n`,
  );

  const loadStartedAt = Date.now();
  for (const server of all) {
    console.error(`bench: warming up ${server.name} for ${options.warmup} s`);
    track(server, await drive(server, plainEvents, { connections: 20, duration: options.warmup }));
  }

  // Interleaved (C, B, D, R, A at each concurrency) so that a noisy neighbour hits all alike.
  const rows = [];
  const ratios = [];
  for (const connections of options.connections) {
    const rounds = [];
    for (let round = 1; round <= options.rounds; round++) {
      const results = {};
      for (const server of [c, b, d, r, a]) {
        const of = options.rounds > 1 ? ` (round ${round} of ${options.rounds})` : '';
        console.error(`bench: ${server.name} at ${connections} connections for ${options.duration} s${of}`);
        results[server.name] = track(
          server,
          await drive(server, plainEvents, { connections, duration: options.duration }),
        );
      }
      rounds.push(results);
    }
    const results = Object.fromEntries(
      ['A', 'R', 'B', 'C', 'D'].map((name) => [name, pooled(rounds.map((round) => round[name]))]),
    );
    for (const [name, r] of Object.entries(results)) {
      rows.push([
        connections,
        name,
        fmt.n(r.rps),
        fmt.n(r.p50, 2),
        fmt.n(r.p99, 2),
        fmt.n(r.cpuPerRequestUs),
        fmt.mib(r.peakRss),
        fmt.n(r.clientCpuPercent),
        r.check,
      ]);
    }
    // X/Y by CPU is Y's CPU per request over X's: 1 when X costs what Y does, below 1 when X costs more. With
    // several rounds: the pooled ratio, then the lowest and highest of the rounds' own.
    const ratio = (set, x, y) => set[y].cpuPerRequestUs / set[x].cpuPerRequestUs;
    const byCpu = (x, y) => {
      const overall = fmt.n(ratio(results, x, y), 2);
      if (rounds.length === 1) return overall;
      const each = rounds.map((round) => ratio(round, x, y));
      return `${overall} (${fmt.n(Math.min(...each), 2)}–${fmt.n(Math.max(...each), 2)})`;
    };
    ratios.push([
      connections,
      fmt.n(results.A.rps / results.B.rps, 2),
      fmt.n(results.A.rps / results.C.rps, 2),
      byCpu('A', 'B'),
      byCpu('A', 'C'),
      byCpu('A', 'D'),
      byCpu('R', 'D'),
      byCpu('R', 'A'),
      fmt.n(results.A.p99, 2),
      fmt.n(results.R.p99, 2),
    ]);
  }
  console.log('## Throughput (plain events)\n');
  console.log(
    table(
      [
        'connections',
        'server',
        'req/s',
        'p50 ms',
        'p99 ms',
        'server CPU µs/req',
        'peak RSS MiB',
        'client CPU %',
        'check',
      ],
      rows,
    ),
  );
  console.log();
  // Ratios by server CPU per request: the work each server does per delivery, less sensitive to a noisy
  // machine and to the load generator's own ceiling than requests per second.
  console.log(
    table(
      [
        'connections',
        'A/B req/s',
        'A/C req/s',
        'A/B by CPU/req',
        'A/C by CPU/req',
        'A/D by CPU/req',
        'R/D by CPU/req',
        'R/A by CPU/req',
        'A p99 ms',
        'R p99 ms',
      ],
      ratios,
    ),
  );
  console.log();

  const sizeRows = [];
  let previous = null;
  for (const size of options.sizes) {
    const source = signedEvents(SECRET, { size });
    console.error(`bench: A with ${source.bodyBytes}-byte bodies for ${options.sizeDuration} s`);
    const r = track(
      a,
      await drive(a, source, { connections: options.sizeConnections, duration: options.sizeDuration }),
    );
    const nsPerByte = r.cpuPerRequestUs === null ? null : (r.cpuPerRequestUs * 1000) / source.bodyBytes;
    // What each further byte costs, from the previous size to this one: flat when the cost is linear.
    const marginal =
      previous && r.cpuPerRequestUs !== null
        ? ((r.cpuPerRequestUs - previous.cpuPerRequestUs) * 1000) / (source.bodyBytes - previous.bytes)
        : null;
    previous = { bytes: source.bodyBytes, cpuPerRequestUs: r.cpuPerRequestUs };
    sizeRows.push([
      fmt.size(source.bodyBytes),
      fmt.n(r.rps),
      fmt.n(r.p50, 2),
      fmt.n(r.p99, 2),
      fmt.n(r.cpuPerRequestUs),
      fmt.n(nsPerByte, 2),
      fmt.n(marginal, 2),
      fmt.n((r.rps * source.bodyBytes) / 1048576, 1),
      fmt.mib(r.peakRss),
      checked(r),
    ]);
  }
  console.log(`## A: cost against body size (${options.sizeConnections} connections)\n`);
  console.log(
    table(
      [
        'body',
        'req/s',
        'p50 ms',
        'p99 ms',
        'server CPU µs/req',
        'server CPU ns/byte',
        'marginal ns/byte',
        'MiB/s',
        'peak RSS MiB',
        'check',
      ],
      sizeRows,
    ),
  );
  console.log();

  const memoryRow = async () => {
    const heap = await servers.heapUsedAfterGc(a);
    const perEvent = acceptedByA > 0 ? (heap - baselineHeap) / Math.min(acceptedByA, WINDOW_BOUND) : null;
    return [acceptedByA, fmt.mib(heap), fmt.n(perEvent), fmt.mib(servers.rssBytes(a.pid))];
  };
  const windowRows = [[0, fmt.mib(baselineHeap), '', fmt.mib(baselineRss)], await memoryRow()];
  const step = 25_000;
  while (acceptedByA < options.windowEvents) {
    const amount = Math.min(step - (acceptedByA % step), options.windowEvents - acceptedByA);
    console.error(`bench: A accepted ${acceptedByA} distinct events, sending ${amount} more`);
    const r = track(a, await drive(a, plainEvents, { connections: 20, amount }));
    if (r.requests !== amount) console.error(`bench: ${amount - r.requests} of those were not accepted: ${checked(r)}`);
    windowRows.push(await memoryRow());
  }
  console.log(`## A: memory as its duplicate window fills (window bound ${WINDOW_BOUND} events)\n`);
  console.log(
    table(['distinct events accepted', 'heap after GC MiB', 'heap bytes per remembered event', 'RSS MiB'], windowRows),
  );
  console.log();

  console.error('bench: stopping servers');
  await Promise.all(all.map(servers.stop));
  await redis.stop();
  if (options.profile) {
    for (const server of [a, d, r]) {
      const skip = Math.floor((loadStartedAt - server.startedAt) / 1000);
      console.error(
        `bench: CPU profile of ${server.name} in ${profileDir(server.name)}; load began ${skip} s after it started.`,
      );
      console.error(`  node bench/profile-summary.js ${profileDir(server.name)}/<file>.cpuprofile 30 ${skip}`);
    }
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`bench failed: ${err.stack ?? err}`);
    process.exit(1);
  },
);
