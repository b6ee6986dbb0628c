'use strict';
// A loopback HTTP server that records what flows send it, and the flow nodes that send there:
// end-to-end tests observe a real Node-RED's output through it.
const http = require('node:http');

class Collector {
  static async start() {
    const collector = new Collector();
    await new Promise((resolve) => collector.server.listen(0, '127.0.0.1', resolve));
    return collector;
  }

  constructor() {
    this.received = [];
    this.waiters = [];
    this.server = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (chunk) => chunks.push(chunk));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body = text;
        try {
          body = JSON.parse(text);
        } catch {
          // Not JSON: keep the text.
        }
        this.received.push({ path: req.url, method: req.method, headers: req.headers, body });
        res.end('ok');
        this.waiters = this.waiters.filter((waiter) => !waiter());
      });
    });
  }

  get url() {
    return `http://127.0.0.1:${this.server.address().port}`;
  }

  /** Requests received on `path` (all when omitted). */
  on(path) {
    return this.received.filter((entry) => path === undefined || entry.path === path);
  }

  /** Resolves once `count` requests arrived on `path`; rejects after `timeoutMs`. */
  waitFor(path, count, timeoutMs = 10_000) {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.on(path).length >= count) {
          clearTimeout(timer);
          resolve(this.on(path));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter !== check);
        reject(new Error(`expected ${count} requests on ${path}, got ${this.on(path).length}`));
      }, timeoutMs);
      if (!check()) this.waiters.push(check);
    });
  }

  reset() {
    this.received = [];
  }

  async close() {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /**
   * Flow nodes that forward each message they receive to `path` on this collector as JSON
   * { topic, genea, payload }. Wire a node's output to `<id>`.
   */
  sinkNodes(id, path, z) {
    return [
      {
        id,
        type: 'function',
        z,
        name: `to ${path}`,
        func: 'return { payload: { topic: msg.topic, genea: msg.genea, payload: msg.payload } };',
        outputs: 1,
        wires: [[`${id}-http`]],
      },
      {
        id: `${id}-http`,
        type: 'http request',
        z,
        method: 'POST',
        ret: 'txt',
        paytoqs: 'ignore',
        url: `${this.url}${path}`,
        headers: [],
        wires: [[]],
      },
    ];
  }
}

module.exports = { Collector };
