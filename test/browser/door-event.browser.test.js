'use strict';
// The genea-door-event filter as a user meets it in Node-RED's real editor (headless Chromium, a real Node-RED with
// the packed package): its palette entry and icon, its dialog validating as the user types, what it saves, and the
// German palette labels, dialog and help.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { NodeRedProcess } = require('../support/red-process');
const { launchBrowser } = require('../support/browser');
const {
  PACKAGE,
  EDITOR_SETTINGS,
  openEditor,
  dropFromPalette,
  typeInto,
  nodeShape,
  editNode,
  deploy,
} = require('./editor-support');

const TYPE = 'genea-door-event';
const locales = path.join(__dirname, '..', '..', 'nodes', 'genea-filters', 'locales');
const catalog = (lang) =>
  JSON.parse(fs.readFileSync(path.join(locales, lang, 'genea-filters.json'), 'utf8'))['genea-filters'];
const KINDS = ['forced_open', 'held_open', 'alarm', 'secured', 'mode_changed', 'quick_grant'];

describe('the door-event filter in a real browser', function () {
  this.timeout(90_000);
  let red;
  let browser;
  let nodeId;

  before(async function () {
    red = await NodeRedProcess.start({ settings: EDITOR_SETTINGS });
    browser = await launchBrowser();
  });
  after(async function () {
    await browser?.close();
    await red?.dispose();
  });

  /** The checkboxes of the dialog's kinds, as { value, label, checked }. */
  const kindChoices = (page) =>
    page.$$eval('#genea-filters-kinds label', (labels) =>
      labels.map((label) => {
        const box = label.querySelector('input');
        return { value: box.value, label: label.textContent.trim(), checked: box.checked };
      }),
    );

  /** The message shown under `field` while it is invalid: its text when visible, else null. */
  const hintUnder = (page, field) =>
    page.$eval(field, (element) => {
      const hint = element.nextElementSibling;
      return hint && hint.offsetParent !== null ? hint.textContent : null;
    });

  it('is in the Genea palette with its label and icon', async function () {
    const page = await openEditor(browser, red, 'en-US');
    const entry = page.locator(`#red-ui-palette-container-Genea .red-ui-palette-node[data-palette-type="${TYPE}"]`);
    await entry.waitFor();
    assert.equal(await entry.getAttribute('data-palette-label'), catalog('en-US').palette[TYPE]);
    const icon = await entry
      .locator('.red-ui-palette-icon')
      .evaluate((el) => el.ownerDocument.defaultView.getComputedStyle(el).backgroundImage);
    assert.match(icon, new RegExp(`/icons/${PACKAGE}/${TYPE}\\.svg`));
    const svg = await fetch(red.url(`/icons/${PACKAGE}/${TYPE}.svg`));
    assert.equal(svg.status, 200);
    assert.match(await svg.text(), /^<svg /);
    await page.context().close();
  });

  it('has a dialog that validates as the user types and saves the chosen kinds and conditions', async function () {
    const page = await openEditor(browser, red, 'en-US');
    const strings = catalog('en-US');
    nodeId = await dropFromPalette(page, TYPE, 240, 160);
    await editNode(page, nodeId);
    await page.locator('#genea-filters-kinds input').first().waitFor();

    assert.deepEqual(
      await kindChoices(page),
      KINDS.map((kind, index) => ({ value: kind, label: strings.kind[kind], checked: index < 4 })),
    );
    assert.equal(await hintUnder(page, '#genea-filters-kinds'), null);
    for (const kind of ['forced_open', 'held_open', 'alarm', 'secured']) {
      await page.uncheck(`#genea-filters-kinds-${kind}`);
    }
    await page.waitForSelector('#genea-filters-kinds.input-error');
    assert.equal(await hintUnder(page, '#genea-filters-kinds'), strings.validation.kinds);
    await page.check('#genea-filters-kinds-held_open');
    await page.waitForSelector('#genea-filters-kinds:not(.input-error)');
    assert.equal(await hintUnder(page, '#genea-filters-kinds'), null);

    await typeInto(page, '#node-input-door', '/^Front(/');
    await page.waitForSelector('#node-input-door.input-error');
    assert.equal(await hintUnder(page, '#node-input-door'), strings.validation.regex);
    await typeInto(page, '#node-input-door', 'Front Door');
    await page.waitForSelector('#node-input-door:not(.input-error)');
    await page.click('#node-dialog-ok');

    const saved = await page.evaluate((id) => {
      const node = RED.nodes.node(id);
      return { kinds: node.kinds, door: node.door, valid: node.valid };
    }, nodeId);
    assert.deepEqual(saved, { kinds: ['held_open'], door: 'Front Door', valid: true });
    // The workspace redraws the node's label after the dialog closed.
    const label = `${strings.palette[TYPE]}: ${strings.kindShort.held_open} · Front Door`;
    const shownLabel = page.locator(`[id="${nodeId}"] .red-ui-flow-node-label`);
    for (let deadline = Date.now() + 5_000; (await shownLabel.textContent()).trim() !== label;) {
      assert.ok(Date.now() < deadline, `node label: ${await shownLabel.textContent()}`);
      await page.waitForTimeout(100);
    }
    await deploy(page);
    const deployed = (await red.getFlows()).find((node) => node.id === nodeId);
    assert.deepEqual([deployed.kinds, deployed.door], [['held_open'], 'Front Door']);
    await page.context().close();
  });

  it('speaks German: palette labels without broken words, the dialog and the help', async function () {
    const page = await openEditor(browser, red, 'de-DE');
    const strings = catalog('de');
    const entry = page.locator(`.red-ui-palette-node[data-palette-type="${TYPE}"]`);
    await entry.waitFor();
    assert.equal(await entry.getAttribute('data-palette-label'), strings.palette[TYPE]);
    // The palette breaks a word that is wider than a palette node in the middle: every line must be whole words.
    const lines = await page.$$eval('#red-ui-palette-container-Genea .red-ui-palette-node', (entries) =>
      entries.map((el) => ({
        label: el.getAttribute('data-palette-label'),
        lines: el.querySelector('.red-ui-palette-label').innerText.split('\n'),
      })),
    );
    assert.ok(lines.length >= 6, JSON.stringify(lines));
    for (const { label, lines: shown } of lines) {
      const words = label.split(/[ -]/);
      for (const line of shown) {
        for (const part of line.split(/[ -]/).filter(Boolean)) {
          assert.ok(words.includes(part), `palette label "${label}" is broken inside a word: ${JSON.stringify(shown)}`);
        }
      }
    }

    await editNode(page, nodeId);
    await page.locator('#genea-filters-kinds input').first().waitFor();
    assert.deepEqual(
      (await kindChoices(page)).map(({ label, checked }) => [label, checked]),
      KINDS.map((kind) => [strings.kind[kind], kind === 'held_open']),
    );
    await page.locator('label[for="node-input-door"]').getByText(strings.label.door).waitFor();
    await page.uncheck('#genea-filters-kinds-held_open');
    assert.equal(await hintUnder(page, '#genea-filters-kinds'), strings.validation.kinds);
    // The tip wraps inside the dialog: the panel keeps its usual width (it grew to ~770 px for a tip on one line).
    const { tray, tip } = await page.evaluate(() => {
      const box = (el) => el.getBoundingClientRect();
      const tipElement = [...document.querySelectorAll('.red-ui-tray .form-tips')].find((el) => el.offsetParent);
      return { tray: box(document.querySelector('.red-ui-tray:last-of-type')), tip: box(tipElement) };
    });
    assert.ok(tray.width <= 600, `the dialog is ${tray.width} px wide`);
    assert.ok(tip.right <= tray.right, `the tip ends at ${tip.right}, the dialog at ${tray.right}`);
    await page.click('#node-dialog-cancel');
    await page.waitForSelector('#node-dialog-cancel', { state: 'detached' });

    // The resource-change dialog's long German label keeps clear of its checkboxes.
    const resourceChange = await dropFromPalette(page, 'genea-resource-change', 240, 260);
    await editNode(page, resourceChange);
    await page.locator('#genea-filters-resourceTypes input').first().waitFor();
    const { labelRight, choicesLeft } = await page.evaluate(() => {
      const choices = document.getElementById('genea-filters-resourceTypes');
      const text = choices.previousElementSibling.querySelector('span');
      return {
        labelRight: Math.max(...[...text.getClientRects()].map((rect) => rect.right)),
        choicesLeft: choices.getBoundingClientRect().left,
      };
    });
    assert.ok(
      labelRight < choicesLeft,
      `"${strings.label.resourceTypes}" ends at ${labelRight}, the boxes start at ${choicesLeft}`,
    );
    await page.click('#node-dialog-cancel');
    await page.waitForSelector('#node-dialog-cancel', { state: 'detached' });

    // The help sidebar of the selected node (ctrl-g h), in German.
    await nodeShape(page, nodeId).click();
    await page.keyboard.press('Control+g');
    await page.keyboard.press('h');
    const help = fs.readFileSync(path.join(locales, 'de', 'genea-filters.html'), 'utf8');
    const section = help.slice(help.indexOf(`data-help-name="${TYPE}"`));
    const firstSentence = /<p>([^<]+)/.exec(section)[1].split(':')[0];
    await page.locator('.red-ui-help').getByText(firstSentence).first().waitFor();
    await page.locator('.red-ui-help h3').getByText('Details').first().waitFor();
    await page.context().close();
  });
});
