import { ProvenantError } from '../errors.js';

// cosign's names for things in a registry.
export const SIMPLE_SIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const DSSE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';
export const SIGSTORE_BUNDLE_ARTIFACT_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
export const SIMPLE_SIGNING_TYPE = 'cosign container image signature';
export const ANNOTATIONS = {
  signature: 'dev.cosignproject.cosign/signature',
  bundle: 'dev.sigstore.cosign/bundle',
  certificate: 'dev.sigstore.cosign/certificate',
  chain: 'dev.sigstore.cosign/chain',
  /** On bundle referrers: the predicate type of the attestation inside. */
  predicateType: 'dev.sigstore.bundle.predicateType',
  /** On bundle referrers: what the bundle is (cosign v3 writes this). */
  bundleContent: 'dev.sigstore.bundle.content',
  inTotoPredicateType: 'predicateType',
} as const;

/** `sha256:<hex>` -> `sha256-<hex>.sig` (or `.att`): where cosign keeps signatures of a digest. */
export function cosignTag(digest: string, suffix: 'sig' | 'att'): string {
  const m = /^(sha256|sha512):([0-9a-f]+)$/.exec(digest);
  if (!m) throw new ProvenantError('DIGEST_INVALID', `image digest must be sha256:<hex>, got ${digest}`);
  return `${m[1]}-${m[2]}.${suffix}`;
}

/** cosign names Docker Hub images `index.docker.io/...` in signed payloads (go-containerregistry's canonical registry). */
export function dockerReference(registry: string, repository: string): string {
  const host = registry === 'docker.io' ? 'index.docker.io' : registry;
  return `${host}/${repository}`;
}

/**
 * The simple-signing payload cosign signs for an image digest, byte for byte: key order
 * critical{identity,image,type}, then `"optional":null`, no whitespace, no trailing newline.
 */
export function simpleSigningPayload(dockerRef: string, manifestDigest: string, optional?: Record<string, string>): Buffer {
  if (!/^sha(256|512):[0-9a-f]+$/.test(manifestDigest)) throw new ProvenantError('DIGEST_INVALID', `manifest digest must be sha256:<hex>, got ${manifestDigest}`);
  const payload = {
    critical: { identity: { 'docker-reference': dockerRef }, image: { 'docker-manifest-digest': manifestDigest }, type: SIMPLE_SIGNING_TYPE },
    optional: optional && Object.keys(optional).length ? optional : null,
  };
  return Buffer.from(JSON.stringify(payload), 'utf8');
}

export interface SimpleSigningClaims {
  dockerReference: string;
  manifestDigest: string;
  optional: Record<string, unknown> | null;
}

/** Reads a simple-signing payload; unknown critical fields or another type are rejected, as cosign does. */
export function parseSimpleSigningPayload(bytes: Buffer): SimpleSigningClaims {
  let v: unknown;
  try {
    v = JSON.parse(bytes.toString('utf8'));
  } catch (cause) {
    throw new ProvenantError('IMAGE_SIGNATURE_INVALID', 'simple-signing payload is not JSON', { cause });
  }
  const c = (v as { critical?: { identity?: { 'docker-reference'?: unknown }; image?: { 'docker-manifest-digest'?: unknown }; type?: unknown } } | null)?.critical;
  const keys = c && typeof c === 'object' ? Object.keys(c).sort().join(',') : '';
  if (!c || keys !== 'identity,image,type' || c.type !== SIMPLE_SIGNING_TYPE) throw new ProvenantError('IMAGE_SIGNATURE_INVALID', 'payload is not a cosign simple-signing payload');
  const ref = c.identity?.['docker-reference'];
  const digest = c.image?.['docker-manifest-digest'];
  if (typeof ref !== 'string' || typeof digest !== 'string') throw new ProvenantError('IMAGE_SIGNATURE_INVALID', 'simple-signing payload lacks docker-reference or docker-manifest-digest');
  const optional = (v as { optional?: unknown }).optional;
  return { dockerReference: ref, manifestDigest: digest, optional: optional && typeof optional === 'object' ? (optional as Record<string, unknown>) : null };
}
