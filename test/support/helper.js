'use strict';
// Shared set-up for node tests: node-red-node-test-helper with this package's built nodes,
// and supertest against RED.httpNode (helper.request() targets the admin app instead).
const crypto = require('node:crypto');
const path = require('node:path');
const helper = require('node-red-node-test-helper');
const supertest = require('supertest');
const { nodeRedDir, nodeRedMain } = require('./node-red-path');

helper.init(nodeRedMain);

let httpNode;
/** A "node module" that only captures the RED API the runtime hands to nodes. */
function captureRED(RED) {
  httpNode = RED.httpNode;
}

/**
 * The node set `set` with Node-RED's real message catalog lookup (in English) for its RED._: the test
 * helper's own RED._ returns the bare key, which would hide what a status or log line says.
 */
function withCatalog(set) {
  const registerSet = require(`../../nodes/${set}/${set}.js`);
  const { i18n } = require(require.resolve('@node-red/util', { paths: [nodeRedDir] }));
  const namespace = `test/${set}`;
  let registered;
  return async function (RED) {
    // The catalog can be registered only once the helper's server has initialised i18n.
    registered ??= i18n.registerMessageCatalog(
      namespace,
      path.join(__dirname, '../../nodes', set, 'locales'),
      `${set}.json`,
    );
    await registered;
    const red = Object.create(RED);
    red._ = (key, values) => i18n._(`${namespace}:${key}`, { ...values, lng: 'en-US' });
    return registerSet(red);
  };
}

const nodes = {
  config: require('../../nodes/genea-config/genea-config.js'),
  receiver: require('../../nodes/genea-webhook-in/genea-webhook-in.js'),
  filters: withCatalog('genea-filters'),
  api: withCatalog('genea-api'),
  door: withCatalog('genea-door'),
  doors: withCatalog('genea-doors'),
  redis: withCatalog('genea-redis'),
};

/** Loads `flow` with this package's nodes (plus `extraNodes`) and returns supertest on httpNode. */
async function load(flow, credentials = {}, extraNodes = []) {
  await helper.load(
    [
      captureRED,
      nodes.config,
      nodes.receiver,
      nodes.filters,
      nodes.api,
      nodes.door,
      nodes.doors,
      nodes.redis,
      ...extraNodes,
    ],
    flow,
    credentials,
  );
  return supertest(httpNode);
}

function sign(body, secret, algorithm = 'sha1') {
  return `${algorithm}=${crypto.createHmac(algorithm, secret).update(body).digest('hex')}`;
}

/** The runtime's message hooks (onSend, preDeliver, ...), to set up races a test must hit exactly. */
const { hooks } = require(require.resolve('@node-red/util', { paths: [nodeRedDir] }));

module.exports = { helper, load, nodes, sign, hooks, httpNode: () => httpNode };
