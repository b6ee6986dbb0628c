'use strict';
// What a new user meets in the editor during the first hour, in English and German: a config node without a secret
// flagged, status texts in the editor's language, the copy button, Allowed sources checked as typed with the
// runtime's parser, "Send test event" saying where the secret goes, no raw type names, palette labels that fit, and
// examples and the demo laid out so that nothing is cut off and no wire crosses a node.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { PACKAGE, catalog, startEditor, openEditor, editNode, clickOpeningTray, deploy } = require('./editor-support');
const { demoFlow } = require('../../scripts/demo-flow');
// The practice Genea npm start runs beside the demo (its base URL, key and the door of the demo's buttons).
const PRACTICE = {
  baseUrl: 'http://127.0.0.1:1881',
  key: 'demo-practice-key',
  door: { uuid: 'door-main', name: 'Main Entrance' },
};

const SECRET = 'first-hour-secret-5b2e';
const TAB = 'first-hour-tab';
const flow = [
  { id: TAB, type: 'tab', label: 'First hour' },
  { id: 'fh-config', type: 'genea-config', name: '' },
  {
    id: 'fh-rx',
    type: 'genea-webhook-in',
    z: TAB,
    config: 'fh-config',
    url: '/genea-first',
    maxBodyKiB: 1024,
    dedupeMinutes: 10,
    allowList: '',
    trustedProxies: 0,
    maxEventAgeMinutes: 0,
    x: 160,
    y: 80,
    wires: [[], []],
  },
];
const examplesDir = path.join(__dirname, '..', '..', 'examples');

