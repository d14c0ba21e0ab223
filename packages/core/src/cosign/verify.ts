import { createPublicKey } from 'node:crypto';
import { ProvenantError } from '../errors.js';
import { verifyBundle, verifySignature, type IdentityPolicy, type PublicKeyInput, type TrustMaterial, type VerificationResult, type VerifyOptions } from '../verify/index.js';
import { parseSimpleSigningPayload } from './conventions.js';
import { legacyLayerToBundle, type LegacyLayer } from './legacy.js';

/** Who must have signed: a key, or a certificate identity (SAN exact/regex, issuer exact/regex). */
export type ImageSignerPolicy =
  | { kind: 'key'; publicKey: PublicKeyInput }
  | ({ kind: 'identity'; issuerRegExp?: string } & IdentityPolicy);

export interface VerifiedImageBundle {
  readonly result: VerificationResult;
  /** Attestations: the statement's predicate type; signatures: undefined. */
  readonly predicateType: string | undefined;
  readonly statement: Record<string, unknown> | undefined;
}

function anchored(re: string): RegExp {
  try {
    return new RegExp(`^(?:${re})$`, 'u');
  } catch (cause) {
    throw new ProvenantError('POLICY_REGEX_INVALID', `invalid regular expression ${re}`, { cause });
  }
}

/** Our image policy as core/verify's: an identity with nothing named (only an issuer regex, or nothing) is "any certificate the root vouches for". */
export function corePolicyOf(policy: ImageSignerPolicy): Parameters<typeof verifyBundle>[2] {
  if (policy.kind === 'key') return { kind: 'key', publicKey: policy.publicKey };
  const { issuerRegExp: _re, kind: _kind, ...identity } = policy;
  const named = identity.subjectAlternativeName !== undefined || identity.subjectAlternativeNameRegExp !== undefined || identity.issuer !== undefined;
  return named ? { kind: 'identity', ...identity } : { kind: 'any' };
}

/** An issuer regex, checked on the certificate a legacy layer's bundle verified with. */
export function checkIssuerRegExp(layer: LegacyLayer, issuerRegExp: string, trust: TrustMaterial, options: VerifyOptions): void {
  const r = verifyBundle(legacyLayerToBundle(layer), { data: layer.blob }, { kind: 'any' }, trust, options);
  if (r.signer.kind === 'certificate' && !anchored(issuerRegExp).test(r.signer.issuer ?? '')) {
    throw new ProvenantError('ISSUER_MISMATCH', `certificate issuer ${r.signer.issuer ?? '(none)'} does not match ${issuerRegExp}`);
  }
}

/**
 * Verifies one Sigstore bundle attached to an image (a referrer, or a converted `.sig`/`.att` layer)
 * against the image digest: an attestation's statement must name the digest as a subject; a
 * simple-signing signature's payload must name it as docker-manifest-digest.
 */
export function verifyImageBundle(bundle: unknown, imageDigest: string, policy: ImageSignerPolicy, trust: TrustMaterial, options: VerifyOptions = {}): VerifiedImageBundle {
  const isDsse = typeof bundle === 'object' && bundle !== null && 'dsseEnvelope' in bundle;
  const corePolicy = corePolicyOf(policy);
  const issuerRegExp = policy.kind === 'identity' ? policy.issuerRegExp : undefined;
  let result: VerificationResult;
  if (isDsse) {
    result = verifyBundle(bundle, { digest: imageDigest }, corePolicy, trust, options);
  } else {
    throw new ProvenantError('UNSUPPORTED', 'message-signature image bundles need the signed payload; use verifySimpleSigning');
  }
  if (issuerRegExp !== undefined && result.signer.kind === 'certificate' && !anchored(issuerRegExp).test(result.signer.issuer ?? '')) {
    throw new ProvenantError('ISSUER_MISMATCH', `certificate issuer ${result.signer.issuer ?? '(none)'} does not match ${issuerRegExp}`);
  }
  const statement = result.dsse?.statement as Record<string, unknown> | undefined;
  return { result, predicateType: typeof statement?.predicateType === 'string' ? statement.predicateType : undefined, statement };
}

/**
 * A cosign image signature: the simple-signing payload must name the image digest, and the signature over
 * the payload bytes must verify under the key (what `openssl dgst -sha256 -verify key -signature sig payload` checks).
 */
export function verifySimpleSigning(payload: Buffer, signatureBase64: string, imageDigest: string, publicKey: PublicKeyInput): void {
  const claims = parseSimpleSigningPayload(payload);
  if (claims.manifestDigest !== imageDigest) throw new ProvenantError('IMAGE_SIGNATURE_INVALID', `signature is for ${claims.manifestDigest}, not ${imageDigest}`);
  const key = createPublicKey(publicKey as Parameters<typeof createPublicKey>[0]);
  const hash = key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
  if (!verifySignature(payload, key, Buffer.from(signatureBase64, 'base64'), hash)) throw new ProvenantError('IMAGE_SIGNATURE_INVALID', 'image signature does not verify under the key');
}
