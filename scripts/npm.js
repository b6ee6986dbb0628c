'use strict';
// Runs npm itself: the npm that started this process (npm sets npm_execpath and npm_node_execpath for its
// scripts), else the first `npm` on PATH. Not node_modules/.bin/npm, which npm puts first on PATH inside
// scripts: Node-RED 4's registry depends on npm 10, whose `pack` runs `prepare` despite --ignore-scripts.
const { execFileSync } = require('node:child_process');

const cli = process.env.npm_execpath;
const viaCli = Boolean(cli && /npm-cli\.js$/.test(cli));

/** The executable that runs npm, and the arguments before npm's own (for spawnSync and the like). */
function npmCommand() {
  return viaCli ? process.env.npm_node_execpath || process.execPath : 'npm';
}
function npmArgs() {
  return viaCli ? [cli] : [];
}

/** execFileSync of npm with `args`; `options` as for execFileSync. */
function npm(args, options) {
  return execFileSync(npmCommand(), [...npmArgs(), ...args], options);
}

module.exports = { npm, npmCommand, npmArgs };
