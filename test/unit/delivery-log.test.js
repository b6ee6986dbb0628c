'use strict';
// The delivery inspector's bounded store on its own (src/lib/delivery-log), and its admin API's answers where the
// receiver cannot hand a replay on (a stand-in RED); test/node/delivery-inspector.test.js covers it in Node-RED.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const express = require('express');
const supertest = require('supertest');
const { EventEmitter } = require('node:events');
const { PassThrough } = require('node:stream');
const { DeliveryLog, deliveryHint, keptText, reasonOf, MAX_TEXT_LENGTH } = require('../../nodes/lib/delivery-log');
const { readBody } = require('../../nodes/lib/body-reader');
const { SourceAllowList, sourceRejection } = require('../../nodes/lib/source-allow-list');
const { processDelivery, asDuplicate, REJECTIONS } = require('../../nodes/lib/delivery');
const { MemoryClaimStore } = require('../../nodes/lib/claim-store');
const { signBody } = require('../../nodes/lib/signature');
const { DeliveryRecorder, registerDeliveryInspector } = require('../../nodes/genea-webhook-in/delivery-inspector');
const events = require('../fixtures/events');

const SECRETS = ['current-secret', 'previous-secret'];

/** The verdict of `event` signed with secret number `secretIndex`, as the receiver gets it after its claim. */
function verdict(event, { secretIndex = 0, claims = new MemoryClaimStore() } = {}) {
  const body = Buffer.from(JSON.stringify(event));
  const answer = processDelivery(body, signBody(body, SECRETS[secretIndex]), SECRETS);
  return { body, answer: claims.claimNow(answer.key, 60_000) === null ? asDuplicate(answer) : answer };
}

const accepted = (log, event, options) => log.add({ ip: '192.0.2.7', method: 'POST', ...verdict(event, options) });
const rejected = (log, rejection, facts = {}) =>
  log.add({ ip: '192.0.2.7', method: 'POST', answer: rejection, ...facts });

