#!/usr/bin/env node
// `npm run mutate`: mutation testing with Stryker (stryker.config.json) of src/lib against the unit and node tests,
// then a summary table per file. StrykerJS 10 (the line that supports mocha 12) needs Node 22: like test:matrix,
// the `node` package from the npm registry is installed into .matrix/node22/ (git-ignored) and called by its path.
// Writes reports/mutation/mutation.json (Stryker's standard JSON report), then the table of
// scripts/mutation-summary.js.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { npm } = require('./npm');

const root = path.resolve(__dirname, '..');
const home = path.join(root, '.matrix', 'node22');

fs.mkdirSync(home, { recursive: true });
const manifest = path.join(home, 'package.json');
if (!fs.existsSync(manifest)) {
  // Without its own package.json, npm would install into the nearest parent project: this one.
  fs.writeFileSync(manifest, JSON.stringify({ name: 'genea-mutate-node22', private: true }, null, 2) + '\n');
}
const node22 = path.join(home, 'node_modules', 'node', 'bin', 'node');
if (!fs.existsSync(node22)) {
  console.log(`mutate: installing node@22 into ${path.relative(root, home)}/`);
  npm(['install', '--prefix', home, '--no-audit', '--no-fund', '--loglevel=error', 'node@22'], {
    cwd: home,
    stdio: 'inherit',
  });
}

const shim = path.join(__dirname, 'stryker-mocha12.cjs');
const env = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require=${shim}`.trim() };
// The package's exports map hides bin/ from require.resolve: its file is taken from node_modules directly.
const stryker = path.join(root, 'node_modules', '@stryker-mutator', 'core', 'bin', 'stryker.js');
try {
  execFileSync(node22, [stryker, 'run', ...process.argv.slice(2)], { cwd: root, env, stdio: 'inherit' });
} catch (err) {
  if (err.status === undefined) throw err;
  process.exit(err.status);
}

require('./mutation-summary');
