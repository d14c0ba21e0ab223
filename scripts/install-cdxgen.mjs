#!/usr/bin/env node
// Installs the pinned cdxgen (scripts/cdxgen.mjs) outside the repository, for bench/sbom and
// scripts/record-cdxgen-lockfiles.mjs: `npm install --ignore-scripts` into its own directory.
//   node scripts/install-cdxgen.mjs
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CDXGEN_DIR, CDXGEN_VERSION, cdxgenBin } from './cdxgen.mjs';

if (cdxgenBin()) {
  process.stderr.write(`cdxgen ${CDXGEN_VERSION} is installed in ${CDXGEN_DIR}\n`);
} else {
  mkdirSync(CDXGEN_DIR, { recursive: true });
  writeFileSync(join(CDXGEN_DIR, 'package.json'), JSON.stringify({ name: 'provenant-cdxgen', private: true }) + '\n');
  execFileSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--no-save', `@cyclonedx/cdxgen@${CDXGEN_VERSION}`], { cwd: CDXGEN_DIR, stdio: ['ignore', 'inherit', 'inherit'] });
  if (!cdxgenBin()) throw new Error(`npm install left no cdxgen bin in ${CDXGEN_DIR}`);
  process.stderr.write(`cdxgen ${CDXGEN_VERSION} installed in ${CDXGEN_DIR}\n`);
}
