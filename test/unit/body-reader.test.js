'use strict';
// readBody against a stream standing in for the request (a PassThrough with headers): limits, the end of the body,
// and what it leaves behind on the request once it has answered.
const assert = require('node:assert/strict');
const { PassThrough } = require('node:stream');
const { readBody } = require('../../nodes/lib/body-reader');

const EVENTS = ['data', 'end', 'error', 'close'];

function request(headers = {}) {
  const req = new PassThrough();
  req.headers = headers;
  return req;
}

/** Resolves after every timer of up to `ms` set before it has fired (timers of a longer delay fire later). */
const afterTimersOf = (ms) => new Promise((resolve) => setTimeout(resolve, ms + 20));

describe('readBody', function () {
  it('reads a body of exactly the limit, declared and sent', async function () {
    const req = request({ 'content-length': '10' });
    const answer = readBody(req, { maxBytes: 10, timeoutMs: 5_000 });
    req.end(Buffer.from('0123456789'));
    const body = await answer;
    assert.ok(Buffer.isBuffer(body));
    assert.equal(body.toString(), '0123456789');
  });

  it('joins several chunks in order', async function () {
    const req = request();
    const answer = readBody(req, { maxBytes: 10, timeoutMs: 5_000 });
    req.write('01234');
    req.write('5678');
    req.end('9');
    assert.equal((await answer).toString(), '0123456789');
  });

  it('takes a body that arrived in full with one read, in order, with no listener or timer', async function () {
    const req = request();
    req.write('01234');
    req.write('5678');
    req.write('9');
    req.complete = true; // as Node's parser says once the message has ended
    assert.equal((await readBody(req, { maxBytes: 10, timeoutMs: 5_000 })).toString(), '0123456789');
    for (const event of EVENTS) assert.equal(req.listenerCount(event), 0, `${event} listeners`);
    assert.equal(req.readableLength, 0, 'all of it taken');
    const empty = request();
    empty.complete = true;
    const nothing = await readBody(empty, { maxBytes: 10, timeoutMs: 5_000 });
    assert.ok(Buffer.isBuffer(nothing));
    assert.equal(nothing.length, 0);
  });

  it('takes nothing away from a reader the request already has', async function () {
    const req = request();
    req.write('01');
    req.write('23');
    const seen = [];
    req.on('data', (chunk) => seen.push(chunk)); // the bytes waiting flow to it on the next tick
    req.complete = true;
    const answer = readBody(req, { maxBytes: 10, timeoutMs: 5_000 });
    req.end();
    assert.equal((await answer).toString(), '0123');
    assert.equal(Buffer.concat(seen).toString(), '0123', 'the other reader had every byte too');
  });

  it('answers 413 for a body that arrived in full over the limit, undeclared', async function () {
    const req = request();
    req.write('0123456789x');
    req.complete = true;
    assert.deepEqual(await readBody(req, { maxBytes: 10, timeoutMs: 5_000 }), {
      status: 413,
      reason: 'Body larger than 10 bytes',
    });
  });

  it('answers 413 before reading when the declared length is over the limit', async function () {
    const req = request({ 'content-length': '11' });
    assert.deepEqual(await readBody(req, { maxBytes: 10, timeoutMs: 5_000 }), {
      status: 413,
      reason: 'Body larger than 10 bytes',
    });
    assert.equal(req.listenerCount('data'), 0, 'not a byte read');
  });

  it('answers 413 as soon as the bytes sent pass the limit, and stops reading', async function () {
    const req = request();
    const answer = readBody(req, { maxBytes: 10, timeoutMs: 5_000 });
    req.write('0123456789');
    req.write('x');
    assert.deepEqual(await answer, { status: 413, reason: 'Body larger than 10 bytes' });
    assert.equal(req.isPaused(), true, 'the rest is not read');
  });

  it('answers 400 for a request that fails or closes mid-body, 408 for one too slow', async function () {
    const failing = request();
    const failed = readBody(failing, { maxBytes: 10, timeoutMs: 5_000 });
    failing.emit('error', new Error('boom'));
    assert.deepEqual(await failed, { status: 400, reason: 'Request body could not be read' });
    const closing = request();
    const closed = readBody(closing, { maxBytes: 10, timeoutMs: 5_000 });
    closing.write('01');
    closing.emit('close');
    assert.deepEqual(await closed, { status: 400, reason: 'Client closed the request mid-body' });
    const slow = request();
    const late = readBody(slow, { maxBytes: 10, timeoutMs: 30 });
    slow.write('01');
    assert.deepEqual(await late, { status: 408, reason: 'Body not received within 30 ms' });
    assert.equal(slow.isPaused(), true);
  });

  it('leaves no listener and no timer behind once it has answered', async function () {
    const req = request();
    const before = Object.fromEntries(EVENTS.map((event) => [event, req.listenerCount(event)]));
    const answer = readBody(req, { maxBytes: 10, timeoutMs: 30 });
    req.end('01');
    assert.equal((await answer).toString(), '01');
    for (const event of EVENTS) assert.equal(req.listenerCount(event), before[event], `${event} listeners`);
    // Had the 30 ms timer stayed, it would now pause the request of an accepted body.
    await afterTimersOf(30);
    assert.equal(req.isPaused(), false, 'an accepted body leaves the request as it was');
  });
});
