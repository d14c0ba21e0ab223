#!/usr/bin/env node
'use strict';
// dist/bundle is the CLI bundled with its dependencies (packages/cli/rolldown.config.mjs), one chunk per
// command. Node 22.1+ keeps compiled code of its modules between runs when asked
// (module.enableCompileCache, which NODE_COMPILE_CACHE also controls); Node 20 has no such call.
require('node:module').enableCompileCache?.();
const { main } = require('../dist/bundle/main.cjs');

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
