'use strict';
// The bench's counting sink, for A, B and R alike: counts the messages that reach it and serves the count at
// GET /bench/count. A function node did this before; it runs its code in a vm sandbox and reads and writes
// flow context for every message, which cost A 3–4 % of its CPU (BENCHMARKS.md) though D, the floor A is
// compared with, has no sink at all. Loaded from the bench user dir's nodes/ folder, never shipped.
module.exports = function registerBenchCount(RED) {
  let count = 0;
  RED.httpNode.get('/bench/count', (_req, res) => res.json({ count }));
  function BenchCount(config) {
    RED.nodes.createNode(this, config);
    this.on('input', (_msg, _send, done) => {
      count++;
      done();
    });
  }
  RED.nodes.registerType('bench-count', BenchCount);
};
