'use strict';
// The filters' editor definitions, run from the built .html with a stand-in for the editor's RED: the
// flow-JSON contract (property names and defaults), labels and validators. The dialogs themselves
// need a browser.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const html = fs.readFileSync(path.join(__dirname, '../../nodes/genea-filters/genea-filters.html'), 'utf8');
const catalog = require('../../nodes/genea-filters/locales/en-US/genea-filters.json');

/** The catalog lookup the editor gives `this._`, with Node-RED's __name__ interpolation. */
function translate(key, values = {}) {
  const text = key.split('.').reduce((node, part) => node?.[part], catalog);
  assert.equal(typeof text, 'string', `missing catalog key ${key}`);
  return text.replace(/__(\w+)__/g, (_, name) => String(values[name]));
}

function loadDefinitions() {
  const definitions = {};
  const RED = { nodes: { registerType: (type, definition) => (definitions[type] = definition) }, settings: {} };
  const script = html.slice(html.indexOf('<script type="text/javascript">') + 31, html.lastIndexOf('</script>'));
  vm.runInNewContext(script, { RED, Intl });
  return definitions;
}

/** A node as the editor holds it: defaults, then `props`. */
function instance(definitions, type, props = {}) {
  const defaults = Object.fromEntries(Object.entries(definitions[type].defaults).map(([k, d]) => [k, d.value]));
  return { type, _: translate, ...defaults, ...props };
}

