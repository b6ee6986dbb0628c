'use strict';
// A real Node-RED process on 127.0.0.1 with this package installed in its user dir (a symlink to the
// working tree, as `npm start` does), started from a flow file and stopped with SIGINT like Ctrl-C.
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { nodeRedCli } = require('./node-red-path');

const ROOT = path.resolve(__dirname, '..', '..');
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Writes a user dir holding `flows` (and plain-text `credentials`) and this package. Idempotent. */
function prepareUserDir(userDir, { flows, credentials = {}, settings = {} }) {
  fs.mkdirSync(path.join(userDir, 'node_modules'), { recursive: true });
  const link = path.join(userDir, 'node_modules', 'node-red-contrib-genea-webhooks');
  if (!fs.existsSync(link)) fs.symlinkSync(ROOT, link, 'dir');
  fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'genea-test', private: true }));
  fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flows));
  fs.writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify(credentials));
  const all = {
    flowFile: 'flows.json',
    credentialSecret: false, // flows_cred.json in plain text, as written above
    uiHost: '127.0.0.1',
    logging: { console: { level: 'info' } },
    ...settings,
  };
  fs.writeFileSync(path.join(userDir, 'settings.js'), `module.exports = ${JSON.stringify(all, null, 2)};\n`);
}

/**
 * Starts Node-RED on a free loopback port with the user dir prepared by `prepareUserDir`; resolves once its
 * flows have started, with `url` and `stop()`. Output is kept in `log()` for failure messages.
 */
async function startNodeRed(userDir) {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [nodeRedCli, '--userDir', userDir, '--settings', path.join(userDir, 'settings.js'), '--port', String(port)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await new Promise((resolve, reject) => {
    const exitedEarly = (code) => fail(new Error(`Node-RED exited early (${code})`));
    const timer = setTimeout(() => fail(new Error('Node-RED did not start flows in time')), START_TIMEOUT_MS);
    function fail(err) {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${err.message}\n${output}`));
    }
    const collect = (chunk) => {
      output += chunk;
      if (/Started flows/.test(output)) {
        clearTimeout(timer);
        child.off('exit', exitedEarly);
        resolve();
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('exit', exitedEarly);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    log: () => output,
    /** SIGINT, as Ctrl-C: Node-RED stops its flows and flushes its context stores. */
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

module.exports = { prepareUserDir, startNodeRed };
