'use strict';
// Shared set-up for node tests: node-red-node-test-helper with this package's built nodes,
// and supertest against RED.httpNode (helper.request() targets the admin app instead).
const crypto = require('node:crypto');
const helper = require('node-red-node-test-helper');
const supertest = require('supertest');

helper.init(require('./node-red-path').nodeRedMain);

let httpNode;
/** A "node module" that only captures the RED API the runtime hands to nodes. */
function captureRED(RED) {
  httpNode = RED.httpNode;
}

const nodes = {
  config: require('../../nodes/genea-config/genea-config.js'),
  receiver: require('../../nodes/genea-webhook-in/genea-webhook-in.js'),
};

/** Loads `flow` with this package's nodes (plus `extraNodes`) and returns supertest on httpNode. */
async function load(flow, credentials = {}, extraNodes = []) {
  await helper.load([captureRED, nodes.config, nodes.receiver, ...extraNodes], flow, credentials);
  return supertest(httpNode);
}

function sign(body, secret, algorithm = 'sha1') {
  return `${algorithm}=${crypto.createHmac(algorithm, secret).update(body).digest('hex')}`;
}

module.exports = { helper, load, nodes, sign, httpNode: () => httpNode };
