#!/usr/bin/env node
'use strict';
// What the delivery inspector adds per delivery, in one process: the receiver's `record()` call (the store's entry,
// the copy of the body, the publish timer) against the delivery pipeline it follows (verify, parse, classify), both on the bench's 1.2 KB event, in alternating rounds, by CPU time. Run after `npm run build`:
//   node bench/recording.js
const { DeliveryRecorder } = require('../nodes/genea-webhook-in/delivery-inspector');
const { processDelivery } = require('../nodes/lib/delivery');
const { signedEvents } = require('./events');

const SECRET = 'bench-secret-5b7e0c1d9a';
const ROUNDS = 5;
const PER_ROUND = 100_000;

const { body, signature } = signedEvents(SECRET).next();
const verdict = processDelivery(body, signature, [SECRET]);
const recorder = new DeliveryRecorder({ comms: { publish() {} } }, 'bench');
recorder.listen('/genea', async () => true);
const req = { method: 'POST', headers: { 'content-type': 'application/json' } };

// CPU time, not wall time: on a shared machine the scheduler would otherwise set the figures.
const nsPer = (run) => {
  const started = process.cpuUsage();
  for (let i = 0; i < PER_ROUND; i++) run();
  const { user, system } = process.cpuUsage(started);
  return ((user + system) * 1000) / PER_ROUND;
};
console.log(`${body.length}-byte event, ${PER_ROUND} calls per round`);
for (let round = 1; round <= ROUNDS; round++) {
  const pipeline = nsPer(() => processDelivery(body, signature, [SECRET]));
  const record = nsPer(() => recorder.record(req, '127.0.0.1', verdict, body));
  const ratio = ((100 * record) / pipeline).toFixed(1);
  console.log(`round ${round}: pipeline ${pipeline.toFixed(0)} ns, record ${record.toFixed(0)} ns (${ratio}%)`);
}
recorder.close(true);
