#!/usr/bin/env node
// `npm run check:package`, the packaging gate, on the tarball `npm pack` makes exactly as `npm publish` would: from a
// clean clone of the committed HEAD (git clone, npm ci), with no build but the one npm runs itself (`prepack`):
//   1. its files: package.json, README.md, LICENSE, the compiled nodes/ (js, type declarations, html, icons,
//      locales), examples/, docs/genea.md and the README's images, nothing else (no TypeScript sources, source
//      maps or tests), and nothing missing; every relative link of the README points into the tarball; the manifest
//      carries no install-time script (npm would run it on the user's machine, without src/ and scripts/);
//   2. installed into a fresh Node-RED user dir (install scripts allowed, so npm would name any), npm warns of
//      nothing and Node-RED loads every node set of the package without error; the built clone installs by path;
//   3. `node-red-dev validate`, the flow library's checks (README, "Flow library checks").
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');
const { npm, npmArgs, npmCommand } = require('./npm');
const { NodeRedProcess } = require('../test/support/red-process');

const root = path.resolve(__dirname, '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'genea-check-package-'));
/** The clean clone that is packed: every check reads the committed files there, not the working tree. */
const clone = path.join(work, 'clone');
let pkg;
const problems = [];

function heading(text) {
  console.log(`\ncheck:package: ${text}`);
}

function filesUnder(dir, base = dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full, base) : [path.relative(base, full).split(path.sep).join('/')];
  });
}

