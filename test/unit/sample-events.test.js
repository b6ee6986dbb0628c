'use strict';
const assert = require('node:assert/strict');
const { sampleEvent, SAMPLE_EVENT_TYPES } = require('../../nodes/lib/sample-events');
const { summarise } = require('../../nodes/lib/event');

describe('sample events', function () {
  it('classify as the kind they are samples of', function () {
    for (const type of SAMPLE_EVENT_TYPES) assert.equal(summarise(sampleEvent(type)).type, type);
  });

  it('are new events each time, happening now', function () {
    const a = sampleEvent('access.granted');
    const b = sampleEvent('access.granted');
    assert.notEqual(a.uuid, b.uuid);
    assert.ok(Math.abs(Date.parse(a.event_time) - Date.now()) < 60_000);
    assert.equal(summarise(a).location.timezone, 'America/New_York');
  });
});
