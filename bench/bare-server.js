'use strict';
// Configuration C, the ceiling: a bare Node `http` server doing what a Genea receiver must do and nothing
// more (read the raw body with a size limit, HMAC-SHA1 it, compare in constant time, parse the JSON,
// answer 200), plus GET /bench/count for the number of events accepted.
// Usage: GENEA_SECRET=... node bare-server.js <port>; prints "listening" when ready.
const http = require('node:http');
const crypto = require('node:crypto');

const secret = process.env.GENEA_SECRET;
const port = Number(process.argv[2]);
const MAX_BYTES = 1024 * 1024;
let accepted = 0;

function answer(res, status, text) {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text);
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/bench/count') return answer(res, 200, JSON.stringify({ count: accepted }));
  if (req.method !== 'POST' || req.url !== '/genea') return answer(res, 404, 'Not found');
  const chunks = [];
  let received = 0;
  req.on('data', (chunk) => {
    received += chunk.length;
    if (received > MAX_BYTES) {
      answer(res, 413, 'Too large');
      req.destroy();
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    const body = Buffer.concat(chunks, received);
    const expected = Buffer.from(`sha1=${crypto.createHmac('sha1', secret).update(body).digest('hex')}`);
    const header = Buffer.from(String(req.headers['x-sequr-signature'] ?? ''));
    if (header.length !== expected.length || !crypto.timingSafeEqual(header, expected)) {
      return answer(res, 401, 'Signature does not match');
    }
    try {
      JSON.parse(body.toString('utf8'));
    } catch {
      return answer(res, 400, 'Not JSON');
    }
    accepted++;
    answer(res, 200, 'Accepted');
  });
});
server.listen(port, '127.0.0.1', () => console.log('listening'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
process.on('SIGINT', () => server.close(() => process.exit(0)));
