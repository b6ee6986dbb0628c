// Preloaded (NODE_OPTIONS) into Stryker's processes by scripts/mutate.js: @stryker-mutator/mocha-runner 10 requires
// mocha's CLI helpers without an extension (`mocha/lib/cli/run-helpers`), which mocha 12 ships as .cjs files.
// Resolving .cjs like .js lets that require find them; nothing else in these processes asks for an extension-less
// .cjs file.
'use strict';
require.extensions['.cjs'] = require.extensions['.js'];