/** 1. The file list against what Node-RED needs. */
function checkFiles(files) {
  const sets = fs.readdirSync(path.join(clone, 'src', 'nodes'));
  const set = `(${sets.map((name) => name.replace(/[.-]/g, '\\$&')).join('|')})`;
  const allowed = [
    /^(package\.json|README\.md|LICENSE)$/,
    /^nodes\/(lib|cli|practice)\/([\w.-]+\/)*[\w.-]+\.(js|d\.ts)$/,
    new RegExp(`^nodes/${set}/[\\w.-]+\\.(js|d\\.ts)$`),
    new RegExp(`^nodes/${set}/\\1\\.html$`),
    new RegExp(`^nodes/${set}/icons/[\\w.-]+\\.(svg|png)$`),
    new RegExp(`^nodes/${set}/locales/[\\w-]+/\\1\\.(json|html)$`),
    /^examples\/([\w .-]+\/)*[\w .-]+\.json$/,
    /^docs\/images\/[\w.-]+\.png$/,
    /^docs\/genea\.md$/,
  ];
  for (const file of files) {
    if (/\.map$/.test(file)) problems.push(`${file}: a source map (the published build has none)`);
    else if (/\.ts$/.test(file) && !/\.d\.ts$/.test(file)) problems.push(`${file}: a TypeScript source`);
    else if (!allowed.some((pattern) => pattern.test(file))) problems.push(`${file}: not something Node-RED needs`);
  }

  const required = new Map([
    ['package.json', 'the manifest'],
    ['README.md', 'the readme'],
    ['LICENSE', 'the license'],
    [pkg.main, '"main"'],
    [pkg.types, '"types"'],
    ['nodes/practice/practice-genea.js', 'the practice Genea (README: "Try door control without a Genea account")'],
  ]);
  for (const [command, file] of Object.entries(pkg.bin ?? {}))
    required.set(path.posix.normalize(file), `bin ${command}`);
  for (const [type, file] of Object.entries(pkg['node-red'].nodes)) {
    required.set(path.posix.normalize(file), `node set ${type}`);
    required.set(path.posix.normalize(file).replace(/\.js$/, '.html'), `node set ${type} (editor)`);
  }
  for (const name of sets) {
    const dir = path.join(clone, 'src', 'nodes', name);
    if (fs.existsSync(path.join(dir, `${name}.ts`)) && !Object.keys(pkg['node-red'].nodes).includes(name)) {
      problems.push(`src/nodes/${name} is not declared in package.json "node-red".nodes`);
    }
    for (const asset of ['icons', 'locales']) {
      for (const file of filesUnder(path.join(dir, asset))) required.set(`nodes/${name}/${asset}/${file}`, asset);
    }
  }
  for (const file of filesUnder(path.join(clone, 'examples'))) {
    required.set(`examples/${file}`, 'an example flow');
    const flow = JSON.parse(fs.readFileSync(path.join(clone, 'examples', file), 'utf8'));
    if (!Array.isArray(flow)) problems.push(`examples/${file}: not a flow (a JSON array of nodes)`);
  }
  for (const [file, what] of required) {
    if (!files.includes(file)) problems.push(`${file} (${what}) is missing`);
  }
  // The flow library and npm render the README from the tarball: a relative link must point into it.
  const readme = fs.readFileSync(path.join(clone, 'README.md'), 'utf8');
  for (const [, target] of readme.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^(#|[a-z]+:)/i.test(target)) continue;
    const file = path.posix.normalize(target.replace(/#.*$/, ''));
    if (!files.includes(file)) problems.push(`README.md links ${target}, which the tarball does not hold`);
  }
  // npm runs these on the user's machine when the package is installed, where src/ and scripts/ are not shipped.
  // (prepack, which builds nodes/, runs on pack, publish and git-URL installs, never when a tarball or registry
  // package is installed.)
  const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare'];
  for (const script of INSTALL_SCRIPTS.filter((name) => pkg.scripts?.[name] !== undefined)) {
    problems.push(`package.json has a "${script}" script: npm would run it on install, without src/ and scripts/`);
  }
  if (!/\bnpm run build\b/.test(pkg.scripts?.prepack ?? '')) {
    problems.push('package.json has no "prepack": npm run build: a pack or publish from a clean clone ships no nodes');
  }
}

/** npm's complaints while installing: any `npm warn` line (install scripts not covered by allowScripts, engines). */
function npmWarnings(output) {
  return output.split('\n').filter((line) => /^npm (warn|WARN|error|ERR)/.test(line));
}

/** A built checkout (the clone, built by its prepack) installs by its path (npm links it). */
function checkCheckoutInstall() {
  const userDir = path.join(work, 'checkout-user-dir');
  fs.mkdirSync(userDir);
  fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'check-checkout', private: true }));
  const output = npm(['install', '--prefer-offline', '--no-audit', '--no-fund', clone], {
    cwd: userDir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const warning of npmWarnings(output)) problems.push(`installing the checkout by path: ${warning}`);
  const installed = path.join(userDir, 'node_modules', pkg.name);
  for (const file of [pkg.main, ...Object.values(pkg['node-red'].nodes), ...Object.values(pkg.bin ?? {})]) {
    if (!fs.existsSync(path.join(installed, file))) problems.push(`installed by path, ${file} is missing`);
  }
  console.log(`  ${clone} installs by path (a link to the built checkout)`);
}

/** 2. Node-RED loads every node set of the installed tarball. */
async function checkLoads(tarball) {
  const userDir = path.join(work, 'user-dir');
  fs.mkdirSync(userDir);
  fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'check-package', private: true }));
  const result = spawnSync(
    npmCommand(),
    [...npmArgs(), 'install', '--prefer-offline', '--no-audit', '--no-fund', tarball],
    {
      cwd: userDir,
      encoding: 'utf8',
    },
  );
  if (result.status !== 0) problems.push(`npm install of the tarball failed: ${result.stderr}`);
  for (const warning of npmWarnings(`${result.stdout}${result.stderr}`)) {
    problems.push(`installing the tarball: ${warning}`);
  }
  const red = await NodeRedProcess.start({ userDir });
  try {
    const runtime = await fetch(red.adminUrl('/nodes'), { headers: { Accept: 'application/json' } });
    const loaded = (await runtime.json()).filter((nodeSet) => nodeSet.module === pkg.name);
    // What the editor gets: every node set's html, in which each type registers itself.
    const editor = await (await fetch(red.adminUrl('/nodes'), { headers: { Accept: 'text/html' } })).text();
    for (const name of Object.keys(pkg['node-red'].nodes)) {
      const nodeSet = loaded.find((candidate) => candidate.name === name);
      if (!nodeSet || nodeSet.err || !nodeSet.enabled || nodeSet.types.length === 0) {
        problems.push(
          `Node-RED did not load node set ${name}: ${nodeSet?.err ?? (nodeSet ? 'no types' : 'not listed')}`,
        );
        continue;
      }
      const missing = nodeSet.types.filter((type) => !new RegExp(`registerType\\(\\s*['"]${type}['"]`).test(editor));
      if (missing.length > 0) problems.push(`the editor gets no definition of ${missing.join(', ')}`);
      console.log(`  ${name}: ${nodeSet.types.join(', ')}`);
    }
  } finally {
    await red.stop();
  }
}

/** node-red-dev's remaining warnings, each explained in README.md, "Flow library checks". */
const EXPLAINED_WARNINGS = [/P04 New Packages should use a scoped name/, /D03 ioredis is not at latest version/];
/**
 * Checks node-red-dev fails that README.md, "Flow library checks", explains: D03 (a dependency behind its latest
 * major), as long as the only dependency behind is ioredis on its 5.x line.
 */
const EXPLAINED_FAILURES = {
  D03: (warnings) => warnings.every((line) => !/D03/.test(line) || /D03 ioredis /.test(line)),
};
/** Its checks that need catalogue.nodered.org (they pass vacuously when it is out of reach, see the preload). */
const CATALOGUE_CHECKS = ['P08', 'N01'];
const NODE_RED_DEV = 'node-red-dev@0.1.6';

