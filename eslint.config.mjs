// ESLint: typescript-eslint's type-checked rules for src/, ESLint's recommended rules for the
// plain JavaScript in test/ and scripts/. Formatting is Prettier's job (`prettier --check .`).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['nodes/', 'build/', 'coverage/', '.matrix/', '.tools/', '.node-red/', 'reports/', '.stryker-tmp/'] },
  {
    files: ['src/**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      // Two programs: the Node runtime (tsconfig.json) and the browser editor scripts (tsconfig.editor.json).
      parserOptions: { project: ['./tsconfig.json', './tsconfig.editor.json'], tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    files: ['src/nodes/*/editor/**/*.ts'],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
  },
  {
    files: ['test/**/*.js'],
    languageOptions: { globals: globals.mocha },
  },
  {
    // Functions passed to page.evaluate() run inside the Node-RED editor page, where RED and document are globals.
    files: ['test/browser/**/*.js', 'scripts/screenshots.js'],
    languageOptions: { globals: { RED: 'readonly', document: 'readonly' } },
  },
);
