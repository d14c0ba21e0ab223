#!/usr/bin/env node
// Bundle verification throughput: provenant's core/verify vs @sigstore/verify's Verifier, same bundles,
// same trust roots (each parsed once), same process; plus cold `provenant verify-bundle` wall time
// via hyperfine. Prints one JSON line. Needs `npm run build` first (it loads the built packages).
//   node bench/verify/run.mjs [--iterations 2000] [--theirs-iterations 2000]
// ours_per_s uses the default API (signing-certificate checks memoized by exact bytes, which repeated
// bundles hit); ours_no_memo_per_s turns that memo off, so every verification does all its signature checks.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTrustedRoot, verifyBundle } from '@provenant/core/verify';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const vectors = process.env.PROVENANT_VECTORS ?? resolve(repo, 'fixtures/vectors');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const ITERATIONS = arg('--iterations', 2000);
const THEIRS_ITERATIONS = arg('--theirs-iterations', 2000);

// Valid sigstore-bundle-verify vectors with default thresholds: identity-checked conformance cases and
// the policy-free sigstore-js / slsa-verifier bundles.
const manifest = JSON.parse(readFileSync(join(vectors, 'manifest.json'), 'utf8'));
const cases = manifest.filter((c) => c.kind === 'sigstore-bundle-verify' && c.expect === 'valid' && !c.params.verifier_options && !c.params.key_selector && !c.params.ignore_tlog && c.params.verify_with !== 'key');

const roots = new Map(); // path -> { ours, theirs }
function trustFor(path) {
  let t = roots.get(path);
  if (!t) {
    const json = JSON.parse(readFileSync(path, 'utf8'));
    t = { ours: loadTrustedRoot(json), theirs: new Verifier(toTrustMaterial(TrustedRoot.fromJSON(json))) };
    roots.set(path, t);
  }
  return t;
}

const work = [];
const skipped = [];
for (const c of cases) {
  const bundleText = readFileSync(join(vectors, c.files.bundle), 'utf8');
  const artifact = c.files.artifact ? readFileSync(join(vectors, c.files.artifact)) : undefined;
  const trust = trustFor(join(vectors, c.files.trusted_root));
  const san = c.params.identity ?? undefined;
  const issuer = c.params.issuer ?? undefined;
  const ours = san || issuer ? { kind: 'identity', ...(san ? { subjectAlternativeName: san } : {}), ...(issuer ? { issuer } : {}) } : { kind: 'any' };
  // sigstore-js treats the SAN as a regular expression; anchor and escape it so both check the same thing.
  const theirs = san || issuer ? { ...(san ? { subjectAlternativeName: `^${san.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$` } : {}), ...(issuer ? { extensions: { issuer } } : {}) } : undefined;
  const item = { id: c.id, bundleText, artifact, trust, ours, theirs, isDsse: bundleText.includes('"dsseEnvelope"') };
  try {
    runOurs(item);
    runTheirs(item);
    work.push(item);
  } catch (err) {
    skipped.push(`${c.id}: ${err.code ?? ''} ${err.message}`);
  }
}

function runOurs(w) {
  return verifyBundle(w.bundleText, w.artifact && !w.isDsse ? { data: w.artifact } : null, w.ours, w.trust.ours);
}
// The same, with the signing-certificate memo off: every bundle pays its full P-384 chain check.
function runOursNoMemo(w) {
  return verifyBundle(w.bundleText, w.artifact && !w.isDsse ? { data: w.artifact } : null, w.ours, w.trust.ours, { memoizeCertificateChecks: false });
}
function runTheirs(w) {
  const entity = toSignedEntity(bundleFromJSON(JSON.parse(w.bundleText)), w.isDsse ? undefined : w.artifact);
  return w.trust.theirs.verify(entity, w.theirs);
}

function measure(fn, n) {
  for (let i = 0; i < Math.min(50, n); i++) fn(work[i % work.length]); // warm up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(work[i % work.length]);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  return n / secs;
}

const oursNoMemoPerSec = measure(runOursNoMemo, ITERATIONS);
const oursPerSec = measure(runOurs, ITERATIONS);
const theirsPerSec = measure(runTheirs, THEIRS_ITERATIONS);

// Cold process: a real verify-bundle invocation, measured with hyperfine.
let coldMs = null;
let coldStddevMs = null;
try {
  const w = work.find((x) => x.id === 'sigstore-conformance/happy-path-v0.3') ?? work[0];
  const dir = mkdtempSync(join(tmpdir(), 'provenant-bench-'));
  const c = cases.find((x) => x.id === w.id);
  const art = join(vectors, c.files.artifact);
  const cmd = [
    process.execPath,
    join(repo, 'packages/cli/bin/provenant.cjs'),
    'verify-bundle',
    '--bundle', join(vectors, c.files.bundle),
    '--certificate-identity', c.params.identity,
    '--certificate-oidc-issuer', c.params.issuer,
    '--trusted-root', join(vectors, c.files.trusted_root),
    art,
  ].map((s) => `'${s}'`).join(' ');
  execFileSync('hyperfine', ['-N', '--warmup', '3', '--runs', '30', '--export-json', join(dir, 'h.json'), cmd], { stdio: 'ignore' });
  const h = JSON.parse(readFileSync(join(dir, 'h.json'), 'utf8')).results[0];
  coldMs = Math.round(h.mean * 1000 * 10) / 10;
  coldStddevMs = Math.round(h.stddev * 1000 * 10) / 10;
  rmSync(dir, { recursive: true, force: true });
} catch (err) {
  coldMs = `failed: ${err.message.split('\n')[0]}`;
}

const line = {
  bench: 'verify',
  bundles: work.length,
  skipped: skipped.length,
  ours_verifications: ITERATIONS,
  theirs_verifications: THEIRS_ITERATIONS,
  ours_per_s: Math.round(oursPerSec),
  theirs_per_s: Math.round(theirsPerSec),
  ratio: Math.round((oursPerSec / theirsPerSec) * 100) / 100,
  ours_no_memo_per_s: Math.round(oursNoMemoPerSec),
  ratio_no_memo: Math.round((oursNoMemoPerSec / theirsPerSec) * 100) / 100,
  cold_verify_bundle_ms: coldMs,
  cold_verify_bundle_stddev_ms: coldStddevMs,
  target: { ratio: 6, ours_per_s: 700, cold_ms: 250 },
  // Context: these are wall-clock figures on a shared machine.
  load_1m: Math.round(loadavg()[0] * 100) / 100,
  cpus: cpus().length,
};
if (skipped.length) process.stderr.write(`skipped (not accepted by both verifiers):\n  ${skipped.join('\n  ')}\n`);
console.log(JSON.stringify(line));
