import type { Digest } from '../digest/index.js';
import { ProvenantError } from '../errors.js';
import type { ImageReference, RegistryClient } from '../oci/index.js';
import { verifyBundle, type TrustMaterial, type VerifyOptions } from '../verify/index.js';
import { ANNOTATIONS, parseSimpleSigningPayload } from './conventions.js';
import { legacyLayerToBundle } from './legacy.js';
import { COSIGN_SIGN_PREDICATE_TYPE, readImageSignatures, type StorageFormat } from './registry.js';
import { checkIssuerRegExp, corePolicyOf, verifyImageBundle, verifySimpleSigning, type ImageSignerPolicy } from './verify.js';

export interface VerifiedImage {
  readonly digest: Digest;
  /** Verified signatures, by where they were found. */
  readonly signatures: readonly { source: 'sig-tag' | 'referrer' }[];
  /** Verified attestations (statements whose subject is the digest). */
  readonly attestations: readonly { source: 'att-tag' | 'referrer'; predicateType: string; statement: Record<string, unknown>; bundle: unknown }[];
  /** Attached items that did not verify, with their error codes: never counted as signatures. */
  readonly rejected: readonly { source: string; code: string; message: string }[];
}

function anyTlog(options: VerifyOptions): boolean {
  return (options.tlogThreshold ?? 1) > 0;
}

/**
 * Verifies every signature and attestation attached to an image digest (in the selected forms) against
 * the policy. Items that fail are recorded, not thrown; the caller decides what is required.
 */
export async function verifyImage(client: RegistryClient, image: ImageReference & { digest: Digest }, policy: ImageSignerPolicy, trust: TrustMaterial, options: { format?: StorageFormat; verify?: VerifyOptions } = {}): Promise<VerifiedImage> {
  const found = await readImageSignatures(client, image, options.format ?? 'both');
  const verifyOptions = options.verify ?? {};
  const signatures: { source: 'sig-tag' | 'referrer' }[] = [];
  const attestations: { source: 'att-tag' | 'referrer'; predicateType: string; statement: Record<string, unknown>; bundle: unknown }[] = [];
  const rejected: { source: string; code: string; message: string }[] = [];
  const attempt = (source: string, f: () => void): void => {
    try {
      f();
    } catch (err) {
      if (!(err instanceof ProvenantError)) throw err;
      rejected.push({ source, code: err.code, message: err.message });
    }
  };
  for (const layer of found.signatureLayers) {
    attempt('sig-tag', () => {
      const claims = parseSimpleSigningPayload(layer.blob);
      if (claims.manifestDigest !== image.digest) throw new ProvenantError('IMAGE_SIGNATURE_INVALID', `signature is for ${claims.manifestDigest}, not ${image.digest}`);
      const unlogged = !layer.annotations[ANNOTATIONS.bundle] && !layer.annotations[ANNOTATIONS.certificate];
      if (policy.kind === 'key' && unlogged) {
        if (anyTlog(verifyOptions)) throw new ProvenantError('TLOG_THRESHOLD_NOT_MET', 'image signature has no transparency-log entry (allow with a tlog threshold of 0)');
        verifySimpleSigning(layer.blob, layer.annotations[ANNOTATIONS.signature] ?? '', image.digest, policy.publicKey);
      } else {
        // The identity checks (and an issuer regex) are the same as for bundles: reuse that path's policy mapping.
        verifyBundle(legacyLayerToBundle(layer), { data: layer.blob }, corePolicyOf(policy), trust, verifyOptions);
        if (policy.kind === 'identity' && policy.issuerRegExp !== undefined) checkIssuerRegExp(layer, policy.issuerRegExp, trust, verifyOptions);
      }
      signatures.push({ source: 'sig-tag' });
    });
  }
  for (const layer of found.attestationLayers) {
    attempt('att-tag', () => {
      const r = verifyImageBundle(legacyLayerToBundle(layer), image.digest, policy, trust, verifyOptions);
      attestations.push({ source: 'att-tag', predicateType: r.predicateType ?? '', statement: r.statement ?? {}, bundle: legacyLayerToBundle(layer) });
    });
  }
  for (const b of found.bundles) {
    attempt(`referrer ${b.digest}`, () => {
      const r = verifyImageBundle(b.bundle, image.digest, policy, trust, verifyOptions);
      if (r.predicateType === COSIGN_SIGN_PREDICATE_TYPE) signatures.push({ source: 'referrer' });
      else attestations.push({ source: 'referrer', predicateType: r.predicateType ?? '', statement: r.statement ?? {}, bundle: b.bundle });
    });
  }
  return { digest: image.digest, signatures, attestations, rejected };
}
