#!/usr/bin/env node
// SLSA provenance verification throughput on the valid slsa-github-generator bundles of the vectors:
// provenant's verifyArtifactProvenance (bundle verification + builder identity + provenance content,
// slsa-verifier semantics) vs @sigstore/verify's Verifier doing only the Sigstore part of that work on the
// same bundles and trust root (each parsed once), same process. Prints one JSON line.
// Needs `npm run build` first (it loads the built packages).   node bench/slsa/run.mjs [--iterations 300]
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyArtifactProvenance } from '@provenant/core/slsa';
import { loadTrustedRoot } from '@provenant/core/verify';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const vectors = process.env.PROVENANT_VECTORS ?? resolve(repo, 'fixtures/vectors');
const i = process.argv.indexOf('--iterations');
const ITERATIONS = i > 0 ? Number(process.argv[i + 1]) : 300;

const manifest = JSON.parse(readFileSync(join(vectors, 'manifest.json'), 'utf8'));
const cases = manifest.filter((c) => c.kind === 'slsa-provenance' && c.expect === 'valid' && !c.params.requires_online_rekor_lookup && c.files.provenance && c.params.artifact_sha256 && !c.params.check);
const rootPath = join(vectors, cases[0].files.trusted_root);
const rootJson = JSON.parse(readFileSync(rootPath, 'utf8'));
const ours = loadTrustedRoot(rootJson);
const theirs = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(rootJson)));
const work = cases.map((c) => ({
  text: readFileSync(join(vectors, c.files.provenance), 'utf8'),
  opts: { artifactDigest: c.params.artifact_sha256, sourceUri: c.params.source_uri, sourceBranch: c.params.source_branch ?? undefined, sourceTag: c.params.source_tag ?? undefined, sourceVersionedTag: c.params.source_versioned_tag ?? undefined, testing: true, builderId: (c.params.builder_id_variants_tested ?? []).find((v) => v) ?? undefined },
}));

function time(fn) {
  for (const w of work) fn(w); // warm-up, and a correctness check: a throw aborts the bench
  const t0 = process.hrtime.bigint();
  for (let n = 0; n < ITERATIONS; n++) for (const w of work) fn(w);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}
const oursS = time((w) => verifyArtifactProvenance(w.text, ours, w.opts));
const theirsS = time((w) => theirs.verify(toSignedEntity(bundleFromJSON(JSON.parse(w.text)))));
const ops = ITERATIONS * work.length;
console.log(
  JSON.stringify({
    bench: 'slsa-provenance-verify',
    bundles: work.length,
    iterations: ITERATIONS,
    ours_full_slsa_checks_per_s: Math.round(ops / oursS),
    sigstore_verify_signature_only_per_s: Math.round(ops / theirsS),
    ratio: Math.round((theirsS / oursS) * 100) / 100,
    cpus: cpus().length,
    load1: Math.round(loadavg()[0] * 100) / 100,
  }),
);