describe('DeliveryLog', function () {
  it('lists the newest first, without events, and shows one with its event', function () {
    let now = Date.UTC(2026, 0, 2, 3, 4, 5);
    const log = new DeliveryLog(50, 1024 * 1024, () => now++);
    const first = accepted(log, events.granted);
    const second = rejected(log, REJECTIONS.wrongSignature, { body: Buffer.from('{}') });
    const records = log.list();
    assert.deepEqual(
      records.map((r) => r.id),
      [second, first],
    );
    assert.deepEqual(records[1], {
      id: first,
      time: '2026-01-02T03:04:05.000Z',
      ip: '192.0.2.7',
      method: 'POST',
      bytes: Buffer.byteLength(JSON.stringify(events.granted)),
      status: 200,
      reason: 'Accepted',
      reasonCode: 'accepted',
      type: 'access.granted',
      uuid: events.granted.uuid,
      action: 'SEQUR_ACCESS_GRANTED',
      message: 'Access Granted',
      duplicate: false,
      replayable: true,
      replays: 0,
    });
    assert.deepEqual(records[0], {
      id: second,
      time: '2026-01-02T03:04:05.001Z',
      ip: '192.0.2.7',
      method: 'POST',
      bytes: 2,
      status: 401,
      reason: 'Signature does not match the configured secret',
      reasonCode: 'wrongSignature',
    });
    assert.deepEqual(log.detail(first).event, events.granted);
    assert.equal(log.detail(second).event, undefined, 'a rejected body is never kept');
    assert.equal(log.detail('nope'), undefined);
  });

  it('keeps at most `capacity` records, dropping the oldest, and counts every one', function () {
    const log = new DeliveryLog(3);
    const claims = new MemoryClaimStore();
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push(accepted(log, { ...events.granted, uuid: `u${i}` }, { claims }));
    ids.push(accepted(log, { ...events.granted, uuid: 'u3' }, { claims }));
    ids.push(rejected(log, REJECTIONS.missingSignature));
    assert.equal(log.size, 3);
    assert.deepEqual(
      log.list().map((r) => r.id),
      ids.slice(-3).reverse(),
    );
    assert.equal(log.list()[1].duplicate, true);
    assert.deepEqual(log.counts, { accepted: 4, duplicates: 1, rejected: 1, replayed: 0 });
    assert.equal(log.detail(ids[0]), undefined);
  });

  it('keeps events within a byte budget: the oldest lose theirs first, too large ones never get one', function () {
    const event = (uuid) => ({ ...events.granted, uuid, filler: 'x'.repeat(300) });
    const size = verdict(event('a')).body.length;
    // A record costs its texts beside its body: room for three records, but only two bodies.
    const probe = new DeliveryLog();
    accepted(probe, event('a'));
    const texts = probe.bytesKept - size;
    const log = new DeliveryLog(50, size * 2 + texts * 3 + 10);
    const ids = ['a', 'b', 'c'].map((uuid) => accepted(log, event(uuid)));
    assert.deepEqual(
      log.list().map((r) => r.replayable),
      [true, true, false],
    );
    assert.equal(log.detail(ids[0]).event, undefined);
    assert.deepEqual(log.replayable(ids[0]), { ok: false, problem: 'not-kept' });
    const big = accepted(log, { ...event('big'), filler: 'x'.repeat(size * 3) });
    assert.equal(log.list()[0].replayable, false);
    assert.equal(log.list()[0].id, big);
    assert.equal(log.list()[1].replayable, true, 'a body over the budget pushes out no other');
  });

  it('keeps an exact copy of the bytes received, not the Buffer it was given', function () {
    const log = new DeliveryLog();
    const { body, answer } = verdict(events.granted);
    const id = log.add({ ip: null, method: 'POST', body, answer });
    body.fill(0x20);
    assert.deepEqual(log.detail(id).event, events.granted);
  });

  it('hands out a fresh event and summary for each replay, and counts replays', function () {
    const log = new DeliveryLog();
    const id = accepted(log, events.denied);
    const one = log.replayable(id);
    const two = log.replayable(id);
    assert.equal(one.ok, true);
    assert.deepEqual(one.event, events.denied);
    assert.equal(one.summary.reason, 'CARD_NOT_FOUND');
    assert.notEqual(one.event, two.event);
    assert.notEqual(one.summary, two.summary);
    assert.equal(log.replayed(id).replays, 1);
    assert.equal(log.replayed(id).replays, 2);
    assert.equal(log.replayed('nope'), undefined);
    assert.equal(log.counts.replayed, 2);
    assert.deepEqual(log.replayable('nope'), { ok: false, problem: 'unknown' });
    assert.deepEqual(log.replayable(rejected(log, REJECTIONS.notJsonObject)), { ok: false, problem: 'rejected' });
  });

  it('says which event a delivery refused for its age was, and shows it, but never replays it', function () {
    const log = new DeliveryLog();
    const stale = { ...events.denied, event_time: '2020-01-01T00:00:00.000Z' };
    const undated = { ...events.granted };
    delete undated.event_time;
    const ids = [stale, undated].map((event) => {
      const body = Buffer.from(JSON.stringify(event));
      const answer = processDelivery(body, signBody(body, SECRETS[0]), SECRETS, {
        maxEventAgeMs: 60_000,
      });
      assert.equal(answer.status, 400);
      return log.add({ ip: null, method: 'POST', body, answer });
    });
    const [undatedRecord, staleRecord] = log.list();
    assert.deepEqual(
      [staleRecord.type, staleRecord.uuid, staleRecord.action, staleRecord.duplicate, staleRecord.replayable],
      ['access.denied', events.denied.uuid, 'SEQUR_ACCESS_DENIED_CARD_NOT_FOUND', false, false],
    );
    assert.equal(staleRecord.reason, REJECTIONS.staleEvent.reason);
    assert.deepEqual([undatedRecord.type, undatedRecord.reason], ['access.granted', REJECTIONS.undatedEvent.reason]);
    assert.deepEqual(log.detail(ids[0]).event, stale);
    assert.deepEqual(log.detail(ids[1]).event, undated);
    for (const id of ids) assert.deepEqual(log.replayable(id), { ok: false, problem: 'rejected' });
    assert.deepEqual(log.counts, { accepted: 0, duplicates: 0, rejected: 2, replayed: 0 });
    // The same reasons from anywhere without an event body name no event.
    const bare = rejected(log, REJECTIONS.staleEvent, { body: Buffer.from('[]') });
    assert.equal(log.detail(bare).type, undefined);
  });

  it('clears records and counts, and never reuses an id', function () {
    const log = new DeliveryLog();
    const before = accepted(log, events.granted);
    log.clear();
    assert.deepEqual(log.list(), []);
    assert.deepEqual(log.counts, { accepted: 0, duplicates: 0, rejected: 0, replayed: 0 });
    const after = accepted(log, events.granted);
    assert.notEqual(after, before);
    assert.ok(new DeliveryLog().add({ ip: null, method: 'GET', answer: REJECTIONS.methodNotAllowed }) !== after);
  });

  it('keeps at most MAX_TEXT_LENGTH characters of every text, as strings of their own', function () {
    const long = (c) => c.repeat(400 * 1024);
    const log = new DeliveryLog();
    const event = { ...events.granted, uuid: long('u'), event_message: long('m'), event_action: long('A') };
    accepted(log, event);
    // Refused for having no valid event_time: the record still names its event.
    const stale = { ...events.denied, uuid: long('s'), event_time: long('2') };
    const body = Buffer.from(JSON.stringify(stale));
    const answer = processDelivery(body, signBody(body, SECRETS[0]), SECRETS, {
      maxEventAgeMs: 60_000,
    });
    log.add({ ip: long('1'), method: 'POST', body, answer });
    const [refused, record] = log.list();
    assert.equal(refused.reason, REJECTIONS.undatedEvent.reason);
    for (const value of [record, refused].flatMap((r) => Object.values(r))) {
      if (typeof value === 'string') assert.ok(value.length <= MAX_TEXT_LENGTH, `${value.length}`);
    }
    assert.equal(record.uuid, 'u'.repeat(MAX_TEXT_LENGTH - 1) + '…');
    assert.equal(record.message, 'm'.repeat(MAX_TEXT_LENGTH - 1) + '…');
    assert.equal(record.action, 'A'.repeat(MAX_TEXT_LENGTH - 1) + '…');
    assert.equal(refused.uuid, 's'.repeat(MAX_TEXT_LENGTH - 1) + '…');
    assert.equal(refused.ip, '1'.repeat(MAX_TEXT_LENGTH - 1) + '…');
    assert.ok(JSON.stringify(log.list()).length < 2000, 'the list stays small');
    // Short texts stay as they are; a cut never leaves half a surrogate pair.
    assert.equal(keptText('Access Granted'), 'Access Granted');
    assert.equal(keptText(null), null);
    const emoji = keptText('x'.repeat(MAX_TEXT_LENGTH - 2) + '😀'.repeat(10));
    assert.equal(emoji, 'x'.repeat(MAX_TEXT_LENGTH - 2) + '…');
  });

  it('counts the texts of every record in its byte budget, beside the bodies', function () {
    const log = new DeliveryLog(50, 64 * 1024);
    assert.equal(log.bytesKept, 0);
    const id = rejected(log, REJECTIONS.missingSignature);
    const oneRecord = log.bytesKept;
    assert.ok(oneRecord >= Buffer.byteLength(REJECTIONS.missingSignature.reason), `${oneRecord}`);
    const big = 'x'.repeat(400 * 1024);
    for (let i = 0; i < 50; i++) accepted(log, { ...events.granted, uuid: `${i}${big}`, event_message: big });
    assert.equal(log.size, 50);
    assert.equal(log.detail(id), undefined);
    // 50 records of capped texts: far below one event's size, and within the budget.
    assert.ok(log.bytesKept <= 64 * 1024, `${log.bytesKept}`);
    assert.ok(log.bytesKept >= 50 * oneRecord, `${log.bytesKept}`);
    assert.ok(
      log.list().every((r) => r.replayable === false),
      'every 800 KiB event is over the budget',
    );
    // Small events fill the budget left by the records' texts, not the whole of it.
    const small = new DeliveryLog(50, 4096);
    const ids = [];
    for (let i = 0; i < 10; i++) ids.push(accepted(small, { ...events.granted, uuid: `small-${i}` }));
    const size = verdict(events.granted).body.length;
    const keptBodies = small.list().filter((r) => r.replayable).length;
    assert.ok(keptBodies > 0 && keptBodies < Math.floor(4096 / size), `${keptBodies} bodies kept`);
    assert.ok(small.bytesKept <= 4096, `${small.bytesKept}`);
    small.clear();
    assert.equal(small.bytesKept, 0);
  });
});

