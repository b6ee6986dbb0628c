'use strict';
// What an example flow needs beside Node-RED's core nodes and this package: the node packages its comments name as
// "Needs <package>" (the door board's FlowFuse Dashboard 2). Tests install those, or leave such an example out.
const fs = require('node:fs');
const path = require('node:path');

const examplesDir = path.join(__dirname, '..', '..', 'examples');

/** The packages `nodes` (an example flow) says in a comment that it needs. */
function neededPackages(nodes) {
  const comments = nodes.filter((node) => node.type === 'comment').map((node) => node.name);
  return comments.flatMap((name) => [...name.matchAll(/\bNeeds (@[\w-]+\/[\w.-]+|[\w.-]+)/g)].map((m) => m[1]));
}

/** Every example of the package: { name, file, nodes, needs }. */
function readExamples() {
  return fs
    .readdirSync(examplesDir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => {
      const nodes = JSON.parse(fs.readFileSync(path.join(examplesDir, file), 'utf8'));
      return { name: path.basename(file, '.json'), file, nodes, needs: neededPackages(nodes) };
    });
}

module.exports = { examplesDir, neededPackages, readExamples };
