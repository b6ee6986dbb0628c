'use strict';
// Node-RED's real editor against a real Node-RED process with the package installed, and the gestures the browser
// tests make as a user does (open the editor, drag from the palette, open a dialog, type into a field, hover for a
// tooltip, deploy); ../support/browser.js launches Chromium.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { NodeRedProcess } = require('../support/red-process');
const { launchBrowser } = require('../support/browser');

const PACKAGE = require('../../package.json').name;

/** Node-RED settings without first-run prompts (update notifications, the welcome tour) between user and editor. */
const EDITOR_SETTINGS = { telemetry: { enabled: false }, editorTheme: { tours: false } };

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

/**
 * A page of the editor of `red` in a browser speaking `locale`, once the Genea palette category is shown; `width`
 * of the window, and `permissions` granted to the editor's origin (e.g. the clipboard's); `beforeLoad(page)` runs
 * before the editor is loaded (to listen from the start: page errors, websockets).
 */
async function openEditor(browser, red, locale, { width = 1280, permissions = [], beforeLoad } = {}) {
  const context = await browser.newContext({ locale, viewport: { width, height: 1000 } });
  if (permissions.length > 0) await context.grantPermissions(permissions, { origin: new URL(red.url('/')).origin });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  beforeLoad?.(page);
  await page.goto(red.url('/'));
  await page.locator('#red-ui-palette-container-Genea').waitFor();
  return page;
}

/** Drags a palette node onto the workspace at (x, y) of the chart, as a user does; resolves with its id. */
async function dropFromPalette(page, type, x, y) {
  const before = await page.evaluate((t) => RED.nodes.filterNodes({ type: t }).map((n) => n.id), type);
  const source = page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`);
  await source.scrollIntoViewIfNeeded();
  const from = await source.boundingBox();
  const chart = await page.locator('#red-ui-workspace-chart').boundingBox();
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(from.x + from.width / 2 + 10, from.y + from.height / 2 + 5, { steps: 3 });
  await page.mouse.move(chart.x + x, chart.y + y, { steps: 12 });
  await page.mouse.up();
  const after = await page.evaluate((t) => RED.nodes.filterNodes({ type: t }).map((n) => n.id), type);
  const added = after.filter((id) => !before.includes(id));
  assert.equal(added.length, 1, `dropping ${type} added one node`);
  return added[0];
}

async function typeInto(page, selector, text) {
  await page.fill(selector, '');
  await page.locator(selector).pressSequentially(text);
}

/** Waits for a field's tooltip to say `text`: it shows when the pointer enters the field (entered again if missed). */
async function waitForTooltip(page, selector, text) {
  for (let attempt = 1; ; attempt++) {
    await page.mouse.move(0, 0);
    await page.hover(selector);
    try {
      return await page.locator('.red-ui-popover:visible').getByText(text).waitFor({ timeout: 3_000 });
    } catch (err) {
      if (attempt === 3) throw err;
    }
  }
}

const nodeShape = (page, id) => page.locator(`[id="${id}"] .red-ui-flow-node`).first();

/**
 * Runs `open` (a double click on a node, a click on a config node's add or edit button) and resolves once Node-RED
 * has finished opening the tray it opens. The tray moves the focus to its first field 150 ms after it slides in, so
 * keys typed before then would end up in that field instead of the one the test typed into.
 */
async function openTray(page, open) {
  await page.evaluate(() => {
    for (const tray of document.querySelectorAll('.red-ui-tray')) tray.dataset.geneaTestSeen = 'yes';
  });
  await open();
  await page.waitForFunction(() =>
    [...document.querySelectorAll('.red-ui-tray:not([data-genea-test-seen])')].some((tray) =>
      tray.querySelector('.red-ui-tray-body')?.contains(document.activeElement),
    ),
  );
}

/** Opens the edit dialog of node `id` with a double click, as a user does. */
const editNode = (page, id) => openTray(page, () => nodeShape(page, id).dblclick());

/** Clicks `selector`, a button that opens a tray (a config node's add or edit button). */
const clickOpeningTray = (page, selector) => openTray(page, () => page.click(selector));

/**
 * Deploys, confirming Node-RED's warning about invalid nodes when it asks, and waits until the runtime has
 * answered the deploy. The button turns disabled as the deploy starts, before the old flows are stopped, so that
 * alone says nothing about the runtime.
 */
async function deploy(page) {
  const answered = page.waitForResponse(
    (res) => res.request().method() === 'POST' && new URL(res.url()).pathname.endsWith('/flows'),
  );
  answered.catch(() => {}); // awaited below; unawaited only when the click itself fails
  // Enabled once the editor has registered the change: a click before that would deploy nothing.
  await page.click('#red-ui-header-button-deploy:not(.disabled)');
  // One wait for either outcome: a waiter left behind would click the warning of a later deploy.
  const confirm = '#red-ui-deploy-dialog-confirm-deploy-deploy';
  await page.waitForSelector(`${confirm}, #red-ui-header-button-deploy.disabled`);
  if (await page.locator(confirm).isVisible()) await page.click(confirm);
  assert.equal((await answered).status(), 200, 'the deploy was accepted');
  await page.waitForSelector('#red-ui-header-button-deploy.disabled');
  // The editor keeps its shade over the palette and workspace for at least 300 ms of a deploy, and lifts it with the
  // deploy button's spinner (Node-RED 4 and 5 alike; their shades differ): a drag before that drops nothing.
  await page.waitForFunction(() =>
    [...document.querySelectorAll('.red-ui-deploy-button-spinner')].every((spinner) => spinner.offsetParent === null),
  );
}

module.exports = {
  PACKAGE,
  EDITOR_SETTINGS,
  catalog,
  startEditor,
  openEditor,
  dropFromPalette,
  typeInto,
  waitForTooltip,
  nodeShape,
  editNode,
  clickOpeningTray,
  deploy,
};
