'use strict';
// Runs the genea-webhook-send command as a user does: a child process; resolves with its exit code and output.
const path = require('node:path');
const { spawn } = require('node:child_process');

const builtSender = path.resolve(__dirname, '..', '..', 'nodes', 'cli', 'genea-webhook-send.js');

/**
 * @param {string[]} args
 * @param {object} [options]
 * @param {object} [options.env] variables over the test's environment (which never passes GENEA_SECRET on)
 * @param {string} [options.command] the executable to run, e.g. the bin an install linked; default: the
 *   built sender under this Node
 */
function runSender(args, { env = {}, command } = {}) {
  const environment = { ...process.env };
  delete environment.GENEA_SECRET;
  const [file, fileArgs] = command ? [command, args] : [process.execPath, [builtSender, ...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(file, fileArgs, { env: { ...environment, ...env }, timeout: 30_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

module.exports = { runSender, builtSender };
