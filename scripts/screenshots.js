#!/usr/bin/env node
// Regenerates the README's screenshots (docs/images/*.png) by running the browser test with GENEA_SCREENSHOTS set:
// they show the editor exactly as the test drives it. Run through `npm run screenshots` (which builds first).
'use strict';
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const mocha = require.resolve('mocha/bin/mocha.js');
const test = path.join(root, 'test', 'browser', 'editor.browser.test.js');
const result = spawnSync(process.execPath, [mocha, '--no-config', '--exit', '--timeout', '120000', test], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, GENEA_SCREENSHOTS: path.join(root, 'docs', 'images') },
});
process.exit(result.status ?? 1);
