'use strict';
// Runs npm itself: the npm that started this process (npm sets npm_execpath and npm_node_execpath for its
// scripts), else the first `npm` on PATH. Not node_modules/.bin/npm, which npm puts first on PATH inside
// scripts: Node-RED 4's registry depends on npm 10, whose `pack` runs `prepare` despite --ignore-scripts.
const { execFileSync } = require('node:child_process');

/** execFileSync of npm with `args`; `options` as for execFileSync. */
function npm(args, options) {
  const cli = process.env.npm_execpath;
  if (cli && /npm-cli\.js$/.test(cli)) {
    return execFileSync(process.env.npm_node_execpath || process.execPath, [cli, ...args], options);
  }
  return execFileSync('npm', args, options);
}

module.exports = { npm };
