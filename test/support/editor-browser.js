'use strict';
// Node-RED's real editor in headless Debian Chromium (playwright-core, no browser download) against a real
// Node-RED process with the packed package installed: what the browser tests share.
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { chromium } = require('playwright-core');
const { NodeRedProcess } = require('./red-process');

const CHROMIUM = '/usr/bin/chromium';
const PACKAGE = require('../../package.json').name;

/** A message catalog of the built package, e.g. catalog('genea-webhook-in', 'de'). */
function catalog(set, lang) {
  const file = path.join(__dirname, '..', '..', 'nodes', set, 'locales', lang, `${set}.json`);
  return JSON.parse(fs.readFileSync(file, 'utf8'))[set];
}

/** Starts Node-RED (no first-run prompts) and Chromium; resolves with both and the package's node types. */
async function startEditor() {
  try {
    execFileSync('bash', [path.join(__dirname, '..', '..', 'scripts', 'ensure-chromium.sh')], { stdio: 'inherit' });
  } catch {
    throw new Error(`The browser test needs Chromium at ${CHROMIUM}; scripts/ensure-chromium.sh could not provide it.`);
  }
  // No first-run prompts (update notifications, the welcome tour) between the user and the editor.
  const red = await NodeRedProcess.start({
    settings: { telemetry: { enabled: false }, editorTheme: { tours: false } },
  });
  const nodeSets = await (await fetch(red.adminUrl('/nodes'), { headers: { Accept: 'application/json' } })).json();
  const types = nodeSets.filter((set) => set.module === PACKAGE).flatMap((set) => set.types);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
  return { red, browser, types };
}

/** A new page of the editor in `locale`, once the Genea palette category is there. */
async function openEditor(browser, red, locale) {
  const context = await browser.newContext({ locale, viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(red.url('/'));
  await page.locator('#red-ui-palette-container-Genea').waitFor();
  return page;
}

module.exports = { CHROMIUM, PACKAGE, catalog, startEditor, openEditor };
