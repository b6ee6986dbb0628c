#!/usr/bin/env node
'use strict';
// Summarises a V8 .cpuprofile (from `npm run bench -- --profile=DIR`): where the CPU time went, by area
// (this package, express and its middleware, the Node-RED runtime, Node's http/net/crypto, GC, idle) and by
// function (self time). Usage: node bench/profile-summary.js <file.cpuprofile> [top=25] [skipSeconds=0]
// skipSeconds leaves out the process's start-up (module loading), as the bench reports it.
const fs = require('node:fs');

const [file, topArg, skipArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/profile-summary.js <file.cpuprofile> [top]');
  process.exit(2);
}
const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
const top = Number(topArg ?? 25);
const skipUs = Number(skipArg ?? 0) * 1e6;

const AREAS = [
  ['this package', /node-red-contrib-genea-webhooks|\/bench\/nodes\/|\/nodes\/(lib|genea-[^/]+)\//],
  [
    'express, body parsers, cookie/cors',
    /node_modules\/(express|router|body-parser|raw-body|cookie-parser|cors|on-finished|on-headers|finalhandler|path-to-regexp|qs|type-is|content-type|media-typer|multer|passport)/,
  ],
  ['Node-RED editor/admin api', /@node-red\/editor-api/],
  ['Node-RED runtime + nodes', /@node-red\/(runtime|util|nodes|registry)/],
  ['other node_modules', /node_modules\//],
  ['Node internals (http, net, streams, crypto)', /^node:|^internal\//],
];

function areaOf(node) {
  const { url, functionName } = node.callFrame;
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(program)') return 'program (V8, native)';
  for (const [name, pattern] of AREAS) if (pattern.test(url)) return name;
  return url ? 'other' : 'native (no script)';
}

// Self time per node from the samples and their time deltas.
const self = new Map();
let elapsed = 0;
for (let i = 0; i < profile.samples.length; i++) {
  elapsed += profile.timeDeltas[i] ?? 0;
  if (elapsed < skipUs) continue;
  self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const byArea = new Map();
const byFunction = new Map();
let total = 0;
let idle = 0;
for (const node of profile.nodes) {
  const us = self.get(node.id) ?? 0;
  if (!us) continue;
  total += us;
  const area = areaOf(node);
  if (area === 'idle') {
    idle += us;
    continue;
  }
  byArea.set(area, (byArea.get(area) ?? 0) + us);
  const { functionName, url, lineNumber } = node.callFrame;
  const key = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '')}:${lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
}
const busy = total - idle;
const pct = (us) => `${((100 * us) / busy).toFixed(1)}%`.padStart(6);
console.log(`${(busy / 1e6).toFixed(2)} s busy of ${(total / 1e6).toFixed(2)} s sampled; shares of busy time:\n`);
for (const [area, us] of [...byArea].filter(([a]) => a !== 'idle').sort((x, y) => y[1] - x[1])) {
  console.log(`${pct(us)}  ${area}`);
}
console.log(`\nTop ${top} functions by self time:\n`);
for (const [key, us] of [...byFunction].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`${pct(us)}  ${key}`);
