'use strict';
// Property-based tests (fast-check) of verification and classification: any bytes, any header value,
// any JSON value.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fc = require('fast-check');
const { signBody, verifySignature } = require('../../nodes/lib/signature');
const { processDelivery } = require('../../nodes/lib/delivery');
const { MemoryClaimStore } = require('../../nodes/lib/claim-store');
const { summarise, parseGeneaEvent, GENEA_EVENT_TYPES } = require('../../nodes/lib/event');

const RUNS = { numRuns: 1000 };
const bytes = fc.uint8Array({ maxLength: 2048 }).map((array) => Buffer.from(array));
const secret = fc.string({ minLength: 1, maxLength: 64, unit: 'binary' }).filter((s) => s.trim() !== '');
const algorithm = fc.constantFrom('sha1', 'sha256');
/** Header values as a client could send them, and values no HTTP parser would produce. */
const anyHeader = fc.oneof(
  fc.anything(),
  fc.string({ unit: 'binary' }),
  fc.array(fc.string()),
  fc.stringMatching(/^\s*(sha1|sha256|SHA1|md5)=[0-9a-fA-F]{0,80}\s*$/),
);
/** Weights of a signed and of any header in `delivery`: signed in half of the runs, on average. */
const WEIGHTS = { signed: 1, any: 1 };
const SIGNED_SHARE = WEIGHTS.signed / (WEIGHTS.signed + WEIGHTS.any);
/**
 * { body, header, secrets, signed }: in SIGNED_SHARE of the runs (on average) header is the body's real signature
 * with one of the secrets (either algorithm, either letter case), otherwise any header value; `signed` says which.
 * Any header alone is never a valid signature in practice, so without these the accepting branch never runs.
 */
const delivery = (body) =>
  fc.oneof(
    {
      weight: WEIGHTS.any,
      arbitrary: fc.record({
        body,
        header: anyHeader,
        secrets: fc.array(secret, { maxLength: 3 }),
        signed: fc.constant(false),
      }),
    },
    {
      weight: WEIGHTS.signed,
      arbitrary: fc
        .tuple(body, fc.array(secret, { minLength: 1, maxLength: 3 }), fc.nat(), algorithm, fc.boolean())
        .map(([bytes, secrets, index, alg, upper]) => {
          const header = signBody(bytes, secrets[index % secrets.length], alg);
          return { body: bytes, header: upper ? header.toUpperCase() : header, secrets, signed: true };
        }),
    },
  );
/** Counts how often each branch of a property ran; `assertShares` fails when one ran in too few runs. */
function branches() {
  const counts = {};
  return {
    counts,
    count(name) {
      counts[name] = (counts[name] ?? 0) + 1;
    },
    /** Each of `names` ran in at least `share` of `runs`. */
    assertShares(names, share, runs) {
      for (const name of names) {
        assert.ok(
          (counts[name] ?? 0) >= share * runs,
          `branch "${name}" ran ${counts[name] ?? 0} of ${runs} runs: ${JSON.stringify(counts)}`,
        );
      }
    },
  };
}

describe('properties: signature verification', function () {
  it('never throws, and accepts a header exactly when it is the HMAC of these bytes with a configured secret', function () {
    const ran = branches();
    fc.assert(
      fc.property(delivery(bytes), ({ body, header, secrets, signed }) => {
        const check = verifySignature(body, header, secrets);
        if (signed) assert.equal(check.valid, true, 'a real signature is accepted');
        ran.count(check.valid ? 'accepted' : 'rejected');
        if (!check.valid) return;
        const [name, hex] = String(header).trim().split('=');
        const expected = signBody(body, secrets[check.secretIndex], name.toLowerCase());
        assert.equal(`${name.toLowerCase()}=${hex.toLowerCase()}`, expected);
      }),
      RUNS,
    );
    // Both branches ran in a fair share of the runs (0.4 where about 0.5 is expected).
    ran.assertShares(['accepted', 'rejected'], 0.8 * SIGNED_SHARE, RUNS.numRuns);
  });

  it('accepts what a configured secret signed, in either hex case, naming which secret', function () {
    fc.assert(
      fc.property(bytes, secret, secret, algorithm, fc.boolean(), (body, current, previous, alg, upper) => {
        const header = signBody(body, previous, alg);
        const check = verifySignature(body, upper ? header.toUpperCase() : header, [current, previous]);
        assert.equal(check.valid, true);
        assert.equal(check.secretIndex, current === previous ? 0 : 1);
      }),
      RUNS,
    );
  });

  it('rejects what another secret signed, and any change to the signed bytes', function () {
    fc.assert(
      fc.property(bytes, secret, secret, algorithm, fc.nat(), (body, configured, other, alg, position) => {
        fc.pre(configured !== other);
        assert.deepEqual(verifySignature(body, signBody(body, other, alg), [configured]), {
          valid: false,
          problem: 'mismatch',
        });
        const header = signBody(body, configured, alg);
        const changed = body.length === 0 ? Buffer.from([0]) : Buffer.from(body);
        if (body.length > 0) changed[position % body.length] ^= 1 << (position % 8);
        assert.equal(verifySignature(changed, header, [configured]).valid, false);
      }),
      RUNS,
    );
  });

  it('accepts nothing when no secret is configured', function () {
    fc.assert(
      fc.property(bytes, anyHeader, (body, header) => {
        assert.equal(verifySignature(body, header, []).valid, false);
      }),
      RUNS,
    );
  });
});

