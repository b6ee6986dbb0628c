'use strict';
// The demo tab `npm start` deploys: a receiver on /genea, every filter of the package, and a debug node on each
// output; and door control with the practice Genea `npm start` runs beside Node-RED: a genea-api pointed at it,
// genea-door nodes for one door, pressed by inject buttons, and genea-doors keeping every door's state. The secret
// and the API key are given as the config nodes' credentials, which Node-RED stores apart from flows.json.

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

/** An inject button that sends a genea-door node an empty message. */
const button = (id, name, y, target) => ({
  id,
  type: 'inject',
  z: TAB,
  name,
  props: [],
  repeat: '',
  crontab: '',
  once: false,
  onceDelay: 0.1,
  topic: '',
  x: 160,
  y,
  wires: [[target]],
});

const doorNode = (id, name, action, door, y) => ({
  id,
  type: 'genea-door',
  z: TAB,
  name,
  api: 'genea-demo-api',
  action,
  door,
  x: 420,
  y,
  wires: [['genea-demo-door-results-debug']],
});

/**
 * @param {string} secret the webhook secret
 * @param {{ baseUrl: string, key: string, door: { uuid: string, name: string } }} practice the practice Genea,
 *   its API key, and the door the buttons command
 */
function demoFlow(secret, practice) {
  const { door } = practice;
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
          'genea-demo-forced',
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
    {
      ...filter('genea-demo-doors', 'genea-door-event', 'door events', 400, {
        kinds: ['forced_open', 'held_open', 'alarm', 'secured', 'mode_changed', 'quick_grant'],
      }),
      wires: [['genea-demo-doors-debug', 'genea-demo-door-state']],
    },
    // Every door's live state: the practice Genea's door list at start and every 5 minutes, door events between.
    {
      id: 'genea-demo-door-state',
      type: 'genea-doors',
      z: TAB,
      name: 'door states',
      api: 'genea-demo-api',
      refreshMinutes: 5,
      x: 740,
      y: 580,
      wires: [['genea-demo-door-state-debug'], ['genea-demo-door-state-debug']],
    },
    debug('genea-demo-door-state-debug', 'door states', 580, 1040),
    debug('genea-demo-doors-debug', 'door events', 400),
    debug('genea-demo-rejected-debug', 'rejected deliveries', 460, 420),
    {
      ...filter('genea-demo-forced', 'genea-door-event', 'door forced open', 520, { kinds: ['forced_open'] }),
      wires: [['genea-demo-lock-forced']],
    },
    {
      ...doorNode('genea-demo-lock-forced', 'lock the forced-open door', 'lock', '', 520),
      x: 740,
      wires: [['genea-demo-lock-forced-debug']],
    },
    debug('genea-demo-lock-forced-debug', 'forced-open door locked', 520, 1040),
    {
      id: 'genea-demo-door-comment',
      type: 'comment',
      z: TAB,
      name: `Door control with the practice Genea (npm start runs it): press a button, watch "${door.name}"`,
      info:
        `The Genea API config node points at the practice Genea on ${practice.baseUrl}, with its key stored as a ` +
        'credential. Each button sends one command to the door; the answer shows in "door command results".\n\n' +
        'The practice Genea then sends the door event Genea would send to the receiver above (signed with the ' +
        'secret): an unlock or lock as door.mode_changed, a quick grant as door.quick_grant, shown in "door events".\n\n' +
        '"door states" keeps every door\'s live state (its status: doors, unlocked, offline, alarm), from the ' +
        "practice Genea's door list and the door events; each change shows in the debug sidebar.\n\n" +
        'A door forced open is locked at once ("lock the forced-open door", the door taken from the event). Try it ' +
        'on the unlocked lobby: genea-webhook-send --event door.forced_open --door Lobby (with --url and --secret as ' +
        'npm start prints them).',
      x: 400,
      y: 660,
      wires: [],
    },
    {
      id: 'genea-demo-api',
      type: 'genea-api',
      name: 'Practice Genea',
      baseUrl: practice.baseUrl,
      credentials: { apiKey: practice.key },
    },
    button('genea-demo-unlock-button', `unlock ${door.name}`, 720, 'genea-demo-unlock'),
    doorNode('genea-demo-unlock', `unlock ${door.name}`, 'unlock', door.uuid, 720),
    button('genea-demo-lock-button', `lock ${door.name}`, 780, 'genea-demo-lock'),
    doorNode('genea-demo-lock', `lock ${door.name}`, 'lock', door.uuid, 780),
    button('genea-demo-quick-button', `quick grant ${door.name}`, 840, 'genea-demo-quick'),
    doorNode('genea-demo-quick', `quick grant ${door.name}`, 'quick_unlock', door.uuid, 840),
    button('genea-demo-list-button', 'list every door', 900, 'genea-demo-list'),
    doorNode('genea-demo-list', 'list doors', 'list', '', 900),
    debug('genea-demo-door-results-debug', 'door command results', 810),
    {
      id: 'genea-demo-door-catch',
      type: 'catch',
      z: TAB,
      name: 'a door command failed',
      scope: ['genea-demo-unlock', 'genea-demo-lock', 'genea-demo-quick', 'genea-demo-list', 'genea-demo-lock-forced'],
      uncaught: false,
      x: 430,
      y: 960,
      wires: [['genea-demo-door-errors-debug']],
    },
    { ...debug('genea-demo-door-errors-debug', 'door command errors', 960), complete: 'error' },
  ];
}

module.exports = { demoFlow, DEMO_PATH };
