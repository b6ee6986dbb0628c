'use strict';
// Whether a config node holds its stored credential, as the editor learns it (src/lib/stored-credential.ts), with a
// stand-in for jQuery's getJSON and the editor's RED; the real editor is in the browser tests.
const assert = require('node:assert/strict');
const { StoredCredential, STORED_PASSWORD } = require('../../nodes/lib/stored-credential');

/** An editor whose credentials endpoint answers from `answers` (a body, or null: refused), and what it was asked. */
function fakeEditor(answers) {
  const asked = [];
  const validated = [];
  let redraws = 0;
  const editor = {
    getJSON(url) {
      asked.push(url);
      return {
        done(callback) {
          const body = answers[url];
          if (body !== null && body !== undefined) callback(body);
          return { fail: (onFail) => (body === null ? onFail() : undefined) };
        },
      };
    },
    RED: { editor: { validateNode: (node) => validated.push(node.id) }, view: { redraw: () => redraws++ } },
  };
  return { editor, asked, validated, redraws: () => redraws };
}

describe('StoredCredential (editor)', function () {
  it('knows a credential from what was typed, imported or reported as stored', function () {
    const { editor } = fakeEditor({});
    const key = new StoredCredential('genea-api', 'apiKey', editor);
    assert.equal(key.has({ id: 'a', type: 'genea-api' }), undefined, 'not known yet');
    assert.equal(key.has({ id: 'a', type: 'genea-api', credentials: { apiKey: ' k ' } }), true);
    assert.equal(key.has({ id: 'b', type: 'genea-api', credentials: { apiKey: '  ' } }), false);
    assert.equal(
      key.has({ id: 'c', type: 'genea-api', credentials: { apiKey: STORED_PASSWORD, has_apiKey: true } }),
      true,
    );
    assert.equal(key.has({ id: 'd', type: 'genea-api', credentials: { has_apiKey: false } }), false);
    // Node-RED drops `credentials` on deploy: the last answer is kept.
    assert.equal(key.has({ id: 'b', type: 'genea-api' }), false);
    assert.equal(key.valid({ id: 'b', type: 'genea-api' }), false);
    key.editing = 'b';
    assert.equal(key.valid({ id: 'b', type: 'genea-api' }), true, 'its dialog checks the field itself');
    assert.equal(key.valid({ id: 'x', type: 'genea-api' }), true, 'unknown: no triangle');
  });

  it('asks the credentials endpoint for a node it does not know, then validates it and its users again', function () {
    const { editor, asked, validated, redraws } = fakeEditor({
      'credentials/genea-api/a%20b': { has_apiKey: false },
      'credentials/genea-api/c': null,
    });
    const key = new StoredCredential('genea-api', 'apiKey', editor);
    key.learn({ id: 'a b', type: 'genea-api', users: [{ id: 'door' }] });
    assert.deepEqual(validated, ['a b', 'door']);
    assert.equal(redraws(), 1);
    assert.equal(key.valid({ id: 'a b', type: 'genea-api' }), false);
    key.learn({ id: 'c', type: 'genea-api' });
    assert.equal(key.has({ id: 'c', type: 'genea-api' }), undefined, 'refused: still unknown');
    key.learn({ id: 'e', type: 'genea-config' });
    key.learn({ id: 'f', type: 'genea-api', credentials: { apiKey: 'typed' } });
    assert.deepEqual(
      asked,
      ['credentials/genea-api/a%20b', 'credentials/genea-api/c'],
      'other types and known nodes: not asked',
    );
  });
});
