import { ProvenantError } from '../../errors.js';
import type { TrustMaterial, VerifyOptions } from '../../verify/index.js';
import type { BuilderId } from './builder-id.js';
import { TRUSTED_BUILDERS, verifyBuilderIdentity, verifyCertificateSource, verifyProvenanceContent, type ProvenanceExpectations } from './checks.js';
import { workflowIdentity } from './identity.js';
import { ProvenanceView } from './provenance.js';
import { verifySignedProvenance } from './signed.js';

/** Which defaults apply: verify-artifact, verify-image, or GitHub artifact attestations (no default builders). */
export type ProvenanceMode = 'artifact' | 'image' | 'github-attestation';

export interface VerifyProvenanceOptions extends ProvenanceExpectations {
  /** --builder-id, with or without `@vX.Y.Z` / `@refs/tags/vX.Y.Z`. */
  builderId?: string | undefined;
  mode?: ProvenanceMode;
  /** slsa-verifier's testing mode (builders at main for its e2e repositories). Off by default. */
  testing?: boolean;
  verify?: VerifyOptions;
}

export interface VerifiedProvenance {
  /** The builder that produced the artifact (for BYOB builds: the one the delegator recorded). */
  readonly builderId: string;
  readonly statement: Record<string, unknown>;
  readonly sourceCommit: string;
  readonly signedAt: Date | undefined;
}

export function trustedBuildersFor(mode: ProvenanceMode): readonly string[] {
  if (mode === 'github-attestation') return [];
  if (mode === 'image') return TRUSTED_BUILDERS.container;
  return [...TRUSTED_BUILDERS.artifact, ...TRUSTED_BUILDERS.byob];
}

/** Checks a signed statement and its certificate identity against the expectations. */
export function verifyProvenanceIdentity(payload: Buffer, cert: Parameters<typeof workflowIdentity>[0], options: VerifyProvenanceOptions): { builder: BuilderId; statement: Record<string, unknown>; sourceCommit: string } {
  const id = workflowIdentity(cert);
  const builderId = options.builderId || undefined;
  const { builder, byob } = verifyBuilderIdentity(id, { builderId, trustedBuilders: trustedBuildersFor(options.mode ?? 'artifact'), testing: options.testing ?? false });
  verifyCertificateSource(id, options.sourceUri);
  const prov = ProvenanceView.from(builder.name, payload);
  const verified = verifyProvenanceContent(prov, builder, byob, builderId, options, options.testing ?? false);
  return { builder: verified, statement: prov.statement, sourceCommit: id.sourceSha1 };
}

/** `provenant verify-artifact`: slsa-verifier's verify-artifact, offline against an explicit trusted root. */
export function verifyArtifactProvenance(provenance: Buffer | string | unknown, trust: TrustMaterial, options: VerifyProvenanceOptions): VerifiedProvenance {
  const signed = verifySignedProvenance(provenance, trust, options.verify);
  const r = verifyProvenanceIdentity(signed.payload, signed.certificate, options);
  return { builderId: r.builder.toString(), statement: r.statement, sourceCommit: r.sourceCommit, signedAt: signed.verification.integratedTime ?? signed.verification.timestamps[0]?.time };
}

/**
 * `provenant verify-image`: the image's provenance attestations (as Sigstore bundles, from referrers or
 * converted from cosign `.att` layers); the first that verifies wins, else the first error is reported.
 */
export function verifyImageProvenance(attestations: readonly unknown[], imageDigest: string, trust: TrustMaterial, options: Omit<VerifyProvenanceOptions, 'artifactDigest'>): VerifiedProvenance {
  if (attestations.length === 0) throw new ProvenantError('ATTESTATION_MISSING', `no attestations found for ${imageDigest}`);
  const errors: ProvenantError[] = [];
  for (const a of attestations) {
    try {
      return verifyArtifactProvenance(a, trust, { mode: 'image', ...options, artifactDigest: imageDigest });
    } catch (err) {
      if (!(err instanceof ProvenantError)) throw err;
      errors.push(err);
    }
  }
  const first = errors[0]!;
  throw new ProvenantError(first.code, errors.length > 1 ? `${first.message} (and ${errors.length - 1} more attestation(s) failed)` : first.message, { cause: first, details: first.details });
}
