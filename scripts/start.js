#!/usr/bin/env node
// `npm start`: a local Node-RED from this project's own dependencies, with this package
// loaded from the working tree and a user dir inside the project (.node-red/, git-ignored).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const userDir = path.join(root, '.node-red');
const port = process.env.PORT || '1880';
fs.mkdirSync(path.join(userDir, 'node_modules'), { recursive: true });
const link = path.join(userDir, 'node_modules', 'node-red-contrib-genea-webhooks');
if (!fs.existsSync(link)) fs.symlinkSync(root, link, 'dir');
if (!fs.existsSync(path.join(userDir, 'package.json'))) {
  fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'genea-demo', private: true }, null, 2));
}

const red = spawn(process.execPath, [require.resolve('node-red/red.js'), '--userDir', userDir, '--port', port], {
  stdio: 'inherit',
});
const stop = () => red.kill('SIGINT');
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
red.on('exit', (code) => process.exit(code ?? 0));
