'use strict';
const assert = require('node:assert/strict');
const { LogThrottle } = require('../../nodes/lib/log-throttle');

describe('LogThrottle', function () {
  it('lets one line through per interval and counts the held-back ones', function () {
    let now = 0;
    const throttle = new LogThrottle(10_000, () => now);
    assert.equal(throttle.admit(), 0);
    for (let i = 0; i < 1000; i++) assert.equal(throttle.admit(), null);
    now = 10_000;
    assert.equal(throttle.admit(), 1000);
    assert.equal(throttle.admit(), null);
  });
});
