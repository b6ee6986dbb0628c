'use strict';
// A real Node-RED process for end-to-end tests: a fresh user dir with this package installed from the
// packed tarball (as a user would install it), settings of the test's choosing (default: Node-RED's
// defaults, so httpAdminRoot = httpNodeRoot = '/'), the admin API to deploy flows, and the log.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');
const http = require('node:http');
const https = require('node:https');
const { spawn } = require('node:child_process');
const { nodeRedCli, nodeRedDir } = require('./node-red-path');
const { npm } = require('../../scripts/npm');

const projectRoot = path.resolve(__dirname, '..', '..');
let packedTarball;

/** `npm pack` of the project (built by `npm test` before mocha runs), once per test run. */
function packageTarball() {
  if (!packedTarball) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genea-pack-'));
    const out = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
      cwd: projectRoot,
      encoding: 'utf8',
    });
    packedTarball = path.join(dir, JSON.parse(out)[0].filename);
  }
  return packedTarball;
}

/**
 * A user dir with the packed package installed into its node_modules, as the palette manager would, and `modules`
 * (node packages among the project's devDependencies, e.g. Dashboard 2) linked beside it. Its runtime dependency
 * (ioredis) comes from npm's cache when there (npm ci fetched its tarballs), else from the registry.
 */
function prepareUserDir(modules = []) {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'genea-nr-'));
  fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'e2e-user-dir', private: true }));
  npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', packageTarball()], {
    cwd: userDir,
    stdio: 'pipe',
  });
  for (const name of modules) {
    const link = path.join(userDir, 'node_modules', name);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(path.join(projectRoot, 'node_modules', name), link, 'dir');
  }
  return userDir;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// A probe in the Node-RED process, on a loopback port of its own: it changes no Node-RED setting and adds no
// middleware, so it measures and does not alter what is measured.
const memoryProbe = (port) => `require('node:http')
  .createServer((req, res) => {
    global.gc();
    global.gc();
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(process.memoryUsage()));
  })
  .listen(${port}, '127.0.0.1')
  .unref();
`;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

class NodeRedProcess {
  /**
   * @param {object} [options]
   * @param {object} [options.settings] settings.js properties (JSON-serialisable) over Node-RED's defaults
   * @param {string} [options.settingsSource] extra JavaScript statements run in settings.js before export,
   *   able to assign `settings.x = ...` (for values JSON cannot carry: certificates, functions)
   * @param {string} [options.userDir] reuse a user dir (a restart); default: a fresh one
   * @param {string[]} [options.modules] in a fresh user dir, node packages of the project's node_modules to link
   *   beside this one (e.g. '@flowfuse/node-red-dashboard')
   * @param {string|Buffer} [options.ca] the certificate to trust when settings.js serves HTTPS: by the test's
   *   requests, and by Node-RED itself (NODE_EXTRA_CA_CERTS), which otherwise verifies certificates as usual
   * @param {boolean} [options.memoryProbe] start with --expose-gc and a loopback probe that answers with
   *   process.memoryUsage() taken after a full garbage collection (see memoryUsage())
   */
  static async start(options = {}) {
    const red = new NodeRedProcess(options.userDir ?? prepareUserDir(options.modules), await freePort());
    red.settings = options.settings ?? {};
    red.settingsSource = options.settingsSource ?? '';
    red.ca = options.ca;
    red.memoryProbePort = options.memoryProbe ? await freePort() : null;
    await red.launch();
    return red;
  }

  constructor(userDir, port) {
    this.userDir = userDir;
    this.port = port;
    this.log = '';
  }

  get protocol() {
    return this.settingsSource.includes('settings.https') ? 'https' : 'http';
  }

  /** URL of `pathname` on this Node-RED (admin and node roots are both '/' unless settings say otherwise). */
  url(pathname = '/') {
    return `${this.protocol}://127.0.0.1:${this.port}${pathname}`;
  }

  adminUrl(pathname) {
    const root = (this.settings.httpAdminRoot ?? '/').replace(/\/$/, '');
    return this.url(`${root}${pathname}`);
  }