describe('genea filters (editor definitions)', function () {
  const definitions = loadDefinitions();

  it('registers the filter types in the Genea category with the flow-JSON contract and its defaults', function () {
    // Through JSON: the definitions live in another realm (vm), whose arrays are not this realm's.
    const defaults = (type) =>
      JSON.parse(
        JSON.stringify(Object.fromEntries(Object.entries(definitions[type].defaults).map(([k, d]) => [k, d.value]))),
      );
    const conditions = { location: '', door: '', user: '' };
    assert.deepEqual(defaults('genea-access-granted'), {
      name: '',
      mode: 'all',
      timezone: '',
      redis: '',
      ...conditions,
    });
    assert.deepEqual(defaults('genea-access-denied'), {
      name: '',
      includeAntiPassback: true,
      reasons: [],
      ...conditions,
    });
    assert.deepEqual(defaults('genea-anti-passback'), { name: '', ...conditions });
    assert.deepEqual(defaults('genea-resource-change'), {
      name: '',
      actions: ['created', 'updated', 'deleted'],
      resourceTypes: [],
      ...conditions,
    });
    assert.deepEqual(defaults('genea-door-event'), {
      name: '',
      kinds: ['forced_open', 'held_open', 'alarm', 'secured'],
      ...conditions,
    });
    assert.deepEqual(Object.keys(definitions).sort(), [
      'genea-access-denied',
      'genea-access-granted',
      'genea-anti-passback',
      'genea-door-event',
      'genea-resource-change',
    ]);
    for (const [type, definition] of Object.entries(definitions)) {
      assert.equal(definition.category, 'Genea', type);
      assert.deepEqual([definition.inputs, definition.outputs], [1, 1], type);
      assert.equal(definition.icon, `${type}.svg`);
      assert.ok(fs.existsSync(path.join(__dirname, '../../nodes/genea-filters/icons', definition.icon)));
      assert.equal(definition.paletteLabel.call(instance(definitions, type)), catalog['genea-filters'].palette[type]);
    }
  });

  it('labels show the mode, reasons, actions and conditions, or the name', function () {
    const label = (type, props) => definitions[type].label.call(instance(definitions, type, props));
    assert.equal(label('genea-access-granted', {}), 'access granted');
    assert.equal(
      label('genea-access-granted', { mode: 'first-of-day', location: 'HQ' }),
      'access granted: first of day · HQ',
    );
    assert.equal(
      label('genea-access-granted', { mode: 'first-per-user-of-day', door: 'Front', user: '/^A/' }),
      'access granted: first per user · Front · /^A/',
    );
    assert.equal(label('genea-access-granted', { name: 'Alarm off', mode: 'first-of-day' }), 'Alarm off');
    assert.equal(
      label('genea-access-denied', {
        reasons: ['CARD_NOT_FOUND', 'INVALID_PIN', 'USE_LIMIT'],
        includeAntiPassback: false,
      }),
      'access denied: CARD_NOT_FOUND, INVALID_PIN +1 · no anti-passback',
    );
    // A non-breaking hyphen (U+2011): the palette would otherwise split the label into "anti - passback".
    assert.equal(label('genea-anti-passback', { location: 'HQ' }), 'anti\u2011passback: HQ');
    assert.equal(label('genea-resource-change', {}), 'resource change');
    assert.equal(
      label('genea-resource-change', { actions: ['deleted'], resourceTypes: ['USER', 'CARD'] }),
      'resource change: deleted · USER, CARD',
    );
    assert.equal(label('genea-door-event', {}), 'door event');
    assert.equal(label('genea-door-event', { kinds: ['secured', 'held_open', 'forced_open', 'alarm'] }), 'door event');
    assert.equal(
      label('genea-door-event', { kinds: ['forced_open', 'held_open'], door: 'Front Door' }),
      'door event: forced open, held open · Front Door',
    );
    assert.equal(
      label('genea-door-event', { kinds: ['mode_changed', 'quick_grant', 'secured'] }),
      'door event: mode changed, quick grant +1',
    );
    assert.equal(definitions['genea-door-event'].label.call({ type: 'genea-door-event', _: translate }), 'door event');
    // A flow written without the optional properties still gets a label.
    assert.equal(
      definitions['genea-resource-change'].label.call({ type: 'genea-resource-change', _: translate }),
      'resource change',
    );
  });

  it('validates conditions, the time zone, the mode and code lists', function () {
    const validate = (type, property, value) => definitions[type].defaults[property].validate.call({}, value);
    for (const type of Object.keys(definitions)) {
      assert.equal(validate(type, 'location', ''), true);
      assert.equal(validate(type, 'door', 'Front Door'), true);
      assert.equal(validate(type, 'user', '/^a(b|c)$/i'), true);
      assert.equal(validate(type, 'user', '/^a(b|c$/'), false);
      assert.equal(validate(type, 'location', '/x/q'), false, 'unknown flag');
    }
    assert.equal(validate('genea-access-granted', 'timezone', ''), true);
    assert.equal(validate('genea-access-granted', 'timezone', 'Europe/Berlin'), true);
    assert.equal(validate('genea-access-granted', 'timezone', 'Mars/Base'), false);
    assert.equal(validate('genea-access-granted', 'mode', 'first-of-day'), true);
    assert.equal(validate('genea-access-granted', 'mode', 'sometimes'), false);
    assert.equal(validate('genea-access-denied', 'reasons', ['CARD_NOT_FOUND', 'NEW_REASON_2']), true);
    assert.equal(validate('genea-access-denied', 'reasons', ['card not found']), false);
    assert.equal(validate('genea-resource-change', 'actions', []), false);
    assert.equal(validate('genea-resource-change', 'actions', ['created']), true);
    assert.equal(validate('genea-resource-change', 'resourceTypes', ['USER', 'ACCESS_GROUP']), true);
    assert.equal(validate('genea-door-event', 'kinds', ['forced_open', 'quick_grant']), true);
    assert.equal(validate('genea-door-event', 'kinds', []), false);
    assert.equal(validate('genea-door-event', 'kinds', ['forced_open', 'opened']), false);
    assert.equal(validate('genea-door-event', 'kinds', 'forced_open'), false);
    // Flow JSON without the optional properties is valid: the runtime applies the defaults.
    for (const [type, definition] of Object.entries(definitions)) {
      for (const [property, { validate }] of Object.entries(definition.defaults)) {
        if (validate) assert.equal(validate.call({}, undefined), true, `${type}.${property}`);
      }
    }
  });

  it('the editor uses only catalog keys that exist', function () {
    // Keys built at runtime (`palette.${type}`, `modeShort.${mode}`, `kindShort.${kind}`) are checked by the label
    // tests; the dialog's `kind.${kind}` by the browser test.
    const keys = [...html.matchAll(/genea-filters\.[\w.-]+/g)]
      .filter((match) => html[match.index + match[0].length] !== '$')
      .map((match) => match[0]);
    assert.ok(keys.length > 20);
    for (const key of keys) translate(key, { count: 1 });
  });
});
