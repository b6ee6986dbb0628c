'use strict';
// A real Redis for the shared-state tests: Debian's redis-server (scripts/ensure-debian-packages.sh installs it) on a free
// loopback port, with a password, keeping nothing on disk. kill() stops it the hard way (a crash), restart()
// brings it back on the same port, stop() ends it for good; a test file calls stop() in its after hook, and
// any server still running when the test process exits is killed with it.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { freePort } = require('./red-process');

const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';
const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

class RedisServer {
  /**
   * @param {object} [options]
   * @param {string} [options.password] default: a random one
   * @param {string[]} [options.users] ACL rules, one `--user` each (e.g. 'alice on >secret ~* &* +@all')
   */
  static async start(options = {}) {
    if (!fs.existsSync(REDIS_SERVER)) {
      throw new Error(
        `${REDIS_SERVER} is missing: run scripts/ensure-debian-packages.sh redis-server:${REDIS_SERVER} (as root) first`,
      );
    }
    const server = new RedisServer(await freePort(), options.password ?? randomBytes(12).toString('hex'));
    server.users = options.users ?? [];
    await server.launch();
    return server;
  }

  constructor(port, password) {
    this.port = port;
    this.password = password;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genea-redis-'));
    this.log = '';
    this.child = null;
  }

  /** redis://127.0.0.1:<port> (no credentials: the tests give those as the node's credentials). */
  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }

  async launch() {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--requirepass', this.password];
    args.push('--save', '', '--appendonly', 'no', '--dir', this.dir, '--daemonize', 'no', '--loglevel', 'notice');
    for (const rule of this.users) args.push('--user', rule);
    const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    running.add(child);
    this.exited = new Promise((resolve) => child.once('exit', resolve)).then(() => running.delete(child));
    const before = this.log.length;
    for (const stream of [child.stdout, child.stderr]) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => (this.log += chunk));
    }
    const deadline = Date.now() + 10_000;
    while (!/Ready to accept connections/.test(this.log.slice(before))) {
      if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}):\n${this.log}`);
      if (Date.now() > deadline) throw new Error(`redis-server did not get ready:\n${this.log}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  get isRunning() {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Kills the server at once (SIGKILL), as a crash would: open connections break, keys are gone. */
  async kill() {
    if (!this.isRunning) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Freezes the server (SIGSTOP): connections stay open, nothing is answered, until resume(). */
  pause() {
    this.child.kill('SIGSTOP');
  }

  resume() {
    this.child.kill('SIGCONT');
  }

  /** Starts the server again on the same port (after kill() or stop()). */
  async restart() {
    await this.kill();
    await this.launch();
  }

  /** Stops the server for good and removes its directory. */
  async stop() {
    if (this.isRunning) {
      this.child.kill('SIGCONT');
      this.child.kill('SIGTERM');
      const killer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
      await this.exited;
      clearTimeout(killer);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

module.exports = { RedisServer };
