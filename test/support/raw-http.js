'use strict';
// A raw TCP client for malformed HTTP: writes exactly the bytes given (with pauses where asked), and reports
// what the server did: answered (the status of the first response head), closed the connection, reset it, or
// none of these in time (still open); and whether there was a server at all (refused).
const net = require('node:net');

/**
 * @typedef {object} RawResult
 * @property {'answered'|'closed'|'reset'|'open'|'hung up'|'refused'} outcome answered: a response head
 *   arrived; closed: the server ended the connection (FIN) without one; reset: the server reset it (ECONNRESET,
 *   or EPIPE on a write after the server closed); open: none of these within timeoutMs; hung up: the client
 *   hung up as asked (`hangUp`) after connecting and writing every part, before the server did anything;
 *   refused: no connection (nothing listening), or any other socket error
 * @property {number|null} status status of the first response head (outcome 'answered'), else null
 * @property {number} elapsedMs from the connection to the outcome
 * @property {string} [error] the socket error's code, for outcomes reset and refused
 */

/**
 * @param {number} port on 127.0.0.1
 * @param {Array<string|Buffer|{pauseMs: number}>} parts written in order
 * @param {object} [options]
 * @param {boolean} [options.hangUp] destroy the socket right after the last part (a client that disconnects)
 * @param {boolean} [options.halfClose] end the sending side after the last part (EOF), keep reading
 * @param {number} [options.timeoutMs] give up waiting for an answer or a close after this long
 * @returns {Promise<RawResult>}
 */
function rawExchange(port, parts, { hangUp = false, halfClose = false, timeoutMs = 20_000 } = {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    let connected = false;
    let received = '';
    let settled = false;
    const finish = (outcome, extra = {}) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ outcome, status: null, elapsedMs: Date.now() - started, ...extra });
    };
    const timer = setTimeout(() => finish('open'), timeoutMs);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      const head = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n[\s\S]*?\r\n\r\n/.exec(received);
      if (head) finish('answered', { status: Number(head[1]) });
    });
    socket.on('error', (error) => {
      const byServer = connected && ['ECONNRESET', 'EPIPE'].includes(error.code);
      finish(byServer ? 'reset' : 'refused', { error: error.code });
    });
    // 'end' is the server's FIN; a 'close' without an error before it can only follow one.
    socket.on('end', () => finish('closed'));
    socket.on('close', (hadError) => {
      if (!hadError) finish('closed');
    });
    socket.on('connect', async () => {
      connected = true;
      for (const part of parts) {
        if (settled) return;
        if (typeof part === 'object' && !Buffer.isBuffer(part)) {
          await new Promise((r) => setTimeout(r, part.pauseMs));
        } else {
          socket.write(part);
        }
      }
      if (settled) return;
      if (hangUp) finish('hung up');
      else if (halfClose) socket.end();
    });
  });
}

/** The head of an HTTP/1.1 request: `headers` as [name, value] pairs, written exactly (duplicates kept). */
function requestHead(method, path, headers) {
  return Buffer.concat([
    Buffer.from(`${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n`, 'latin1'),
    ...headers.map(([name, value]) =>
      Buffer.concat([Buffer.from(`${name}: `), Buffer.from(value), Buffer.from('\r\n')]),
    ),
    Buffer.from('\r\n'),
  ]);
}

/**
 * Runs `jobs` (functions returning promises) with at most `concurrency` at a time; resolves to their results
 * in order.
 */
async function pool(jobs, concurrency) {
  const results = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const index = next++;
      results[index] = await jobs[index]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
  return results;
}

module.exports = { rawExchange, requestHead, pool };
