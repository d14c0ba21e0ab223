#!/usr/bin/env node
'use strict';
// dist/bundle is the CLI bundled with its dependencies (packages/cli/rolldown.config.mjs): fewer files to
// load at start-up. It and this file are CommonJS: Node 20 starts a CommonJS entry without its ES module
// loader (about 15 ms), and CommonJS modules load through the V8 code cache (src/compile-cache.ts), so
// after the first run their bytecode is read back instead of compiled again.
require('../dist/bundle/compile-cache.cjs').installCompileCache();
const { main } = require('../dist/bundle/main.cjs');

main(process.argv.slice(2)).then((code) => {
  // Every command has finished its work when main resolves. Exiting now skips tearing down the heap
  // page by page (10-40 ms after a large SBOM); only when stdout and stderr hold nothing unwritten (on
  // Linux writes to files and pipes are synchronous; elsewhere a pending write makes it a normal exit).
  if (process.stdout.writableLength === 0 && process.stderr.writableLength === 0) process.exit(code);
  process.exitCode = code;
});
