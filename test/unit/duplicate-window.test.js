'use strict';
const assert = require('node:assert/strict');
const { DuplicateWindow } = require('../../nodes/lib/duplicate-window');

describe('DuplicateWindow', function () {
  it('recognises a key seen within the window and forgets it afterwards', function () {
    let now = 1000;
    const window = new DuplicateWindow(10_000, 100, () => now);
    assert.equal(window.seenBefore('a'), false);
    now += 9_999;
    assert.equal(window.seenBefore('a'), true);
    now += 2;
    assert.equal(window.seenBefore('a'), false, 'expired after the window');
  });

  it('forgets a key exactly when its window has passed, not a millisecond later', function () {
    let now = 1000;
    const window = new DuplicateWindow(10_000, 100, () => now);
    window.seenBefore('a');
    now = 1000 + 9_999;
    assert.equal(window.seenBefore('a'), true, 'within the window');
    now = 1000 + 10_000;
    assert.equal(window.seenBefore('a'), false, 'the window has passed');
  });

  it('stays bounded, dropping the oldest key first', function () {
    const window = new DuplicateWindow(60_000, 3, () => 0);
    for (const key of ['a', 'b', 'c', 'd']) window.seenBefore(key);
    assert.equal(window.size, 3);
    assert.equal(window.seenBefore('d'), true);
    assert.equal(window.seenBefore('a'), false, 'a was evicted');
  });

  it('prunes expired keys so memory follows the traffic of one window', function () {
    let now = 0;
    const window = new DuplicateWindow(1_000, 1_000_000, () => now);
    for (let i = 0; i < 500; i++) window.seenBefore(`k${i}`);
    now = 5_000;
    window.seenBefore('fresh');
    assert.equal(window.size, 1);
  });

  it('forgets a key on request, and remembers nothing with a zero window', function () {
    const window = new DuplicateWindow(60_000, 10, () => 0);
    window.seenBefore('a');
    window.forget('a');
    assert.equal(window.seenBefore('a'), false);
    const off = new DuplicateWindow(0);
    assert.equal(off.seenBefore('x'), false);
    assert.equal(off.seenBefore('x'), false);
  });
});
