#!/usr/bin/env node
// `npm run bench [-- name...]`: runs each bench/<name>/run.mjs in turn (one at a time, so they do not
// compete for the cores) and passes through the one JSON line each prints.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const names = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(here, d.name, 'run.mjs')))
  .map((d) => d.name)
  .filter((n) => wanted.length === 0 || wanted.includes(n))
  .sort();
let failed = 0;
for (const name of names) {
  process.stderr.write(`bench: ${name}\n`);
  const res = spawnSync(process.execPath, [join(here, name, 'run.mjs')], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (res.status !== 0) {
    failed++;
    process.stderr.write(`bench: ${name} exited ${res.status}\n`);
  }
}
process.exitCode = failed === 0 ? 0 : 1;
