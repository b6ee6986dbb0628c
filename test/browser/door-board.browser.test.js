'use strict';
// The "Door board" example with FlowFuse Dashboard 2 installed, in a real Node-RED and Chromium: its page lists the
// stand-in's doors with their states, a door turns to "alarm" after a signed forced-open delivery and back after a
// secure one, and the first arrival of the day shows under today's arrivals; and the genea-doors dialog, in English
// and German, checks List every as it is typed.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { NodeRedProcess } = require('../support/red-process');
const { GeneaApiStandIn, door } = require('../support/genea-api-stand-in');
const { launchBrowser } = require('../support/browser');
const { catalog, openEditor, dropFromPalette, typeInto, editNode } = require('./editor-support');
const { sampleEvent, signBody } = require('../../nodes/lib');

const SECRET = 'browser-door-board-secret-6e2a';
const API_KEY = 'browser-door-board-api-key-93f1c0';
const CUSTOMER = 'customer-board';
const DASHBOARD = '@flowfuse/node-red-dashboard';
const EXAMPLE = path.join(__dirname, '..', '..', 'examples', '13-door-board.json');
const MAIN = sampleEvent('door.forced_open').door.uuid;

describe('door board example with Dashboard 2 (real browser)', function () {
  this.timeout(120_000);
  let red;
  let genea;
  let browser;
  let page;

  async function deliver(event) {
    const body = JSON.stringify(event);
    const res = await red.request('POST', red.url('/genea-door-board'), {
      headers: { 'Content-Type': 'application/json', 'X-Sequr-Signature': signBody(body, SECRET) },
      body,
    });
    assert.equal(res.status, 200, res.text);
  }

  /** The state cell of door `uuid` on the board, once it reads `state`. */
  const stateOf = (uuid, state) =>
    page.locator(`tr[data-door="${uuid}"] .genea-door-state`).getByText(state, { exact: true }).waitFor();

  before(async function () {
    genea = await GeneaApiStandIn.start({
      keys: { [API_KEY]: CUSTOMER },
      doors: [
        door(MAIN, { name: 'Main Entrance' }),
        door('door-back', { name: 'Back door', is_locked: false }),
        door('door-store', { name: 'Store room', is_online: false }),
      ],
      locations: [{ uuid: 'location-hq', name: 'Headquarters' }],
    });
    red = await NodeRedProcess.start({
      modules: [DASHBOARD],
      settings: { telemetry: { enabled: false }, editorTheme: { tours: false } },
    });
    const flows = JSON.parse(fs.readFileSync(EXAMPLE, 'utf8')).map((node) => {
      if (node.type === 'genea-config') return { ...node, credentials: { secret: SECRET } };
      if (node.type === 'genea-api') return { ...node, baseUrl: genea.url, credentials: { apiKey: API_KEY } };
      return node;
    });
    await red.deploy(flows);
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.setDefaultTimeout(20_000);
  });
  after(async function () {
    await browser?.close();
    await red?.dispose();
    await genea?.close();
  });

  it('lists every door with its state: locked, unlocked, offline', async function () {
    await page.goto(red.url('/dashboard/doors'));
    await stateOf(MAIN, 'locked');
    await stateOf('door-back', 'unlocked');
    await stateOf('door-store', 'offline');
    const names = await page.locator('tr[data-door] td:first-child').allInnerTexts();
    assert.deepEqual(names, ['Store room', 'Back door', 'Main Entrance'], 'offline, unlocked, then locked doors');
  });

  it('turns a door to "alarm" after a signed forced-open delivery, and back once it is secure', async function () {
    await deliver(sampleEvent('door.forced_open'));
    await stateOf(MAIN, 'alarm');
    assert.equal(await page.locator('tr[data-door] td:first-child').first().innerText(), 'Main Entrance');
    await deliver(sampleEvent('door.secured'));
    await stateOf(MAIN, 'locked');
  });

  it('shows the first arrival of the day under today’s arrivals', async function () {
    const arrival = sampleEvent('access.granted');
    await deliver(arrival);
    const row = page.locator('.genea-arrivals tbody tr').first();
    await row.getByText(arrival.actor.user_name, { exact: true }).waitFor();
    assert.match(await row.locator('td').first().innerText(), /^\d\d:\d\d$/);
  });

  it('the genea-doors dialog checks List every as it is typed, in English and German', async function () {
    for (const lang of ['en-US', 'de']) {
      const $ = catalog('genea-doors', lang);
      const editor = await openEditor(browser, red, lang);
      const id = await dropFromPalette(editor, 'genea-doors', 300, 300);
      await editNode(editor, id);
      const tip = editor.locator('#genea-doors-refresh-tip');
      await tip.getByText($.label.refreshEvery.replace('__minutes__', '5'), { exact: true }).waitFor();
      await typeInto(editor, '#node-input-refreshMinutes', '2000');
      await editor.waitForSelector('#node-input-refreshMinutes.input-error');
      await tip.getByText($.validation.refreshMinutes, { exact: true }).waitFor();
      await typeInto(editor, '#node-input-refreshMinutes', '0');
      await editor.waitForSelector('#node-input-refreshMinutes:not(.input-error)');
      await tip.getByText($.label.refreshNever, { exact: true }).waitFor();
      const label = await editor.locator('label[for="node-input-refreshMinutes"]').innerText();
      assert.equal(label.trim(), $.label.refreshMinutes);
      await editor.click('#node-dialog-cancel');
      // Without a Genea API config node the node is invalid, for that alone (List every 0 is valid).
      const errors = await editor.evaluate((node) => RED.nodes.node(node).validationErrors, id);
      assert.deepEqual(errors, ['api']);
      await editor.context().close();
    }
  });

  it('imports into an editor with Dashboard 2 with its Dashboard and genea-doors nodes valid', async function () {
    const editor = await openEditor(browser, red, 'en-US');
    const invalid = await editor.evaluate(
      (nodes) => {
        const configs = () => {
          const found = [];
          RED.nodes.eachConfig((node) => void found.push(node));
          return found;
        };
        const before = new Set(configs());
        const imported = RED.nodes.import(nodes, { generateIds: true, addFlow: true });
        const all = [...imported.nodes, ...configs().filter((node) => !before.has(node))];
        for (const node of all) RED.editor.validateNode(node);
        return all.filter((node) => !node.valid).map((node) => node.type);
      },
      JSON.parse(fs.readFileSync(EXAMPLE, 'utf8')),
    );
    // The Dashboard 2 nodes, genea-doors and the rest are valid; the receiver is not, as the deployed copy has its
    // path (and a config node without its secret would not be either).
    assert.deepEqual(
      invalid.filter((type) => !['genea-config', 'genea-webhook-in'].includes(type)),
      [],
    );
    assert.ok(invalid.includes('genea-webhook-in'), 'the path the deployed copy has is flagged');
    await editor.context().close();
  });
});
