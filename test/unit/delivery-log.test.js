'use strict';
// The delivery inspector's bounded store on its own (src/lib/delivery-log), and its admin API's answers where the
// receiver cannot hand a replay on (a stand-in RED); test/node/delivery-inspector.test.js covers it in Node-RED.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const express = require('express');
const supertest = require('supertest');
const { DeliveryLog, deliveryHint } = require('../../nodes/lib/delivery-log');
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
    const log = new DeliveryLog(50, size * 2 + 10);
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

describe('delivery inspector admin API (stand-in RED)', function () {
  let admin;
  let published;
  let RED;

  before(function () {
    const app = express();
    published = [];
    RED = {
      httpAdmin: app,
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
      data: { receiver: { id: 'unit-restarting' }, removed: true },
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
});
