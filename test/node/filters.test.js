'use strict';
// The filter nodes in Node-RED (node-red-node-test-helper): every property, defaults, the
// time-zone edges of "first of the day", and input that is not a Genea event.
const assert = require('node:assert/strict');
const { helper, load, sign } = require('../support/helper');
const { summarise } = require('../../nodes/lib/event');
const {
  event,
  granted,
  denied,
  antiPassback,
  audit,
  flat,
  doorEvent,
  doorAlarm,
  doorSecure,
  HQ,
  BERLIN,
  BEA,
} = require('../fixtures/event-builders');

/**
 * Loads one filter node `f` with `props`, feeds it `messages` one at a time (each awaited until the
 * filter called done(), seen through a core `complete` node) and returns the indexes of those that passed.
 */
async function feed(type, props, messages) {
  await load([
    { id: 'f', type, ...props, wires: [['out']] },
    { id: 'out', type: 'helper' },
    { id: 'on-done', type: 'complete', scope: ['f'], wires: [['finished']] },
    { id: 'finished', type: 'helper' },
  ]);
  const filter = helper.getNode('f');
  const passed = [];
  helper.getNode('out').on('input', (msg) => passed.push(msg.index));
  for (const [index, msg] of messages.entries()) {
    const finished = new Promise((resolve) => helper.getNode('finished').once('input', resolve));
    filter.receive({ ...msg, index });
    await finished;
  }
  return passed;
}

/** A message as genea-webhook-in sends it. */
const delivered = (body) => ({ payload: body, genea: summarise(body), topic: summarise(body).type });
/** A message carrying only the raw event (file replay, MQTT). */
const raw = (body) => ({ payload: body });

/** The node's status once its text matches `pattern` (its current one, or the next that does). */
function statusMatching(node, pattern) {
  const matches = (status) => pattern.test(status?.text ?? '');
  const current = node.status.lastCall?.args[0];
  if (matches(current)) return Promise.resolve(current);
  return new Promise((resolve) => {
    const check = (call) => {
      if (!matches(call.args[0])) return;
      node.off('call:status', check);
      resolve(call.args[0]);
    };
    node.on('call:status', check);
  });
}

