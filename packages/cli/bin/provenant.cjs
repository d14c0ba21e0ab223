#!/usr/bin/env sh
':' //; [ -n "$NODE_EXTRA_CA_CERTS" ] && export PROVENANT_DEFERRED_NODE_EXTRA_CA_CERTS="$NODE_EXTRA_CA_CERTS" && unset NODE_EXTRA_CA_CERTS; exec node "$0" "$@"
'use strict';
// The two lines above are read by sh, which starts node on this file; node reads the second as a string
// and a comment. sh starts node without NODE_EXTRA_CA_CERTS, which Node 20 would otherwise parse before
// any JavaScript runs (40-80 ms for a system bundle), and names the file in
// PROVENANT_DEFERRED_NODE_EXTRA_CA_CERTS; src/deferred-ca.ts puts the variable back and has TLS read the
// file when the first connection needs it. `node bin/provenant.cjs` works too, without the deferral.
// dist/bundle is the CLI bundled with its dependencies (packages/cli/rolldown.config.mjs): fewer files to
// load at start-up. It and this file are CommonJS: Node 20 starts a CommonJS entry without its ES module
// loader (about 15 ms), and CommonJS modules load through the V8 code cache (src/compile-cache.ts), so
// their bytecode is read back instead of compiled again: from this user's cache after a first run, and
// on a first run from the cache the build made (dist/compile-cache, scripts/prime-compile-cache.mjs).
const { join } = require('node:path');

require('../dist/bundle/compile-cache.cjs').installCompileCache(process.env, { shipped: join(__dirname, '..', 'dist', 'compile-cache') });
if (process.env.PROVENANT_DEFERRED_NODE_EXTRA_CA_CERTS !== undefined) require('../dist/bundle/deferred-ca.cjs').restoreExtraCaCerts(process.env);
// zod (bundled) builds a parser per object schema with new Function on first use unless jitless: code
// a cold process compiles for one or two parses and no code cache holds. Its documented z.config({
// jitless: true }) writes this global, which zod reads as each schema is built.
globalThis.__zod_globalConfig = Object.assign(globalThis.__zod_globalConfig || {}, { jitless: true });
const { main } = require('../dist/bundle/main.cjs');

main(process.argv.slice(2)).then((code) => {
  // Every command has finished its work when main resolves. Exiting now skips tearing down the heap
  // page by page (10-40 ms after a large SBOM); only when stdout and stderr hold nothing unwritten (on
  // Linux writes to files and pipes are synchronous; elsewhere a pending write makes it a normal exit).
  if (process.stdout.writableLength === 0 && process.stderr.writableLength === 0) process.exit(code);
  process.exitCode = code;
});
