'use strict';
// Node-RED's real editor (Chromium from ./browser) against a real Node-RED process with the packed package
// installed, in a language of the test's choosing.
const fs = require('node:fs');
const path = require('node:path');
const { NodeRedProcess } = require('./red-process');
const { launchBrowser } = require('./browser');
const { EDITOR_SETTINGS, openEditor } = require('../browser/editor-support');

const PACKAGE = require('../../package.json').name;

/** A message catalog of the built package, e.g. catalog('genea-webhook-in', 'de'). */
function catalog(set, lang) {
  const file = path.join(__dirname, '..', '..', 'nodes', set, 'locales', lang, `${set}.json`);
  return JSON.parse(fs.readFileSync(file, 'utf8'))[set];
}

/** Starts Node-RED (no first-run prompts) and Chromium; resolves with both and the package's node types. */
async function startEditor() {
  const red = await NodeRedProcess.start({ settings: EDITOR_SETTINGS });
  const nodeSets = await (await fetch(red.adminUrl('/nodes'), { headers: { Accept: 'application/json' } })).json();
  const types = nodeSets.filter((set) => set.module === PACKAGE).flatMap((set) => set.types);
  return { red, browser: await launchBrowser(), types };
}

module.exports = { PACKAGE, catalog, startEditor, openEditor };
