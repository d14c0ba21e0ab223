import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { ProvenantError } from '@provenant/core/errors';
import { loadTrustedRoot, verifyBundle, type ArtifactInput, type VerificationPolicy, type VerifyOptions } from '@provenant/core/verify';
import type { ConformanceCase, KindHandler } from '../types.js';

// Params of sigstore-bundle-verify cases (see fixtures/vectors/README.md); everything optional, unknowns ignored.
const Params = z.object({
  verify_with: z.enum(['certificate-identity', 'key']).optional(),
  identity: z.string().nullable().optional(),
  issuer: z.string().nullable().optional(),
  artifact_sha256: z.string().optional(),
  artifact_input_modes: z.array(z.string()).optional(),
  key_selector: z.record(z.string(), z.string()).optional(),
  trusted_public_keys_by_hint: z.record(z.string(), z.string()).optional(),
  verifier_options: z
    .object({ ctlogThreshold: z.number().optional(), tlogThreshold: z.number().optional(), timestampThreshold: z.number().optional(), tsaThreshold: z.number().optional() })
    .optional(),
  identity_policy: z.object({ subjectAlternativeName: z.string().optional(), extensions: z.record(z.string(), z.string()).optional() }).nullable().optional(),
  ignore_tlog: z.boolean().optional(),
  check_claims: z.boolean().optional(),
  predicate_type_flag: z.string().nullable().optional(),
  predicate_type_uri: z.string().optional(),
});

// cosign's --type shorthands.
const PREDICATE_TYPES: Record<string, string> = {
  slsaprovenance: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance02: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance1: 'https://slsa.dev/provenance/v1',
  spdx: 'https://spdx.dev/Document',
  spdxjson: 'https://spdx.dev/Document',
  cyclonedx: 'https://cyclonedx.org/bom',
  link: 'https://in-toto.io/Link/v1',
  vuln: 'https://cosign.sigstore.dev/attestation/vuln/v1',
  custom: 'https://cosign.sigstore.dev/attestation/v1',
};

function policyFor(p: z.infer<typeof Params>, keyPem: string | undefined): VerificationPolicy {
  // A key selector registers keys by hint in the trust material: any signer it vouches for passes.
  if (p.key_selector) return { kind: 'any' };
  if (p.verify_with === 'key' || keyPem !== undefined) {
    if (keyPem === undefined) throw new ProvenantError('INVALID_ARGUMENT', 'case verifies with a key but has no key file');
    return { kind: 'key', publicKey: keyPem };
  }
  const san = p.identity ?? p.identity_policy?.subjectAlternativeName ?? undefined;
  const issuer = p.issuer ?? p.identity_policy?.extensions?.issuer ?? undefined;
  if (san === undefined && issuer === undefined) return { kind: 'any' };
  return { kind: 'identity', ...(san !== undefined ? { subjectAlternativeName: san } : {}), ...(issuer !== undefined ? { issuer } : {}) };
}

async function run(c: ConformanceCase, file: (role: string) => string, root: string): Promise<{ verdict: 'valid' | 'invalid' | 'unsupported'; detail: string }> {
  const p = Params.parse(c.params);
  const bundle = await readFile(file('bundle'));
  const keyRole = c.files.key !== undefined ? 'key' : c.files.public_key !== undefined ? 'public_key' : undefined;
  const keyPem = keyRole ? await readFile(file(keyRole), 'utf8') : undefined;
  const byHint: Record<string, string> = {};
  for (const [hint, rel] of Object.entries({ ...p.key_selector, ...p.trusted_public_keys_by_hint })) {
    byHint[hint] = await readFile(isAbsolute(rel) ? rel : resolve(root, rel), 'utf8');
  }
  const trust = loadTrustedRoot(await readFile(file('trusted_root')), { publicKeys: byHint });
  const options: VerifyOptions = { ...p.verifier_options };
  if (p.ignore_tlog) Object.assign(options, { tlogThreshold: 0, timestampThreshold: 0 });
  const policy = policyFor(p, Object.keys(byHint).length ? undefined : keyPem);

  const inputs: { mode: string; artifact: ArtifactInput }[] = [];
  if (c.files.artifact !== undefined && p.check_claims !== false) {
    const data = await readFile(file('artifact'));
    inputs.push({ mode: 'path', artifact: { data } });
    // sigstore-conformance runs every case with the artifact and again with its sha256 digest.
    if (p.artifact_input_modes?.some((m) => m.startsWith('sha256'))) {
      inputs.push({ mode: 'digest', artifact: { digest: `sha256:${createHash('sha256').update(data).digest('hex')}` } });
    }
  } else inputs.push({ mode: 'none', artifact: null });

  const outcomes: string[] = [];
  let valid = 0;
  for (const { mode, artifact } of inputs) {
    try {
      const r = verifyBundle(bundle, artifact, policy, trust, options);
      if (p.predicate_type_flag || p.predicate_type_uri) {
        const want = p.predicate_type_uri ?? PREDICATE_TYPES[p.predicate_type_flag!] ?? p.predicate_type_flag!;
        const got = (r.dsse?.statement as { predicateType?: unknown } | undefined)?.predicateType;
        if (got !== want) throw new ProvenantError('PREDICATE_TYPE_MISMATCH', `predicateType ${String(got)} is not ${want}`);
      }
      valid++;
      outcomes.push(`${mode}: valid`);
    } catch (err) {
      if (!(err instanceof ProvenantError)) throw err;
      outcomes.push(`${mode}: ${err.code}: ${err.message}`);
    }
  }
  const detail = outcomes.join('; ');
  if (valid === inputs.length) return { verdict: 'valid', detail };
  if (valid === 0) return { verdict: 'invalid', detail };
  // Input modes disagreeing is a verifier bug: report it rather than pick a side.
  return { verdict: 'unsupported', detail: `input modes disagree: ${detail}` };
}

export const handler: KindHandler = async (c, file) => {
  const manifestRoot = file('bundle').slice(0, -c.files.bundle!.length);
  return run(c, file, manifestRoot || '.');
};
export default handler;