describe('the first hour in the editor (real browser)', function () {
  this.timeout(120_000);
  let red;
  let browser;
  let types;
  let page;
  const pageErrors = [];
  const en = {
    config: catalog('genea-config', 'en-US'),
    receiver: catalog('genea-webhook-in', 'en-US'),
  };
  const de = {
    config: catalog('genea-config', 'de'),
    receiver: catalog('genea-webhook-in', 'de'),
  };

  const statusLabel = (p, id) => p.locator(`[id="${id}"] .red-ui-flow-node-status-label`);
  const nodeValid = (p, id) => p.evaluate((nodeId) => RED.nodes.node(nodeId)?.valid, id);

  async function waitForValidity(p, id, valid) {
    try {
      await p.waitForFunction(([nodeId, expected]) => RED.nodes.node(nodeId)?.valid === expected, [id, valid]);
    } catch (err) {
      const errors = await p.evaluate((nodeId) => RED.nodes.node(nodeId)?.validationErrors, id);
      throw new Error(`${id} is not ${valid ? 'valid' : 'invalid'}: ${JSON.stringify(errors)}`, { cause: err });
    }
  }

  /** Closes the dialog with `button` and waits until the editor takes clicks again. */
  async function closeDialog(p, button) {
    await p.click(button);
    await p.waitForSelector(button, { state: 'detached' });
    if (button.startsWith('#node-dialog')) await p.waitForSelector('#red-ui-editor-shade', { state: 'hidden' });
  }

  async function lastNotification(p, text) {
    await p.locator('.red-ui-notification').getByText(text).last().waitFor();
  }

  before(async function () {
    ({ red, browser, types } = await startEditor());
    await red.deploy(flow);
  });
  after(async function () {
    await browser?.close();
    await red?.dispose();
  });

  it('flags a config node without a secret and every receiver using it; the receiver says "no secret"', async function () {
    // Listening from before the editor loads, so an error while it starts counts too.
    page = await openEditor(browser, red, 'en-US', {
      beforeLoad: (opened) => opened.on('pageerror', (err) => pageErrors.push(err)),
    });
    await waitForValidity(page, 'fh-config', false);
    await waitForValidity(page, 'fh-rx', false);
    await statusLabel(page, 'fh-rx').getByText(en.receiver.status['no-secret'], { exact: true }).waitFor();
    const errors = await page.evaluate(() => RED.nodes.node('fh-config').validationErrors);
    assert.deepEqual(errors, [en.config.validation.noSecret]);
  });

  it('shows "Genea config", never the type name, in the dialog title, the config select and the help list', async function () {
    await editNode(page, 'fh-rx');
    await page.waitForSelector('#node-input-allowList');
    await clickOpeningTray(page, '#node-input-btn-config-edit');
    await page.waitForSelector('#node-config-input-secret');
    const title = await page.locator('.red-ui-tray-titlebar').last().innerText();
    assert.match(title, new RegExp(en.config.paletteLabel));
    assert.doesNotMatch(title, /genea-config/);
    await page.click('#node-config-dialog-cancel');
    await page.waitForSelector('#node-config-input-secret', { state: 'detached' });
    await page.click('#node-dialog-cancel');

    const helpNames = await page.evaluate(() => {
      RED.sidebar.help.show('genea-config');
      return [
        ...document.querySelectorAll(
          '.red-ui-help-search + div .red-ui-treeList-label, .red-ui-sidebar-help-toc .red-ui-treeList-label',
        ),
      ].map((el) => el.innerText.trim());
    });
    // Every config node of the package by its label, never its type.
    for (const label of [en.config.paletteLabel, catalog('genea-api', 'en-US').paletteLabel]) {
      assert.ok(helpNames.includes(label), `help list: ${helpNames.join(', ')}`);
    }
    for (const type of ['genea-config', 'genea-api']) {
      assert.ok(!helpNames.includes(type), `help list: ${helpNames.join(', ')}`);
    }

    // Adding one: "Add new Genea config config node".
    await editNode(page, 'fh-rx');
    await clickOpeningTray(page, '#node-input-btn-config-add');
    await page.waitForSelector('#node-config-input-secret');
    const addTitle = await page.locator('.red-ui-tray-titlebar').last().innerText();
    assert.match(addTitle, new RegExp(en.config.paletteLabel));
    assert.doesNotMatch(addTitle, /genea-config/);
    await closeDialog(page, '#node-config-dialog-cancel');
    await closeDialog(page, '#node-dialog-cancel');
  });

  it('checks Allowed sources as you type, with the runtime parser and its reasons', async function () {
    await editNode(page, 'fh-rx');
    await page.fill('#node-input-allowList', '1.2.3.999, 10.0.0.0/33');
    await page.locator('#node-input-allowList').dispatchEvent('change');
    await page.waitForSelector('#node-input-allowList.input-error');
    await page.mouse.move(0, 0);
    await page.hover('#node-input-allowList');
    const reason = page.locator('.red-ui-popover:visible');
    await reason.getByText('"1.2.3.999" is not an IP address or CIDR range', { exact: false }).waitFor();
    await reason.getByText('the prefix length after / must be a whole number from 0 to 32', { exact: false }).waitFor();
    await page.fill('#node-input-allowList', '34.205.175.141, 10.0.0.0/8\n2001:db8::/32');
    await page.locator('#node-input-allowList').dispatchEvent('change');
    await page.waitForSelector('#node-input-allowList:not(.input-error)');
    await page.fill('#node-input-allowList', '');
    await page.locator('#node-input-allowList').dispatchEvent('change');
  });

  it('copies the Webhook URL with "copied" feedback, leaving no textarea and no stolen focus', async function () {
    await page.click('#genea-webhook-in-copy-url');
    await page.locator('.red-ui-popover').getByText('Value copied').waitFor();
    assert.equal(await page.locator('#red-ui-clipboard-hidden').count(), 0, 'the hidden textarea is gone');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'genea-webhook-in-copy-url');
    // A sentinel error thrown in the page must reach the listener: proof that it listens, and that every
    // error before it would have been seen.
    const sentinel = page.waitForEvent('pageerror');
    await page.evaluate(() =>
      setTimeout(() => {
        throw new Error('page-error sentinel');
      }),
    );
    await sentinel; // the listener attached before the page loaded ran first
    assert.deepEqual(pageErrors.map(String), ['Error: page-error sentinel']);
  });

  it('"Send test event" says where to set the secret, then "deploy first" once one is typed', async function () {
    await page.click('#genea-webhook-in-send-test');
    await lastNotification(page, en.receiver.test.errors['no-secret']);

    await clickOpeningTray(page, '#node-input-btn-config-edit');
    await page.waitForSelector('#node-config-input-secret');
    await page.fill('#node-config-input-secret', SECRET);
    await closeDialog(page, '#node-config-dialog-ok');
    await page.click('#genea-webhook-in-send-test');
    await lastNotification(page, en.receiver.test.errors['secret-not-deployed']);
    await closeDialog(page, '#node-dialog-ok');
    await waitForValidity(page, 'fh-config', true);
    await waitForValidity(page, 'fh-rx', true);

    await deploy(page);
    await statusLabel(page, 'fh-rx').getByText(en.receiver.status.listening, { exact: true }).waitFor();
    // After the deploy Node-RED drops the credentials from the editor: the node stays valid.
    assert.equal(await nodeValid(page, 'fh-config'), true);
    await editNode(page, 'fh-rx');
    await page.click('#genea-webhook-in-send-test');
    await lastNotification(page, '200 Accepted');
    await closeDialog(page, '#node-dialog-cancel');
    await statusLabel(page, 'fh-rx')
      .getByText(/^\/genea-first · access\.granted \d\d:\d\d$/)
      .waitFor();
  });

  it('speaks German: palette labels that fit, "Genea-Konfiguration", status texts in the editor language', async function () {
    // The config node without its secret again (a flow without credentials would keep the stored one).
    await red.deploy(flow.map((node) => (node.id === 'fh-config' ? { ...node, credentials: { secret: '' } } : node)));
    const german = await openEditor(browser, red, 'de-DE');
    await statusLabel(german, 'fh-rx').getByText(de.receiver.status['no-secret'], { exact: true }).waitFor();
    await waitForValidity(german, 'fh-config', false);
    assert.deepEqual(await german.evaluate(() => RED.nodes.node('fh-config').validationErrors), [
      de.config.validation.noSecret,
    ]);
    assert.equal(
      await german.evaluate(() =>
        RED.nodes.getType('genea-config').paletteLabel.call(RED.nodes.getType('genea-config')),
      ),
      de.config.paletteLabel,
    );
    for (const p of [page, german]) {
      // Each line of a palette label holds whole words: no word broken, no " - " made of a hyphen.
      const labels = await p.evaluate(() =>
        [...document.querySelectorAll('#red-ui-palette-container-Genea .red-ui-palette-node')].map((node) => ({
          label: node.getAttribute('data-palette-label'),
          lines: node
            .querySelector('.red-ui-palette-label')
            .innerHTML.split('<br>')
            .map((line) =>
              line
                .replace(/&nbsp;/g, ' ')
                .replace(/\s+/g, ' ')
                .trim(),
            ),
        })),
      );
      assert.ok(labels.length >= 5, `palette: ${JSON.stringify(labels)}`);
      for (const { label, lines } of labels) assert.equal(lines.join(' '), label, `palette label ${label}`);
    }
    await german.close();
  });

  it('lays out every example and the demo: nothing cut off at the left or top, no wire across a node', async function () {
    const tabs = [
      ...fs
        .readdirSync(examplesDir)
        .filter((file) => file.endsWith('.json'))
        .map((file) => ({ name: file, nodes: JSON.parse(fs.readFileSync(path.join(examplesDir, file), 'utf8')) })),
      { name: 'demo', nodes: demoFlow('demo-secret', PRACTICE) },
    ];
    for (const tab of tabs) {
      const z = tab.nodes.find((n) => n.type === 'tab').id;
      await page.evaluate(
        ([nodes, id]) => {
          // A config node an earlier example brought (the door examples share one) is there already.
          const fresh = nodes.filter((node) => !RED.nodes.node(node.id));
          RED.view.importNodes(fresh, { generateIds: false, addFlow: false, touchImport: true });
          RED.workspaces.show(id);
        },
        [tab.nodes, z],
      );
      await page.waitForFunction(
        (id) =>
          RED.workspaces.active() === id &&
          RED.nodes.filterNodes({ z: id }).every((n) => n.w > 0 && document.getElementById(n.id)),
        z,
      );
      await page.waitForTimeout(200);
      const problems = await page.evaluate((z) => {
        const onTab = RED.nodes.filterNodes({ z });
        const found = [];
        let wires = 0;
        const rects = onTab.map((n) => ({
          n,
          left: n.x - n.w / 2,
          right: n.x + n.w / 2,
          top: n.y - n.h / 2,
          bottom: n.y + n.h / 2,
        }));
        for (const r of rects) {
          if (r.left < 0 || r.top < 0)
            found.push(`${r.n.type} "${r.n.name || ''}" reaches past the edge (${r.left}, ${r.top})`);
        }
        for (const link of document.querySelectorAll('#red-ui-workspace-chart .red-ui-flow-link-line')) {
          const data = link.__data__;
          if (!data || !data.source || !data.target) continue;
          wires++;
          const length = link.getTotalLength();
          for (let i = 1; i < 40; i++) {
            const point = link.getPointAtLength((length * i) / 40);
            const hit = rects.find(
              (r) =>
                r.n !== data.source &&
                r.n !== data.target &&
                point.x > r.left &&
                point.x < r.right &&
                point.y > r.top &&
                point.y < r.bottom,
            );
            if (hit) {
              found.push(
                `the wire ${data.source.name || data.source.type} → ${data.target.name || data.target.type} crosses ${hit.n.name || hit.n.type}`,
              );
              break;
            }
          }
        }
        const links = RED.nodes.filterLinks({}).filter((link) => link.source.z === z);
        // Room between nodes: none touches another, and every wire runs to the right, never looping back.
        const crowded = [];
        const GAP = 20;
        const named = (r) => `${r.n.type} "${r.n.name || ''}"`;
        for (const [i, a] of rects.entries()) {
          for (const b of rects.slice(i + 1)) {
            const apart =
              a.right + GAP <= b.left || b.right + GAP <= a.left || a.bottom + 10 <= b.top || b.bottom + 10 <= a.top;
            if (!apart) crowded.push(`${named(a)} touches ${named(b)}`);
          }
        }
        for (const link of links) {
          const [source, target] = [link.source, link.target].map((n) => rects.find((r) => r.n === n));
          if (target.left < source.right + GAP) crowded.push(`the wire ${named(source)} → ${named(target)} loops back`);
        }
        return { found, crowded, wires, expected: links.length };
      }, z);
      assert.deepEqual(problems.found, [], tab.name);
      if (tab.name !== 'demo') assert.deepEqual(problems.crowded, [], tab.name);
      assert.equal(problems.wires, problems.expected, `${tab.name}: every wire checked`);
    }
    assert.ok(types.length > 0 && PACKAGE);
  });
});