describe('properties: delivery pipeline', function () {
  it('never throws on any bytes and header, and emits only signed JSON objects', function () {
    // Any bytes, or a JSON object: signed, the one is mostly rejected (400) and the other accepted.
    const body = fc.oneof(
      bytes,
      fc.object().map((object) => Buffer.from(JSON.stringify(object))),
    );
    const ran = branches();
    fc.assert(
      fc.property(delivery(body), ({ body, header, secrets, signed }) => {
        const verdict = processDelivery(body, header, secrets);
        if (verdict.accepted) {
          ran.count('accepted');
          assert.equal(verifySignature(body, header, secrets).valid, true);
          const event = JSON.parse(body.toString());
          assert.ok(typeof event === 'object' && event !== null && !Array.isArray(event));
          assert.deepEqual(verdict.event, event);
        } else {
          ran.count(`rejected ${verdict.status}`);
          assert.ok([400, 401].includes(verdict.status), verdict.reason);
          assert.equal(verdict.status === 400, signed, 'a signed body is rejected only for its content');
        }
      }),
      RUNS,
    );
    // Signed JSON objects come in about a quarter of the runs; every branch ran in at least a tenth.
    ran.assertShares(['accepted', 'rejected 400', 'rejected 401'], 0.1, RUNS.numRuns);
  });

  it('accepts any signed JSON value exactly when it is an object, with the event as sent', function () {
    fc.assert(
      fc.property(fc.jsonValue(), secret, fc.integer({ min: 0, max: 4 }), (value, key, indent) => {
        const body = Buffer.from(JSON.stringify(value, null, indent) ?? 'null');
        const verdict = processDelivery(body, signBody(body, key), [key]);
        const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
        assert.equal(verdict.accepted, isObject);
        if (verdict.accepted) {
          assert.deepEqual(verdict.event, JSON.parse(body.toString()));
          assert.ok(GENEA_EVENT_TYPES.includes(verdict.summary.type));
        } else {
          assert.deepEqual([verdict.status, verdict.reason], [400, 'Body is not a JSON object']);
        }
      }),
      RUNS,
    );
  });

  it('emits each event once however often and however formatted it is re-sent', function () {
    fc.assert(
      fc.property(
        fc.uuid(),
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 6 }),
        (uuid, indents) => {
          const claims = new MemoryClaimStore();
          const event = { uuid, event_type: 'ACCESS', event_action: 'SEQUR_ACCESS_GRANTED' };
          const duplicates = indents.map((indent) => {
            const body = Buffer.from(JSON.stringify(event, null, indent));
            const verdict = processDelivery(body, signBody(body, 'k'), ['k']);
            return claims.claimNow(verdict.key, 60_000) === null;
          });
          assert.deepEqual(
            duplicates,
            indents.map((_, i) => i > 0),
          );
        },
      ),
      RUNS,
    );
  });
});

/** Objects with any extra fields, some of them named like Genea's. */
const looseEvent = fc.dictionary(
  fc.oneof(
    fc.string(),
    fc.constantFrom('event_action', 'event_message', 'event_type', 'actor', 'location', 'door', 'card', 'uuid'),
  ),
  fc.anything(),
);
const reasonCode = fc
  .stringMatching(/^[A-Za-z][A-Za-z0-9]{0,8}(_[A-Za-z0-9]{1,8}){0,4}$/)
  .filter((code) => !/ANTI_?PASSBACK/i.test(code));
