'use strict';
// Headless Debian Chromium for the browser tests (playwright-core), and where they save the README's screenshots
// when GENEA_SCREENSHOTS=<dir> is set (`npm run screenshots`).
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { chromium } = require('playwright-core');

const CHROMIUM = '/usr/bin/chromium';
const screenshotDir = process.env.GENEA_SCREENSHOTS ? path.resolve(process.env.GENEA_SCREENSHOTS) : null;

/** Launches Chromium, installing Debian's when it is missing (scripts/ensure-debian-packages.sh). */
async function launchBrowser() {
  try {
    execFileSync(
      'bash',
      [path.join(__dirname, '..', '..', 'scripts', 'ensure-debian-packages.sh'), `chromium:${CHROMIUM}`],
      {
        stdio: 'inherit',
      },
    );
  } catch {
    throw new Error(
      `The browser test needs Chromium at ${CHROMIUM}; scripts/ensure-debian-packages.sh could not provide it.`,
    );
  }
  if (screenshotDir) fs.mkdirSync(screenshotDir, { recursive: true });
  return chromium.launch({
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
}

/** Saves `locator` as docs image `name` when screenshots are asked for, without passing notifications over it. */
async function screenshot(locator, name) {
  if (!screenshotDir) return;
  await locator.screenshot({
    path: path.join(screenshotDir, name),
    animations: 'disabled',
    style: '.red-ui-notification { visibility: hidden; }',
  });
}

module.exports = { launchBrowser, screenshot };
