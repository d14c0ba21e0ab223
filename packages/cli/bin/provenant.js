#!/usr/bin/env node
// dist/bundle is the CLI bundled with its dependencies (packages/cli/rolldown.config.mjs): fewer files to load at start-up.
import { main } from '../dist/bundle/main.js';

const code = await main(process.argv.slice(2));
// Every command has finished its work when main resolves. Exiting now skips tearing down the heap page
// by page (10-40 ms after a large SBOM); only when stdout and stderr hold nothing unwritten (on Linux
// writes to files and pipes are synchronous; elsewhere a pending write makes it a normal exit).
if (process.stdout.writableLength === 0 && process.stderr.writableLength === 0) process.exit(code);
process.exitCode = code;
