#!/usr/bin/env node
// Builds dist/compile-cache: the V8 code cache shipped with the CLI (src/compile-cache.ts reads it when
// the user's own cache has no entry), so the first run after a build or install starts warm. Runs the
// built CLI offline on the commands a release pipeline runs (sbom in every format and of every lockfile
// kind, keygen, sign, attest, verify --policy with CEL conditions, pipeline), with every entry rewritten
// after each run so the cache accumulates the functions all of them compiled. Entries are valid only for this Node
// version and architecture (one subdirectory each); another Node ignores them. Part of `npm run build`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(pkg, 'bin', 'provenant.cjs');
const sample = resolve(pkg, '../../fixtures/sample-app');
// Small pnpm and yarn lockfiles, so the cache also holds those catalogers' code (and the YAML reader's).
const lockfiles = ['pnpm-v9/pnpm-lock.yaml', 'yarn-berry/yarn.lock', 'yarn-classic/yarn.lock'].map((f) => resolve(pkg, '../core/src/sbom/__fixtures__', f));
const cache = join(pkg, 'dist', 'compile-cache');
const work = mkdtempSync(join(tmpdir(), 'provenant-prime-'));
const env = { ...process.env, PROVENANT_COMPILE_CACHE: cache, PROVENANT_COMPILE_CACHE_REFRESH: '1', PROVENANT_COMPILE_CACHE_BY_SOURCE: '1', PROVENANT_PASSWORD: 'prime' };
delete env.PROVENANT_COMPILE_CACHE_STATS;
// Entries for a plain `node` start (the directory a run without options reads): none of this shell's options.
delete env.NODE_OPTIONS;

function cli(...args) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: work, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`prime-compile-cache: provenant ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
}

try {
  rmSync(cache, { recursive: true, force: true });
  const at = (f) => join(work, f);
  writeFileSync(at('app.tgz'), 'release bytes');
  writeFileSync(
    at('provenance.json'),
    JSON.stringify({
      buildDefinition: { buildType: 'https://ci.example.test/build/v1', externalParameters: { ref: 'refs/heads/main' } },
      runDetails: { builder: { id: 'https://ci.example.test/builder' } },
    }),
  );
  cli('--version');
  cli('sbom', sample, '--output', at('sbom.cdx.json'));
  cli('sbom', sample, '--format', 'cyclonedx-xml', '--reproducible', '--output', at('sbom.cdx.xml'));
  cli('sbom', sample, '--format', 'spdx-json', '--output', at('sbom.spdx.json'));
  for (const [i, lockfile] of lockfiles.entries()) cli('sbom', lockfile, '--output', at(`lockfile-${i}.cdx.json`));
  cli('keygen', '--output-key-prefix', at('cosign'));
  cli('sign', at('app.tgz'), '--key', at('cosign.key'), '--bundle', at('app.sig.json'));
  cli('attest', at('app.tgz'), '--predicate', at('provenance.json'), '--type', 'slsaprovenance1', '--key', at('cosign.key'), '--bundle', at('app.att.json'));
  const pem = readFileSync(at('cosign.pub'), 'utf8').trim().split('\n').map((l) => `          ${l}`).join('\n');
  writeFileSync(
    at('policy.yaml'),
    `apiVersion: provenant.dev/v1
kind: Policy
metadata: { name: prime }
spec:
  artifacts: ["**/*.tgz"]
  authorities:
    - name: release-key
      key:
        pem: |
${pem}
      ignoreTlog: true
  attestations:
    - name: provenance
      predicateType: https://slsa.dev/provenance/v1
      conditions:
        - cel: "predicate.runDetails.builder.id == 'https://ci.example.test/builder'"
        - cel: "size(predicate.buildDefinition.externalParameters) > 0"
`,
  );
  cli('verify', at('app.tgz'), '--policy', at('policy.yaml'), '--evidence', at('app.sig.json'), '--evidence', at('app.att.json'));
  cli('verify', at('app.tgz'), '--policy', at('policy.yaml'), '--evidence', at('app.sig.json'), '--evidence', at('app.att.json'), '--json');
  cli('pipeline', '--out', at('evidence'), '--quiet');
} finally {
  rmSync(work, { recursive: true, force: true });
}
