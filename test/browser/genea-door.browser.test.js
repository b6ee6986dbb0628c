'use strict';
// The genea-door and genea-api dialogs in a real browser against a real Node-RED and the loopback stand-in of
// Genea's API: live validation, Verify key for a typed and for the deployed key, the door picker of the deployed
// config node, the key never shown again and never in anything the editor receives, and the German dialog and help.
const assert = require('node:assert/strict');
const { NodeRedProcess } = require('../support/red-process');
const { GeneaApiStandIn, door } = require('../support/genea-api-stand-in');
const {
  EDITOR_SETTINGS,
  catalog,
  openEditor,
  dropFromPalette,
  typeInto,
  waitForTooltip,
  editNode,
  clickOpeningTray,
  nodeShape,
  deploy,
} = require('./editor-support');
const { launchBrowser, screenshot } = require('../support/browser');

const KEY = 'browser-test-api-key-e5a90c';
const CUSTOMER = 'customer-browser';

describe('genea-door and genea-api in the editor (real browser)', function () {
  this.timeout(90_000);
  let red;
  let genea;
  let browser;
  let page;
  let doorId;
  /** Everything the editor received: HTTP answers and websocket frames. */
  const received = [];
  /** The websocket frames among them, from the page's first websocket on. */
  const frames = [];
  const door$ = catalog('genea-door', 'en-US');
  const api$ = catalog('genea-api', 'en-US');
  const doors$ = catalog('genea-doors', 'en-US');

  before(async function () {
    genea = await GeneaApiStandIn.start({
      keys: { [KEY]: CUSTOMER },
      doors: [
        door('door-front', { name: 'Front Door', location_uuid: 'loc-hq', is_locked: false }),
        door('door-back', { name: 'Back Door', location_uuid: 'loc-hq', is_online: false }),
      ],
      locations: [{ uuid: 'loc-hq', name: 'Headquarters' }],
    });
    red = await NodeRedProcess.start({ settings: EDITOR_SETTINGS });
    browser = await launchBrowser();
    page = await openEditor(browser, red, 'en-US');
    page.on('response', (res) =>
      res.text().then(
        (text) => received.push(text),
        () => {},
      ),
    );
    page.on('websocket', (ws) =>
      ws.on('framereceived', (frame) => {
        frames.push(String(frame.payload));
        received.push(String(frame.payload));
      }),
    );
    // Loaded again with the listeners in place, so the editor's websocket is watched from its first frame.
    await page.reload();
    await page.locator('#red-ui-palette-container-Genea').waitFor();
  });
  after(async function () {
    await browser?.close();
    await red?.dispose();
    await genea?.close();
  });

  it('adds a door node with a new Genea API config node: live validation and Verify key of a typed key', async function () {
    await page
      .locator('#red-ui-palette-container-Genea .red-ui-palette-node[data-palette-type="genea-door"]')
      .waitFor();
    doorId = await dropFromPalette(page, 'genea-door', 260, 160);
    await editNode(page, doorId);
    assert.equal(await page.inputValue('#node-input-action'), 'lock');
    await typeInto(page, '#node-input-door', 'a/b');
    await page.waitForSelector('#node-input-door.input-error');
    await waitForTooltip(page, '#node-input-door', door$.validation.door);
    await typeInto(page, '#node-input-door', ' ');
    await page.waitForSelector('#node-input-door:not(.input-error)');
    // List needs no door: the door rows go.
    await page.selectOption('#node-input-action', 'list');
    await page.waitForSelector('#genea-door-door-rows', { state: 'hidden' });
    await page.selectOption('#node-input-action', 'lock');
    await page.waitForSelector('#genea-door-door-rows', { state: 'visible' });

    await clickOpeningTray(page, '#node-input-btn-api-add');
    await page.waitForSelector('#node-config-input-apiKey');
    const title = await page.locator('.red-ui-tray-titlebar').last().innerText();
    assert.match(title, new RegExp(api$.paletteLabel));
    assert.doesNotMatch(title, /genea-api/, 'the dialog title names the type');
    assert.equal(await page.inputValue('#node-config-input-baseUrl'), 'https://api.sequr.io');
    await typeInto(page, '#node-config-input-baseUrl', 'http://api.sequr.io');
    await page.waitForSelector('#node-config-input-baseUrl.input-error');
    await waitForTooltip(page, '#node-config-input-baseUrl', api$.validation.baseUrl);
    // A bare ? or # would bend every path: the runtime's own rule refuses it in the dialog too.
    for (const bent of [`${genea.url}/?`, `${genea.url}#`]) {
      await typeInto(page, '#node-config-input-baseUrl', genea.url);
      await page.waitForSelector('#node-config-input-baseUrl:not(.input-error)');
      await typeInto(page, '#node-config-input-baseUrl', bent);
      await page.waitForSelector('#node-config-input-baseUrl.input-error');
    }
    await typeInto(page, '#node-config-input-baseUrl', genea.url);
    await page.waitForSelector('#node-config-input-baseUrl:not(.input-error)');
    await page.locator('#genea-api-key-state').getByText(api$.keyMissing).waitFor();

    await page.click('#genea-api-verify');
    await page.locator('#genea-api-verify-result').getByText(api$.verify.typeKey).waitFor();
    await typeInto(page, '#node-config-input-apiKey', 'not-the-key');
    await page.locator('#genea-api-key-state').getByText(api$.keyTyped).waitFor();
    await page.click('#genea-api-verify');
    await page.locator('#genea-api-verify-result').getByText('Genea refused the key: 401 Invalid API key').waitFor();
    await typeInto(page, '#node-config-input-apiKey', KEY);
    await page.click('#genea-api-verify');
    await page
      .locator('#genea-api-verify-result')
      .getByText(`The key works, for customer ${CUSTOMER} (Genea: OK).`)
      .waitFor();
    assert.deepEqual(
      genea.requests.map((r) => r.authorization),
      ['Bearer not-the-key', `Bearer ${KEY}`],
    );
    await page.click('#node-config-dialog-ok');
    await page.waitForSelector('#node-config-input-apiKey', { state: 'detached' });

    // Not deployed yet: the picker says how to go on.
    await page.locator('#genea-door-picker-state').getByText(door$.picker.notDeployed).waitFor();
    await page.click('#node-dialog-ok');
    await deploy(page);
  });

  it('picks a door from the deployed config node’s doors: name, location and lock state', async function () {
    await editNode(page, doorId);
    await page.locator('#genea-door-picker-state').getByText('2 doors').waitFor();
    const options = await page.locator('#genea-door-picker option').allInnerTexts();
    assert.deepEqual(options, [
      door$.picker.choose,
      'Front Door · Headquarters · unlocked',
      'Back Door · Headquarters · locked · offline',
    ]);
    await page.selectOption('#genea-door-picker', 'door-front');
    assert.equal(await page.inputValue('#node-input-door'), 'door-front');
    // Typing another uuid leaves the picker on "choose".
    await typeInto(page, '#node-input-door', 'door-other');
    assert.equal(await page.inputValue('#genea-door-picker'), '');
    await typeInto(page, '#node-input-door', 'door-back');
    assert.equal(await page.inputValue('#genea-door-picker'), 'door-back');
    await page.selectOption('#genea-door-picker', 'door-front');
    await screenshot(page.locator('.red-ui-tray').last(), 'door-dialog.png');
    await page.click('#node-dialog-ok');
    await deploy(page);
    const deployed = (await red.getFlows()).find((node) => node.id === doorId);
    assert.deepEqual([deployed.action, deployed.door, deployed.doorName], ['lock', 'door-front', 'Front Door']);
    // The label names the door as the picker did, not by its uuid.
    const label = await page.evaluate((id) => RED.utils.getNodeLabel(RED.nodes.node(id)), doorId);
    assert.equal(label, 'genea door: lock Front Door');
    await page.locator(`[id="${doorId}"] .red-ui-flow-node-label`).getByText('genea door: lock Front Door').waitFor();
    // A uuid typed by hand that the list does not know has no name: the label shows the uuid.
    await editNode(page, doorId);
    await page.locator('#genea-door-picker-state').getByText('2 doors').waitFor();
    await typeInto(page, '#node-input-door', 'door-elsewhere');
    await page.click('#node-dialog-ok');
    assert.equal(
      await page.evaluate((id) => RED.utils.getNodeLabel(RED.nodes.node(id)), doorId),
      'genea door: lock door-elsewhere',
    );
    await editNode(page, doorId);
    await page.locator('#genea-door-picker-state').getByText('2 doors').waitFor();
    await page.selectOption('#genea-door-picker', 'door-front');
    await page.click('#node-dialog-ok');
    await deploy(page);
    assert.equal((await red.getFlows()).find((node) => node.id === doorId).doorName, 'Front Door');
  });

  it('never shows the key again, verifies the deployed one, and the editor never received it', async function () {
    await editNode(page, doorId);
    await clickOpeningTray(page, '#node-input-btn-api-edit');
    const keyInput = page.locator('#node-config-input-apiKey');
    await keyInput.waitFor();
    await page.locator('#genea-api-key-state').getByText(api$.keySet).waitFor();
    assert.notEqual(await keyInput.inputValue(), KEY);
    const verifies = genea.count('POST /v2/api_key/verify');
    await page.click('#genea-api-verify');
    await page.locator('#genea-api-verify-result').getByText(`The key works, for customer ${CUSTOMER}`).waitFor();
    assert.equal(genea.count('POST /v2/api_key/verify'), verifies + 1);
    assert.equal(genea.requests.at(-1).authorization, `Bearer ${KEY}`, 'the deployed key');
    await screenshot(page.locator('.red-ui-tray').last(), 'api-dialog.png');
    assert.ok(!(await page.content()).includes(KEY), 'the key is in the page');
    const exported = await page.evaluate(() => JSON.stringify(RED.nodes.createCompleteNodeSet(true)));
    assert.match(exported, /"genea-api"/);
    assert.ok(!exported.includes(KEY), 'the key is in the flow export');
    await page.click('#node-config-dialog-cancel');
    await keyInput.waitFor({ state: 'detached' });
    await page.click('#node-dialog-cancel');
    assert.ok(received.length > 10, 'answers were watched');
    // Frames from before the first deploy on, e.g. the deploy notifications: the websocket was watched throughout.
    assert.ok(
      frames.some((frame) => frame.includes('notification/runtime-deploy')),
      `frames: ${frames.length}`,
    );
    assert.ok(!received.some((text) => text.includes(KEY)), 'the editor received the key');
    assert.ok(!frames.some((frame) => frame.includes(KEY)), 'a websocket frame carried the key');
    assert.ok(!red.log.includes(KEY), 'the key is in the Node-RED log');
  });

  it('flags a Genea API config node without a key and every door node using it, and warns on deploy', async function () {
    await page.evaluate(() =>
      RED.view.importNodes(
        [
          { id: 'nokey-api', type: 'genea-api', name: 'No key', baseUrl: 'https://api.sequr.io' },
          {
            id: 'nokey-door',
            type: 'genea-door',
            z: RED.workspaces.active(),
            api: 'nokey-api',
            action: 'lock',
            door: 'd1',
            x: 260,
            y: 300,
            wires: [[]],
          },
          {
            id: 'nokey-doors',
            type: 'genea-doors',
            z: RED.workspaces.active(),
            api: 'nokey-api',
            refreshMinutes: '5',
            x: 260,
            y: 380,
            wires: [[], []],
          },
        ],
        { touchImport: true },
      ),
    );
    // As a paste is once dropped: the workspace has changes to deploy.
    await page.evaluate(() => RED.nodes.dirty(true));
    await page.waitForFunction(() => RED.nodes.node('nokey-api')?.valid === false);
    await page.waitForFunction(() => RED.nodes.node('nokey-door')?.valid === false);
    assert.deepEqual(await page.evaluate(() => RED.nodes.node('nokey-api').validationErrors), [api$.validation.noKey]);
    assert.deepEqual(await page.evaluate(() => RED.nodes.node('nokey-door').validationErrors), [
      door$.validation.apiNoKey,
    ]);
    assert.deepEqual(await page.evaluate(() => RED.nodes.node('nokey-doors').validationErrors), [
      doors$.validation.apiNoKey,
    ]);
    await page.locator('[id="nokey-door"] .red-ui-flow-node-error:not(.hide)').waitFor();
    assert.equal(await page.evaluate((id) => RED.nodes.node(id).valid, doorId), true, 'the door node with a key');
    // Deploying warns about both, by their labels and types.
    await page.click('#red-ui-header-button-deploy:not(.disabled)');
    const warning = page
      .locator('.red-ui-notification')
      .filter({ has: page.locator('#red-ui-deploy-dialog-confirm-deploy-deploy') });
    await warning.waitFor();
    const text = await warning.innerText();
    assert.match(text, /No key \(genea-api\)/);
    assert.match(text, /genea door: lock d1 \(genea-door\)/);
    assert.match(text, /\(genea-doors\)/);
    await warning.getByRole('button', { name: 'Cancel' }).click();
    await warning.waitFor({ state: 'detached' });
  });

  it('speaks German: palette label, dialogs and help', async function () {
    const german = await openEditor(browser, red, 'de-DE');
    const door$de = catalog('genea-door', 'de');
    const api$de = catalog('genea-api', 'de');
    const entry = german.locator('.red-ui-palette-node[data-palette-type="genea-door"]');
    assert.equal(await entry.getAttribute('data-palette-label'), door$de.paletteLabel);
    await editNode(german, doorId);
    await german.locator('label[for="node-input-action"]').getByText(door$de.label.action).waitFor();
    assert.equal(
      await german.locator('#node-input-action option[value="quick_unlock"]').innerText(),
      door$de.action.quick_unlock,
    );
    await german.locator('#genea-door-picker-state').getByText('2 Türen').waitFor();
    // A failure of Genea's API reads in the editor's language too, with Genea's reason (listing is retried once).
    // Flows restarted first: a config node keeps its listing for 30 s, a new one lists again.
    await red.deploy(await red.getFlows(), 'reload');
    genea.answerNext(
      /^GET \/v2\/customer\/[^/]+\/door$/,
      { status: 500, body: { meta: { message: 'Maintenance' } } },
      2,
    );
    await german.click('#genea-door-refresh');
    const failed = german.locator('#genea-door-picker-state').getByText(door$de.picker.apiFailed.split('__')[0]);
    await failed.waitFor();
    assert.match(await failed.innerText(), /500 Maintenance/);
    await german.click('#genea-door-refresh');
    await german.locator('#genea-door-picker-state').getByText('2 Türen').waitFor();
    await clickOpeningTray(german, '#node-input-btn-api-edit');
    await german.locator('#genea-api-key-state').getByText(api$de.keySet).waitFor();
    assert.equal((await german.innerText('#genea-api-verify')).trim(), api$de.label.verify);
    assert.match(await german.locator('.red-ui-tray-titlebar').last().innerText(), new RegExp(api$de.paletteLabel));
    await german.click('#node-config-dialog-cancel');
    await german.click('#node-dialog-cancel');
    await nodeShape(german, doorId).click();
    await german.keyboard.press('Control+g');
    await german.keyboard.press('h');
    await german
      .locator('.red-ui-help')
      .getByText('Verriegelt, entriegelt oder gibt eine Tür schnell frei')
      .first()
      .waitFor();
    await german.context().close();
  });
});