const randomCase = (text) =>
  fc
    .array(fc.boolean(), { minLength: text.length, maxLength: text.length })
    .map((flags) => [...text].map((c, i) => (flags[i] ? c.toUpperCase() : c.toLowerCase())).join(''));

describe('properties: classification', function () {
  it('never throws on any object, and always yields one of the known types', function () {
    fc.assert(
      fc.property(looseEvent, (event) => {
        const summary = summarise(event);
        assert.ok(GENEA_EVENT_TYPES.includes(summary.type));
        JSON.stringify(summary);
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.string(), bytes), (payload) => {
        const event = parseGeneaEvent(payload);
        if (event !== null) assert.ok(GENEA_EVENT_TYPES.includes(summarise(event).type));
      }),
      RUNS,
    );
  });

  it('classifies any denial reason, in any letter case, as access.denied with the upper-case code', function () {
    fc.assert(
      fc.property(
        reasonCode.chain((code) => randomCase(code).map((written) => [code, written])),
        fc.dictionary(
          fc.string().filter((k) => !k.startsWith('event_')),
          fc.anything(),
          { maxKeys: 4 },
        ),
        ([code, written], extra) => {
          const summary = summarise({ ...extra, event_type: 'ACCESS', event_action: `SEQUR_ACCESS_DENIED_${written}` });
          assert.equal(summary.type, 'access.denied');
          assert.equal(summary.reason, code.toUpperCase());
        },
      ),
      RUNS,
    );
  });

  it('classifies grants and audit actions whatever else the event carries', function () {
    const granted = fc.constantFrom('', '_ACCESS_POINT_UNLOCKED', '_NO_ENTRY', '_BY_HOST');
    const audit = fc.constantFrom('CREATED', 'UPDATED', 'DELETED', 'INSTALLED', 'UNINSTALLED').chain(randomCase);
    fc.assert(
      fc.property(granted, audit, fc.string(), (suffix, action, message) => {
        assert.equal(
          summarise({ event_type: 'ACCESS', event_action: `SEQUR_ACCESS_GRANTED${suffix}`, event_message: message })
            .type,
          'access.granted',
        );
        assert.equal(
          summarise({ event_type: 'AUDIT', event_action: action, event_message: message }).type,
          `resource.${action.toLowerCase()}`,
        );
      }),
      RUNS,
    );
  });
});

const DOOR_ACTIONS = [
  'SEQUR_DOOR_POSITION_SENSOR_ALARM',
  'SEQUR_DOOR_POSITION_SENSOR_SECURE',
  'SEQUR_DOOR_ACCESS_MODE_UNLOCKED',
  'SEQUR_HOST_INITIATED_REQUEST_DOOR_USE_NOT_VERIFIED',
  'OSDP_READER_ONLINE_STATUS_UPDATE',
];
/** Texts, objects and JSON text of them, some with state-like keys and values. */
const looseInfo = fc
  .oneof(
    fc.anything(),
    fc.dictionary(
      fc.oneof(fc.string(), fc.constantFrom('Forced Open State', 'held_open_state', 'online', 'Reader Status')),
      fc.oneof(
        fc.anything(),
        fc.string(),
        fc.constantFrom('Prior : No, Current : Yes', 'ONLINE', 'offline', 'current:'),
      ),
    ),
  )
  .chain((info) => fc.constantFrom(info, JSON.stringify(info) ?? 'undefined'));
const spacing = fc.constantFrom('', ' ', '  ', '\t');
const word = (text) => fc.tuple(randomCase(text), spacing, spacing).map(([w, a, b]) => `${a}${w}${b}`);
/** A state text as Genea writes it, in any case and spacing, its Prior part sometimes missing. */
const stateText = (prior, current) =>
  fc
    .tuple(
      fc.boolean(),
      randomCase('prior'),
      randomCase('current'),
      word(prior ? 'yes' : 'no'),
      word(current ? 'yes' : 'no'),
      spacing,
      fc.constantFrom(':', ' : ', '='),
      fc.constantFrom(',', ', ', ';'),
    )
    .map(([withPrior, p, c, pv, cv, s, colon, comma]) =>
      withPrior ? `${s}${p}${colon}${pv}${comma}${c}${colon}${cv}` : `${c}${colon}${cv}`,
    );
/** `Forced Open State` in any case, with spaces, underscores or nothing between the words. */
const stateKey = (words) =>
  fc
    .tuple(randomCase(words.join(' ')), fc.constantFrom(' ', '_', '', '-'))
    .map(([key, separator]) => key.split(' ').join(separator));

