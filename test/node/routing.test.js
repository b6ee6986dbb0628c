'use strict';
// How a receiver owns its path on a real express stack like Node-RED's (root app, the editor's admin app and
// the node app mounted on it): every delivery takes express's own route, so whatever express would run in
// front of the receiver runs, whatever came before; exactly the requests express routes to the receiver
// have their raw body kept for it; and paths that something else serves are refused.
const assert = require('node:assert/strict');
const http = require('node:http');
const net = require('node:net');
const express = require('express');
const fc = require('fast-check');
const { claimRoute, rawBodyAvailable, adminServes } = require('../../nodes/genea-webhook-in/http-route');
const { isReceiverPath, requestPathname } = require('../../nodes/lib/receiver-path');

/** Node-RED's layout: admin app (JSON parser first, as the editor has) and node app both under the root. */
function nodeRedLike({ adminRoot = '/', nodeRoot = '/', onNotFound = () => {} } = {}) {
  const root = express();
  const editorApi = express();
  const runtimeAdmin = express();
  editorApi.use(express.json());
  editorApi.get('/auth/login', (_req, res) => res.json({}));
  editorApi.use(runtimeAdmin);
  root.use(adminRoot, editorApi);
  const node = express();
  root.use(nodeRoot, node);
  root.use((req, res) => {
    onNotFound(req);
    res.status(404).end(`not found ${req.url}`);
  });
  return { root, editorApi, runtimeAdmin, node };
}

function listen(app) {
  return new Promise((resolve) => {
    const server = http.createServer(app).listen(0, '127.0.0.1', () => resolve(server));
  });
}

