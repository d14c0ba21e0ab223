#!/usr/bin/env node
// Re-records what cdxgen says of every lockfile of the corpus (fixtures/lockfiles/*): the purl set of
// each (every component's, nested ones and the root's own components included, the root itself not), written to fixtures/lockfiles/cdxgen-purls.json, which core/sbom's corpus test compares with
// provenant's. cdxgen runs pinned (CDXGEN_VERSION), lockfile-only and offline in spirit: no installs, no
// license lookups, no babel analysis, no recursion, on a copy of each directory in a temporary directory.
//   node scripts/install-cdxgen.mjs && node scripts/record-cdxgen-lockfiles.mjs [name...]
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CDXGEN_ARGS, CDXGEN_ENV, CDXGEN_VERSION, cdxgenBin } from './cdxgen.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const corpus = join(repo, 'fixtures/lockfiles');
const out = join(corpus, 'cdxgen-purls.json');
const bin = cdxgenBin();
if (!bin) throw new Error(`cdxgen ${CDXGEN_VERSION} is not installed: node scripts/install-cdxgen.mjs`);

/** A purl as both tools are compared: qualifiers and subpath dropped, percent-decoded. */
function comparablePurl(purl) {
  return decodeURIComponent(purl.split('?')[0].split('#')[0]);
}

const wanted = process.argv.slice(2);
const previous = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : { lockfiles: {} };
const lockfiles = { ...previous.lockfiles };
for (const name of readdirSync(corpus, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  const work = mkdtempSync(join(tmpdir(), 'provenant-cdxgen-'));
  try {
    const dir = join(work, name);
    cpSync(join(corpus, name), dir, { recursive: true });
    const bom = join(work, 'bom.json');
    const r = spawnSync(bin, [...CDXGEN_ARGS, '-o', bom, dir], { cwd: work, env: { ...process.env, ...CDXGEN_ENV }, encoding: 'utf8', maxBuffer: 256 << 20 });
    if (r.status !== 0 || !existsSync(bom)) throw new Error(`cdxgen on ${name} exited ${r.status}: ${(r.stderr ?? '').slice(-2000)}`);
    const doc = JSON.parse(readFileSync(bom, 'utf8'));
    const purls = new Set();
    const walk = (cs) => {
      for (const c of cs ?? []) {
        if (typeof c.purl === 'string') purls.add(comparablePurl(c.purl));
        walk(c.components);
      }
    };
    // cdxgen lists some workspaces as components of the root (metadata.component), others at the top.
    walk(doc.metadata?.component?.components);
    walk(doc.components);
    lockfiles[name] = [...purls].sort();
    process.stderr.write(`${name}: ${purls.size} purls\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
const sorted = Object.fromEntries(Object.entries(lockfiles).sort(([a], [b]) => a.localeCompare(b)));
writeFileSync(out, JSON.stringify({ tool: `@cyclonedx/cdxgen@${CDXGEN_VERSION}`, args: CDXGEN_ARGS, env: CDXGEN_ENV, lockfiles: sorted }, null, 1) + '\n');
