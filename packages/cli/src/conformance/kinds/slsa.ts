import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ProvenantError } from '@provenant/core/errors';
import { legacyLayerToBundle, readCosignLayout } from '@provenant/core/cosign';
import { BuilderId, ProvenanceView, verifyArtifactProvenance, verifyImageProvenance, verifyProvenanceContent, verifyVsa, type ProvenanceMode } from '@provenant/core/slsa';
import { loadTrustedRoot } from '@provenant/core/verify';
import type { ConformanceCase, KindHandler, Verdict } from '../types.js';

const Params = z.object({
  artifact_sha256: z.string().nullish(),
  artifacts: z.array(z.object({ sha256: z.string().nullable(), name: z.string() })).nullish(),
  source_uri: z.string(),
  source_branch: z.string().nullish(),
  source_tag: z.string().nullish(),
  source_versioned_tag: z.string().nullish(),
  build_workflow_inputs: z.record(z.string(), z.string()).nullish(),
  builder_id_variants_tested: z.array(z.string().nullable()).nullish(),
  builder_id: z.string().nullish(),
  check: z.string().nullish(),
  trusted_builder_id: z.string().nullish(),
  upstream_test: z.string().optional(),
});

const opt = (v: string | null | undefined): string | undefined => (v === null ? undefined : v);

/** Every --builder-id variant slsa-verifier's test tries must give one verdict; disagreeing variants are reported, never averaged. */
async function allVariants(variants: readonly (string | undefined)[], run: (builderId: string | undefined) => Promise<string>): Promise<{ verdict: Verdict; detail: string }> {
  const results: { ok: boolean; detail: string }[] = [];
  for (const v of variants) {
    try {
      results.push({ ok: true, detail: await run(v) });
    } catch (err) {
      if (!(err instanceof ProvenantError)) throw err;
      results.push({ ok: false, detail: `${err.code}: ${err.message}` });
    }
  }
  const oks = results.filter((r) => r.ok).length;
  if (oks === results.length) return { verdict: 'valid', detail: results[0]!.detail };
  if (oks === 0) return { verdict: 'invalid', detail: results[0]!.detail };
  return { verdict: 'unsupported', detail: `builder-id variants disagree: ${results.map((r, i) => `${String(variants[i])} -> ${r.detail}`).join(' | ')}` };
}

async function artifactDigests(c: ConformanceCase, p: z.infer<typeof Params>, file: (role: string) => string): Promise<string[]> {
  if (p.artifacts?.length) {
    return Promise.all(
      p.artifacts.map(async (a, i) => {
        if (a.sha256) return a.sha256;
        const role = c.files[`artifact${i}`] !== undefined ? `artifact${i}` : undefined;
        if (role) return createHash('sha256').update(await readFile(file(role))).digest('hex');
        throw new ProvenantError('FILE_NOT_FOUND', `artifact ${a.name} is not available and its digest is unknown`);
      }),
    );
  }
  if (p.artifact_sha256) return [p.artifact_sha256];
  return [createHash('sha256').update(await readFile(file('artifact'))).digest('hex')];
}

/** slsa-verifier verify-artifact (and verify-github-attestation, and its provenance content unit checks). */
export const provenanceHandler: KindHandler = async (c, file) => {
  const p = Params.parse({ ...c.params, upstream_test: (c as { upstream_test?: string }).upstream_test });
  const expectations = {
    sourceUri: p.source_uri,
    sourceBranch: opt(p.source_branch),
    sourceTag: opt(p.source_tag),
    sourceVersionedTag: opt(p.source_versioned_tag),
    workflowInputs: p.build_workflow_inputs ?? undefined,
  };
  if (p.check && p.trusted_builder_id) {
    // Content-only check (upstream unit test): the provenance as the trusted delegator would have signed it.
    const env = JSON.parse(await readFile(file('provenance'), 'utf8')) as { payload?: string };
    const trusted = BuilderId.parse(p.trusted_builder_id, true);
    const prov = ProvenanceView.from(trusted.name, Buffer.from(env.payload ?? '', 'base64'));
    const b = verifyProvenanceContent(prov, trusted, true, undefined, { ...expectations, artifactDigest: p.artifact_sha256 ?? '' });
    return { verdict: 'valid', detail: `provenance content verified, builder ${b}` };
  }
  const githubAttestation = c.files.attestation !== undefined;
  const mode: ProvenanceMode = githubAttestation ? 'github-attestation' : 'artifact';
  const provenance = await readFile(file(githubAttestation ? 'attestation' : 'provenance'));
  const trust = loadTrustedRoot(JSON.parse(await readFile(file('trusted_root'), 'utf8')));
  const digests = await artifactDigests(c, p, file);
  const testing = p.upstream_test?.includes('main_regression_test.go') ?? false;
  const variants = githubAttestation ? [p.builder_id === '(empty string)' ? '' : opt(p.builder_id)] : (p.builder_id_variants_tested ?? [null]).map(opt);
  return allVariants(variants, async (builderId) => {
    let last = '';
    for (const artifactDigest of digests) {
      const r = verifyArtifactProvenance(provenance, trust, { ...expectations, artifactDigest, builderId, mode, testing });
      last = `verified, builder ${r.builderId}`;
    }
    return last;
  });
};

const ImageParams = z.object({
  image_digest: z.string(),
  source_uri: z.string(),
  source_branch: z.string().nullish(),
  source_tag: z.string().nullish(),
  source_versioned_tag: z.string().nullish(),
  builder_id_variants_tested: z.array(z.string().nullable()).nullish(),
});

/** slsa-verifier verify-image on a `cosign save` layout: `.att` layers -> bundles -> provenance checks. */
export const imageHandler: KindHandler = async (c, file) => {
  const p = ImageParams.parse(c.params);
  const layout = await readCosignLayout(file('oci_layout'));
  const want = (await readFile(file('image_digest_file'), 'utf8')).trim();
  if (layout.imageDigest !== want) throw new ProvenantError('DIGEST_MISMATCH', `layout image ${layout.imageDigest} is not ${want}`);
  const trust = loadTrustedRoot(JSON.parse(await readFile(file('trusted_root'), 'utf8')));
  const bundles = layout.attestations.map(legacyLayerToBundle);
  return allVariants((p.builder_id_variants_tested ?? [null]).map(opt), async (builderId) => {
    const r = verifyImageProvenance(bundles, p.image_digest, trust, {
      sourceUri: p.source_uri,
      sourceBranch: opt(p.source_branch),
      sourceTag: opt(p.source_tag),
      sourceVersionedTag: opt(p.source_versioned_tag),
      builderId,
      testing: true,
    });
    return `verified, builder ${r.builderId}`;
  });
};

const VsaParams = z.object({
  subject_digests: z.array(z.string()).optional(),
  verifier_id: z.string().optional(),
  resource_uri: z.string().optional(),
  verified_levels: z.array(z.string()).optional(),
  public_key_id: z.string().nullish(),
});

/** slsa-verifier verify-vsa: key-signed DSSE VSA. */
export const vsaHandler: KindHandler = async (c, file) => {
  const p = VsaParams.parse(c.params);
  const vsa = verifyVsa(JSON.parse(await readFile(file('attestation'), 'utf8')), await readFile(file('public_key'), 'utf8'), {
    subjectDigests: p.subject_digests ?? [],
    verifierId: p.verifier_id ?? '',
    resourceUri: p.resource_uri ?? '',
    verifiedLevels: p.verified_levels ?? [],
    publicKeyId: p.public_key_id ?? undefined,
  });
  return { verdict: 'valid', detail: `VSA ${vsa.verificationResult} by ${vsa.verifier.id}` };
};
