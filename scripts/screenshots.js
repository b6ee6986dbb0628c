#!/usr/bin/env node
// Regenerates the README's screenshots (docs/images/*.png) by running the browser tests with GENEA_SCREENSHOTS set:
// they show the editor exactly as the tests drive it. Run through `npm run screenshots` (which builds first).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const mocha = require.resolve('mocha/bin/mocha.js');
const dir = path.join(root, 'test', 'browser');
const tests = fs
  .readdirSync(dir)
  .filter((file) => file.endsWith('.browser.test.js'))
  .map((file) => path.join(dir, file));
const result = spawnSync(process.execPath, [mocha, '--no-config', '--exit', '--timeout', '120000', ...tests], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, GENEA_SCREENSHOTS: path.join(root, 'docs', 'images') },
});
process.exit(result.status ?? 1);
