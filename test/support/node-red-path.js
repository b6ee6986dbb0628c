'use strict';
// Which Node-RED every test runs against: the one under $NODE_RED_HOME/node_modules (the version matrix,
// see .ci/run) or this project's dev dependency. Child processes use process.execPath, so a suite run
// under Node 22 starts Node-RED under Node 22 too.
const path = require('node:path');

const home = process.env.NODE_RED_HOME;
const nodeRedDir = home
  ? path.join(path.resolve(home), 'node_modules', 'node-red')
  : path.dirname(require.resolve('node-red/package.json'));

module.exports = {
  nodeRedDir,
  /** The file node-red-node-test-helper's init() wants. */
  nodeRedMain: require.resolve(nodeRedDir),
  /** The CLI entry a real Node-RED process is started with. */
  nodeRedCli: path.join(nodeRedDir, 'red.js'),
  nodeRedVersion: require(path.join(nodeRedDir, 'package.json')).version,
};