describe('deliveryHint', function () {
  const hint = (answer, facts = {}) => deliveryHint({ ip: null, method: 'POST', answer, ...facts });
  const catalog = (lang) =>
    JSON.parse(
      fs.readFileSync(
        path.join(__dirname, `../../nodes/genea-webhook-in/locales/${lang}/genea-webhook-in.json`),
        'utf8',
      ),
    )['genea-webhook-in'].deliveries.hints;

  it('says what the receiver knows, and nothing where it knows nothing more', function () {
    assert.equal(hint(REJECTIONS.missingSignature).code, 'no-signature-header');
    assert.equal(hint(verdict(events.granted, { secretIndex: 1 }).answer).code, 'previous-secret');
    assert.equal(hint(verdict(events.granted).answer), undefined);
    assert.deepEqual(hint(REJECTIONS.unsupportedType, { contentType: ' Text/Plain ; charset=utf-8' }), {
      code: 'content-type',
      text: 'Sent as Text/Plain',
      values: { type: 'Text/Plain' },
    });
    assert.equal(hint(REJECTIONS.unsupportedType, { contentType: ';' }).code, 'no-content-type');
    assert.equal(hint(REJECTIONS.unsupportedType).code, 'no-content-type');
    const odd = hint(REJECTIONS.unsupportedType, { contentType: `text/\u0000<b>${'x'.repeat(300)}` });
    assert.equal(odd.values.type.length, 100, 'cut short');
    assert.match(odd.values.type, /^text\/\?<b>x+$/, 'printable only');
    for (const [body, code, kind] of [
      [' ', 'empty-body'],
      ['{"a":', 'not-json'],
      ['[1]', 'json-not-object', 'array'],
      ['"text"', 'json-not-object', 'string'],
      ['\ufeffnull', 'json-not-object', 'null'],
      ['true', 'json-not-object', 'boolean'],
    ]) {
      const found = hint(REJECTIONS.notJsonObject, { body: Buffer.from(body) });
      assert.equal(found.code, code, body);
      assert.equal(found.values?.kind, kind, body);
    }
    assert.equal(hint(REJECTIONS.notJsonObject), undefined);
    const stale = Buffer.from(JSON.stringify({ ...events.granted, event_time: '2020-01-01T00:00:00Z' }));
    assert.deepEqual(hint(REJECTIONS.staleEvent, { body: stale }), {
      code: 'stale-event',
      text: 'Its event_time was 2020-01-01T00:00:00Z',
      values: { time: '2020-01-01T00:00:00Z' },
    });
    assert.equal(hint(REJECTIONS.staleEvent, { body: Buffer.from('{"event_time":1}') }), undefined);
    assert.equal(hint(REJECTIONS.staleEvent), undefined);
    for (const rejection of [REJECTIONS.wrongSignature, REJECTIONS.malformedSignature, REJECTIONS.noSecret]) {
      assert.equal(hint(rejection), undefined, rejection.reason);
    }
  });

  it('reads in English exactly as the editor catalog has it, and every code has a German text', function () {
    const english = catalog('en-US');
    const german = catalog('de');
    const samples = [
      hint(REJECTIONS.missingSignature),
      hint(verdict(events.granted, { secretIndex: 1 }).answer),
      hint(REJECTIONS.unsupportedType, { contentType: 'text/plain' }),
      hint(REJECTIONS.unsupportedType),
      hint(REJECTIONS.notJsonObject, { body: Buffer.from('') }),
      hint(REJECTIONS.notJsonObject, { body: Buffer.from('{') }),
      hint(REJECTIONS.notJsonObject, { body: Buffer.from('[]') }),
      hint(REJECTIONS.staleEvent, { body: Buffer.from('{"event_time":"2020-01-01"}') }),
    ];
    assert.deepEqual(samples.map((h) => h.code).sort(), Object.keys(english).sort(), 'every code has a sample');
    for (const sample of samples) {
      const text = english[sample.code].replace(/__(\w+)__/g, (_, name) => sample.values[name]);
      assert.equal(sample.text, text, sample.code);
      assert.notEqual(german[sample.code], english[sample.code], `${sample.code} in German`);
    }
  });
});

