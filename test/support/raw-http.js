'use strict';
// A raw TCP client for malformed HTTP: writes exactly the bytes given (with pauses where asked), and reports
// the status the server answered, or that it closed the connection, or that neither happened in time.
const net = require('node:net');

/**
 * @param {number} port on 127.0.0.1
 * @param {Array<string|Buffer|{pauseMs: number}>} parts written in order
 * @param {object} [options]
 * @param {boolean} [options.hangUp] destroy the socket right after the last part (a client that disconnects)
 * @param {boolean} [options.halfClose] end the sending side after the last part (EOF), keep reading
 * @param {number} [options.timeoutMs] give up waiting for an answer or a close after this long
 * @returns {Promise<{status: number|null, closed: boolean, timedOut: boolean}>} status of the first response
 *   head received (null if none); closed when the server ended the connection without a response head
 */
function rawExchange(port, parts, { hangUp = false, halfClose = false, timeoutMs = 20_000 } = {}) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    let settled = false;
    const finish = (result) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ status: null, closed: false, timedOut: true }), timeoutMs);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      const head = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n[\s\S]*?\r\n\r\n/.exec(received);
      if (head) finish({ status: Number(head[1]), closed: false, timedOut: false });
    });
    socket.on('error', () => finish({ status: null, closed: true, timedOut: false }));
    socket.on('close', () => finish({ status: null, closed: true, timedOut: false }));
    socket.on('end', () => finish({ status: null, closed: true, timedOut: false }));
    socket.on('connect', async () => {
      for (const part of parts) {
        if (settled || socket.destroyed) return;
        if (typeof part === 'object' && !Buffer.isBuffer(part)) {
          await new Promise((r) => setTimeout(r, part.pauseMs));
        } else {
          socket.write(part);
        }
      }
      if (hangUp) finish({ status: null, closed: true, timedOut: false });
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
