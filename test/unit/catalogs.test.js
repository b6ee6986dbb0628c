'use strict';
// Every node set speaks every language completely: each locale's message catalog has exactly the keys of en-US,
// with the same __placeholders__, and help for the same node types.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const src = path.join(__dirname, '..', '..', 'src', 'nodes');

function flatten(object, prefix = '') {
  return Object.entries(object).flatMap(([key, value]) =>
    typeof value === 'object' ? flatten(value, `${prefix}${key}.`) : [[`${prefix}${key}`, value]],
  );
}

/** The node types a help file documents. */
function helpedTypes(locales, lang, set) {
  const help = fs.readFileSync(path.join(locales, lang, `${set}.html`), 'utf8');
  return [...help.matchAll(/data-help-name="([^"]+)"/g)].map((m) => m[1]).sort();
}

const placeholders = (text) => [...text.matchAll(/__(\w+)__/g)].map((m) => m[1]).sort();

describe('message catalogs', function () {
  for (const set of fs.readdirSync(src)) {
    const locales = path.join(src, set, 'locales');
    if (!fs.existsSync(locales)) continue;
    const read = (lang) =>
      new Map(flatten(JSON.parse(fs.readFileSync(path.join(locales, lang, `${set}.json`), 'utf8'))));

    it(`${set}: every language has every en-US message, with the same placeholders, and help`, function () {
      const english = read('en-US');
      const languages = fs.readdirSync(locales).filter((lang) => lang !== 'en-US');
      assert.ok(languages.includes('de'), `${set} has no German catalog`);
      for (const lang of languages) {
        const translated = read(lang);
        assert.deepEqual([...translated.keys()].sort(), [...english.keys()].sort(), `${set} ${lang}: keys`);
        for (const [key, text] of english) {
          assert.deepEqual(placeholders(translated.get(key)), placeholders(text), `${set} ${lang}: ${key}`);
        }
        assert.deepEqual(helpedTypes(locales, lang, set), helpedTypes(locales, 'en-US', set), `${set} ${lang}: help`);
      }
    });
  }
});

describe("the receiver's help", function () {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  // The answers table of README.md: "| 503 | no secret configured, an invalid allow-list, or a deploy ... |".
  const table = readme.slice(readme.indexOf('| status | when |'));
  const answers = [...table.slice(0, table.indexOf('\n\n')).matchAll(/^\| (\d{3}) \| (.*) \|$/gm)];
  const locales = path.join(src, 'genea-webhook-in', 'locales');

  it('lists every answer of the README in every language, each cause of a 503 included', function () {
    assert.ok(answers.length >= 10, `README answers table: ${answers.length} rows`);
    for (const lang of fs.readdirSync(locales)) {
      const help = fs.readFileSync(path.join(locales, lang, 'genea-webhook-in.html'), 'utf8');
      const listed = [...help.matchAll(/<dt><code>(\d{3})<\/code><\/dt><dd>([^<]*(?:<(?!\/dd>)[^<]*)*)<\/dd>/g)];
      assert.deepEqual(
        listed.map((m) => m[1]),
        answers.map((m) => m[1]),
        `${lang}: the help lists the README's answers in its order`,
      );
      // 503 has four causes (no secret, allow-list, restart, shared state): one clause each, separated by semicolons.
      const unavailable = listed.find((m) => m[1] === '503')[2];
      assert.equal(unavailable.split(';').length, 4, `${lang}: 503 names its four causes: ${unavailable}`);
    }
  });
});

describe("the receiver's help", function () {
  const { GENEA_EVENT_TYPES } = require('../../nodes/lib/event');
  for (const lang of ['en-US', 'de']) {
    const help = fs.readFileSync(path.join(src, 'genea-webhook-in', 'locales', lang, 'genea-webhook-in.html'), 'utf8');

    it(`${lang}: lists every event type msg.genea.type can be`, function () {
      const missing = [...GENEA_EVENT_TYPES, 'other'].filter((type) => !help.includes(`<code>${type}</code>`));
      assert.deepEqual(missing, []);
    });

    it(`${lang}: names the Max event age case among the 400 answers`, function () {
      const [answer] = /<dt><code>400<\/code><\/dt><dd>(.*?)<\/dd>/.exec(help).slice(1);
      assert.match(answer, /event_time/);
    });
  }
});
