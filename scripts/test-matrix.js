#!/usr/bin/env node
// `npm run test:matrix`: the whole mocha suite once more on the latest Node-RED 5.0 under Node 22 (`npm test`
// covers Node-RED 4.1 on this machine's Node). Both come from the npm registry into .matrix/nr5/ (git-ignored,
// outside this project's node_modules): `node-red` and the `node` package, which ships a Node binary. That
// binary is called by its path and never put on PATH, so nothing else runs on it by accident. The tests find
// Node-RED through NODE_RED_HOME (test/support/node-red-path.js) and start child processes with
// process.execPath, so they all run on Node 22. Extra arguments go to mocha (e.g. a spec file).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { npm } = require('./npm');

const root = path.resolve(__dirname, '..');
const home = path.join(root, '.matrix', 'nr5');
/** The latest of each line; Node-RED 5 needs Node 22.9 or later. */
const PACKAGES = ['node-red@~5.0', 'node@22'];
const EXPECTED = { nodeRed: 5, node: 22 };

fs.mkdirSync(home, { recursive: true });
const manifest = path.join(home, 'package.json');
if (!fs.existsSync(manifest)) {
  // Without its own package.json, npm would install into the nearest parent project: this one.
  fs.writeFileSync(manifest, JSON.stringify({ name: 'genea-matrix-nr5', private: true }, null, 2) + '\n');
}
console.log(`test:matrix: installing ${PACKAGES.join(' ')} into ${path.relative(root, home)}/`);
npm(['install', '--prefix', home, '--no-audit', '--no-fund', '--loglevel=error', ...PACKAGES], {
  cwd: home,
  stdio: 'inherit',
});

const node22 = path.join(home, 'node_modules', 'node', 'bin', 'node');
const env = { ...process.env, NODE_RED_HOME: home };
// Ask the tests' own resolver, under the Node it will run on, what it finds.
const probe = JSON.parse(
  execFileSync(
    node22,
    [
      '-p',
      `JSON.stringify({ node: process.version, nodeRed: require(${JSON.stringify(path.join(root, 'test', 'support', 'node-red-path.js'))}).nodeRedVersion })`,
    ],
    { env, encoding: 'utf8' },
  ),
);
console.log(`test:matrix: Node-RED ${probe.nodeRed} on Node ${probe.node}`);
if (
  Number(probe.nodeRed.split('.')[0]) !== EXPECTED.nodeRed ||
  Number(probe.node.slice(1).split('.')[0]) !== EXPECTED.node
) {
  console.error(`test:matrix: expected Node-RED ${EXPECTED.nodeRed}.x on Node ${EXPECTED.node}.x`);
  process.exit(1);
}

try {
  execFileSync(node22, [require.resolve('mocha/bin/mocha.js'), ...process.argv.slice(2)], {
    cwd: root,
    env,
    stdio: 'inherit',
  });
} catch (err) {
  process.exit(typeof err.status === 'number' ? err.status : 1);
}