describe('reasonOf', function () {
  const catalog = (lang) =>
    JSON.parse(
      fs.readFileSync(
        path.join(__dirname, `../../nodes/genea-webhook-in/locales/${lang}/genea-webhook-in.json`),
        'utf8',
      ),
    )['genea-webhook-in'].deliveries.reasons;
  /** A request whose body reader's answer `act` provokes. */
  async function bodyReaderAnswer(act, limits = { maxBytes: 10, timeoutMs: 60_000 }, headers = {}) {
    const req = Object.assign(new PassThrough(), { headers });
    const answer = readBody(req, limits);
    act(req);
    return answer;
  }

  it('names every answer a receiver gives by its catalog code, with the values its text names', async function () {
    const claims = new MemoryClaimStore();
    const allowList = SourceAllowList.parse('192.0.2.1').list;
    const answers = [
      ...Object.values(REJECTIONS),
      verdict(events.granted, { claims }).answer,
      verdict(events.granted, { claims }).answer,
      sourceRejection(allowList, '2001:db8::7', undefined, 0),
      sourceRejection(allowList, '127.0.0.1', '', 2),
      await bodyReaderAnswer(() => {}, { maxBytes: 10, timeoutMs: 60_000 }, { 'content-length': '11' }),
      await bodyReaderAnswer(() => {}, { maxBytes: 10, timeoutMs: 1 }),
      await bodyReaderAnswer((req) => req.emit('error', new Error('reset'))),
      await bodyReaderAnswer((req) => req.emit('close')),
    ];
    const english = catalog('en-US');
    const german = catalog('de');
    const codes = answers.map(({ status, reason }) => {
      const { reasonCode, reasonValues } = reasonOf(status, reason);
      assert.ok(reasonCode, reason);
      const text = english[reasonCode].replace(/__(\w+)__/g, (_, name) => reasonValues[name]);
      assert.equal(text, reason, reasonCode);
      assert.ok(german[reasonCode] && german[reasonCode] !== english[reasonCode], `${reasonCode} in German`);
      assert.deepEqual(
        german[reasonCode].match(/__\w+__/g),
        english[reasonCode].match(/__\w+__/g),
        `${reasonCode}: the same values in German`,
      );
      return reasonCode;
    });
    assert.deepEqual([...codes].sort(), Object.keys(english).sort(), 'every catalog reason is an answer');
    assert.deepEqual(reasonOf(403, 'Forbidden: source 2001:db8::7 is not allowed').reasonValues, { ip: '2001:db8::7' });
    assert.deepEqual(reasonOf(413, 'Body larger than 10 bytes').reasonValues, { bytes: '10' });
    // Another status, or a text not known here: the runtime's English text is shown as it is.
    assert.deepEqual(reasonOf(400, 'Body larger than 10 bytes'), {});
    assert.deepEqual(reasonOf(500, 'Internal error'), {});
  });
});

