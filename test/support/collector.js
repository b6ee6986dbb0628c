'use strict';
// A loopback HTTP(S) server that records what flows (or the sender) send it, and the flow nodes that send there:
// end-to-end tests observe a real Node-RED's output through it.
const http = require('node:http');
const https = require('node:https');

class Collector {
  /**
   * @param {object} [options]
   * @param {{ key: string, cert: string }} [options.tls] serve HTTPS with this identity
   * @param {(entry: object) => { status: number, text: string }} [options.respond] the answer to a request
   *   (default 200 `ok`)
   */
  static async start(options = {}) {
    const collector = new Collector(options);
    await new Promise((resolve) => collector.server.listen(0, '127.0.0.1', resolve));
    return collector;
  }

  constructor({ tls, respond = () => ({ status: 200, text: 'ok' }) } = {}) {
    this.received = [];
    this.waiters = [];
    this.protocol = tls ? 'https' : 'http';
    const handle = (req, res) => {
      const chunks = [];
      req.on('data', (chunk) => chunks.push(chunk));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const text = raw.toString('utf8');
        let body = text;
        try {
          body = JSON.parse(text);
        } catch {
          // Not JSON: keep the text.
        }
        const entry = { path: req.url, method: req.method, headers: req.headers, body, raw };
        this.received.push(entry);
        const answer = respond(entry);
        res.writeHead(answer.status, { 'Content-Type': 'text/plain' }).end(answer.text);
        this.waiters = this.waiters.filter((waiter) => !waiter());
      });
    };
    this.server = tls ? https.createServer(tls, handle) : http.createServer(handle);
  }

  get url() {
    return `${this.protocol}://127.0.0.1:${this.server.address().port}`;
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
   * { topic, genea, payload } (or the message `properties` given). Wire a node's output to `<id>`.
   */
  sinkNodes(id, path, z, properties = ['topic', 'genea', 'payload']) {
    return [
      {
        id,
        type: 'function',
        z,
        name: `to ${path}`,
        func: `return { payload: { ${properties.map((p) => `${p}: msg.${p}`).join(', ')} } };`,
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