  async launch() {
    const settings = {
      uiHost: '127.0.0.1',
      uiPort: this.port,
      flowFile: 'flows.json',
      credentialSecret: 'e2e-credential-key',
      logging: { console: { level: 'debug', metrics: false, audit: false } },
      ...this.settings,
    };
    fs.writeFileSync(
      path.join(this.userDir, 'settings.js'),
      `const settings = ${JSON.stringify(settings, null, 2)};\n${this.settingsSource}\n` +
        (this.memoryProbePort ? memoryProbe(this.memoryProbePort) : '') +
        'module.exports = settings;\n',
    );
    const nodeArgs = this.memoryProbePort ? ['--expose-gc'] : [];
    // Certificates are verified as in production: only the test's own CA is added to the trusted ones.
    const env = { ...process.env };
    delete env.NODE_TLS_REJECT_UNAUTHORIZED;
    if (this.ca) {
      env.NODE_EXTRA_CA_CERTS = path.join(this.userDir, 'test-ca.pem');
      fs.writeFileSync(env.NODE_EXTRA_CA_CERTS, this.ca);
    }
    const startsBefore = this.log.split('Started flows').length - 1;
    this.child = spawn(
      process.execPath,
      [...nodeArgs, nodeRedCli, '--userDir', this.userDir, '--settings', 'settings.js'],
      {
        cwd: this.userDir,
        stdio: ['ignore', 'pipe', 'pipe'],
        env,
      },
    );
    this.exited = new Promise((resolve) => this.child.once('exit', resolve));
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => (this.log += chunk));
    }
    await this.waitForLog(/Server now running at/, 30_000);
    // The server answers before the flows from the flow file have started: a deploy in between would race them.
    await this.waitForLog(new RegExp(`(Started flows[^]*){${startsBefore + 1}}`), 30_000);
  }

  async waitForLog(pattern, timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.log)) {
      if (this.child.exitCode !== null) throw new Error(`Node-RED exited (${this.child.exitCode}):\n${this.log}`);
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${pattern} in the Node-RED log:\n${this.log}`);
      await sleep(50);
    }
  }

  /**
   * One HTTP(S) request to this Node-RED, trusting `ca` over HTTPS; resolves to { status, headers, text }.
   * @param {string} method
   * @param {string} url from url() or adminUrl()
   * @param {{headers?: object, body?: string|Buffer}} [options]
   */
  request(method, url, { headers = {}, body } = {}) {
    const client = url.startsWith('https:') ? https : http;
    return new Promise((resolve, reject) => {
      const req = client.request(url, { method, headers, ca: this.ca, agent: false }, (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  /** POST /flows over the admin API (with `token` from login() under adminAuth); resolves once the flows started. */
  async deploy(flows, type = 'full', token = undefined) {
    const started = this.log.split(/Started (?:flows|modified nodes|modified flows)/).length;
    const res = await this.request('POST', this.adminUrl('/flows'), {
      headers: {
        'Content-Type': 'application/json',
        'Node-RED-Deployment-Type': type,
        ...(token && { Authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify(flows),
    });
    if (res.status !== 204 && res.status !== 200) throw new Error(`deploy answered ${res.status}: ${res.text}`);
    const deadline = Date.now() + 10_000;
    while (this.log.split(/Started (?:flows|modified nodes|modified flows)/).length <= started) {
      if (Date.now() > deadline) throw new Error(`flows did not start:\n${this.log}`);
      await sleep(20);
    }
  }

  /**
   * Watches what the editor is sent over the admin websocket (/comms): node statuses (`status/<id>`, starting
   * with the last one each node reported) and the debug sidebar (`debug`: debug nodes, node errors and
   * warnings). `messages` collects { topic, data } from the moment of the call.
   * @returns {Promise<{messages: Array<{topic: string, data: object}>, close: () => void}>}
   */
  watchEditor() {
    const WebSocket = require(require.resolve('ws', { paths: [nodeRedDir] }));
    const socket = new WebSocket(this.adminUrl('/comms').replace(/^http/, 'ws'), { ca: this.ca });
    const watcher = { messages: [], close: () => socket.terminate() };
    socket.on('message', (data) => {
      for (const message of [].concat(JSON.parse(String(data)))) {
        if (message.topic === 'debug' || message.topic?.startsWith('status/')) watcher.messages.push(message);
      }
    });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.once('open', () => {
        socket.send(JSON.stringify({ subscribe: 'status/#' }));
        socket.send(JSON.stringify({ subscribe: 'debug' }));
        resolve(watcher);
      });
    });
  }

  /**
   * An access token of the admin API for `username` (settings with adminAuth of type credentials), whose password
   * is "password" (see PASSWORD_HASH); `scope` as the user asks for it.
   */
  async login(username, scope = '*') {
    const res = await this.request('POST', this.adminUrl('/auth/token'), {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: 'node-red-admin',
        grant_type: 'password',
        scope,
        username,
        password: 'password',
      }).toString(),
    });
    if (res.status !== 200) throw new Error(`login of ${username} answered ${res.status}: ${res.text}`);
    return JSON.parse(res.text).access_token;
  }

  async getFlows() {
    return JSON.parse((await this.request('GET', this.adminUrl('/flows'))).text);
  }

  /** process.memoryUsage() of Node-RED after a full GC (needs `memoryProbe`), plus VmRSS from /proc. */
  async memoryUsage() {
    const usage = JSON.parse((await this.request('GET', `http://127.0.0.1:${this.memoryProbePort}/`)).text);
    const status = fs.readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    return { ...usage, vmRss: Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) * 1024 };
  }

  async stop() {
    if (this.child && this.child.exitCode === null) {
      this.child.kill('SIGINT');
      const killer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
      await this.exited;
      clearTimeout(killer);
    }
  }

  /** Stops and starts Node-RED on the same user dir and port. */
  async restart() {
    await this.stop();
    await this.launch();
  }

  /** Stops Node-RED and deletes its user dir. */
  async dispose() {
    await this.stop();
    fs.rmSync(this.userDir, { recursive: true, force: true });
  }
}

/** Node-RED's documented example bcrypt hash of the password "password", for adminAuth users in tests. */
const PASSWORD_HASH = '$2a$08$zZWtXTja0fB1pzD4sHCMyOCMYz2Z6dNbM6tl8sJogENOMcxWV9DN.';

module.exports = { NodeRedProcess, packageTarball, prepareUserDir, freePort, PASSWORD_HASH };