describe('genea filters (node)', function () {
  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(() => helper.unload());

  describe('common to every filter', function () {
    it('passes a matching message unchanged and drops the rest', async function () {
      await load([
        { id: 'f', type: 'genea-access-granted', wires: [['out']] },
        { id: 'out', type: 'helper' },
      ]);
      const msg = { ...delivered(granted()), _msgid: 'm1', extra: { kept: true } };
      const received = new Promise((resolve) => helper.getNode('out').on('input', resolve));
      helper.getNode('f').receive(structuredClone(msg));
      assert.deepEqual(await received, msg);
    });

    it('classifies msg.payload itself (object, JSON text, Buffer) when msg.genea is missing', async function () {
      const body = denied('CARD_NOT_FOUND');
      const passed = await feed('genea-access-denied', {}, [
        raw(body),
        raw(JSON.stringify(body)),
        raw(Buffer.from(JSON.stringify(body))),
        raw(JSON.stringify(granted())),
        raw(flat('Access Denied - Invalid PIN')),
      ]);
      assert.deepEqual(passed, [0, 1, 2, 4]);
    });

    it('prefers msg.genea to msg.payload', async function () {
      const passed = await feed('genea-anti-passback', {}, [
        { payload: granted(), genea: summarise(antiPassback()) },
        { payload: antiPassback(), genea: summarise(granted()) },
      ]);
      assert.deepEqual(passed, [0]);
    });

    it('drops input that is not a Genea event, shows it in the status and warns, without throwing', async function () {
      const passed = await feed('genea-access-granted', {}, [
        { payload: 42 },
        { payload: 'not json' },
        { payload: { temperature: 21 } },
        { genea: { type: 'nonsense' } },
        delivered(granted()),
      ]);
      assert.deepEqual(passed, [4]);
      const filter = helper.getNode('f');
      const status = await statusMatching(filter, /not Genea/);
      assert.deepEqual(status, { fill: 'yellow', shape: 'dot', text: '1 passed · 4 not Genea' });
      const warnings = filter.warn.getCalls().map((call) => call.args[0]);
      assert.equal(warnings.length, 1, 'one log line per 10 s, not one per message');
      assert.match(warnings[0], /not a Genea event.*\(number\).*after genea-webhook-in/);
      assert.equal(filter.error.callCount, 0);
    });

    it('shows how many messages passed', async function () {
      await feed('genea-access-denied', {}, [delivered(denied('INVALID_PIN')), delivered(granted())]);
      const filter = helper.getNode('f');
      assert.deepEqual(await statusMatching(filter, /passed/), { fill: 'green', shape: 'dot', text: '1 passed' });
    });

    it('matches location, door and user by name or uuid ignoring case', async function () {
      const messages = [
        delivered(granted()), // HQ, Front Door, Aaron Arnold
        delivered(granted({ location: [BERLIN] })),
        delivered(granted({ door: { uuid: 'door-back', name: 'Back Door' } })),
        delivered(granted({ actor: BEA })),
        delivered(granted({ location: null, door: null, actor: null })),
      ];
      assert.deepEqual(await feed('genea-access-granted', { location: 'hq' }, messages), [0, 2, 3]);
      await helper.unload();
      assert.deepEqual(
        await feed('genea-access-granted', { location: 'LOC-HQ', door: ' front door ' }, messages),
        [0, 3],
      );
      await helper.unload();
      assert.deepEqual(await feed('genea-access-granted', { user: 'user-bea' }, messages), [3]);
      await helper.unload();
      assert.deepEqual(await feed('genea-access-granted', { user: 'aaron arnold', door: 'door-back' }, messages), [2]);
    });

    it('treats a condition written /.../ as a regular expression, with flags', async function () {
      const messages = [
        delivered(granted()),
        delivered(granted({ door: { uuid: 'door-back', name: 'Back Door' } })),
        delivered(granted({ location: [BERLIN] })),
      ];
      assert.deepEqual(await feed('genea-access-granted', { door: '/^(Front|Back) Door$/' }, messages), [0, 1, 2]);
      await helper.unload();
      assert.deepEqual(await feed('genea-access-granted', { door: '/^front/' }, messages), []);
      await helper.unload();
      assert.deepEqual(
        await feed('genea-access-granted', { door: '/^front/i', location: '/^loc-/' }, messages),
        [0, 2],
      );
      await helper.unload();
      assert.deepEqual(
        await feed('genea-access-granted', { location: '/berlin/gi' }, messages.concat(messages)),
        [2, 5],
      );
    });

    it('reports an invalid regular expression and passes nothing', async function () {
      const passed = await feed('genea-anti-passback', { user: '/([a-z/' }, [delivered(antiPassback())]);
      assert.deepEqual(passed, []);
      const filter = helper.getNode('f');
      assert.deepEqual(filter.status.firstCall.args[0], { fill: 'red', shape: 'ring', text: 'invalid user' });
      assert.match(filter.error.firstCall.args[0], /^Invalid user "\/\(\[a-z\/" \(.+\)\. Fix it in the node's dialog/);
    });

    it('works with flow JSON that has none of the optional properties', async function () {
      const all = [
        delivered(granted()),
        delivered(granted()),
        delivered(denied('CARD_NOT_FOUND')),
        delivered(antiPassback()),
        delivered(audit('CREATED', 'USER')),
        delivered(audit('UPDATED', 'CARD')),
        delivered(audit('DELETED', 'DOOR')),
        delivered(audit('INSTALLED', 'CONTROLLER')),
        delivered(event({ event_type: 'DOOR', event_action: 'SEQUR_DOOR_POSITION_SENSOR_HELD_OPEN' })),
      ];
      const expected = {
        'genea-access-granted': [0, 1],
        'genea-access-denied': [2, 3],
        'genea-anti-passback': [3],
        'genea-resource-change': [4, 5, 6],
      };
      for (const [type, indexes] of Object.entries(expected)) {
        assert.deepEqual(await feed(type, {}, all), indexes, type);
        await helper.unload();
      }
    });
  });

  describe('genea-access-granted', function () {
    it('mode all passes every granted event and nothing else', async function () {
      const passed = await feed('genea-access-granted', { mode: 'all' }, [
        delivered(granted()),
        delivered(granted({ event_action: 'SEQUR_ACCESS_GRANTED_ACCESS_POINT_UNLOCKED' })),
        delivered(denied('NO_DOOR_ACCESS')),
        delivered(antiPassback()),
        delivered(audit('CREATED', 'USER')),
        raw(flat('Grant Access')),
      ]);
      assert.deepEqual(passed, [0, 1, 5]);
    });

    it('first-of-day passes the first granted event of each local day at each location', async function () {
      const passed = await feed('genea-access-granted', { mode: 'first-of-day' }, [
        delivered(granted({ event_time: '2026-11-20T13:00:00Z' })), // HQ, Aaron: first
        delivered(granted({ event_time: '2026-11-20T13:05:00Z', actor: BEA })), // HQ: not first
        delivered(denied('CARD_NOT_FOUND', { event_time: '2026-11-20T14:00:00Z', location: [BERLIN] })), // not granted
        delivered(granted({ event_time: '2026-11-20T14:00:00Z', location: [BERLIN] })), // Berlin: first
        delivered(granted({ event_time: '2026-11-21T13:00:00Z', actor: BEA })), // HQ next day: first
        delivered(granted({ event_time: '2026-11-21T15:00:00Z' })),
      ]);
      assert.deepEqual(passed, [0, 3, 4]);
    });

    it("first-per-user-of-day passes each user's first granted event of the day", async function () {
      const passed = await feed('genea-access-granted', { mode: 'first-per-user-of-day' }, [
        delivered(granted({ event_time: '2026-11-20T13:00:00Z' })), // Aaron
        delivered(granted({ event_time: '2026-11-20T13:01:00Z', actor: BEA })), // Bea
        delivered(granted({ event_time: '2026-11-20T17:00:00Z' })), // Aaron again
        delivered(granted({ event_time: '2026-11-20T17:00:00Z', location: [BERLIN] })), // Aaron in Berlin
        delivered(granted({ event_time: '2026-11-21T13:00:00Z', actor: BEA })), // Bea next day
      ]);
      assert.deepEqual(passed, [0, 1, 3, 4]);
    });

    it('counts the first of the day among the events that meet the conditions', async function () {
      const passed = await feed('genea-access-granted', { mode: 'first-of-day', door: 'Back Door' }, [
        delivered(granted({ event_time: '2026-11-20T13:00:00Z' })),
        delivered(granted({ event_time: '2026-11-20T13:10:00Z', door: { name: 'Back Door' } })),
      ]);
      assert.deepEqual(passed, [1]);
    });

    it('23:30 and 00:30 local time are different days; 00:30 and 23:30 the same day', async function () {
      const passed = await feed('genea-access-granted', { mode: 'first-of-day' }, [
        delivered(granted({ event_time: '2026-11-20T04:30:00Z' })), // 23:30 on the 19th in New York
        delivered(granted({ event_time: '2026-11-20T05:30:00Z' })), // 00:30 on the 20th: a new day
        delivered(granted({ event_time: '2026-11-21T04:30:00Z' })), // 23:30 on the 20th: same day
      ]);
      assert.deepEqual(passed, [0, 1]);
    });

    it("takes the day in the location's time zone, else the node's: one instant, two days", async function () {
      // 22:30 UTC is 23:30 in Berlin and 17:30 in New York; 23:30 UTC is 00:30 the next day in Berlin.
      const noZone = { uuid: 'loc-x', name: 'Depot', timezone: null };
      const pair = (location) => [
        delivered(granted({ event_time: '2026-11-19T22:30:00Z', location })),
        delivered(granted({ event_time: '2026-11-19T23:30:00Z', location })),
      ];
      assert.deepEqual(await feed('genea-access-granted', { mode: 'first-of-day' }, pair([BERLIN])), [0, 1]);
      await helper.unload();
      assert.deepEqual(await feed('genea-access-granted', { mode: 'first-of-day' }, pair([HQ])), [0]);
      await helper.unload();
      const berlinNode = { mode: 'first-of-day', timezone: 'Europe/Berlin' };
      assert.deepEqual(await feed('genea-access-granted', berlinNode, pair(noZone)), [0, 1]);
      await helper.unload();
      const newYorkNode = { mode: 'first-of-day', timezone: 'America/New_York' };
      assert.deepEqual(await feed('genea-access-granted', newYorkNode, pair(noZone)), [0]);
      await helper.unload();
      // The location's own zone wins over the node's.
      assert.deepEqual(await feed('genea-access-granted', newYorkNode, pair([BERLIN])), [0, 1]);
    });

    it("does not count a retried delivery of the day's first event, or a late one, as a new first", async function () {
      const first = granted({ event_time: '2026-11-20T13:00:00Z' });
      const passed = await feed('genea-access-granted', { mode: 'first-of-day' }, [
        delivered(first),
        delivered(structuredClone(first)), // Genea's retry: same uuid and event_time, later arrival
        delivered(granted({ event_time: '2026-11-20T12:00:00Z' })), // an earlier event delivered late
        delivered(granted({ event_time: '2026-11-19T23:00:00Z' })), // the day before, delivered late
      ]);
      assert.deepEqual(passed, [0]);
    });

    it('says in its status what the first-of-day rule dropped and why', async function () {
      const passed = await feed('genea-access-granted', { mode: 'first-per-user-of-day' }, [
        delivered(granted({ event_time: '2026-11-20T13:00:00Z' })), // Aaron: first
        delivered(granted({ event_time: '2026-11-20T13:05:00Z' })), // Aaron again: not first
        delivered(granted({ event_time: '2026-11-19T13:00:00Z' })), // Aaron, the day before: an older day
        delivered(granted({ event_time: '2026-11-10T13:00:00Z', actor: BEA })), // older than the memory covers
        delivered(granted({ event_time: '2026-11-20T13:10:00Z', actor: BEA })), // Bea: first
        delivered(denied('CARD_NOT_FOUND')), // not what this filter is about: not counted
      ]);
      assert.deepEqual(passed, [0, 4]);
      assert.deepEqual(await statusMatching(helper.getNode('f'), /older/), {
        fill: 'green',
        shape: 'dot',
        text: '2 passed · 1 not first · 2 from an older day',
      });
    });

    it('uses the arrival time for an event without a readable event_time', async function () {
      const undated = () => {
        const body = granted({ event_time: 'not a time', created_at: null });
        return { payload: body };
      };
      const passed = await feed('genea-access-granted', { mode: 'first-of-day' }, [undated(), undated()]);
      assert.deepEqual(passed, [0]);
    });

    it("warns about an unknown time zone and uses the server's", async function () {
      const body = granted({ location: [{ name: 'Depot' }] });
      const passed = await feed('genea-access-granted', { mode: 'first-of-day', timezone: 'Mars/Base' }, [
        raw(body),
        raw(structuredClone(body)),
      ]);
      assert.deepEqual(passed, [0]);
      assert.match(helper.getNode('f').warn.firstCall.args[0], /^Unknown time zone "Mars\/Base"/);
    });

    it('reports an unknown mode and passes nothing', async function () {
      const passed = await feed('genea-access-granted', { mode: 'sometimes' }, [delivered(granted())]);
      assert.deepEqual(passed, []);
      assert.equal(helper.getNode('f').status.firstCall.args[0].text, 'invalid mode');
    });
  });

  describe('genea-access-denied', function () {
    const events = [
      delivered(denied('CARD_NOT_FOUND')),
      delivered(denied('INVALID_PIN')),
      delivered(event({ event_action: 'SEQUR_ACCESS_DENIED_INVALID_FACILITY_code' })),
      delivered(antiPassback()),
      delivered(granted()),
    ];

    it('passes every denial, anti-passback included, by default', async function () {
      assert.deepEqual(
        await feed('genea-access-denied', { includeAntiPassback: true, reasons: [] }, events),
        [0, 1, 2, 3],
      );
    });

    it('leaves anti-passback violations out when includeAntiPassback is false', async function () {
      assert.deepEqual(await feed('genea-access-denied', { includeAntiPassback: false }, events), [0, 1, 2]);
      await helper.unload();
      assert.deepEqual(await feed('genea-access-denied', { includeAntiPassback: 'false' }, events), [0, 1, 2]);
    });

    it('passes only the listed reasons, compared ignoring case', async function () {
      const reasons = ['CARD_NOT_FOUND', 'invalid_facility_code'];
      assert.deepEqual(await feed('genea-access-denied', { reasons }, events), [0, 2]);
      await helper.unload();
      const withAntiPassback = { reasons: ['INVALID_PIN', 'ANTI_PASSBACK_VIOLATION'] };
      assert.deepEqual(await feed('genea-access-denied', withAntiPassback, events), [1, 3]);
    });
  });

  describe('genea-anti-passback', function () {
    it('passes anti-passback violations only, with conditions', async function () {
      const events = [
        delivered(antiPassback()),
        delivered(antiPassback({ location: [BERLIN] })),
        delivered(denied('CARD_NOT_FOUND')),
        raw(flat('Access Denied - Anti-Passback Violation')),
      ];
      assert.deepEqual(await feed('genea-anti-passback', {}, events), [0, 1, 3]);
      await helper.unload();
      assert.deepEqual(await feed('genea-anti-passback', { location: 'Berlin Office' }, events), [1]);
    });
  });

  describe('genea-resource-change', function () {
    const events = [
      delivered(audit('CREATED', 'USER')),
      delivered(audit('UPDATED', 'CARD')),
      delivered(audit('DELETED', 'ACCESS_GROUP')),
      delivered(audit('INSTALLED', 'CONTROLLER')),
      delivered(audit('UNINSTALLED', 'CONTROLLER')),
      delivered(audit('DELETED', 'BADGE_TEMPLATE')),
      delivered(granted()),
    ];

    it('passes created, updated and deleted resources by default', async function () {
      assert.deepEqual(await feed('genea-resource-change', {}, events), [0, 1, 2, 5]);
    });

    it('passes the chosen actions and resource types only', async function () {
      assert.deepEqual(await feed('genea-resource-change', { actions: ['installed', 'uninstalled'] }, events), [3, 4]);
      await helper.unload();
      const props = { actions: ['created', 'deleted'], resourceTypes: ['user', 'BADGE_TEMPLATE'] };
      assert.deepEqual(await feed('genea-resource-change', props, events), [0, 5]);
    });

    it('reports an unknown action and passes nothing', async function () {
      assert.deepEqual(await feed('genea-resource-change', { actions: ['created', 'renamed'] }, events), []);
      assert.equal(helper.getNode('f').status.firstCall.args[0].text, 'invalid actions');
    });
  });

  describe('genea-door-event', function () {
    const FORCED = 'Forced Open State';
    const HELD = 'Held Open State';
    const events = [
      delivered(doorAlarm({ [FORCED]: 'Prior : No, Current : Yes' })), // 0 forced open
      delivered(doorAlarm({ [HELD]: 'prior:no,current:YES' })), // 1 held open
      delivered(doorAlarm({ [FORCED]: 'Current : Yes', [HELD]: 'Current : Yes' })), // 2 forced and held open
      delivered(doorAlarm(null)), // 3 alarm without a state
      delivered(doorSecure({ [FORCED]: 'Prior : Yes, Current : No' })), // 4 secured
      delivered(doorEvent('SEQUR_DOOR_ACCESS_MODE_UNLOCKED', null, { actor: { type: 'API_KEY' } })), // 5 mode
      delivered(doorEvent('SEQUR_HOST_INITIATED_REQUEST_DOOR_USE_NOT_VERIFIED', null)), // 6 quick grant
      delivered(doorEvent('OSDP_READER_ONLINE_STATUS_UPDATE', { online: false })), // 7 reader status
      delivered(granted()), // 8
      delivered(event({ event_type: 'DOOR', event_action: 'SEQUR_DOOR_POSITION_SENSOR_HELD_OPEN' })), // 9 other
    ];

    it('passes forced open, held open, alarms and secured by default', async function () {
      assert.deepEqual(await feed('genea-door-event', {}, events), [0, 1, 2, 3, 4]);
      await helper.unload();
      assert.deepEqual(await feed('genea-door-event', { kinds: [] }, events), [0, 1, 2, 3, 4]);
    });

    it('passes the chosen kinds; an alarm when any of its current states is chosen', async function () {
      assert.deepEqual(await feed('genea-door-event', { kinds: ['held_open'] }, events), [1, 2]);
      await helper.unload();
      assert.deepEqual(await feed('genea-door-event', { kinds: ['forced_open'] }, events), [0, 2]);
      await helper.unload();
      assert.deepEqual(await feed('genea-door-event', { kinds: ['alarm'] }, events), [3]);
      await helper.unload();
      assert.deepEqual(await feed('genea-door-event', { kinds: ['mode_changed', 'Quick_Grant'] }, events), [5, 6]);
      await helper.unload();
      // Written by hand: one comma-separated string.
      assert.deepEqual(await feed('genea-door-event', { kinds: 'secured, held_open' }, events), [1, 2, 4]);
    });

    it('matches location, door and user, and reads raw events as objects or JSON text', async function () {
      const backDoor = { uuid: 'door-back', name: 'Back Door', door_status: 'OPEN' };
      const alarm = { [HELD]: 'Current : Yes' };
      const messages = [
        raw(doorAlarm(alarm)), // HQ, Front Door
        raw(JSON.stringify(doorAlarm(alarm, { door: backDoor }))),
        raw(Buffer.from(JSON.stringify(doorAlarm(alarm, { location: [BERLIN] })))),
        raw(JSON.stringify(doorEvent('SEQUR_DOOR_ACCESS_MODE_UNLOCKED', null, { actor: BEA }))),
        raw(JSON.stringify(granted({ door: backDoor }))),
      ];
      const kinds = ['held_open', 'mode_changed'];
      assert.deepEqual(await feed('genea-door-event', { kinds }, messages), [0, 1, 2, 3]);
      await helper.unload();
      assert.deepEqual(await feed('genea-door-event', { kinds, door: 'back door' }, messages), [1]);
      await helper.unload();
      assert.deepEqual(await feed('genea-door-event', { kinds, location: '/^berlin/i' }, messages), [2]);
      await helper.unload();
      assert.deepEqual(await feed('genea-door-event', { kinds, user: 'user-bea', location: 'loc-hq' }, messages), [3]);
    });

    it('passes on a matching message unchanged, counting it in the status', async function () {
      await load([
        { id: 'f', type: 'genea-door-event', kinds: ['secured'], wires: [['out']] },
        { id: 'out', type: 'helper' },
      ]);
      const msg = { ...events[4], _msgid: 'm-door', extra: { kept: true } };
      const received = new Promise((resolve) => helper.getNode('out').on('input', resolve));
      helper.getNode('f').receive(structuredClone(msg));
      const passed = await received;
      assert.deepEqual(passed, msg);
      assert.deepEqual(passed.genea.resolved, ['forced_open']);
      const filter = helper.getNode('f');
      assert.deepEqual(await statusMatching(filter, /passed/), { fill: 'green', shape: 'dot', text: '1 passed' });
    });

    it('reports an unknown kind or a bad condition and passes nothing', async function () {
      assert.deepEqual(await feed('genea-door-event', { kinds: ['forced_open', 'opened'] }, events), []);
      let filter = helper.getNode('f');
      assert.deepEqual(filter.status.firstCall.args[0], { fill: 'red', shape: 'ring', text: 'invalid kinds' });
      assert.match(filter.error.firstCall.args[0], /^Invalid kinds "opened"\. Fix it in the node's dialog/);
      await helper.unload();
      assert.deepEqual(await feed('genea-door-event', { door: '/front(/' }, events), []);
      filter = helper.getNode('f');
      assert.equal(filter.status.firstCall.args[0].text, 'invalid door');
    });
  });

  describe('fed by genea-webhook-in', function () {
    it('filters signed deliveries received over HTTP', async function () {
      const secret = 'filter-test-secret';
      const http = await load(
        [
          { id: 'cfg', type: 'genea-config', name: 'genea' },
          { id: 'rx', type: 'genea-webhook-in', config: 'cfg', url: '/genea', wires: [['f'], []] },
          { id: 'f', type: 'genea-access-granted', mode: 'first-per-user-of-day', wires: [['out']] },
          { id: 'out', type: 'helper' },
        ],
        { cfg: { secret } },
      );
      const passed = [];
      helper.getNode('out').on('input', (msg) => passed.push(msg));
      const deliveries = [
        granted({ event_time: '2026-11-20T13:00:00Z' }),
        granted({ event_time: '2026-11-20T13:30:00Z' }), // Aaron's second arrival: dropped
        denied('CARD_NOT_FOUND', { actor: BEA }), // not granted: dropped
        granted({ event_time: '2026-11-20T14:00:00Z', actor: BEA }),
      ];
      for (const body of deliveries) {
        const raw = JSON.stringify(body, null, 2);
        const res = await http
          .post('/genea')
          .set('Content-Type', 'application/json')
          .set('X-Sequr-Signature', sign(raw, secret))
          .send(raw);
        assert.equal(res.status, 200);
      }
      const filter = helper.getNode('f');
      await statusMatching(filter, /^2 passed · 1 not first$/);
      assert.deepEqual(
        passed.map((msg) => [msg.topic, msg.genea.user.name, msg.payload.uuid]),
        [
          ['access.granted', 'Aaron Arnold', deliveries[0].uuid],
          ['access.granted', 'Bea Brown', deliveries[3].uuid],
        ],
      );
    });
  });

  describe('first-of-day memory in an asynchronous context store', function () {
    /**
     * A context store that answers through callbacks on a later turn, as file or database stores do, keeping
     * its data in `data`; with `failure` set it fails every read and write with it.
     */
    function asyncStore(data, failure) {
      const later = (callback, value) =>
        setTimeout(() => (failure ? callback(new Error(failure)) : callback(null, value)), 5);
      const store = () => ({
        open: async () => {},
        close: async () => {},
        get: (scope, key, callback) => later(callback, data[`${scope}/${key}`]),
        set: (scope, key, value, callback) => {
          if (!failure) data[`${scope}/${key}`] = JSON.parse(JSON.stringify(value));
          later(callback);
        },
        keys: (scope, callback) => later(callback, []),
        delete: async () => {},
        clean: async () => {},
      });
      store.toString = () => 'async test store';
      return store;
    }

    // node-red-node-test-helper never loads settings.contextStorage: a "node module" that loads it with the flow.
    const loadContextStores = () => helper._redNodes.loadContextsPlugin();

    /** Feeds `messages` all at once (the store still loading) and returns the indexes that passed. */
    async function feedAtOnce(store, messages) {
      helper.settings({ contextStorage: { default: { module: store } } });
      await load(
        [
          { id: 'f', type: 'genea-access-granted', mode: 'first-of-day', wires: [['out']] },
          { id: 'out', type: 'helper' },
          { id: 'on-done', type: 'complete', scope: ['f'], wires: [['finished']] },
          { id: 'finished', type: 'helper' },
        ],
        {},
        [loadContextStores],
      );
      const passed = [];
      helper.getNode('out').on('input', (msg) => passed.push(msg.index));
      let finished = 0;
      const allFinished = new Promise((resolve) =>
        helper.getNode('finished').on('input', () => ++finished === messages.length && resolve()),
      );
      messages.forEach((msg, index) => helper.getNode('f').receive({ ...msg, index }));
      await allFinished;
      return passed;
    }

    afterEach(() => helper.settings({}));

    it('decides in arrival order while the memory loads, stores it, and reads it back after a restart', async function () {
      const data = {};
      const day = [
        delivered(granted({ event_time: '2026-11-20T13:00:00Z' })),
        delivered(granted({ event_time: '2026-11-20T13:05:00Z' })),
        delivered(granted({ event_time: '2026-11-20T13:10:00Z', location: [BERLIN] })),
        delivered(granted({ event_time: '2026-11-20T13:15:00Z', location: [BERLIN] })),
      ];
      assert.deepEqual(await feedAtOnce(asyncStore(data), day), [0, 2]);
      await helper.unload();
      assert.match(JSON.stringify(data), /geneaFirstOfDay.*2026-11-20/);
      const later = [
        delivered(granted({ event_time: '2026-11-20T17:00:00Z' })),
        delivered(granted({ event_time: '2026-11-21T13:00:00Z' })),
      ];
      assert.deepEqual(await feedAtOnce(asyncStore(data), later), [1]);
    });

    it('logs a store that fails, and keeps deciding from what it holds in memory', async function () {
      const events = [delivered(granted()), delivered(granted())];
      assert.deepEqual(await feedAtOnce(asyncStore({}, 'disk full'), events), [0]);
      const errors = helper
        .getNode('f')
        .error.getCalls()
        .map((call) => call.args[0]);
      assert.ok(errors.length >= 1);
      for (const error of errors) {
        assert.equal(
          error,
          'The first-of-day memory could not be read or written in the node context: Error: disk full',
        );
      }
    });
  });
});
