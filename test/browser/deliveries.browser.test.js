'use strict';
// The "Genea deliveries" sidebar tab in Node-RED's real editor (headless Chromium, real Node-RED process): reached
// from the receiver's dialog, rows arriving live as deliveries come in over HTTP (comms says which receiver changed,
// the tab fetches its list), a row's event, reason and hint in English and German, its replay, and clearing the
// list and the node's status counts. With GENEA_SCREENSHOTS=<dir> it saves the README's screenshot of the tab.
const assert = require('node:assert/strict');
const { NodeRedProcess } = require('../support/red-process');
const { launchBrowser, screenshot } = require('../support/browser');
const { EDITOR_SETTINGS, catalog, openEditor, editNode, deploy } = require('./editor-support');
const { opensslSignature } = require('../support/openssl');
const events = require('../fixtures/events');

const SECRET = 'browser-deliveries-secret-93d0';
const strings = catalog('genea-webhook-in', 'en-US');

describe('the Genea deliveries sidebar in a real browser', function () {
  this.timeout(90_000);
  let red;
  let browser;
  let page;

  async function deliver(event, { signed = true } = {}) {
    const body = Buffer.from(JSON.stringify(event));
    const headers = { 'Content-Type': 'application/json' };
    if (signed) headers['X-Sequr-Signature'] = opensslSignature(body, SECRET);
    return (await red.request('POST', red.url('/genea'), { headers, body })).status;
  }

  const rows = () => page.locator('[data-receiver="rx"] .genea-deliveries-row');

  before(async function () {
    red = await NodeRedProcess.start({ settings: EDITOR_SETTINGS });
    await red.deploy([
      { id: 'tab', type: 'tab', label: 'Genea' },
      { id: 'cfg', type: 'genea-config', name: 'Genea', credentials: { secret: SECRET } },
      {
        id: 'rx',
        type: 'genea-webhook-in',
        z: 'tab',
        name: 'Front office',
        config: 'cfg',
        url: '/genea',
        x: 160,
        y: 100,
        wires: [['debug'], []],
      },
      { id: 'debug', type: 'debug', z: 'tab', active: true, complete: 'true', x: 420, y: 100, wires: [] },
      {
        id: 'rx2',
        type: 'genea-webhook-in',
        z: 'tab',
        config: 'cfg',
        url: '/genea-2',
        x: 160,
        y: 200,
        wires: [[], []],
      },
    ]);
    browser = await launchBrowser();
    page = await openEditor(browser, red, 'en-US', { width: 1400, permissions: ['clipboard-read', 'clipboard-write'] });
  });
  after(async function () {
    await browser?.close();
    await red?.dispose();
  });

  it("opens from the receiver's dialog and shows the deployed receiver", async function () {
    await editNode(page, 'rx');
    const link = page.locator('#genea-webhook-in-show-deliveries');
    assert.equal((await link.innerText()).trim(), strings.deliveries.show);
    await link.click();
    await page.click('#node-dialog-cancel');
    const receiver = page.locator('[data-receiver="rx"]');
    await receiver.waitFor();
    assert.equal(await receiver.locator('.genea-deliveries-name').innerText(), 'Front office');
    assert.equal(await receiver.locator('.genea-deliveries-header code').innerText(), '/genea');
    await receiver.locator('.genea-deliveries-empty').getByText(strings.deliveries.none).waitFor();
    // An unnamed receiver is shown by its path, once.
    const unnamed = page.locator('[data-receiver="rx2"] .genea-deliveries-header');
    await unnamed.waitFor();
    assert.equal(await unnamed.locator('.genea-deliveries-name').innerText(), '/genea-2');
    assert.equal(await unnamed.locator('code').count(), 0);
  });

  it('shows deliveries as they arrive, newest first, without a reload', async function () {
    const navigations = [];
    page.on('framenavigated', (frame) => navigations.push(frame.url()));
    assert.equal(await deliver({ ...events.granted, uuid: 'browser-granted-1' }), 200);
    assert.equal(await deliver({ ...events.denied, uuid: 'browser-denied-1' }), 200);
    assert.equal(await deliver({ ...events.denied, uuid: 'browser-denied-1' }), 200);
    assert.equal(await deliver({ ...events.granted, uuid: 'browser-unsigned' }, { signed: false }), 401);
    await rows().nth(3).waitFor();
    const lines = await rows().locator('.genea-deliveries-line').allInnerTexts();
    assert.match(lines[0], /401\s+Missing X-Sequr-Signature header/);
    assert.match(lines[1], /200\s+access\.denied\s+browser-denied-1\s+duplicate/);
    assert.match(lines[2], /200\s+access\.denied\s+browser-denied-1/);
    assert.doesNotMatch(lines[2], /duplicate/);
    assert.match(lines[3], /200\s+access\.granted\s+browser-granted-1/);
    const counts = await page.locator('[data-receiver="rx"] .genea-deliveries-counts').innerText();
    assert.equal(counts, '2 accepted · 1 duplicates · 1 rejected · 0 replayed');
    assert.deepEqual(navigations, [], 'no reload');
  });

  it("shows a rejected row's reason and hint", async function () {
    await rows().nth(0).locator('.genea-deliveries-line').click();
    const detail = rows().nth(0).locator('.genea-deliveries-detail');
    await detail.getByText(strings.deliveries.hints['no-signature-header']).waitFor();
    assert.match(await detail.innerText(), /Missing X-Sequr-Signature header/);
    assert.equal(await detail.locator('.genea-deliveries-replay').count(), 0, 'nothing to replay');
  });

  it('opens a row as JSON, copies it, and replays it to the flow', async function () {
    const row = rows().nth(3);
    await row.locator('.genea-deliveries-line').click();
    const json = row.locator('.genea-deliveries-event');
    await json.getByText('"uuid": "browser-granted-1"').waitFor();
    assert.deepEqual(JSON.parse(await json.innerText()), { ...events.granted, uuid: 'browser-granted-1' });
    assert.equal(await rows().locator('.genea-deliveries-detail').count(), 1, 'one row open at a time');
    await screenshot(page.locator('#red-ui-sidebar'), 'deliveries-sidebar.png');

    await row.locator('.genea-deliveries-copy').click();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.deepEqual(JSON.parse(copied), { ...events.granted, uuid: 'browser-granted-1' });

    await row.locator('.genea-deliveries-replay').click();
    await page
      .locator('.red-ui-notification')
      .getByText(strings.deliveries.replayed.replace('__type__', 'access.granted'))
      .waitFor();
    // The count comes back live from the runtime, and the open row stays open.
    await row.locator('.genea-deliveries-replays').getByText('replayed 1×').waitFor();
    await row.locator('.genea-deliveries-event').waitFor();
    const counts = await page.locator('[data-receiver="rx"] .genea-deliveries-counts').innerText();
    assert.match(counts, /1 replayed$/);
    await page.keyboard.press('Control+g'); // ctrl-g d: the debug sidebar shows the replayed message
    await page.keyboard.press('d');
    await page.locator('.red-ui-debug-msg').getByText('replay').first().waitFor();
  });

  it('speaks German to a German browser', async function () {
    const german = catalog('genea-webhook-in', 'de');
    const dePage = await openEditor(browser, red, 'de-DE', { width: 1400 });
    await editNode(dePage, 'rx');
    await dePage.locator('#genea-webhook-in-show-deliveries').getByText(german.deliveries.show).click();
    const counts = dePage.locator('[data-receiver="rx"] .genea-deliveries-counts');
    await counts.waitFor();
    assert.match(await counts.innerText(), /^2 angenommen · 1 Wiederholungen · 1 abgewiesen · 1 erneut gesendet$/);
    const line = dePage.locator('[data-receiver="rx"] .genea-deliveries-line').first();
    // The reason in German, in the row and in its detail.
    assert.equal(await line.locator('.genea-deliveries-what').innerText(), german.deliveries.reasons.missingSignature);
    await line.click();
    await dePage.getByText(german.deliveries.hints['no-signature-header']).waitFor();
    assert.equal(
      await dePage.locator('[data-receiver="rx"] .genea-deliveries-reason').innerText(),
      german.deliveries.reasons.missingSignature,
    );
    await dePage.context().close();
  });

  it('shows an event refused as too old with its JSON, but no Replay', async function () {
    // Max event age set in the dialog and deployed, as a user does.
    await editNode(page, 'rx');
    await page.fill('#node-input-maxEventAgeMinutes', '60');
    await page.click('#node-dialog-ok');
    await deploy(page);
    await page.evaluate(() => RED.sidebar.show('genea-deliveries'));
    // Node-RED answers a deploy before it has started the new flows (setFlows returns the revision ahead of the
    // start), so send until the deployed setting is in force.
    let stale;
    let status;
    const deadline = Date.now() + 10_000;
    for (let n = 1; status !== 400 && Date.now() < deadline; n++) {
      if (n > 1) await new Promise((resolve) => setTimeout(resolve, 100));
      stale = { ...events.granted, uuid: `browser-stale-${n}-x`, event_time: '2020-01-01T00:00:00.000Z' };
      status = await deliver(stale);
    }
    assert.equal(status, 400, 'refused as too old once deployed');
    const row = rows().filter({ hasText: stale.uuid });
    await row.waitFor();
    assert.match(
      await row.locator('.genea-deliveries-line').innerText(),
      new RegExp(`400\\s+Event too old.*\\s+${stale.uuid}`),
    );
    await row.locator('.genea-deliveries-line').click();
    await row.getByText(strings.deliveries.hints['stale-event'].replace('__time__', stale.event_time)).waitFor();
    await row.locator('.genea-deliveries-event').getByText(`"uuid": "${stale.uuid}"`).waitFor();
    assert.deepEqual(JSON.parse(await row.locator('.genea-deliveries-event').innerText()), stale);
    assert.equal(await row.locator('.genea-deliveries-copy').count(), 1);
    assert.equal(await row.locator('.genea-deliveries-replay').count(), 0, 'a refused event is never replayed');
  });

  it('keeps a live row when the answer to an earlier fetch of the list arrives after it', async function () {
    // The tab fetches the list when shown; hold that answer (the list as it was) until a live notice has shown a
    // newer delivery, as a slow network would. Later fetches (those of the notices) pass.
    let release;
    const held = new Promise((resolve) => (release = resolve));
    let fetched;
    const fetchedOld = new Promise((resolve) => (fetched = resolve));
    let holding = true;
    const list = /\/genea-webhook-in\/rx\/deliveries$/;
    await page.route(list, async (route) => {
      if (!holding) return route.continue();
      holding = false;
      const response = await route.fetch();
      fetched();
      await held;
      await route.fulfill({ response });
    });
    // Counts the answers the page has handled (jQuery's ajaxComplete runs after their done callbacks).
    await page.evaluate(() => {
      globalThis.geneaListAnswers = 0;
      globalThis.$(document).ajaxComplete((_event, _xhr, settings) => {
        if (/(^|\/)genea-webhook-in\/rx\/deliveries$/.test(settings.url)) globalThis.geneaListAnswers++;
      });
    });
    await page.evaluate(() => RED.sidebar.show('debug'));
    await page.evaluate(() => RED.sidebar.show('genea-deliveries'));
    await fetchedOld;
    assert.equal(
      await deliver({ ...events.granted, uuid: 'browser-live-1', event_time: new Date().toISOString() }),
      200,
    );
    const row = rows().filter({ hasText: 'browser-live-1' });
    await row.waitFor();
    const handled = await page.evaluate(() => globalThis.geneaListAnswers);
    release();
    // The sentinel: the page has handled the held answer.
    await page.waitForFunction((before) => globalThis.geneaListAnswers > before, handled);
    assert.equal(await row.count(), 1, 'the older answer replaced the live list');
    await page.unroute(list);
  });

  it("clears a receiver's list, and the counts in its status", async function () {
    await page.evaluate(() => RED.sidebar.show('genea-deliveries'));
    const status = page.locator('[id="rx"] .red-ui-flow-node-status-label');
    assert.equal(await deliver({ ...events.granted, uuid: 'browser-unsigned-2' }, { signed: false }), 401);
    await status.getByText(/rejected/).waitFor();
    await page.click('[data-receiver="rx"] .genea-deliveries-clear');
    await page.locator('[data-receiver="rx"] .genea-deliveries-empty').waitFor();
    assert.equal(await rows().count(), 0);
    await status.getByText(strings.status.listening, { exact: true }).waitFor();
    const list = await red.request('GET', red.adminUrl('/genea-webhook-in/rx/deliveries'));
    assert.deepEqual(JSON.parse(list.text), []);
    assert.ok(!(await page.content()).includes(SECRET));
  });
});
