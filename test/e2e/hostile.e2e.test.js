'use strict';
// Hostile HTTP against the packed package in a real Node-RED process: thousands of malformed requests over
// raw sockets, stalled and vanishing clients. Each must be answered with the right status or closed within
// a bounded time, emit nothing, leave Node-RED serving, and leave memory where it was.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { NodeRedProcess } = require('../support/red-process');
const { Collector } = require('../support/collector');
const { rawExchange, requestHead, pool } = require('../support/raw-http');
const { writeSection, table } = require('../support/reliability-report');
const events = require('../fixtures/events');

const SECRET = 'hostile-genea-secret-b41e';
const MAX_BODY_KIB = 64;
/** How many of each kind of fault; sized so the whole file stays well under a minute on two cores. */
const COUNTS = {
  randomBytes: 300,
  randomBody: 500,
  truncatedJson: 300,
  signatureHeader: 480,
  contentLength: 280,
  hangUp: 300,
  stalledBody: 40,
  dripChunked: 20,
  endlessChunked: 20,
  stalledHeaders: 60,
  deliveriesDuringStalls: 50,
};
const CONCURRENCY = 24;
/**
 * How long a client waits for the server to answer or close: Node's http server times out an unfinished request
 * head after headersTimeout (60 s), checked every connectionsCheckingInterval (30 s), so up to 90 s.
 */
const STALLED_HEAD_WAIT_MS = 120_000;
/** Heap after GC may grow by this much over the baseline (V8 keeps some compiled code and pools). */
const HEAP_TOLERANCE_BYTES = 8 * 1024 * 1024;

const sign = (body, secret = SECRET) => `sha1=${crypto.createHmac('sha1', secret).update(body).digest('hex')}`;
let serial = 0;
const eventBody = (tag) => Buffer.from(JSON.stringify({ ...events.granted, uuid: `hostile-${tag}-${++serial}` }));
const randomBytes = (max) => crypto.randomBytes(1 + crypto.randomInt(max));
const pick = (items) => items[crypto.randomInt(items.length)];

/** A POST to /genea with `headers` (pairs, written as given) and `body`. */
function post(headers, body) {
  return [requestHead('POST', '/genea', headers), body];
}
const json = ['Content-Type', 'application/json'];
const length = (body) => ['Content-Length', String(body.length)];

