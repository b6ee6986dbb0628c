'use strict';
// Node-RED's real editor (Chromium from ./browser) against a real Node-RED process with the packed package
// installed, in a language of the test's choosing.
const fs = require('node:fs');
const path = require('node:path');
const { NodeRedProcess } = require('./red-process');
const { launchBrowser } = require('./browser');

const PACKAGE = require('../../package.json').name;

/** A message catalog of the built package, e.g. catalog('genea-webhook-in', 'de'). */
function catalog(set, lang) {
  const file = path.join(__dirname, '..', '..', 'nodes', set, 'locales', lang, `${set}.json`);
  return JSON.parse(fs.readFileSync(file, 'utf8'))[set];
}

/** Starts Node-RED (no first-run prompts) and Chromium; resolves with both and the package's node types. */
async function startEditor() {
  // No first-run prompts (update notifications, the welcome tour) between the user and the editor.
  const red = await NodeRedProcess.start({
    settings: { telemetry: { enabled: false }, editorTheme: { tours: false } },
  });
  const nodeSets = await (await fetch(red.adminUrl('/nodes'), { headers: { Accept: 'application/json' } })).json();
  const types = nodeSets.filter((set) => set.module === PACKAGE).flatMap((set) => set.types);
  return { red, browser: await launchBrowser(), types };
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

module.exports = { PACKAGE, catalog, startEditor, openEditor };
