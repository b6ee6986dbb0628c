'use strict';
// The genea-redis dialog ("Genea shared state") in a real browser against a real Node-RED and a real redis-server,
// opened from a first-of-day filter: live URL validation, Test connection with a typed and with the deployed
// password, the password never shown again nor in anything the editor receives, and the German dialog.
const assert = require('node:assert/strict');
const { NodeRedProcess } = require('../support/red-process');
const { RedisServer } = require('../support/redis-server');
const {
  EDITOR_SETTINGS,
  catalog,
  openEditor,
  dropFromPalette,
  typeInto,
  waitForTooltip,
  editNode,
  clickOpeningTray,
  deploy,
} = require('./editor-support');
const { launchBrowser } = require('../support/browser');

describe('genea-redis in the editor (real browser)', function () {
  this.timeout(90_000);
  let redis;
  let red;
  let browser;
  let page;
  let filterId;
  const received = [];
  const redis$ = catalog('genea-redis', 'en-US');

  before(async function () {
    redis = await RedisServer.start();
    red = await NodeRedProcess.start({ settings: EDITOR_SETTINGS });
    browser = await launchBrowser();
    page = await openEditor(browser, red, 'en-US');
    page.on('response', (res) =>
      res.text().then(
        (text) => received.push(text),
        () => {},
      ),
    );
    page.on('websocket', (ws) => ws.on('framereceived', (frame) => received.push(String(frame.payload))));
  });
  after(async function () {
    await browser?.close();
    await red?.dispose();
    await redis?.stop();
  });

  /** The text Test connection shows once it has answered (not "connecting …"). */
  async function testConnection(p, running) {
    await p.click('#genea-redis-test');
    await p.waitForFunction((text) => {
      const shown = document.querySelector('#genea-redis-test-result')?.textContent ?? '';
      return shown !== '' && shown !== text;
    }, running);
    return p.innerText('#genea-redis-test-result');
  }

  it('adds shared state to a first-of-day filter: URL checked live, Test connection of a typed password', async function () {
    filterId = await dropFromPalette(page, 'genea-access-granted', 260, 160);
    await editNode(page, filterId);
    await page.selectOption('#node-input-mode', 'first-of-day');
    await clickOpeningTray(page, '#node-input-btn-redis-add');
    await page.waitForSelector('#node-config-input-url');
    assert.match(await page.locator('.red-ui-tray-titlebar').last().innerText(), new RegExp(redis$.paletteLabel));
    assert.equal(await page.inputValue('#node-config-input-url'), 'redis://127.0.0.1:6379');
    assert.equal(await page.inputValue('#node-config-input-prefix'), 'genea:');
    await typeInto(page, '#node-config-input-url', 'http://127.0.0.1:6379');
    await page.waitForSelector('#node-config-input-url.input-error');
    await waitForTooltip(page, '#node-config-input-url', redis$.validation.invalid);
    await typeInto(page, '#node-config-input-url', `${redis.url}/x`);
    await waitForTooltip(page, '#node-config-input-url', redis$.validation.database);
    await typeInto(page, '#node-config-input-url', `${redis.url}/1`);
    await page.waitForSelector('#node-config-input-url:not(.input-error)');
    await page.locator('#genea-redis-password-state').getByText(redis$.passwordNone).waitFor();

    assert.match(await testConnection(page, redis$.test.running), /^Redis answers but refuses the credentials: NOAUTH/);
    await typeInto(page, '#node-config-input-password', 'not-the-password');
    await page.locator('#genea-redis-password-state').getByText(redis$.passwordTyped).waitFor();
    const refused = await testConnection(page, redis$.test.running);
    assert.match(refused, /^Redis answers but refuses the credentials: WRONGPASS/);
    assert.ok(!refused.includes('not-the-password'));
    await typeInto(page, '#node-config-input-password', redis.password);
    assert.match(
      await testConnection(page, redis$.test.running),
      /^Redis answers and accepts the credentials \(Redis \d/,
    );
    await page.click('#node-config-dialog-ok');
    await page.waitForSelector('#node-config-input-url', { state: 'detached' });
    await page.click('#node-dialog-ok');
    await deploy(page);
    const flows = await red.getFlows();
    const filter = flows.find((node) => node.id === filterId);
    const config = flows.find((node) => node.id === filter.redis);
    assert.deepEqual([config.type, config.url, config.prefix], ['genea-redis', `${redis.url}/1`, 'genea:']);
  });

  it('offers the same shared state in the receiver’s dialog', async function () {
    const receiverId = await dropFromPalette(page, 'genea-webhook-in', 560, 160);
    await editNode(page, receiverId);
    const webhook$ = catalog('genea-webhook-in', 'en-US');
    await page.locator('label[for="node-input-redis"]').getByText(webhook$.label.redis).waitFor();
    const filter = await page.evaluate((id) => RED.nodes.node(id).redis, filterId);
    const offered = await page
      .locator('#node-input-redis option')
      .evaluateAll((options) => options.map((o) => o.value));
    assert.ok(offered.includes(filter), `the receiver offers the deployed genea-redis: ${offered.join(', ')}`);
    await page.click('#node-dialog-cancel');
    await page.evaluate((id) => {
      RED.nodes.remove(id);
      RED.view.redraw(true);
    }, receiverId);
  });

  it('never shows the password again, tests the deployed one, and the editor never received it', async function () {
    await editNode(page, filterId);
    await clickOpeningTray(page, '#node-input-btn-redis-edit');
    const passwordInput = page.locator('#node-config-input-password');
    await passwordInput.waitFor();
    await page.locator('#genea-redis-password-state').getByText(redis$.passwordSet).waitFor();
    assert.notEqual(await passwordInput.inputValue(), redis.password);
    assert.match(await testConnection(page, redis$.test.running), /^Redis answers and accepts the credentials/);
    // The deployed password goes only to the deployed URL.
    await typeInto(page, '#node-config-input-url', `${redis.url}/2`);
    assert.equal(await testConnection(page, redis$.test.running), redis$.errors['undeployed-changes']);
    assert.ok(!(await page.content()).includes(redis.password), 'the password is in the page');
    const exported = await page.evaluate(() => JSON.stringify(RED.nodes.createCompleteNodeSet(true)));
    assert.match(exported, /"genea-redis"/);
    assert.ok(!exported.includes(redis.password), 'the password is in the flow export');
    await page.click('#node-config-dialog-cancel');
    await passwordInput.waitFor({ state: 'detached' });
    await page.click('#node-dialog-cancel');
    assert.ok(received.length > 10, 'answers were watched');
    assert.ok(!received.some((text) => text.includes(redis.password)), 'the editor received the password');
    assert.ok(!red.log.includes(redis.password), 'the password is in the Node-RED log');
  });

  it('speaks German: dialog and Test connection', async function () {
    const german = await openEditor(browser, red, 'de-DE');
    const redis$de = catalog('genea-redis', 'de');
    await editNode(german, filterId);
    await german
      .locator('label[for="node-input-redis"]')
      .getByText(catalog('genea-filters', 'de').label.redis)
      .waitFor();
    await clickOpeningTray(german, '#node-input-btn-redis-edit');
    await german.locator('#genea-redis-password-state').getByText(redis$de.passwordSet).waitFor();
    assert.match(await german.locator('.red-ui-tray-titlebar').last().innerText(), new RegExp(redis$de.paletteLabel));
    assert.equal((await german.innerText('#genea-redis-test')).trim(), redis$de.label.test);
    await german.locator('label[for="node-config-input-prefix"]').getByText(redis$de.label.prefix).waitFor();
    assert.match(
      await testConnection(german, redis$de.test.running),
      /^Redis antwortet und akzeptiert die Zugangsdaten/,
    );
    await typeInto(german, '#node-config-input-password', 'falsch');
    assert.match(
      await testConnection(german, redis$de.test.running),
      /^Redis antwortet, lehnt aber die Zugangsdaten ab/,
    );
    await german.click('#node-config-dialog-cancel');
    await german.click('#node-dialog-cancel');
    await german.context().close();
  });
});
