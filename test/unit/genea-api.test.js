'use strict';
// The Genea API client against the loopback stand-in of Genea's API (test/support/genea-api-stand-in.js): base
// URLs, verification, paging, answers and errors, retries (never of a quick grant) and the order per door.
const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const {
  GeneaApiClient,
  GeneaApiError,
  SerialQueue,
  SharedResult,
  checkBaseUrl,
  geneaReason,
  redactKey,
} = require('../../nodes/lib/genea-api');
const { GeneaApiStandIn, door } = require('../support/genea-api-stand-in');
const { selfSignedCertificate } = require('../support/openssl');
const { freePort } = require('../support/red-process');

const KEY = 'unit-test-api-key-9b1f27';
const CUSTOMER = 'customer-1';

/** Runs `test` with the port of `server` listening on loopback; then drops its connections and closes it. */
async function onLoopback(server, test) {
  const sockets = new Set();
  server.on('connection', (socket) => sockets.add(socket));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await test(server.address().port);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}

/**
 * A loopback proxy in front of `target` (the stand-in) that holds Genea's answer to a chosen request until the test
 * releases it, or for good: holds end on events, not on a clock. hold('PUT /v2/door/d1/lock') returns
 * { arrived (a promise: the stand-in has answered it), release() }.
 */
async function holdingProxy(target) {
  const holds = [];
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    const index = holds.findIndex((h) => h.line === `${req.method} ${new URL(req.url, target).pathname}`);
    const hold = index >= 0 ? holds.splice(index, 1)[0] : null;
    const upstream = http.request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
      const chunks = [];
      answer.on('data', (chunk) => chunks.push(chunk));
      answer.on('end', async () => {
        if (hold) {
          hold.arrive();
          await hold.released;
        }
        res.writeHead(answer.statusCode, answer.headers).end(Buffer.concat(chunks));
      });
    });
    req.pipe(upstream);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    hold(line) {
      const hold = { line };
      hold.arrived = new Promise((resolve) => (hold.arrive = resolve));
      hold.released = new Promise((resolve) => (hold.release = resolve));
      holds.push(hold);
      return hold;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The error `promise` rejects with; fails when it resolves. */
async function failure(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('expected a failure');
}

describe('Genea API client', function () {
  let api;
  let client;
  /** A holdingProxy in front of the stand-in, and a client through it with a short timeout (held answers only). */
  let proxy;
  let slow;
  const doors = Array.from({ length: 250 }, (_, i) => door(`d${i + 1}`));

  beforeEach(async function () {
    api = await GeneaApiStandIn.start({
      keys: { [KEY]: CUSTOMER },
      doors: [...doors, door('offline', { is_online: false })],
      locations: [{ uuid: 'location-hq', name: 'Headquarters', timezone: 'America/New_York' }],
    });
    client = new GeneaApiClient({ baseUrl: api.url, apiKey: KEY });
    proxy = await holdingProxy(api.url);
    slow = new GeneaApiClient({ baseUrl: proxy.url, apiKey: KEY, timeoutMs: 100 });
  });
  afterEach(async () => {
    await proxy.close();
    await api.close();
  });

  describe('base URL', function () {
    it('accepts https anywhere and plain http only to loopback hosts', function () {
      assert.deepEqual(checkBaseUrl(''), { url: 'https://api.sequr.io' });
      assert.deepEqual(checkBaseUrl(undefined), { url: 'https://api.sequr.io' });
      assert.deepEqual(checkBaseUrl(' https://proxy.example.com/genea/ '), { url: 'https://proxy.example.com/genea' });
      for (const local of ['http://127.0.0.1:8080', 'http://localhost:3000', 'http://[::1]:1', 'http://127.5.6.7']) {
        assert.ok('url' in checkBaseUrl(local), local);
      }
      for (const remote of ['http://api.sequr.io', 'http://10.0.0.1', 'http://localhost.example.com']) {
        assert.deepEqual(checkBaseUrl(remote), { problem: 'insecure' }, remote);
      }
      for (const bad of ['api.sequr.io', 'ftp://api.sequr.io', 'https://u:p@api.sequr.io', 'https://a.io/?x=1']) {
        assert.deepEqual(checkBaseUrl(bad), { problem: 'invalid' }, bad);
      }
      assert.throws(() => new GeneaApiClient({ baseUrl: 'http://api.sequr.io', apiKey: KEY }), /loopback/);
    });

    it('refuses a bare ? or # (empty query or fragment), which would bend every path after it', async function () {
      for (const bent of [
        'http://127.0.0.1:8080/?',
        'http://127.0.0.1:8080?',
        'https://a.io/#',
        'https://a.io/x?#',
        ' https://a.io/? ',
      ]) {
        assert.deepEqual(checkBaseUrl(bent), { problem: 'invalid' }, bent);
      }
      assert.deepEqual(
        checkBaseUrl('https://a.io/%3F'),
        { url: 'https://a.io/%3F' },
        'an encoded ? is part of the path',
      );
      assert.throws(() => new GeneaApiClient({ baseUrl: `${api.url}/?`, apiKey: KEY }), /invalid base URL/);
      assert.equal(api.requests.length, 0);
    });

    it('keeps a path prefix of the base URL (a proxy)', async function () {
      const prefixed = new GeneaApiClient({ baseUrl: `${api.url}/genea-proxy/`, apiKey: KEY });
      await failure(prefixed.verify());
      assert.deepEqual(
        api.requests.map((r) => r.path),
        ['/genea-proxy/v2/api_key/verify'],
      );
    });
  });

  describe('verify', function () {
    it('POSTs the key as Bearer and as api_key, and keeps the customer for later requests', async function () {
      assert.deepEqual(await client.verify(), { customerUuid: CUSTOMER, message: 'OK' });
      const [request] = api.requests;
      assert.equal(request.method, 'POST');
      assert.equal(request.path, '/v2/api_key/verify');
      assert.equal(request.authorization, `Bearer ${KEY}`);
      assert.equal(request.contentType, 'application/json');
      assert.equal(request.accept, 'application/json');
      assert.deepEqual(request.body, { api_key: KEY });
      await client.listLocations();
      await client.command('d1', 'lock');
      assert.equal(api.count('POST /v2/api_key/verify'), 1);
    });

    it('verifies on first use, once for requests that start together', async function () {
      await Promise.all([client.command('d1', 'lock'), client.command('d2', 'unlock'), client.listLocations()]);
      assert.equal(api.count('POST /v2/api_key/verify'), 1);
      assert.equal(api.requests[0].path, '/v2/api_key/verify');
    });

    it('does not keep a failed verification: the next use verifies again', async function () {
      api.answerNext('POST /v2/api_key/verify', { status: 401, body: { meta: { message: 'Key revoked' } } });
      const err = await failure(client.command('d1', 'lock'));
      assert.equal(err.kind, 'key');
      assert.equal(api.commands('d1').length, 0, 'no command with an unverified key');
      assert.deepEqual(await client.command('d1', 'lock'), { locked: true, message: 'Door locked' });
      assert.equal(api.count('POST /v2/api_key/verify'), 2);
    });

    it('fails on an answer without a customer_uuid, and on one that is not JSON', async function () {
      api.answerNext('POST /v2/api_key/verify', { status: 200, body: { data: {} } });
      let err = await failure(client.verify());
      assert.equal(err.kind, 'bad-answer');
      assert.deepEqual([err.message, err.status, err.reason], ['200 no customer_uuid', 200, 'no customer_uuid']);
      api.answerNext('POST /v2/api_key/verify', { status: 200, body: '<html>maintenance</html>' });
      err = await failure(client.verify());
      assert.deepEqual([err.message, err.reason], ['200 answer is not JSON', 'answer is not JSON']);
    });
  });

  describe('door list', function () {
    it('follows meta.pagination.page_count with page_size 100', async function () {
      const list = await client.listDoors();
      assert.deepEqual(
        list.map((d) => d.uuid),
        [...doors.map((d) => d.uuid), 'offline'],
      );
      const pages = api.requests.filter((r) => r.method === 'GET');
      assert.deepEqual(
        pages.map((r) => [r.path, r.query.page, r.query.page_size]),
        [1, 2, 3].map((page) => [`/v2/customer/${CUSTOMER}/door`, String(page), '100']),
      );
      assert.deepEqual(list[0], doors[0], 'the doors as Genea returns them');
    });

    it('follows the page count of a server with a smaller maximum page size', async function () {
      api.maxPageSize = 40;
      assert.equal((await client.listDoors()).length, 251);
      assert.equal(api.count(/^GET .*\/door$/), 7);
    });

    it('takes one page as all there is when pagination is missing, and stops at an empty page', async function () {
      api.answerNext(/^GET .*\/door$/, { status: 200, body: { data: [door('only')] } });
      assert.deepEqual(
        (await client.listDoors()).map((d) => d.uuid),
        ['only'],
      );
      api.requests = [];
      const pagination = { page_count: 5 };
      api.answerNext(/^GET .*\/door$/, { status: 200, body: { data: [door('a')], meta: { pagination } } });
      api.answerNext(/^GET .*\/door$/, { status: 200, body: { data: [], meta: { pagination } } });
      assert.deepEqual(
        (await client.listDoors()).map((d) => d.uuid),
        ['a'],
      );
      assert.equal(api.count(/^GET .*\/door$/), 2);
    });

    it('refuses a list without data, and a page count it cannot finish', async function () {
      api.answerNext(/^GET .*\/door$/, { status: 200, body: { meta: { message: 'OK' } } });
      assert.equal((await failure(client.listDoors())).message, '200 no data list');
      api.answerNext(/^GET .*\/door$/, {
        status: 200,
        body: { data: [door('a')], meta: { pagination: { page_count: 5000 } } },
      });
      const err = await failure(client.listDoors());
      assert.equal(err.kind, 'bad-answer');
      assert.match(err.message, /page_count 5000/);
    });

    it('lists locations the same way', async function () {
      assert.deepEqual(await client.listLocations(), [
        { uuid: 'location-hq', name: 'Headquarters', timezone: 'America/New_York' },
      ]);
      assert.equal(api.requests.at(-1).path, `/v2/customer/${CUSTOMER}/location`);
    });
  });

  describe('door commands', function () {
    it('PUTs lock, unlock and quick_unlock with no body and reads is_locked and meta.message', async function () {
      assert.deepEqual(await client.command('d1', 'unlock'), { locked: false, message: 'Door unlocked' });
      assert.equal(api.doorState('d1').is_locked, false);
      assert.deepEqual(await client.command('d1', 'lock'), { locked: true, message: 'Door locked' });
      assert.deepEqual(await client.command('d1', 'quick_unlock'), { locked: null, message: 'Quick grant sent' });
      const puts = api.requests.filter((r) => r.method === 'PUT');
      assert.deepEqual(
        puts.map((r) => r.path),
        ['/v2/door/d1/unlock', '/v2/door/d1/lock', '/v2/door/d1/quick_unlock'],
      );
      for (const put of puts) {
        assert.equal(put.body, undefined);
        assert.equal(put.contentType, undefined);
        assert.equal(put.authorization, `Bearer ${KEY}`);
      }
    });

    it('takes a 2xx without a parsable body as done, with nothing known', async function () {
      api.answerNext('PUT /v2/door/d1/quick_unlock', { status: 200, body: '' });
      assert.deepEqual(await client.command('d1', 'quick_unlock'), { locked: null, message: null });
      api.answerNext('PUT /v2/door/d1/lock', { status: 204, body: '' });
      assert.deepEqual(await client.command('d1', 'lock'), { locked: null, message: null });
    });

    it('sends nothing for a door id that is not one', async function () {
      for (const bad of ['', '../customer', 'a b', 'd1/lock', 42]) {
        const err = await failure(client.command(bad, 'lock'));
        assert.deepEqual([err.name, err.message], ['TypeError', 'not a door uuid'], String(bad));
      }
      assert.equal(api.requests.length, 0);
    });
  });

  describe('errors', function () {
    it('a command after a failed key verification was not sent: mayHaveArrived false, marked as the verification’s', async function () {
      const wrong = new GeneaApiClient({ baseUrl: api.url, apiKey: 'wrong-key-1234' });
      let err = await failure(wrong.command('d1', 'quick_unlock'));
      assert.deepEqual(
        [err.kind, err.status, err.message, err.mayHaveArrived, err.inVerification, err.attempts],
        ['key', 401, '401 Invalid API key', false, true, 1],
      );
      api.answerNext('POST /v2/api_key/verify', { status: 503, body: { meta: { message: 'Down' } } }, 2);
      err = await failure(client.command('d1', 'quick_unlock'));
      assert.deepEqual([err.kind, err.mayHaveArrived, err.inVerification, err.attempts], ['server', false, true, 2]);
      assert.equal(api.count(/^PUT /), 0);
      // The verification's own failure, and a command's, are what they are.
      proxy.hold('POST /v2/api_key/verify');
      proxy.hold('POST /v2/api_key/verify');
      err = await failure(slow.verify());
      assert.deepEqual([err.kind, err.mayHaveArrived, err.inVerification], ['timeout', true, false]);
      api.answerNext('PUT /v2/door/d1/quick_unlock', { status: 500, body: {} });
      err = await failure(client.command('d1', 'quick_unlock'));
      assert.deepEqual([err.kind, err.mayHaveArrived, err.inVerification], ['server', true, false]);
    });

    it('401 and 403: the key, with Genea’s reason and never the key', async function () {
      const wrong = new GeneaApiClient({ baseUrl: api.url, apiKey: 'wrong-key-1234' });
      let err = await failure(wrong.command('d1', 'lock'));
      assert.ok(err instanceof GeneaApiError);
      assert.deepEqual([err.kind, err.status, err.message], ['key', 401, '401 Invalid API key']);
      api.badKeyStatus = 403;
      err = await failure(wrong.listDoors());
      assert.deepEqual([err.kind, err.status], ['key', 403]);
      assert.equal(api.commands('d1').length, 0);
    });

    it('404, 422 and the three places of Genea’s reason', async function () {
      let err = await failure(client.command('no-such-door', 'lock'));
      assert.deepEqual([err.kind, err.message], ['not-found', '404 Door not found']);
      err = await failure(client.command('offline', 'unlock'));
      assert.deepEqual([err.kind, err.reason, err.message], ['refused', 'Door is offline', '422 Door is offline']);
      assert.equal(api.commands('offline').length, 1, 'a 422 is not retried');
      assert.equal(geneaReason({ meta: { message: 'm' }, error: { message: 'e' } }), 'm');
      assert.equal(geneaReason({ meta: {}, error: { message: 'e' } }), 'e');
      assert.equal(geneaReason({ error: 'plain' }), 'plain');
      assert.equal(geneaReason({ error: { code: 7 } }), null);
      assert.equal(geneaReason('text'), null);
      assert.equal(geneaReason({ meta: { message: '  m  ' } }), 'm', 'trimmed');
      assert.equal(geneaReason({ meta: { message: '   ' }, error: 'e' }), 'e', 'blank is none');
    });

    it('an answer cut off mid-body: the connection was lost after the request arrived', async function () {
      const cut = net.createServer((socket) =>
        socket.once('data', () => {
          socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"da');
          setImmediate(() => socket.destroy());
        }),
      );
      await onLoopback(cut, async (port) => {
        const client = new GeneaApiClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: KEY });
        const err = await failure(client.verify());
        assert.equal(err.kind, 'unreachable');
        assert.match(err.message, /^connection to 127\.0\.0\.1:\d+ lost \(/);
        assert.equal(err.mayHaveArrived, true);
      });
    });

    it('a verification that fails after a newer one started leaves the newer one in use', async function () {
      const viaProxy = new GeneaApiClient({ baseUrl: proxy.url, apiKey: KEY });
      api.answerNext('POST /v2/api_key/verify', { status: 401, body: { error: 'Invalid API key' } });
      const held = proxy.hold('POST /v2/api_key/verify');
      const older = viaProxy.verify();
      await held.arrived; // the older one got the 401, held back by the proxy
      assert.equal((await viaProxy.verify()).customerUuid, CUSTOMER);
      held.release();
      assert.equal((await failure(older)).kind, 'key');
      await viaProxy.command('d1', 'lock');
      assert.equal(api.count('POST /v2/api_key/verify'), 2, 'the command used the newer verification');
    });

    it('names itself in logs, and has no reason when none was given', async function () {
      api.answerNext('PUT /v2/door/d1/quick_unlock', { hangUp: true });
      const err = await failure(client.command('d1', 'quick_unlock'));
      assert.ok(err instanceof GeneaApiError);
      assert.match(String(err), /^GeneaApiError: connection to 127\.0\.0\.1:\d+ lost/);
      assert.deepEqual([err.reason, err.status, err.retryAfter, err.inVerification], ['', null, null, false]);
    });

    it('a 300 (or any other non-2xx) is no success; an answer without a reason reads as its bare status', async function () {
      api.answerNext('PUT /v2/door/d1/lock', { status: 300, body: 'x', headers: { 'Content-Length': '1' } });
      let err = await failure(client.command('d1', 'lock'));
      assert.deepEqual([err.kind, err.status], ['http', 300]);
      api.answerNext('PUT /v2/door/d1/quick_unlock', { status: 418, body: {} });
      err = await failure(client.command('d1', 'quick_unlock'));
      assert.equal(err.kind, 'http');
      assert.equal(err.message, "418 I'm a Teapot");
      // A status line without a reason phrase, and no reason in the body: the bare status.
      const bare = net.createServer((socket) =>
        socket.once('data', () => socket.end('HTTP/1.1 400 \r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}')),
      );
      err = await onLoopback(bare, (port) =>
        failure(new GeneaApiClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: KEY }).verify()),
      );
      assert.deepEqual([err.kind, err.message, err.reason], ['http', '400', '']);
    });

    it('trims the API key as it is pasted', async function () {
      const pasted = new GeneaApiClient({ baseUrl: api.url, apiKey: `  ${KEY}\n` });
      assert.equal((await pasted.verify()).customerUuid, CUSTOMER);
      assert.equal(api.requests.at(-1).authorization, `Bearer ${KEY}`);
    });

    it('429 names Retry-After and is not retried', async function () {
      api.answerNext('PUT /v2/door/d1/lock', {
        status: 429,
        headers: { 'Retry-After': '30' },
        body: { error: { message: 'Too many requests' } },
      });
      const err = await failure(client.command('d1', 'lock'));
      assert.deepEqual(
        [err.kind, err.retryAfter, err.message],
        ['rate-limited', '30', '429 Too many requests (Retry-After: 30)'],
      );
      api.answerNext('PUT /v2/door/d1/lock', { status: 429, body: {} });
      assert.equal((await failure(client.command('d1', 'lock'))).message, '429 Too Many Requests');
      assert.equal(api.commands('d1').length, 2);
    });

    it('an answer that is not JSON gets the HTTP status text', async function () {
      api.answerNext('PUT /v2/door/d1/lock', { status: 502, body: '<html>Bad gateway</html>' }, 2);
      const err = await failure(client.command('d1', 'lock'));
      assert.deepEqual([err.kind, err.message], ['server', '502 Bad Gateway (answer is not JSON)']);
      api.answerNext('PUT /v2/door/d1/lock', { status: 418, body: 'teapot' });
      assert.deepEqual((await failure(client.command('d1', 'lock'))).kind, 'http');
    });

    it('a timeout, a lost connection and an unreachable host', async function () {
      proxy.hold('PUT /v2/door/d1/quick_unlock');
      let err = await failure(slow.command('d1', 'quick_unlock'));
      assert.deepEqual([err.kind, err.message, err.mayHaveArrived], ['timeout', 'no answer within 0.1 s', true]);
      api.answerNext('PUT /v2/door/d1/quick_unlock', { hangUp: true });
      err = await failure(client.command('d1', 'quick_unlock'));
      assert.equal(err.kind, 'unreachable');
      assert.match(err.message, /^connection to 127\.0\.0\.1:\d+ lost \(ECONNRESET\)$/);
      assert.equal(err.mayHaveArrived, true);
      const nowhere = new GeneaApiClient({ baseUrl: `http://127.0.0.1:${await freePort()}`, apiKey: KEY });
      err = await failure(nowhere.command('d1', 'quick_unlock'));
      assert.equal(err.kind, 'unreachable');
      assert.match(err.message, /^cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\)$/);
      assert.equal(err.mayHaveArrived, false);
      err = await failure(nowhere.verify());
      assert.deepEqual(
        [err.kind, err.inVerification, err.mayHaveArrived],
        ['unreachable', false, false],
        'no connection',
      );
    });

    it('an answer larger than 8 MiB: not read on, the connection dropped (the command may have arrived)', async function () {
      api.answerNext('PUT /v2/door/d1/quick_unlock', { status: 200, body: 'x'.repeat(8 * 1024 * 1024 + 1) });
      const err = await failure(client.command('d1', 'quick_unlock'));
      assert.deepEqual([err.kind, err.mayHaveArrived], ['unreachable', true]);
      assert.match(err.message, /^connection to 127\.0\.0\.1:\d+ lost \(answer too large\)$/);
      api.answerNext('PUT /v2/door/d1/quick_unlock', { status: 200, body: 'x'.repeat(8 * 1024 * 1024) });
      const done = await client.command('d1', 'quick_unlock');
      assert.equal(done.message, null, 'an answer of exactly 8 MiB is read (it is no JSON: nothing known)');
    });

    it('HTTPS: a certificate nobody vouches for is refused before anything is sent', async function () {
      const arrived = [];
      const server = https.createServer(selfSignedCertificate(), (req, res) => {
        arrived.push(req.url);
        res.end('{}');
      });
      await onLoopback(server, async (port) => {
        const untrusted = new GeneaApiClient({ baseUrl: `https://127.0.0.1:${port}`, apiKey: KEY });
        const refused = await failure(untrusted.verify());
        assert.deepEqual([refused.kind, refused.mayHaveArrived], ['unreachable', false]);
        const err = await failure(untrusted.command('d1', 'quick_unlock'));
        assert.equal(err.kind, 'unreachable');
        assert.match(
          err.message,
          /^cannot reach 127\.0\.0\.1:\d+ \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\)$/,
        );
        assert.equal(err.mayHaveArrived, false, 'no TLS session, so the command cannot have arrived');
        assert.deepEqual(arrived, []);
      });
    });

    it('HTTPS with a certificate the process trusts: answers are read, a connection lost after the handshake may have carried the request', async function () {
      // Node reads the certificates it trusts at start-up: the client runs in a child process given the test's CA.
      const identity = selfSignedCertificate();
      const server = https.createServer(identity, (req, res) => {
        if (req.url === '/v2/api_key/verify') {
          res.setHeader('Content-Type', 'application/json');
          res.end(JSON.stringify({ data: { customer_uuid: CUSTOMER }, meta: { message: 'OK' } }));
        } else {
          req.socket.destroy(); // the quick grant arrived; its answer never comes
        }
      });
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genea-api-tls-'));
      const ca = path.join(dir, 'ca.pem');
      fs.writeFileSync(ca, identity.cert);
      const script = `
        const { GeneaApiClient } = require(${JSON.stringify(require.resolve('../../nodes/lib/genea-api'))});
        const client = new GeneaApiClient({ baseUrl: process.argv[1], apiKey: 'k' });
        (async () => {
          const verified = await client.verify();
          const failed = await client.command('d1', 'quick_unlock').catch((err) => err);
          console.log(JSON.stringify({ verified, failed: { kind: failed.kind, message: failed.message, mayHaveArrived: failed.mayHaveArrived } }));
        })();`;
      try {
        const out = await onLoopback(
          server,
          (port) =>
            new Promise((resolve, reject) =>
              execFile(
                process.execPath,
                ['-e', script, `https://127.0.0.1:${port}`],
                { env: { ...process.env, NODE_EXTRA_CA_CERTS: ca } },
                (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
              ),
            ),
        );
        const { verified, failed } = JSON.parse(out);
        assert.deepEqual(verified, { customerUuid: CUSTOMER, message: 'OK' });
        assert.equal(failed.kind, 'unreachable');
        assert.match(failed.message, /^connection to 127\.0\.0\.1:\d+ lost \(/);
        assert.equal(failed.mayHaveArrived, true, 'the TLS session was up: the quick grant may have arrived');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('HTTPS: a timeout before the TLS handshake is over says the request has not arrived', async function () {
      // A TCP server that accepts and never answers the TLS hello: connected, but no secure session.
      let connections = 0;
      const silent = net.createServer(() => connections++);
      await onLoopback(silent, async (port) => {
        const hanging = new GeneaApiClient({
          baseUrl: `https://127.0.0.1:${port}`,
          apiKey: KEY,
          timeoutMs: 100,
        });
        const err = await failure(hanging.verify());
        assert.deepEqual([err.kind, err.mayHaveArrived], ['timeout', false]);
        assert.match(err.message, /no answer within 0\.1 s/);
        assert.equal(connections, 2, 'connected twice: a verification is tried again once');
      });
    });

    it('never carries the key, even when Genea’s reason echoes it', async function () {
      api.answerNext('PUT /v2/door/d1/lock', { status: 422, body: { meta: { message: `Key ${KEY} lacks hardware` } } });
      const err = await failure(client.command('d1', 'lock'));
      assert.equal(err.message, '422 Key *** lacks hardware');
      const errors = [err];
      errors.push(await failure(new GeneaApiClient({ baseUrl: api.url, apiKey: `${KEY}x` }).verify()));
      for (const e of errors) {
        assert.ok(!`${e.message}${e.stack}${JSON.stringify(e)}${e.reason}`.includes(KEY), e.message);
      }
    });
  });

  describe('the key in Genea’s texts', function () {
    it('redactKey cuts the key (as is and URL-encoded) and every Bearer value', function () {
      assert.equal(redactKey(`key ${KEY} is valid`, KEY), 'key *** is valid');
      assert.equal(redactKey(`${KEY}${KEY}`, ` ${KEY} `), '******', 'the key as configured, trimmed');
      assert.equal(redactKey('k=a%2Fb&x=a/b', 'a/b'), 'k=***&x=***');
      assert.equal(
        redactKey('sent "Authorization: Bearer abc.def-1", bearer  xyz;', ''),
        'sent "Authorization: Bearer ***", Bearer ***;',
      );
      assert.equal(redactKey('Door locked', KEY), 'Door locked');
      assert.equal(redactKey('Door locked', ''), 'Door locked', 'no key: nothing to cut');
    });

    it('verify’s meta.message, a command’s meta.message, a list’s records and Retry-After', async function () {
      api.answerNext('POST /v2/api_key/verify', {
        status: 200,
        body: { data: { customer_uuid: CUSTOMER }, meta: { message: `API key ${KEY} is valid` } },
      });
      assert.deepEqual(await client.verify(), { customerUuid: CUSTOMER, message: 'API key *** is valid' });
      api.answerNext('PUT /v2/door/d1/lock', {
        status: 200,
        body: { data: { is_locked: true }, meta: { message: `Locked with Bearer ${KEY} for you` } },
      });
      assert.deepEqual(await client.command('d1', 'lock'), { locked: true, message: 'Locked with Bearer *** for you' });
      api.answerNext('PUT /v2/door/d1/quick_unlock', { status: 200, body: { meta: { message: `granted (${KEY})` } } });
      assert.equal((await client.command('d1', 'quick_unlock')).message, 'granted (***)');
      api.answerNext(/^GET .*\/door$/, {
        status: 200,
        body: { data: [door('d1', { name: `Door of ${KEY}`, controller: { name: [`Bearer ${KEY}`] } })] },
      });
      const [listed] = await client.listDoors();
      assert.equal(listed.name, 'Door of ***');
      assert.deepEqual(listed.controller, { name: ['Bearer ***'] });
      assert.equal(listed.is_locked, true, 'what is not text stays as it is');
      api.answerNext('PUT /v2/door/d1/unlock', { status: 429, headers: { 'Retry-After': KEY }, body: {} });
      const err = await failure(client.command('d1', 'unlock'));
      assert.equal(err.message, '429 Too Many Requests (Retry-After: ***)');
      assert.equal(err.retryAfter, '***');
    });
  });

  describe('retries', function () {
    it('lock, unlock and list are sent again once after a 5xx or a network error', async function () {
      api.answerNext('PUT /v2/door/d1/lock', { status: 500, body: { meta: { message: 'Internal error' } } });
      assert.deepEqual(await client.command('d1', 'lock'), { locked: true, message: 'Door locked' });
      api.answerNext('PUT /v2/door/d1/unlock', { hangUp: true });
      assert.deepEqual(await client.command('d1', 'unlock'), { locked: false, message: 'Door unlocked' });
      api.answerNext(/^GET .*\/door$/, { status: 503, body: {} });
      assert.equal((await client.listDoors()).length, 251);
      assert.deepEqual(api.commands('d1'), ['lock', 'lock', 'unlock', 'unlock']);
      assert.equal(api.count(/^GET .*\/door$/), 4);
    });

    it('only once: a second failure is reported with both attempts', async function () {
      api.answerNext('PUT /v2/door/d1/lock', { status: 500, body: { meta: { message: 'Internal error' } } }, 3);
      const err = await failure(client.command('d1', 'lock'));
      assert.deepEqual([err.kind, err.attempts, err.message], ['server', 2, '500 Internal error']);
      assert.deepEqual(api.commands('d1'), ['lock', 'lock']);
    });

    it('retries a lock after a timeout (repeating it changes nothing)', async function () {
      proxy.hold('PUT /v2/door/d1/lock');
      assert.deepEqual(await slow.command('d1', 'lock'), { locked: true, message: 'Door locked' });
      assert.deepEqual(api.commands('d1'), ['lock', 'lock']);
    });

    it('never sends a quick grant twice: not after a 5xx, a timeout or a lost connection', async function () {
      api.answerNext('PUT /v2/door/d1/quick_unlock', { status: 500, body: {} });
      assert.equal((await failure(client.command('d1', 'quick_unlock'))).attempts, 1);
      proxy.hold('PUT /v2/door/d1/quick_unlock');
      assert.equal((await failure(slow.command('d1', 'quick_unlock'))).kind, 'timeout');
      api.answerNext('PUT /v2/door/d1/quick_unlock', { hangUp: true });
      assert.equal((await failure(client.command('d1', 'quick_unlock'))).kind, 'unreachable');
      assert.deepEqual(api.commands('d1'), ['quick_unlock', 'quick_unlock', 'quick_unlock']);
    });
  });

  describe('order', function () {
    it('sends commands for one door one after the other, in call order', async function () {
      const through = new GeneaApiClient({ baseUrl: proxy.url, apiKey: KEY });
      const held = proxy.hold('PUT /v2/door/d1/unlock');
      const unlock = through.command('d1', 'unlock');
      const lock = through.command('d1', 'lock');
      const quick = through.command('d1', 'quick_unlock');
      await held.arrived;
      // The sentinel: another door's command goes through meanwhile; the lock still waits for the unlock's answer.
      await through.command('d2', 'lock');
      assert.deepEqual(api.commands('d1'), ['unlock']);
      held.release();
      const results = await Promise.all([unlock, lock, quick]);
      assert.deepEqual(
        results.map((r) => r.locked),
        [false, true, null],
      );
      assert.deepEqual(api.commands('d1'), ['unlock', 'lock', 'quick_unlock']);
    });

    it('a failed command does not hold up the next one for its door', async function () {
      api.answerNext('PUT /v2/door/d1/lock', { status: 422, body: { meta: { message: 'Door in lockdown' } } });
      const [first, second] = await Promise.allSettled([client.command('d1', 'lock'), client.command('d1', 'unlock')]);
      assert.equal(first.status, 'rejected');
      assert.deepEqual(second.value, { locked: false, message: 'Door unlocked' });
    });

    it('does not make other doors wait', async function () {
      const through = new GeneaApiClient({ baseUrl: proxy.url, apiKey: KEY });
      const held = proxy.hold('PUT /v2/door/d1/lock');
      const finished = [];
      const d1 = through.command('d1', 'lock').then(() => finished.push('d1'));
      await held.arrived;
      await through.command('d2', 'lock').then(() => finished.push('d2'));
      held.release();
      await d1;
      assert.deepEqual(finished, ['d2', 'd1']);
    });

    it('keeps that order across clients of one base URL (a redeploy, a second config node)', async function () {
      const first = new GeneaApiClient({ baseUrl: proxy.url, apiKey: KEY });
      const held = proxy.hold('PUT /v2/door/d1/unlock');
      const unlock = first.command('d1', 'unlock');
      await held.arrived;
      const redeployed = new GeneaApiClient({ baseUrl: proxy.url, apiKey: KEY });
      const lock = redeployed.command('d1', 'lock');
      // The sentinel: the new client's command for another door goes through; its lock of d1 waits.
      await redeployed.command('d2', 'lock');
      assert.deepEqual(api.commands('d1'), ['unlock']);
      held.release();
      await Promise.all([unlock, lock]);
      assert.deepEqual(api.commands('d1'), ['unlock', 'lock']);
    });

    it('SharedResult: one load in flight for every caller, its result kept keepMs, a failure not kept', async function () {
      let now = 1_000;
      let loads = 0;
      let outcome = 'ok';
      const gates = [];
      const shared = new SharedResult(
        () =>
          new Promise((resolve, reject) => {
            const n = ++loads;
            gates.push(() => (outcome === 'ok' ? resolve(`result ${n}`) : reject(new Error(`failure ${n}`))));
          }),
        30_000,
        () => now,
      );
      const callers = Array.from({ length: 5 }, () => shared.get());
      assert.equal(loads, 1, 'callers while in flight share one load');
      gates.shift()();
      assert.deepEqual(await Promise.all(callers), Array(5).fill('result 1'));
      now += 29_999;
      assert.equal(await shared.get(), 'result 1', 'kept');
      now += 1;
      const reloaded = shared.get();
      assert.equal(loads, 2, 'loaded again after keepMs');
      outcome = 'fail';
      gates.shift()();
      await assert.rejects(reloaded, /failure 2/);
      const again = shared.get();
      assert.equal(loads, 3, 'a failure is not kept');
      outcome = 'ok';
      gates.shift()();
      assert.equal(await again, 'result 3');
      const fresh = shared.get(true);
      assert.equal(loads, 4, 'fresh: a kept result is not used');
      assert.equal(shared.get(true), fresh, 'fresh: one in flight is shared');
      gates.shift()();
      assert.equal(await fresh, 'result 4');
      assert.equal(await shared.get(), 'result 4', 'and kept for the next caller');
    });

    it('SerialQueue: a task queued after an earlier one finished still waits for the one running', async function () {
      const queue = new SerialQueue();
      const order = [];
      let releaseB;
      const a = queue.run('k', async () => order.push('a'));
      const b = queue.run('k', () => new Promise((resolve) => (releaseB = () => resolve(order.push('b')))));
      await a;
      await new Promise((resolve) => setImmediate(resolve)); // a's bookkeeping has run
      const c = queue.run('k', async () => order.push('c'));
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(order, ['a'], 'c waits while b runs');
      releaseB();
      await Promise.all([b, c]);
      assert.deepEqual(order, ['a', 'b', 'c']);
    });

    it('SerialQueue forgets a key once its tasks are done', async function () {
      const queue = new SerialQueue();
      const order = [];
      const a = queue.run('k', async () => order.push('a'));
      const b = queue.run('k', async () => {
        throw new Error('b failed');
      });
      const c = queue.run('k', async () => order.push('c'));
      assert.equal(queue.busy, 1);
      await Promise.allSettled([a, b, c]);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(order, ['a', 'c']);
      assert.equal(queue.busy, 0);
    });
  });
});
