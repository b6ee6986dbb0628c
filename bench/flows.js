'use strict';
// The flows deployed for the Node-RED configurations. A, B and R end in the same counting sink
// (bench/nodes/bench-count.js, which serves GET /bench/count), so that the bench can check that every accepted
// delivery reached the flow.

function tab(id, label) {
  return { id, type: 'tab', label };
}

// GET /bench/memory (A only, called between measurements): the V8 heap in use after a full garbage
// collection, the live memory that the duplicate window's bound is about. Built-in modules reach a
// function node through its "libs" (functionExternalModules is on in the default settings).
const MEMORY_ANSWER = `if (!context.get('gc')) {
    v8.setFlagsFromString('--expose-gc');
    context.set('gc', vm.runInNewContext('gc'));
}
context.get('gc')();
msg.payload = { heapUsed: v8.getHeapStatistics().used_heap_size };
return msg;`;

function memoryEndpoint(z) {
  return [
    { id: `${z}-mem-in`, type: 'http in', z, url: '/bench/memory', method: 'get', wires: [[`${z}-mem-fn`]] },
    {
      id: `${z}-mem-fn`,
      type: 'function',
      z,
      func: MEMORY_ANSWER,
      outputs: 1,
      libs: [
        { var: 'v8', module: 'v8' },
        { var: 'vm', module: 'vm' },
      ],
      wires: [[`${z}-mem-out`]],
    },
    { id: `${z}-mem-out`, type: 'http response', z, wires: [] },
  ];
}

function sink(z) {
  return { id: `${z}-sink`, type: 'bench-count', z, wires: [] };
}

/**
 * A: this package's receiver → genea-access-granted (mode all) → counting sink. The secret goes in the config
 * node's credentials. The bench sends access-granted events only, so that the filter passes every one and A's
 * sink runs as often as B's.
 */
function receiverFlow(secret, path) {
  return [
    tab('a', 'A genea-webhook-in'),
    { id: 'a-cfg', type: 'genea-config', name: 'bench', credentials: { secret } },
    { id: 'a-rx', type: 'genea-webhook-in', z: 'a', config: 'a-cfg', url: path, wires: [['a-granted'], []] },
    { id: 'a-granted', type: 'genea-access-granted', z: 'a', mode: 'all', wires: [['a-sink']] },
    sink('a'),
    ...memoryEndpoint('a'),
  ];
}

/**
 * A with Redis: the same flow, its receiver's duplicate window in Redis through a genea-redis config node (each
 * delivery claims its event there, as on every replica of a shared setup).
 */
function sharedReceiverFlow(secret, path, redis) {
  const flow = receiverFlow(secret, path);
  const shared = { id: 'a-redis', type: 'genea-redis', url: redis.url, credentials: { password: redis.password } };
  return [...flow.map((node) => (node.id === 'a-rx' ? { ...node, redis: shared.id } : node)), shared];
}

/**
 * D, the platform's floor: core http in ("do not parse body") → http response, nothing else. No sink: it counts
 * nothing, and what it costs is the least any Node-RED route can.
 */
function floorFlow(path) {
  return [
    tab('d', 'D core http in → http response'),
    { id: 'd-in', type: 'http in', z: 'd', url: path, method: 'post', skipBodyParsing: true, wires: [['d-out']] },
    { id: 'd-out', type: 'http response', z: 'd', statusCode: '200', wires: [] },
  ];
}

// What a user builds without this package: verify the HMAC over the raw body (http in with "do not parse
// body" hands it over as a Buffer), compare in constant time, parse, answer, pass the event on.
// The event goes out first: Node-RED clones every message of a send but the first, and the http response
// message (req/res kept by reference) is the cheap one to clone.
const CORE_VERIFY = `const expected = Buffer.from('sha1=' + crypto.createHmac('sha1', env.get('GENEA_SECRET')).update(msg.payload).digest('hex'));
const header = Buffer.from(String(msg.req.headers['x-sequr-signature'] || ''));
if (header.length !== expected.length || !crypto.timingSafeEqual(header, expected)) {
    msg.statusCode = 401;
    msg.payload = 'Signature does not match';
    return [null, msg];
}
let event;
try {
    event = JSON.parse(msg.payload.toString('utf8'));
} catch (err) {
    msg.statusCode = 400;
    msg.payload = 'Body is not JSON';
    return [null, msg];
}
const out = { payload: event, headers: msg.req.headers };
msg.statusCode = 200;
msg.payload = 'Accepted';
return [out, msg];`;

/** B: core http in (raw body) → function verifying the HMAC → [counting sink, http response]. */
function coreFlow(path) {
  return [
    tab('b', 'B core http in'),
    {
      id: 'b-in',
      type: 'http in',
      z: 'b',
      url: path,
      method: 'post',
      upload: false,
      skipBodyParsing: true,
      wires: [['b-verify']],
    },
    {
      id: 'b-verify',
      type: 'function',
      z: 'b',
      name: 'verify Genea signature',
      func: CORE_VERIFY,
      outputs: 2,
      libs: [{ var: 'crypto', module: 'crypto' }],
      wires: [['b-sink'], ['b-out']],
    },
    { id: 'b-out', type: 'http response', z: 'b', wires: [] },
    sink('b'),
  ];
}

module.exports = { receiverFlow, sharedReceiverFlow, coreFlow, floorFlow };
