#!/usr/bin/env node
// Builds what Node-RED loads into nodes/: runtime code (tsc, CommonJS; src/lib → nodes/lib,
// src/nodes/<set> → nodes/<set>, src/cli → nodes/cli, the package's commands; src/practice →
// nodes/practice, the practice Genea), and per node set an .html
// made of its dialog template plus its compiled editor scripts, with icons/ and locales/. Editor scripts that
// name a core module as `geneaLib['<module>']` get that module's compiled code inlined before them (see
// src/types/editor-globals.d.ts), so the editor checks a field with the runtime's own code.
// `--source-maps` also writes .js.map files whose sources point at src/ (for coverage; `npm test` uses it);
// a plain build, which is what `npm pack` and `npm publish` run, ships none.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const src = path.join(root, 'src', 'nodes');
const out = path.join(root, 'nodes');
const runtimeOut = path.join(root, 'build', 'runtime');
const editorOut = path.join(root, 'build', 'editor', 'nodes');
const tsc = require.resolve('typescript/bin/tsc');
const sourceMaps = process.argv.includes('--source-maps');

fs.rmSync(out, { recursive: true, force: true });
fs.rmSync(path.join(root, 'build'), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json', ...(sourceMaps ? ['--sourceMap'] : [])], {
  cwd: root,
  stdio: 'inherit',
});
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.editor.json'], { cwd: root, stdio: 'inherit' });

/**
 * Copies compiled runtime code from `from` to `to`. nodes/ is one level flatter than src/: node sets
 * reach the core as ../lib, not ../../lib; source maps get their `sources` re-resolved from the new place.
 */
function copyRuntime(from, to) {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) {
      copyRuntime(source, target);
    } else if (entry.name.endsWith('.js.map')) {
      const map = JSON.parse(fs.readFileSync(source, 'utf8'));
      map.sources = map.sources.map((file) => path.relative(to, path.resolve(from, file)).split(path.sep).join('/'));
      fs.writeFileSync(target, JSON.stringify(map));
    } else {
      const code = fs.readFileSync(source, 'utf8');
      fs.writeFileSync(target, code.replace(/(["'])\.\.\/\.\.\/lib\//g, '$1../lib/'));
    }
  }
}
copyRuntime(path.join(runtimeOut, 'lib'), path.join(out, 'lib'));
copyRuntime(path.join(runtimeOut, 'cli'), path.join(out, 'cli'));
copyRuntime(path.join(runtimeOut, 'practice'), path.join(out, 'practice'));
for (const file of fs.readdirSync(path.join(out, 'cli'))) {
  if (file.endsWith('.js')) fs.chmodSync(path.join(out, 'cli', file), 0o755);
}
for (const set of fs.readdirSync(path.join(runtimeOut, 'nodes'))) {
  copyRuntime(path.join(runtimeOut, 'nodes', set), path.join(out, set));
}

/** `script` preceded by the core modules it names as `geneaLib['<module>']`, both inside one function scope. */
function withCoreModules(script) {
  const names = [...new Set([...script.matchAll(/\bgeneaLib\['([\w-]+)'\]/g)].map((match) => match[1]))];
  if (names.length === 0) return script;
  const modules = names.map((name) => {
    const code = fs
      .readFileSync(path.join(runtimeOut, 'lib', `${name}.js`), 'utf8')
      .replace(/^\/\/# sourceMappingURL=.*$/m, '');
    if (/\brequire\(/.test(code)) throw new Error(`src/lib/${name}.ts imports a module: the editor cannot run it`);
    return `    '${name}': (function (exports) {\n${code.trimEnd()}\n      return exports;\n    })({}),`;
  });
  return `(function () {\n  // Core modules of this package (src/lib/), the same code as at runtime.\n  const geneaLib = {\n${modules.join('\n')}\n  };\n${script.trimEnd()}\n})();\n`;
}

for (const set of fs.readdirSync(src)) {
  const dir = path.join(src, set);
  const editorDir = path.join(dir, 'editor');
  if (!fs.existsSync(editorDir)) continue;
  // `<!-- include: part.html -->` stands for editor/part.html: dialog rows several node types share.
  const template = fs
    .readFileSync(path.join(editorDir, 'template.html'), 'utf8')
    .replace(/^ *<!-- include: ([\w.-]+) -->\n/gm, (_, part) => fs.readFileSync(path.join(editorDir, part), 'utf8'));
  // Every editor script of the set, index.js (which registers the node types) last: it may use the others.
  const scriptDir = path.join(editorOut, set, 'editor');
  const script = fs
    .readdirSync(scriptDir)
    .filter((file) => file.endsWith('.js'))
    .sort((a, b) => Number(a === 'index.js') - Number(b === 'index.js') || a.localeCompare(b))
    .map((file) =>
      fs
        .readFileSync(path.join(scriptDir, file), 'utf8')
        .replace(/^"use strict";\n/, '')
        .trimEnd(),
    )
    .join('\n\n');
  fs.writeFileSync(
    path.join(out, set, `${set}.html`),
    `${template.trimEnd()}\n\n<script type="text/javascript">\n${withCoreModules(script).trimEnd()}\n</script>\n`,
  );
  for (const asset of ['icons', 'locales']) {
    if (fs.existsSync(path.join(dir, asset))) {
      fs.cpSync(path.join(dir, asset), path.join(out, set, asset), { recursive: true });
    }
  }
}
