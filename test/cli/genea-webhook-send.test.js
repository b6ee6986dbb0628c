'use strict';
// The genea-webhook-send command against loopback HTTP and HTTPS servers that record the raw bytes it sends;
// signatures are checked with openssl, classification with the package's own core.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { Collector } = require('../support/collector');
const { opensslSignature, selfSignedCertificate } = require('../support/openssl');
const { freePort } = require('../support/red-process');
const { runSender } = require('../support/sender');
const { SAMPLE_EVENT_TYPES, summarise } = require('../../nodes/lib');

const SECRET = 'sender-test-secret-8e41';

describe('genea-webhook-send', function () {
  this.timeout(30_000);
  let collector;
  let answers;
  let dir;

  before(async function () {
    // Each request takes the next answer; the last one repeats.
    collector = await Collector.start({ respond: () => (answers.length > 1 ? answers.shift() : answers[0]) });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genea-sender-'));
  });
  after(async function () {
    await collector?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(function () {
    collector.reset();
    answers = [{ status: 200, text: 'Accepted' }];
  });

  const url = () => `${collector.url}/genea`;

  it('signs a compact sample event over its exact bytes, as Genea does, and prints the answer', async function () {
    const run = await runSender(['--url', url(), '--secret', SECRET, '--event', 'access.denied']);
    assert.equal(run.code, 0, run.stderr);
    const [request] = collector.on('/genea');
    assert.equal(collector.received.length, 1);
    assert.equal(request.method, 'POST');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.equal(request.headers['x-sequr-signature'], opensslSignature(request.raw, SECRET));
    assert.ok(!request.raw.includes('\n'), 'compact JSON');
    assert.equal(request.body.event_action, 'SEQUR_ACCESS_DENIED_CARD_NOT_FOUND');
    assert.match(run.stdout, new RegExp(`^Sending access.denied event ${request.body.uuid} \\(\\d+ bytes\\) to `));
    assert.match(run.stdout, /\n200 Accepted\n$/);
  });

  it('sends a realistic sample of every event type, each a new event', async function () {
    for (const type of SAMPLE_EVENT_TYPES) {
      const run = await runSender(['--url', url(), '--secret', SECRET, '--event', type]);
      assert.equal(run.code, 0, run.stderr);
    }
    const bodies = collector.on('/genea').map((request) => request.body);
    assert.deepEqual(
      bodies.map((event) => summarise(event).type),
      [...SAMPLE_EVENT_TYPES],
    );
    assert.equal(new Set(bodies.map((event) => event.uuid)).size, SAMPLE_EVENT_TYPES.length);
  });

  it('sends access.granted by default and takes the secret from GENEA_SECRET, --secret first', async function () {
    assert.equal((await runSender(['--url', url()], { env: { GENEA_SECRET: SECRET } })).code, 0);
    const run = await runSender(['--url', url(), '--secret', 'from-option'], { env: { GENEA_SECRET: SECRET } });
    assert.equal(run.code, 0);
    const [fromEnv, fromOption] = collector.on('/genea');
    assert.equal(summarise(fromEnv.body).type, 'access.granted');
    assert.equal(fromEnv.headers['x-sequr-signature'], opensslSignature(fromEnv.raw, SECRET));
    assert.equal(fromOption.headers['x-sequr-signature'], opensslSignature(fromOption.raw, 'from-option'));
  });

  it('--pretty sends pretty-printed JSON, signed over those bytes', async function () {
    const run = await runSender(['--url', url(), '--secret', SECRET, '--event', 'resource.created', '--pretty']);
    assert.equal(run.code, 0, run.stderr);
    const [request] = collector.on('/genea');
    assert.equal(request.raw.toString('utf8'), JSON.stringify(request.body, null, 2));
    assert.equal(request.headers['x-sequr-signature'], opensslSignature(request.raw, SECRET));
  });

  it('--file sends the file byte for byte, escapes, spacing and all', async function () {
    const bytes = Buffer.from(
      '{\r\n    "uuid": "file-1",  "door": {"model": "iCLASS\\u00ae R10", "url": "a\\/b"},\r\n' +
        '    "event_message": "Grant Access ®"}',
      'utf8',
    );
    const file = path.join(dir, 'event.json');
    fs.writeFileSync(file, bytes);
    const run = await runSender(['--url', url(), '--secret', SECRET, '--file', file]);
    assert.equal(run.code, 0, run.stderr);
    const [request] = collector.on('/genea');
    assert.ok(request.raw.equals(bytes));
    assert.equal(request.headers['x-sequr-signature'], opensslSignature(bytes, SECRET));
    assert.match(run.stdout, new RegExp(`^Sending ${file.replace(/[.\\]/g, '\\$&')} \\(${bytes.length} bytes\\)`));
  });

  it('--repeat N sends the identical delivery N times, as Genea retries', async function () {
    const run = await runSender(['--url', url(), '--secret', SECRET, '--repeat', '3']);
    assert.equal(run.code, 0, run.stderr);
    const requests = collector.on('/genea');
    assert.equal(requests.length, 3);
    for (const request of requests.slice(1)) {
      assert.ok(request.raw.equals(requests[0].raw));
      assert.equal(request.headers['x-sequr-signature'], requests[0].headers['x-sequr-signature']);
    }
    assert.match(run.stdout, /\[1\/3\] 200 Accepted\n\[2\/3\] 200 Accepted\n\[3\/3\] 200 Accepted\n$/);
  });

  it('exits 1 when any answer is not 2xx, printing each status and reason', async function () {
    answers = [
      { status: 503, text: 'Receiver is being redeployed' },
      { status: 200, text: 'Accepted' },
    ];
    const run = await runSender(['--url', url(), '--secret', SECRET, '--repeat', '2']);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /\[1\/2\] 503 Receiver is being redeployed\n\[2\/2\] 200 Accepted\n$/);
    answers = [{ status: 401, text: 'Signature does not match the configured secret' }];
    const rejected = await runSender(['--url', url(), '--secret', SECRET]);
    assert.equal(rejected.code, 1);
    assert.match(rejected.stdout, /\n401 Signature does not match the configured secret\n$/);
  });

  it('exits 1 with the reason when the receiver cannot be reached', async function () {
    const closed = `http://127.0.0.1:${await freePort()}/genea`;
    const run = await runSender(['--url', closed, '--secret', SECRET]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`could not deliver to ${closed}: connect ECONNREFUSED`));
  });

  it('--version prints the package version and exits 0', async function () {
    const run = await runSender(['--version']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `genea-webhook-send ${require('../../package.json').version}\n`);
  });

  it('tells an HTML page (a 404 of another server) by its status and one short line, not the page', async function () {
    const page = `<!DOCTYPE html>\n<html><head><title>Error</title></head><body>${'<p>Cannot POST /genea</p>\n'.repeat(200)}</body></html>`;
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const status = req.url === '/missing' ? 404 : 502;
        res
          .writeHead(status, { 'Content-Type': req.url === '/bare' ? 'text/plain' : 'text/html; charset=utf-8' })
          .end(page);
      });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${server.address().port}`;
    try {
      const missing = await runSender(['--url', `${base}/missing`, '--secret', SECRET]);
      assert.equal(missing.code, 1);
      const lines = missing.stdout.trimEnd().split('\n');
      assert.equal(lines.length, 2, missing.stdout);
      assert.equal(
        lines[1],
        `404 Not Found: an HTML page (${Buffer.byteLength(page)} bytes), not a Genea receiver's answer; is the path in --url right?`,
      );
      // Told by its content too, whatever the content type says; another status, no hint at the path.
      const bare = await runSender(['--url', `${base}/bare`, '--secret', SECRET]);
      assert.equal(bare.code, 1);
      assert.match(bare.stdout, /\n502 Bad Gateway: an HTML page \(\d+ bytes\), not a Genea receiver's answer\n$/);
      assert.doesNotMatch(missing.stdout + bare.stdout, /Cannot POST|<html/);
    } finally {
      server.close();
    }
  });

  it('says in one line that an https:// URL points at a plain-HTTP server', async function () {
    const plain = url().replace(/^http:/, 'https:');
    const run = await runSender(['--url', plain, '--secret', SECRET]);
    assert.equal(run.code, 1);
    const host = new URL(plain).host.replace(/[.]/g, '\\.');
    assert.match(
      run.stderr,
      new RegExp(
        `^could not deliver to ${plain.replace(/[.]/g, '\\.')}: ${host} does not answer in TLS: ` +
          'is it a plain http:// server\\? \\(ERR_SSL_(WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG)\\)\\n$',
      ),
    );
    assert.doesNotMatch(run.stderr, /ssl3_get_record|openssl/);
  });

  describe('over HTTPS', function () {
    let tlsCollector;
    let caFile;

    before(async function () {
      const identity = selfSignedCertificate();
      tlsCollector = await Collector.start({ tls: identity, respond: () => ({ status: 200, text: 'Accepted' }) });
      caFile = path.join(dir, 'ca.pem');
      fs.writeFileSync(caFile, identity.cert);
    });
    after(async function () {
      await tlsCollector?.close();
    });

    it('delivers to a server it trusts and refuses one it does not', async function () {
      const target = `${tlsCollector.url}/genea`;
      const trusted = await runSender(['--url', target, '--secret', SECRET], { env: { NODE_EXTRA_CA_CERTS: caFile } });
      assert.equal(trusted.code, 0, trusted.stderr);
      const [request] = tlsCollector.on('/genea');
      assert.equal(request.headers['x-sequr-signature'], opensslSignature(request.raw, SECRET));
      const untrusted = await runSender(['--url', target, '--secret', SECRET]);
      assert.equal(untrusted.code, 1);
      assert.match(untrusted.stderr, /could not deliver to .*: self-signed certificate/);
      assert.equal(tlsCollector.received.length, 1);
    });
  });

  it('answers bad arguments with exit code 2, a clear message and no request', async function () {
    const target = url();
    const cases = [
      [['--url', target, '--secret', SECRET, '--colour'], /Unknown option '--colour'/],
      [['--secret', SECRET], /--url is required/],
      [['--url'], /Option '--url <value>' argument missing/],
      [['--url', 'not a url', '--secret', SECRET], /--url not a url is not a URL/],
      [['--url', 'ftp://127.0.0.1/genea', '--secret', SECRET], /--url must be an http or https URL, not ftp:/],
      [['--url', target], /a secret is required: --secret <secret> or GENEA_SECRET/],
      [
        ['--url', target, '--secret', SECRET, '--event', 'access.maybe'],
        /unknown --event access.maybe; one of access.granted, /,
      ],
      [
        ['--url', target, '--secret', SECRET, '--file', path.join(dir, 'missing.json')],
        /cannot read --file .*missing.json \(ENOENT\)/,
      ],
      [['--url', target, '--secret', SECRET, '--file', dir], /cannot read --file .* \(EISDIR\)/],
      [
        ['--url', target, '--secret', SECRET, '--file', __filename, '--event', 'other'],
        /--event and --file exclude each other/,
      ],
      [['--url', target, '--secret', SECRET, '--file', __filename, '--pretty'], /--pretty applies to --event/],
      [['--url', target, '--secret', SECRET, '--repeat', '0'], /--repeat takes a whole number from 1, not 0/],
      [['--url', target, '--secret', SECRET, '--repeat', 'two'], /--repeat takes a whole number from 1, not two/],
      [['--url', target, '--secret', SECRET, 'extra'], /Unexpected argument 'extra'/],
      [['--url', target, '--secret', SECRET, '--file', __filename, '--user', 'Bea'], /--user applies to --event/],
      [['--url', target, '--secret', SECRET, '--file', __filename, '--time', 'x'], /--time applies to --event/],
      [['--url', target, '--secret', SECRET, '--timezone', 'Mars/Base'], /--timezone Mars\/Base is not an IANA/],
      [
        ['--url', target, '--secret', SECRET, '--time', '2026-12-01T08:30'],
        /--time 2026-12-01T08:30 is neither a time of today such as 08:55 nor an ISO 8601 time/,
      ],
      [['--url', target, '--secret', SECRET, '--time', '2026-13-45T08:30Z'], /nor an ISO 8601 time/],
      [['--url', target, '--secret', SECRET, '--time', '25:00'], /--time 25:00 is neither a time of today/],
      [['--url', target, '--secret', SECRET, '--user', ' '], /--user is empty/],
      [
        ['--url', target, '--secret', SECRET, '--event', 'access.granted', '--event', 'access.denied'],
        /--event is given more than once/,
      ],
      [['--url', target, '--secret', SECRET, '--url', target], /--url is given more than once/],
      [['--url', target, '--secret', SECRET, '--time=08:00', '--time', '09:00'], /--time is given more than once/],
      [['--url', target, '--secret', SECRET, '--print', '--repeat', '2'], /--print and --repeat exclude each other/],
    ];
    for (const [args, message] of cases) {
      const run = await runSender(args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.match(run.stderr, /Run genea-webhook-send --help for the options\.\n$/);
      assert.equal(run.stdout, '');
      assert.ok(!run.stderr.includes(SECRET), 'the secret is never printed');
    }
    assert.equal(collector.received.length, 0);
  });

  it('--user, --location, --timezone, --door and --time set who, where and when of any sample event', async function () {
    const details = ['--user', 'Grace Hopper', '--location', 'Berlin', '--timezone', 'Europe/Berlin'];
    const time = '2026-12-01T07:45:00+01:00';
    for (const type of SAMPLE_EVENT_TYPES) {
      const run = await runSender([
        '--url',
        url(),
        '--secret',
        SECRET,
        '--event',
        type,
        ...details,
        '--door',
        'Back Door',
        '--time',
        time,
      ]);
      assert.equal(run.code, 0, run.stderr);
    }
    await runSender(['--url', url(), '--secret', SECRET, '--user', 'Grace Hopper', '--location', 'Berlin']);
    await runSender(['--url', url(), '--secret', SECRET, '--user', 'Bea Brown']);
    const summaries = collector.on('/genea').map((request) => summarise(request.body));
    const events = collector.on('/genea').map((request) => request.body);
    for (const [i, type] of SAMPLE_EVENT_TYPES.entries()) {
      const summary = summaries[i];
      assert.equal(summary.type, type, 'still the chosen kind of event');
      assert.equal(summary.user.name, 'Grace Hopper');
      assert.equal(summary.location.name, 'Berlin');
      assert.equal(summary.location.timezone, 'Europe/Berlin');
      assert.equal(summary.door.name, 'Back Door');
      assert.equal(events[i].event_time, time);
      assert.equal(summary.time, '2026-12-01T06:45:00.000Z');
    }
    // The same name, the same uuid (day tracking and filters key on uuids); another name, another one.
    const first = summaries[0];
    const same = summaries[SAMPLE_EVENT_TYPES.length];
    const other = summaries[SAMPLE_EVENT_TYPES.length + 1];
    assert.equal(same.user.uuid, first.user.uuid);
    assert.equal(same.location.uuid, first.location.uuid);
    assert.notEqual(other.user.uuid, first.user.uuid);
    assert.equal(other.user.name, 'Bea Brown');
    assert.equal(other.location.name, 'Headquarters', 'unchanged without --location');
    assert.match(first.user.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("--time HH:MM is that time of today at the event's location, in its time zone", async function () {
    const today = (zone) => new Date().toLocaleDateString('en-CA', { timeZone: zone });
    const daysBefore = [today('America/New_York'), today('Europe/Berlin')];
    assert.equal((await runSender(['--url', url(), '--secret', SECRET, '--time', '08:55'])).code, 0);
    const berlin = ['--location', 'Berlin', '--timezone', 'Europe/Berlin', '--time', '07:30:15'];
    assert.equal(
      (await runSender(['--url', url(), '--secret', SECRET, '--event', 'access.denied', ...berlin])).code,
      0,
    );
    const daysAfter = [today('America/New_York'), today('Europe/Berlin')];
    const [newYork, inBerlin] = collector.on('/genea').map((request) => request.body.event_time);
    for (const [i, [time, zone, local]] of [
      [newYork, 'America/New_York', '08:55:00'],
      [inBerlin, 'Europe/Berlin', '07:30:15'],
    ].entries()) {
      assert.match(time, new RegExp(`^\\d{4}-\\d{2}-\\d{2}T${local}[+-]\\d{2}:\\d{2}$`));
      assert.ok([daysBefore[i], daysAfter[i]].includes(time.slice(0, 10)), `${time}: today in ${zone}`);
      const shown = new Date(time).toLocaleString('en-CA', { timeZone: zone, hourCycle: 'h23' });
      assert.equal(shown, `${time.slice(0, 10)}, ${local}`, `${time} is ${local} in ${zone}`);
    }
  });

  it('--print prints the signed request, headers and body, and sends nothing', async function () {
    const run = await runSender(['--url', `${url()}?x=1`, '--secret', SECRET, '--event', 'access.denied', '--print']);
    assert.equal(run.code, 0, run.stderr);
    const [head, body] = run.stdout.split('\n\n');
    const lines = head.split('\n');
    assert.equal(lines[0], 'POST /genea?x=1 HTTP/1.1');
    assert.equal(lines[1], `Host: ${new URL(url()).host}`);
    assert.ok(lines.includes('Content-Type: application/json'));
    assert.ok(lines.includes(`Content-Length: ${Buffer.byteLength(body.trimEnd())}`));
    assert.ok(lines.includes(`X-Sequr-Signature: ${opensslSignature(Buffer.from(body.trimEnd()), SECRET)}`));
    assert.equal(JSON.parse(body).event_action, 'SEQUR_ACCESS_DENIED_CARD_NOT_FOUND');
    assert.ok(!run.stdout.includes(SECRET));
    assert.equal(collector.received.length, 0);
  });

  it('--help prints the usage and exits 0', async function () {
    const run = await runSender(['--help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^Usage: genea-webhook-send --url <url>/);
    for (const option of [
      '--secret',
      '--event',
      '--file',
      '--repeat',
      '--pretty',
      '--print',
      '--user',
      '--location',
      '--timezone',
      '--door',
      '--time',
      '--version',
      'GENEA_SECRET',
    ]) {
      assert.ok(run.stdout.includes(option), option);
    }
    for (const type of SAMPLE_EVENT_TYPES) assert.ok(run.stdout.includes(type), type);
  });
});