describe('genea-webhook-in under hostile HTTP (real Node-RED, raw sockets)', function () {
  this.timeout(240_000);
  let red;
  let collector;
  const figures = [];
  let validSent = 0;
  /** The longest any fault waited for the server's answer or close. */
  let slowestMs = 0;

  /** A status when the server answered, else what happened to the connection (see rawExchange). */
  const outcomeOf = (result) => (result.outcome === 'answered' ? result.status : result.outcome);

  /** Records the outcomes of one kind of fault; every outcome must be one of `expected` (a status, or an outcome). */
  function record(kind, expected, results) {
    const seen = {};
    for (const result of results) {
      const outcome = outcomeOf(result);
      seen[outcome] = (seen[outcome] ?? 0) + 1;
    }
    const slowest = Math.max(...results.map((result) => result.elapsedMs));
    slowestMs = Math.max(slowestMs, slowest);
    figures.push([
      kind,
      results.length,
      Object.entries(seen)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', '),
      `${(slowest / 1000).toFixed(1)} s`,
    ]);
    for (const outcome of Object.keys(seen)) {
      assert.ok(
        expected.includes(/^\d+$/.test(outcome) ? Number(outcome) : outcome),
        `${kind}: ${JSON.stringify(seen)}`,
      );
    }
  }

  /** Runs one kind of fault, `concurrency` at a time, and records its outcomes. */
  async function inject(kind, expected, jobs, concurrency = CONCURRENCY) {
    record(kind, expected, await pool(jobs, concurrency));
  }

  /** A correctly signed delivery over a raw socket; must be answered 200. */
  async function deliverValid(tag) {
    const body = eventBody(tag);
    validSent++;
    return rawExchange(red.port, post([json, length(body), ['X-Sequr-Signature', sign(body)]], body));
  }

  before(async function () {
    collector = await Collector.start();
    red = await NodeRedProcess.start({ memoryProbe: true });
    await red.deploy([
      { id: 'tab', type: 'tab', label: 'Genea' },
      { id: 'cfg', type: 'genea-config', name: 'Genea', credentials: { secret: SECRET } },
      {
        id: 'rx',
        type: 'genea-webhook-in',
        z: 'tab',
        config: 'cfg',
        url: '/genea',
        maxBodyKiB: MAX_BODY_KIB,
        wires: [['events'], []],
      },
      ...collector.sinkNodes('events', '/events', 'tab'),
    ]);
  });
  after(async function () {
    await red?.dispose();
    await collector?.close();
  });

  it('answers every malformed request precisely or closes it, emits nothing, and keeps memory flat', async function () {
    // Warm up every code path once, so the baseline includes what a first request compiles and caches.
    for (let i = 0; i < 20; i++) {
      assert.equal((await deliverValid('warm-up')).status, 200);
      await rawExchange(red.port, post([json, length(Buffer.from('{}'))], Buffer.from('{}')));
    }
    await collector.waitFor('/events', validSent);
    const baseline = await red.memoryUsage();

    // Request heads that never finish, held open by the client from here on while the other faults run: the
    // server must answer or close each of them on its own.
    const stalledHeaders = Array.from({ length: COUNTS.stalledHeaders }, () =>
      rawExchange(red.port, ['POST /genea HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: app'], {
        timeoutMs: STALLED_HEAD_WAIT_MS,
      }),
    );

    await inject(
      'random bytes instead of HTTP',
      [400, 'closed'],
      Array.from(
        { length: COUNTS.randomBytes },
        () => () => rawExchange(red.port, [randomBytes(2048)], { halfClose: true }),
      ),
    );

    await inject(
      'random body, random or missing signature',
      [401],
      Array.from({ length: COUNTS.randomBody }, () => () => {
        const body = randomBytes(4096);
        const signature = pick([null, sign(body, 'not-the-secret'), `sha1=${crypto.randomBytes(20).toString('hex')}`]);
        const headers = [json, length(body)];
        if (signature) headers.push(['X-Sequr-Signature', signature]);
        return rawExchange(red.port, post(headers, body));
      }),
    );

    await inject(
      'truncated JSON, signed over the bytes sent',
      [400],
      Array.from({ length: COUNTS.truncatedJson }, () => () => {
        const full = eventBody('truncated');
        const body = full.subarray(0, crypto.randomInt(full.length - 1));
        return rawExchange(red.port, post([json, length(body), ['X-Sequr-Signature', sign(body)]], body));
      }),
    );

    const signatureVariants = [
      ['missing', [401], () => []],
      ['made with another secret', [401], (body) => [['X-Sequr-Signature', sign(body, 'other')]]],
      [
        'duplicated, both right',
        [401],
        (body) => [
          ['X-Sequr-Signature', sign(body)],
          ['X-Sequr-Signature', sign(body)],
        ],
      ],
      [
        'duplicated, one wrong',
        [401],
        (body) => [
          ['X-Sequr-Signature', sign(body, 'x')],
          ['X-Sequr-Signature', sign(body)],
        ],
      ],
      ['oversized (20 KB)', [431], () => [['X-Sequr-Signature', `sha1=${'a'.repeat(20_000)}`]]],
      [
        'non-ASCII bytes',
        [400, 401],
        (body) => [['X-Sequr-Signature', Buffer.concat([Buffer.from(sign(body)), Buffer.from([0xc3, 0xa9, 0xff])])]],
      ],
      ['control characters', [400], (body) => [['X-Sequr-Signature', `${sign(body)}\u0000\u007f`]]],
      ['right HMAC with trailing text', [401], (body) => [['X-Sequr-Signature', `${sign(body)};v=1`]]],
    ];
    for (const [name, expected, headers] of signatureVariants) {
      await inject(
        `signature header ${name}`,
        expected,
        Array.from({ length: COUNTS.signatureHeader / signatureVariants.length }, () => () => {
          const body = eventBody('signature');
          return rawExchange(red.port, post([json, length(body), ...headers(body)], body));
        }),
      );
    }

    const lengthLies = [
      // Node reads the declared bytes, whose signature does not match (401); the rest is not a request, and
      // Node's own 400 for it may be written first.
      [
        'Content-Length shorter than the body',
        [400, 401],
        (body) => [post([json, ['Content-Length', String(body.length - 10)], ['X-Sequr-Signature', sign(body)]], body)],
      ],
      [
        'Content-Length longer than the body, then EOF',
        [400, 'closed'],
        (body) => [
          post([json, ['Content-Length', String(body.length + 100)], ['X-Sequr-Signature', sign(body)]], body),
          { halfClose: true },
        ],
      ],
      [
        'Content-Length over the limit',
        [413],
        (body) => [post([json, ['Content-Length', String(10 * 1024 * 1024)], ['X-Sequr-Signature', sign(body)]], body)],
      ],
      [
        'Content-Length not a number',
        [400],
        (body) => [post([json, ['Content-Length', 'abc'], ['X-Sequr-Signature', sign(body)]], body)],
      ],
      [
        'Content-Length negative',
        [400],
        (body) => [post([json, ['Content-Length', '-5'], ['X-Sequr-Signature', sign(body)]], body)],
      ],
      [
        'two different Content-Lengths',
        [400],
        (body) => [post([json, length(body), ['Content-Length', '3'], ['X-Sequr-Signature', sign(body)]], body)],
      ],
      [
        'Content-Length and chunked together',
        [400],
        (body) => [
          post([json, length(body), ['Transfer-Encoding', 'chunked'], ['X-Sequr-Signature', sign(body)]], body),
        ],
      ],
    ];
    for (const [name, expected, build] of lengthLies) {
      await inject(
        name,
        expected,
        Array.from({ length: COUNTS.contentLength / lengthLies.length }, () => () => {
          const [parts, options] = build(eventBody('length'));
          return rawExchange(red.port, parts, options);
        }),
      );
    }

    // The server waits for the rest of the body, so the client hangs up first: what counts is that it had
    // connected and written (not refused) and was neither answered nor cut off before.
    await inject(
      'client disconnects mid-body',
      ['hung up'],
      Array.from({ length: COUNTS.hangUp }, () => () => {
        const body = eventBody('hang-up');
        const head = requestHead('POST', '/genea', [json, length(body), ['X-Sequr-Signature', sign(body)]]);
        return rawExchange(red.port, [head, body.subarray(0, crypto.randomInt(body.length))], { hangUp: true });
      }),
    );

    // Slow clients, all at once: each waits out the body timeout or the size limit, while real deliveries
    // keep being answered.
    const slow = Promise.all([
      inject(
        'body stalls after a few bytes (lying Content-Length)',
        [408],
        Array.from({ length: COUNTS.stalledBody }, () => () => {
          const body = eventBody('stalled');
          return rawExchange(
            red.port,
            [...post([json, ['Content-Length', String(body.length)]], body.subarray(0, 5))],
            {
              timeoutMs: 25_000,
            },
          );
        }),
        COUNTS.stalledBody,
      ),
      inject(
        'chunked body dripping a byte a second, never ending',
        [408],
        Array.from({ length: COUNTS.dripChunked }, () => () => {
          const drip = Array.from({ length: 25 }, () => [{ pauseMs: 1000 }, '1\r\n{\r\n']).flat();
          return rawExchange(
            red.port,
            [requestHead('POST', '/genea', [json, ['Transfer-Encoding', 'chunked']]), ...drip],
            {
              timeoutMs: 25_000,
            },
          );
        }),
        COUNTS.dripChunked,
      ),
      inject(
        'chunked body never ending, fast',
        // The 413 goes out and the server closes while the client is still writing: TCP may then reset the
        // connection before the client reads the answer, so a close or reset by the server is right too.
        [413, 'closed', 'reset'],
        Array.from({ length: COUNTS.endlessChunked }, () => () => {
          const chunk = `1000\r\n${'x'.repeat(0x1000)}\r\n`;
          const flood = Array.from({ length: 40 }, () => [chunk, { pauseMs: 5 }]).flat();
          return rawExchange(red.port, [
            requestHead('POST', '/genea', [json, ['Transfer-Encoding', 'chunked']]),
            ...flood,
          ]);
        }),
        COUNTS.endlessChunked,
      ),
    ]);
    const duringStalls = await pool(
      Array.from({ length: COUNTS.deliveriesDuringStalls }, () => () => deliverValid('during-stalls')),
      4,
    );
    assert.deepEqual(
      duringStalls.map((r) => r.status),
      duringStalls.map(() => 200),
      'deliveries are answered while slow clients hold connections',
    );
    await slow;
    // Node's own request-head timeout answers 408 and closes; a reset or a plain close is the server's too.
    record(
      'request head never finished (held open by the client)',
      [408, 'closed', 'reset'],
      await Promise.all(stalledHeaders),
    );

    // Still serving, and only the real deliveries became messages: the last delivery, sent after every fault
    // was answered or closed, arrives after anything a fault could have emitted.
    const last = eventBody('after');
    validSent++;
    const lastAnswer = await rawExchange(red.port, post([json, length(last), ['X-Sequr-Signature', sign(last)]], last));
    assert.equal(lastAnswer.status, 200);
    const lastUuid = JSON.parse(last.toString()).uuid;
    let emitted = await collector.waitFor('/events', validSent);
    while (!emitted.some((m) => m.body.payload.uuid === lastUuid)) {
      emitted = await collector.waitFor('/events', emitted.length + 1);
    }
    assert.equal(emitted.length, validSent, 'no malformed request became a message');
    assert.ok(emitted.every((m) => /^hostile-(warm-up|during-stalls|after)-\d+$/.test(m.body.payload.uuid)));

    const after = await red.memoryUsage();
    const mib = (n) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
    const faults = figures.reduce((sum, row) => sum + row[1], 0);
    writeSection('hostile', 'Hostile HTTP (test/e2e/hostile.e2e.test.js)', [
      `${faults} malformed or hostile requests over raw sockets (up to ${CONCURRENCY} at once) against one Node-RED process, ` +
        `receiver limit ${MAX_BODY_KIB} KiB; ${validSent} signed deliveries around and during them, ` +
        `${emitted.length} messages emitted (one per signed delivery, none for the rest). ` +
        `Every request was answered, or closed or reset by the server (none refused, none left open by it); the ` +
        `slowest after ${(slowestMs / 1000).toFixed(1)} s. A client hanging up mid-body is the client's own close.`,
      '',
      ...table(['fault', 'requests', 'outcome', 'slowest'], figures),
      '',
      ...table(
        ['memory (after full GC)', 'before', 'after', 'allowed growth'],
        [
          ['heap used', mib(baseline.heapUsed), mib(after.heapUsed), mib(HEAP_TOLERANCE_BYTES)],
          ['RSS (VmRSS)', mib(baseline.vmRss), mib(after.vmRss), 'reported only'],
        ],
      ),
    ]);
    assert.ok(
      after.heapUsed <= baseline.heapUsed + HEAP_TOLERANCE_BYTES,
      `heap after GC ${mib(after.heapUsed)} vs baseline ${mib(baseline.heapUsed)}`,
    );
  });
});
