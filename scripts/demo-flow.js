'use strict';
// The demo tab `npm start` deploys: a receiver on /genea, every filter of the package, and a debug node on each
// output. The secret is given as the config node's credential, which Node-RED stores apart from flows.json.

const DEMO_PATH = '/genea';
const TAB = 'genea-demo-tab';

const debug = (id, name, y, x = 740) => ({
  id,
  type: 'debug',
  z: TAB,
  name,
  active: true,
  tosidebar: true,
  console: false,
  tostatus: true,
  complete: 'payload',
  targetType: 'msg',
  statusVal: 'topic',
  statusType: 'msg',
  x,
  y,
  wires: [],
});

const filter = (id, type, name, y, properties) => ({
  id,
  type,
  z: TAB,
  name,
  location: '',
  door: '',
  user: '',
  ...properties,
  x: 420,
  y,
  wires: [[`${id}-debug`]],
});

function demoFlow(secret) {
  return [
    { id: TAB, type: 'tab', label: 'Genea demo', info: 'Deployed by `npm start`, again at every start.' },
    {
      id: 'genea-demo-comment',
      type: 'comment',
      z: TAB,
      name: 'Send events with genea-webhook-send (npm start prints the command); watch the debug sidebar',
      info:
        'Every event leaves the receiver on output 1 (all events) and passes the filters that match it.\n' +
        'Output 2 reports rejected deliveries (wrong secret, not JSON, ...).\n\n' +
        '`npm start` redeploys this tab at every start, with the secret it prints; your other tabs are kept.',
      x: 400,
      y: 40,
      wires: [],
    },
    { id: 'genea-demo-config', type: 'genea-config', name: 'Genea demo', credentials: { secret } },
    {
      id: 'genea-demo-receiver',
      type: 'genea-webhook-in',
      z: TAB,
      name: 'Genea webhook',
      config: 'genea-demo-config',
      url: DEMO_PATH,
      x: 140,
      y: 280,
      wires: [
        [
          'genea-demo-all-debug',
          'genea-demo-first-arrival',
          'genea-demo-denied',
          'genea-demo-anti-passback',
          'genea-demo-resources',
          'genea-demo-doors',
        ],
        ['genea-demo-rejected-debug'],
      ],
    },
    // Everything the receiver feeds sits in one column, so that no wire passes another node.
    debug('genea-demo-all-debug', 'every event', 100, 420),
    filter('genea-demo-first-arrival', 'genea-access-granted', 'first arrival of the day', 160, {
      mode: 'first-of-day',
      timezone: '',
    }),
    debug('genea-demo-first-arrival-debug', 'first arrival of the day', 160),
    filter('genea-demo-denied', 'genea-access-denied', 'access denied', 220, {
      includeAntiPassback: true,
      reasons: [],
    }),
    debug('genea-demo-denied-debug', 'access denied', 220),
    filter('genea-demo-anti-passback', 'genea-anti-passback', 'anti-passback', 280, {}),
    debug('genea-demo-anti-passback-debug', 'anti-passback', 280),
    filter('genea-demo-resources', 'genea-resource-change', 'resource changes', 340, {
      actions: ['created', 'updated', 'deleted'],
      resourceTypes: [],
    }),
    debug('genea-demo-resources-debug', 'resource changes', 340),
    filter('genea-demo-doors', 'genea-door-event', 'door events', 400, {
      kinds: ['forced_open', 'held_open', 'alarm', 'secured', 'mode_changed', 'quick_grant'],
    }),
    debug('genea-demo-doors-debug', 'door events', 400),
    debug('genea-demo-rejected-debug', 'rejected deliveries', 460, 420),
  ];
}

module.exports = { demoFlow, DEMO_PATH };