/** 3. node-red-dev validate on the unpacked tarball, installed into .tools/ (git-ignored) on first use. */
async function checkFlowLibrary(tarball) {
  const toolDir = path.join(root, '.tools', 'node-red-dev');
  const installed = path.join(toolDir, 'node_modules', 'node-red-dev', 'package.json');
  if (!fs.existsSync(installed) || `node-red-dev@${require(installed).version}` !== NODE_RED_DEV) {
    fs.mkdirSync(toolDir, { recursive: true });
    fs.writeFileSync(path.join(toolDir, 'package.json'), JSON.stringify({ name: 'tools', private: true }));
    npm(['install', '--prefix', toolDir, '--no-audit', '--no-fund', '--loglevel=error', NODE_RED_DEV], {
      cwd: toolDir,
      stdio: 'inherit',
    });
  }
  const unpacked = path.join(work, 'unpacked');
  fs.mkdirSync(unpacked);
  execFileSync('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1']);

  const catalogueReachable = await fetch('https://catalogue.nodered.org/catalogue.json', {
    method: 'HEAD',
    signal: AbortSignal.timeout(5_000),
  }).then(
    (res) => res.ok,
    () => false,
  );
  const scorecardFile = path.join(work, 'scorecard.json');
  const preload = catalogueReachable ? [] : ['--require', path.join(__dirname, 'node-red-dev-offline.js')];
  const run = spawnSync(
    process.execPath,
    [...preload, path.join(toolDir, 'node_modules', 'node-red-dev', 'bin', 'run'), 'validate', '-o', scorecardFile],
    { cwd: unpacked, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 },
  );
  let report = `${run.stdout}${run.stderr}`;
  if (!catalogueReachable) {
    report = report.replace(
      /^(.*(?:No similar named packages found|Nodes all have unique names).*)$/gm,
      '$1 [not checked]',
    );
  }
  console.log(report.replace(/^(?!$)/gm, '  ').trimEnd());
  if (run.status !== 0 || !fs.existsSync(scorecardFile)) {
    problems.push(`node-red-dev validate did not complete (exit ${run.status ?? run.signal})`);
    return;
  }
  const scorecard = JSON.parse(fs.readFileSync(scorecardFile, 'utf8'));
  // One warning per line: node-red-dev wraps long ones onto lines that start with "›" but not "Warning:".
  const warnings = [];
  for (const line of run.stderr.split('\n')) {
    if (/Warning:/.test(line)) warnings.push(line);
    else if (warnings.length > 0 && /^\s*›/.test(line))
      warnings.push(`${warnings.pop()} ${line.replace(/^\s*›\s*/, '')}`);
  }
  for (const [check, result] of Object.entries(scorecard)) {
    if (check === 'package' || result.test || EXPLAINED_FAILURES[check]?.(warnings)) continue;
    problems.push(`node-red-dev ${check} failed (see its output above)`);
  }
  // A warning without a failed check (P04 on unscoped names, P06 on an old maintenance line) is advice.
  for (const warning of warnings) {
    if (EXPLAINED_WARNINGS.some((pattern) => pattern.test(warning))) {
      console.log(`  explained in README.md ("Flow library checks"): ${warning.replace(/^.*Warning:\s*/, '')}`);
    }
  }
  if (!catalogueReachable) {
    console.log(`  not checked: ${CATALOGUE_CHECKS.join(', ')} need catalogue.nodered.org, which is out of reach here`);
  }
}

/** A clean clone of the committed HEAD with its locked dependencies: what a release is made from. */
function cleanClone() {
  const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  const uncommitted = execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' }).trim();
  if (uncommitted !== '') console.log('  uncommitted changes of the working tree are not part of it (not committed)');
  // --no-checkout, then the commit itself: a clone of a worktree would check out the main repository's HEAD.
  execFileSync('git', ['clone', '--quiet', '--no-checkout', root, clone], { stdio: 'inherit' });
  execFileSync('git', ['checkout', '--quiet', head], { cwd: clone, stdio: 'inherit' });
  console.log(`  ${head.slice(0, 12)} cloned into ${clone}`);
  npm(['ci', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: clone, stdio: 'inherit' });
  pkg = require(path.join(clone, 'package.json'));
}

async function main() {
  heading('a clean clone of HEAD (git clone, npm ci), then npm pack with its scripts, as npm publish packs');
  cleanClone();
  // npm runs prepack (the build) and writes its output to stderr; --json keeps stdout for the result.
  const [packed] = JSON.parse(
    npm(['pack', '--json', '--pack-destination', work], {
      cwd: clone,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  const files = packed.files.map((file) => file.path).sort();
  console.log(`  ${packed.filename}: ${files.length} files, ${(packed.size / 1024).toFixed(1)} KiB packed`);
  checkFiles(files);

  const tarball = path.join(work, packed.filename);
  heading('the tarball in a fresh Node-RED user dir');
  await checkLoads(tarball);
  checkCheckoutInstall();

  heading('node-red-dev validate');
  await checkFlowLibrary(tarball);

  if (problems.length > 0) {
    console.error(`\ncheck:package: ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    process.exitCode = 1;
  } else {
    console.log('\ncheck:package: passed');
  }
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => fs.rmSync(work, { recursive: true, force: true }));