/** Sends `target` as the request line's target over a raw socket; resolves to the status and body text. */
function rawPost(port, target, headers = {}, body = '{}') {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      const lines = Object.entries({ Host: 'x', 'Content-Type': 'application/json', ...headers }).map(
        ([name, value]) => `${name}: ${value}`,
      );
      // Written, not ended: the server closes the connection once it answered (Connection: close).
      socket.write(
        `POST ${target} HTTP/1.1\r\n${lines.join('\r\n')}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
          `Connection: close\r\n\r\n${body}`,
      );
    });
    let received = '';
    socket.on('data', (chunk) => (received += chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const [head, ...rest] = received.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), text: rest.join('\r\n\r\n') });
    });
  });
}

/** A receiver stand-in: answers whether the raw body was still there, and what it read. */
function rawBodyHandler(req, res) {
  if (!rawBodyAvailable(req)) return res.status(500).end('consumed');
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => res.status(200).end(`raw ${Buffer.concat(chunks).toString('utf8')}`));
}

describe('receiver routing (express stack like Node-RED)', function () {
  const servers = [];
  const releases = [];
  afterEach(async function () {
    for (const release of releases.splice(0)) release();
    for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
  });

  async function start(apps, url = '/genea', options = {}) {
    const claim = claimRoute(apps.node, url, rawBodyHandler, {
      ownerId: `rx-${url}`,
      adminApp: apps.runtimeAdmin,
      ...options,
    });
    assert.ok(claim.ok, `claimed ${url}: ${JSON.stringify(claim)}`);
    releases.push(claim.release);
    const server = await listen(apps.root);
    servers.push(server);
    return server.address().port;
  }

  it('runs middleware another module put on the admin app for every delivery, also after one got through', async function () {
    const apps = nodeRedLike();
    apps.runtimeAdmin.use((req, res, next) =>
      req.headers['x-gate'] === 'open' ? next() : res.status(403).end('gate'),
    );
    const port = await start(apps);
    assert.equal((await rawPost(port, '/genea')).status, 403);
    assert.deepEqual(await rawPost(port, '/genea', { 'X-Gate': 'open' }), { status: 200, text: 'raw {}' });
    for (let i = 0; i < 3; i++) assert.deepEqual(await rawPost(port, '/genea'), { status: 403, text: 'gate' });
  });

  it('runs middleware added at runtime, after deliveries went through', async function () {
    const apps = nodeRedLike();
    const port = await start(apps);
    for (let i = 0; i < 3; i++) assert.equal((await rawPost(port, '/genea')).status, 200);
    apps.runtimeAdmin.use((_req, res) => res.status(403).end('admin gate'));
    apps.node.use('/genea', (_req, res) => res.status(401).end('node gate'));
    assert.deepEqual(await rawPost(port, '/genea'), { status: 403, text: 'admin gate' });
  });

  it('runs a path-scoped httpNode middleware for a doubled slash too (httpNodeRoot /hooks)', async function () {
    const apps = nodeRedLike({ nodeRoot: '/hooks/' });
    apps.node.use('/genea', (req, res, next) =>
      req.headers['x-gate'] === 'open' ? next() : res.status(403).end('gate'),
    );
    const port = await start(apps);
    assert.deepEqual(await rawPost(port, '/hooks//genea', { 'X-Gate': 'open' }), { status: 200, text: 'raw {}' });
    for (const target of ['/hooks//genea', '/hooks/genea', '/HOOKS/Genea/']) {
      assert.deepEqual(await rawPost(port, target), { status: 403, text: 'gate' }, target);
    }
  });

  it('keeps the raw body for absolute-form targets, fragments and queries, as express routes them', async function () {
    const apps = nodeRedLike();
    const port = await start(apps);
    for (const target of ['http://127.0.0.1/genea', '/genea#fragment', '/genea?x=1', 'http://h:1/genea?a#b']) {
      assert.deepEqual(await rawPost(port, target, {}, '{"a":1}'), { status: 200, text: 'raw {"a":1}' }, target);
    }
    // Targets express routes elsewhere keep their body for whoever gets them: the admin app parsed this one.
    assert.equal((await rawPost(port, '/genea//')).status, 404);
  });

  it('runs httpNodeMiddleware in front of the receiver, a function or an array, as core http in does', async function () {
    for (const middleware of [
      (req, res, next) => (req.headers['x-key'] === 'k' ? next() : res.status(403).end('node middleware')),
      [
        (_req, _res, next) => next(),
        (req, res, next) => (req.headers['x-key'] === 'k' ? next() : res.status(403).end('node middleware')),
      ],
    ]) {
      const apps = nodeRedLike();
      const port = await start(apps, '/genea', { middleware });
      for (let i = 0; i < 5; i++)
        assert.deepEqual(await rawPost(port, '/genea'), { status: 403, text: 'node middleware' });
      assert.equal((await rawPost(port, '/genea', { 'X-Key': 'k' })).status, 200);
      for (const release of releases.splice(0)) release();
    }
  });

  it("refuses paths the editor's admin app serves when both roots overlap, read from its routers", async function () {
    const apps = nodeRedLike();
    apps.runtimeAdmin.post('/inject/:id', (_req, res) => res.end());
    apps.runtimeAdmin.use('/some-plugin', (_req, res) => res.end());
    for (const [url, route] of [
      ['/flows', "the editor's flows"],
      ['/auth/token', "the editor's auth"],
      ['/auth/login', 'GET /auth/login'],
      ['/inject/abc', 'POST /inject/:id'],
      ['/some-plugin/x', 'router at /some-plugin'],
      ['/red/main.js', "the editor's red"],
    ]) {
      const claim = claimRoute(apps.node, url, rawBodyHandler, { ownerId: 'rx', adminApp: apps.runtimeAdmin });
      assert.equal(claim.ok, false, url);
      assert.equal(claim.reason, 'admin', url);
      assert.match(claim.route, new RegExp(route.replace(/[/:]/g, '\\$&').replace(/router/, '\\w+')), url);
    }
    // Apart roots: the same paths are free on the node app.
    const apart = nodeRedLike({ adminRoot: '/admin/', nodeRoot: '/' });
    assert.equal(adminServes(apart.runtimeAdmin, '/flows'), null);
    assert.match(adminServes(apart.runtimeAdmin, '/admin/flows'), /flows/);
    const claim = claimRoute(apart.node, '/flows', rawBodyHandler, { ownerId: 'rx', adminApp: apart.runtimeAdmin });
    assert.ok(claim.ok);
    releases.push(claim.release);
  });

  it("keeps the admin API's own request bodies: a POST to /flows is parsed by the editor, not reserved", async function () {
    const apps = nodeRedLike();
    apps.editorApi.post('/flows', (req, res) => res.json(req.body));
    const port = await start(apps);
    assert.deepEqual(await rawPost(port, '/flows', {}, '{"flows":[]}'), { status: 200, text: '{"flows":[]}' });
  });

  it('reports another route on the path (a core http in), mounted before or after the claim', async function () {
    const before = nodeRedLike();
    before.node.post('/genea', (_req, res) => res.end('http in'));
    const refused = claimRoute(before.node, '/genea', rawBodyHandler, { ownerId: 'rx' });
    assert.equal(refused.ok, false);
    assert.equal(refused.reason, 'route');
    assert.equal(refused.route, 'POST /genea');

    const after = nodeRedLike();
    const claim = claimRoute(after.node, '/genea', rawBodyHandler, { ownerId: 'rx' });
    releases.push(claim.release);
    assert.equal(claim.otherRoute(), null);
    after.node.options('*', (_req, res) => res.end()); // a CORS pre-flight route serves no delivery
    assert.equal(claim.otherRoute(), null);
    after.node.get('/GENEA', (_req, res) => res.end('http in'));
    assert.equal(claim.otherRoute(), 'GET /GENEA');
  });

  it('refuses a second receiver on the same route, whatever the letter case', function () {
    const apps = nodeRedLike();
    const first = claimRoute(apps.node, '/genea', rawBodyHandler, { ownerId: 'a' });
    releases.push(first.release);
    assert.deepEqual(claimRoute(apps.node, '/GENEA', rawBodyHandler, { ownerId: 'b' }), {
      ok: false,
      reason: 'receiver',
      owner: 'a',
    });
  });

  it('allows only paths express matches literally', function () {
    for (const path of ['/genea', '/hooks/genea-1', '/a.b_c~d', '/x/y/z']) assert.ok(isReceiverPath(path), path);
    for (const path of [
      '',
      '/',
      'genea',
      '/hook(1)',
      '/hook+',
      '/a$',
      '/a*',
      '/:id',
      '/a?',
      '/a//b',
      '/genea/',
      '/a b',
      '/.',
      '/a/..',
      '/%41',
      "/a'",
      '/a!',
    ]) {
      assert.ok(!isReceiverPath(path), path);
    }
  });

  describe('property: the reservation and express make the same decision', function () {
    const segment = fc.stringMatching(/^[A-Za-z0-9._~-]{1,6}$/).filter((s) => !/^\.+$/.test(s));
    const receiverPath = fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => `/${parts.join('/')}`);
    // Under '/' a generated path may be one the (stand-in) editor serves ('/red', '/flows'): refused then.
    const root = fc.constantFrom('/', '/hooks/', '/Hooks/');
    /** Spellings of `path` a client may send: case, slashes, dots, encodings, absolute form, query, fragment. */
    /** `plain`, or (in a quarter of the runs) one of `others`: most targets keep a few changes, some none. */
    const sometimes = (plain, ...others) =>
      fc.oneof({ weight: 3, arbitrary: fc.constant(plain) }, { weight: 1, arbitrary: fc.constantFrom(...others) });
    const variant = (path) =>
      fc
        .record({
          caseFlip: fc.boolean(),
          slashes: sometimes('', '/', '//'),
          lead: sometimes('', '/'),
          encode: sometimes(false, true),
          dot: sometimes(false, true),
          absolute: sometimes('', 'http://h', 'http://h:1880', 'https://x.example'),
          query: fc.constantFrom('', '?a=1', '?'),
          fragment: fc.constantFrom('', '#f', '#'),
          other: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: segment }),
        })
        .map((v) => {
          let target = v.other ? `${path}/${v.other}` : path;
          if (v.caseFlip) target = target.replace(/[a-z]/, (c) => c.toUpperCase());
          if (v.encode) target = target.replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`);
          if (v.dot) target = target.replace(/\/([^/]*)$/, '/./$1');
          // The absolute form's scheme and host go before the node root.
          return [v.absolute, `${v.lead}${target}${v.slashes}${v.query}${v.fragment}`];
        });

    /** POSTs `target` ([scheme and host, or '', then the rest]) under `nodeRoot` to a server on `app`. */
    async function postTo(app, nodeRoot, [absolute, rest]) {
      const server = await listen(app);
      try {
        await rawPost(server.address().port, `${absolute}${nodeRoot.replace(/\/$/, '')}${rest}`);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    }

    it('for generated paths, roots and request targets', async function () {
      this.timeout(120_000);
      const RUNS = 150;
      const outcomes = {};
      await fc.assert(
        fc.asyncProperty(
          root,
          receiverPath.chain((path) => fc.tuple(fc.constant(path), variant(path))),
          async (nodeRoot, [path, target]) => {
            // Express's own decision: does an ordinary POST route on the same path, as a core http in mounts
            // it, get this target?
            const reference = nodeRedLike({ nodeRoot });
            let routedByExpress = false;
            reference.node.post(path, (_req, res) => {
              routedByExpress = true;
              res.end();
            });
            await postTo(reference.root, nodeRoot, target);

            let outcome = 'elsewhere';
            const apps = nodeRedLike({
              nodeRoot,
              // Reserved (flagged as parsed, yet unread) without reaching the receiver: another route lost its body.
              onNotFound: (req) =>
                req._body === true && rawBodyAvailable(req) && (outcome = 'elsewhere, body reserved'),
            });
            const claim = claimRoute(
              apps.node,
              path,
              (req, res) => {
                outcome = rawBodyAvailable(req) ? 'receiver, body kept' : 'receiver, body consumed';
                res.end();
              },
              { ownerId: 'rx', adminApp: apps.runtimeAdmin },
            );
            if (!claim.ok) {
              assert.equal(claim.reason, 'admin', `${nodeRoot} ${path}: ${JSON.stringify(claim)}`);
              assert.ok(adminServes(apps.runtimeAdmin, `${nodeRoot.replace(/\/$/, '')}${path}`), path);
              outcomes['refused, the editor serves it'] = (outcomes['refused, the editor serves it'] ?? 0) + 1;
              return;
            }
            try {
              await postTo(apps.root, nodeRoot, target);
            } finally {
              claim.release();
            }
            // Routed to the receiver exactly when express routes it, and then the body is there. Not routed:
            // nothing was reserved (the admin app parsed it).
            assert.equal(
              outcome,
              routedByExpress ? 'receiver, body kept' : 'elsewhere',
              `${nodeRoot} ${path} ${target}`,
            );
            outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
          },
        ),
        { numRuns: RUNS },
      );
      // Both decisions were made often enough to mean something.
      for (const outcome of ['receiver, body kept', 'elsewhere']) {
        assert.ok((outcomes[outcome] ?? 0) >= RUNS / 10, `${outcome}: ${JSON.stringify(outcomes)}`);
      }
    });

    it('reads request targets as parseurl does', function () {
      const { parse } = require('node:url');
      fc.assert(
        fc.property(fc.string({ maxLength: 30 }), fc.constantFrom('/', 'http://h/', '//', ''), (rest, lead) => {
          const target = lead + rest;
          let expected;
          try {
            expected =
              target.startsWith('/') && !/[\t\n\f\r #\u00a0\ufeff]/.test(target)
                ? target.split('?')[0]
                : parse(target).pathname;
          } catch {
            expected = null;
          }
          assert.equal(requestPathname(target), expected ?? null);
        }),
      );
    });
  });
});
