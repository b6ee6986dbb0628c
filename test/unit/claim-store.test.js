'use strict';
const assert = require('node:assert/strict');
const { MemoryClaimStore, newClaimToken } = require('../../nodes/lib/claim-store');

describe('MemoryClaimStore', function () {
  it('claims a key once within its time to live, and again once it expired', async function () {
    let now = 1_000;
    const store = new MemoryClaimStore(100, () => now);
    const token = await store.claim('a', 10_000);
    assert.equal(typeof token, 'string');
    assert.equal(await store.claim('a', 10_000), null, 'held');
    now += 9_999;
    assert.equal(await store.claim('a', 10_000), null, 'held until the last millisecond');
    now += 1;
    assert.notEqual(await store.claim('a', 10_000), null, 'free exactly when the time to live is over');
  });

  it('applies a grown or shrunk time to live to claims already made', function () {
    let now = 0;
    const store = new MemoryClaimStore(100, () => now);
    store.claimNow('a', 10 * 60_000);
    now = 12 * 60_000;
    assert.equal(store.claimNow('a', 15 * 60_000), null, 'a window grown to 15 minutes still holds it');
    const shrunk = new MemoryClaimStore(100, () => now);
    now = 0;
    shrunk.claimNow('b', 15 * 60_000);
    now = 6 * 60_000;
    assert.notEqual(shrunk.claimNow('b', 5 * 60_000), null, 'a window shrunk to 5 minutes has let it go');
  });

  it('gives every claim its own token', function () {
    const store = new MemoryClaimStore();
    const tokens = new Set(['a', 'b', 'c'].map((key) => store.claimNow(key, 60_000)));
    assert.equal(tokens.size, 3);
    assert.notEqual(newClaimToken(), newClaimToken());
  });

  it("never gives two processes' claims the same token", function () {
    // A fresh instance of the module stands for another replica, which counts its claims from one as well.
    const file = require.resolve('../../nodes/lib/claim-store');
    const cached = require.cache[file];
    delete require.cache[file];
    try {
      const other = require(file);
      const ours = new Set(Array.from({ length: 50 }, () => newClaimToken()));
      const theirs = Array.from({ length: 50 }, () => other.newClaimToken());
      assert.ok(
        theirs.every((token) => !ours.has(token)),
        'no token of the other process is one of ours',
      );
      assert.ok(
        theirs.every((token) => token.length >= 18),
        'each carries a random part of 16 characters',
      );
    } finally {
      require.cache[file] = cached;
    }
  });

  it('releases a claim only with its own token', async function () {
    const store = new MemoryClaimStore();
    const token = await store.claim('a', 60_000);
    await store.release('a', 'somebody-else');
    assert.equal(await store.claim('a', 60_000), null, "another caller's token leaves the claim alone");
    await store.release('a', token);
    assert.notEqual(await store.claim('a', 60_000), null, 'its own token frees it');
  });

  it('never holds a key when the time to live is zero (duplicate suppression off)', function () {
    const store = new MemoryClaimStore();
    assert.notEqual(store.claimNow('x', 0), null);
    assert.notEqual(store.claimNow('x', 0), null);
    assert.equal(store.size, 0, 'nothing is kept');
  });

  it('drops the oldest claim still held when full, not one released before', function () {
    const store = new MemoryClaimStore(3);
    const tokens = Object.fromEntries(['a', 'b', 'c'].map((key) => [key, store.claimNow(key, 60_000)]));
    store.releaseNow('a', tokens.a);
    store.claimNow('d', 60_000);
    assert.equal(store.size, 3, 'room was left by the release');
    store.claimNow('e', 60_000);
    assert.equal(store.size, 3);
    for (const key of ['c', 'd', 'e']) assert.equal(store.claimNow(key, 60_000), null, `${key} is held`);
    assert.notEqual(store.claimNow('b', 60_000), null, 'b, the oldest held, went');
  });

  it('lets a claim released and made again live its own time, whatever became of the first', function () {
    let now = 0;
    const store = new MemoryClaimStore(100, () => now);
    store.releaseNow('a', store.claimNow('a', 10_000));
    now = 5_000;
    assert.notEqual(store.claimNow('a', 10_000), null, 'claimed again');
    now = 12_000;
    store.claimNow('x', 10_000); // expiry runs: the first claim of a is long over
    assert.equal(store.claimNow('a', 10_000), null, 'the second claim of a holds until 15 s');
    now = 15_000;
    assert.notEqual(store.claimNow('a', 10_000), null);
  });

  it('stays right through many releases and claims again of the same keys', function () {
    let now = 0;
    const store = new MemoryClaimStore(4, () => now);
    for (let i = 0; i < 1000; i++) {
      now = i;
      const key = `k${i % 3}`;
      store.releaseNow(key, store.claimNow(key, 60_000));
    }
    assert.equal(store.size, 0);
    for (const key of ['k0', 'k1', 'k2', 'k3', 'k4']) assert.notEqual(store.claimNow(key, 60_000), null, key);
    assert.equal(store.size, 4, 'still bounded: k0 went for k4');
    assert.notEqual(store.claimNow('k0', 60_000), null);
  });

  it('lets go of released claims queued behind one still held, so that its memory stays bounded', function () {
    const store = new MemoryClaimStore(4, () => 0);
    store.claimNow('held', 60_000);
    for (let i = 0; i < 1000; i++) store.releaseNow(`k${i}`, store.claimNow(`k${i}`, 60_000));
    // The queue of claims (a private part, read here for the bound it keeps): at most twice the bound.
    const queued = store.keys.length - store.head;
    assert.ok(queued <= 2 * 4 + 1, `${queued} entries queued`);
    assert.equal(store.claimNow('held', 60_000), null, 'the claim in front still holds');
  });

  it('lets go of the claims it dropped, not only of their entries in the map', function () {
    let now = 0;
    const store = new MemoryClaimStore(100_000, () => now);
    for (let i = 0; i < 10_000; i++) {
      now = i;
      store.claimNow(`k${i}`, 100);
    }
    assert.equal(store.size, 100, 'k9900 to k9999 live');
    // The queue of claims (private, read for the memory it holds): the live ones and at most 1025 dropped ones.
    assert.ok(store.keys.length <= 100 + 1025, `${store.keys.length} keys queued`);
  });

  it('copies the queue only once its used-up front is over 1024 entries and over half of it', function () {
    const queueAfter = (expiring) => {
      let now = 0;
      const store = new MemoryClaimStore(100_000, () => now);
      for (let i = 0; i < expiring; i++) store.claimNow(`k${i}`, 10_000);
      now = 5_000;
      store.claimNow('held', 10_000);
      now = 10_000;
      store.claimNow('new', 10_000); // every k expires: `expiring` entries used up, 2 waiting
      return { head: store.head, length: store.keys.length };
    };
    assert.deepEqual(queueAfter(1000), { head: 1000, length: 1002 }, 'kept: 1000 used up');
    assert.deepEqual(queueAfter(1100), { head: 0, length: 2 }, 'copied: 1100 used up');
  });

  it('keeps every claim its own time when the queue of claims is compacted', function () {
    let now = 0;
    const store = new MemoryClaimStore(100_000, () => now);
    const tokens = [];
    for (let i = 0; i < 2000; i++) {
      now = i;
      tokens.push(store.claimNow(`k${i}`, 10_000));
    }
    store.releaseNow('k1800', tokens[1800]);
    now = 2_000;
    assert.notEqual(store.claimNow('k1800', 10_000), null, 'k1800 claimed again at 2 s');
    now = 11_500;
    store.claimNow('x', 10_000); // k0 to k1500 expire: 1501 entries used up, 500 waiting, the queue is compacted
    assert.equal(store.size, 500, 'k1501 to k1999, and x');
    now = 11_600;
    assert.notEqual(store.claimNow('k1600', 10_000), null, 'k1600 expired at 11.6 s');
    assert.equal(store.claimNow('k1601', 10_000), null, 'k1601 holds until 11.601 s');
    now = 11_900;
    assert.equal(store.claimNow('k1800', 10_000), null, 'k1800 holds by its second claim, until 12 s');
    assert.notEqual(store.claimNow('k1899', 10_000), null);
    assert.equal(store.claimNow('k1999', 10_000), null, 'k1999 holds until 11.999 s');
    now = 12_000;
    assert.notEqual(store.claimNow('k1800', 10_000), null);
  });

  it('keeps at most maxEntries claims, dropping the oldest first', function () {
    const store = new MemoryClaimStore(3, () => 0);
    for (const key of ['a', 'b', 'c', 'd']) store.claimNow(key, 60_000);
    assert.equal(store.size, 3);
    assert.equal(store.claimNow('d', 60_000), null, 'the newest is held');
    assert.notEqual(store.claimNow('a', 60_000), null, 'the oldest was dropped');
  });

  it('drops expired claims as it goes, so memory follows the traffic of one window', function () {
    let now = 0;
    const store = new MemoryClaimStore(1_000_000, () => now);
    for (let i = 0; i < 500; i++) store.claimNow(`k${i}`, 1_000);
    now = 1_000;
    store.claimNow('fresh', 1_000);
    assert.equal(store.size, 1);
  });
});