describe('properties: door and device events', function () {
  const DOOR_TYPES = GENEA_EVENT_TYPES.filter((type) => type.startsWith('door.') || type === 'device.status');

  it('never throw on any additional_info or event_hw_info, and say only what they read', function () {
    fc.assert(
      fc.property(fc.constantFrom(...DOOR_ACTIONS), looseInfo, looseInfo, fc.anything(), (action, info, hw, actor) => {
        const summary = summarise({ event_action: action, additional_info: info, event_hw_info: hw, actor });
        assert.ok(DOOR_TYPES.includes(summary.type), summary.type);
        JSON.stringify(summary);
        if (summary.alarms) {
          const [first] = summary.alarms;
          assert.equal(summary.type, first ? `door.${first}` : 'door.alarm', JSON.stringify(summary.alarms));
        }
        if ('online' in summary) assert.equal(typeof summary.online, 'boolean');
        if (summary.remote === false) assert.notEqual(actor?.type, 'API_KEY');
      }),
      RUNS,
    );
  });

  it('read any state text in any case and spacing, under any spelling of its key', function () {
    const alarmInfo = fc
      .record({ forcedPrior: fc.boolean(), forcedNow: fc.boolean(), heldPrior: fc.boolean(), heldNow: fc.boolean() })
      .chain((flags) =>
        fc.record({
          flags: fc.constant(flags),
          forcedKey: stateKey(['forced', 'open', 'state']),
          heldKey: stateKey(['held', 'open', 'state']),
          forced: stateText(flags.forcedPrior, flags.forcedNow),
          held: stateText(flags.heldPrior, flags.heldNow),
          asJson: fc.boolean(),
        }),
      );
    fc.assert(
      fc.property(alarmInfo, ({ flags, forcedKey, heldKey, forced, held, asJson }) => {
        const states = { [forcedKey]: forced, [heldKey]: held };
        const info = asJson ? JSON.stringify(states) : states;
        const alarm = summarise({ event_action: 'SEQUR_DOOR_POSITION_SENSOR_ALARM', additional_info: info });
        const current = [flags.forcedNow && 'forced_open', flags.heldNow && 'held_open'].filter(Boolean);
        assert.deepEqual(alarm.alarms, current, JSON.stringify(states));
        assert.equal(
          alarm.type,
          flags.forcedNow ? 'door.forced_open' : flags.heldNow ? 'door.held_open' : 'door.alarm',
        );
        // Resolved: Yes before (a Prior part must say so), No now.
        const secure = summarise({ event_action: 'SEQUR_DOOR_POSITION_SENSOR_SECURE', additional_info: info });
        const resolved = [
          /prior/i.test(forced) && flags.forcedPrior && !flags.forcedNow && 'forced_open',
          /prior/i.test(held) && flags.heldPrior && !flags.heldNow && 'held_open',
        ].filter(Boolean);
        assert.deepEqual(secure.resolved, resolved, JSON.stringify(states));
      }),
      RUNS,
    );
  });

  it('set online only where a key names it, or names a status that reads ONLINE or OFFLINE', function () {
    const unrelatedKey = fc.string().filter((key) => !/online|status/i.test(key.replace(/[^a-z0-9]/gi, '')));
    fc.assert(
      fc.property(fc.dictionary(unrelatedKey, fc.anything()), fc.boolean(), (info, online) => {
        const event = { event_action: 'OSDP_READER_ONLINE_STATUS_UPDATE', additional_info: info };
        assert.equal('online' in summarise(event), false);
        const said = summarise({
          ...event,
          additional_info: { ...info, 'Reader Status': online ? 'ONLINE' : 'OFFLINE' },
        });
        assert.equal(said.online, online);
      }),
      RUNS,
    );
  });
});

describe('properties: constant-time comparison', function () {
  it('compares digests with crypto.timingSafeEqual, never with string equality', function () {
    const calls = [];
    const original = crypto.timingSafeEqual;
    crypto.timingSafeEqual = (a, b) => {
      calls.push([a.length, b.length]);
      return original(a, b);
    };
    try {
      const body = Buffer.from('{"uuid":"t"}');
      verifySignature(body, signBody(body, 'wrong'), ['a', 'b']);
      verifySignature(body, signBody(body, 'b', 'sha256'), ['a', 'b']);
    } finally {
      crypto.timingSafeEqual = original;
    }
    assert.deepEqual(calls, [
      [20, 20],
      [20, 20],
      [32, 32],
      [32, 32],
    ]);
  });
});