describe('delivery inspector admin API (stand-in RED)', function () {
  let admin;
  let published;
  let RED;

  before(function () {
    const app = express();
    published = [];
    RED = {
      httpAdmin: app,
      events: new EventEmitter(),
      nodes: { getNode: () => null },
      auth: { needsPermission: () => (_req, _res, next) => next() },
      comms: { publish: (topic, data) => published.push({ topic, data }) },
      _: (key) => key,
    };
    registerDeliveryInspector(RED);
    admin = supertest(app);
  });

  it('records nothing before its receiver listens', function () {
    const recorder = new DeliveryRecorder(RED, 'unit-never-listened');
    recorder.record({ method: 'POST', headers: {} }, null, REJECTIONS.missingSignature);
    recorder.close(true);
    return admin.get('/genea-webhook-in/unit-never-listened/deliveries').expect(404);
  });

  it('answers 503 when the receiver could not hand a replay on, and counts nothing', async function () {
    const recorder = new DeliveryRecorder(RED, 'unit-restarting');
    recorder.listen('/genea', () => Promise.resolve(false));
    const { body, answer } = verdict(events.granted);
    recorder.record({ method: 'POST', headers: {} }, '192.0.2.7', answer, body);
    const [record] = (await admin.get('/genea-webhook-in/unit-restarting/deliveries').expect(200)).body;
    const res = await admin.post(`/genea-webhook-in/unit-restarting/deliveries/${record.id}/replay`);
    assert.deepEqual([res.status, res.body.error], [503, 'closing']);
    const [overview] = (await admin.get('/genea-webhook-in/deliveries')).body.filter((r) => r.id === 'unit-restarting');
    assert.equal(overview.counts.replayed, 0);
    recorder.close(true);
    assert.deepEqual(published.at(-1), {
      topic: 'genea-webhook-in/deliveries/unit-restarting',
      data: { id: 'unit-restarting', removed: true },
    });
  });

  it('answers a replay whose record was cleared meanwhile with its id', async function () {
    const recorder = new DeliveryRecorder(RED, 'unit-cleared');
    let release;
    recorder.listen('/genea', () => new Promise((resolve) => (release = resolve)));
    const { body, answer } = verdict(events.granted);
    recorder.record({ method: 'POST', headers: {} }, null, answer, body);
    const [record] = (await admin.get('/genea-webhook-in/unit-cleared/deliveries')).body;
    const replay = admin.post(`/genea-webhook-in/unit-cleared/deliveries/${record.id}/replay`).then((res) => res);
    while (!release) await new Promise((resolve) => setTimeout(resolve, 5));
    await admin.delete('/genea-webhook-in/unit-cleared/deliveries').expect(204);
    release(true);
    const res = await replay;
    assert.deepEqual([res.status, res.body], [200, { id: record.id }]);
    recorder.close(true);
  });
  it('tells the editors only which receiver changed, at most once per burst', async function () {
    published.length = 0;
    const recorder = new DeliveryRecorder(RED, 'unit-notices');
    recorder.listen('/genea', () => Promise.resolve(true));
    assert.deepEqual(published, [{ topic: 'genea-webhook-in/deliveries/unit-notices', data: { id: 'unit-notices' } }]);
    const burst = (count) => {
      for (let i = 0; i < count; i++) {
        const { body, answer } = verdict({ ...events.granted, uuid: `unit-notice-${published.length}-${i}` });
        recorder.record({ method: 'POST', headers: {} }, '192.0.2.7', answer, body);
      }
    };
    const noticeNumber = async (n) => {
      while (published.length < n) await new Promise((resolve) => setTimeout(resolve, 10));
    };
    // Ten deliveries in one go give one notice; one later delivery gives the next (the sentinel that the burst
    // gave no more).
    burst(10);
    await noticeNumber(2);
    burst(1);
    await noticeNumber(3);
    recorder.close(true);
    assert.deepEqual(
      published.map((p) => p.data),
      [{ id: 'unit-notices' }, { id: 'unit-notices' }, { id: 'unit-notices' }, { id: 'unit-notices', removed: true }],
    );
  });

  it('calls back on clear, and forgets a receiver that is not deployed once flows have started', async function () {
    const recorder = new DeliveryRecorder(RED, 'unit-pruned');
    let cleared = 0;
    recorder.onClear(() => cleared++);
    recorder.listen('/genea', () => Promise.resolve(true));
    await admin.delete('/genea-webhook-in/unit-pruned/deliveries').expect(204);
    assert.equal(cleared, 1);
    recorder.close(false);
    await admin.post('/genea-webhook-in/unit-pruned/deliveries/clear').expect(204);
    assert.equal(cleared, 1, 'a closed receiver is not called');
    // Kept while the node is deployed (a redeploy), forgotten once flows started without it.
    const deployed = new Set(['unit-pruned']);
    RED.nodes.getNode = (id) => (deployed.has(id) ? {} : null);
    RED.events.emit('flows:started', {});
    await admin.get('/genea-webhook-in/unit-pruned/deliveries').expect(200);
    deployed.clear();
    published.length = 0;
    RED.events.emit('flows:started', {});
    await admin.get('/genea-webhook-in/unit-pruned/deliveries').expect(404);
    assert.ok(!(await admin.get('/genea-webhook-in/deliveries')).body.some((r) => r.id === 'unit-pruned'));
    assert.deepEqual(
      published.filter((p) => p.data.id === 'unit-pruned').map((p) => p.data),
      [{ id: 'unit-pruned', removed: true }],
    );
    RED.nodes.getNode = () => null;
  });
});
