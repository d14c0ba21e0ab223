/**
 * One Sigstore bundle offered as evidence: parsed JSON plus the sha256 of its bytes (the cache key and
 * what a VSA lists as an input). `payload` is the signed payload of a cosign message signature (the
 * simple-signing JSON), when the bundle signs that rather than the subject itself.
 */
export interface EvidenceBundle {
  readonly bundle: unknown;
  /** `sha256:<hex>` of the bundle bytes. */
  readonly digest: string;
  /** Where it came from (file path, `oci://…` reference), for reports. */
  readonly uri?: string | undefined;
  readonly payload?: Uint8Array | undefined;
}

/** Signatures sign the subject; attestations carry an in-toto statement about it. Unverified until decided. */
export interface Evidence {
  readonly signatures: readonly EvidenceBundle[];
  readonly attestations: readonly EvidenceBundle[];
}

export function isDsseBundle(bundle: unknown): boolean {
  return bundle !== null && typeof bundle === 'object' && 'dsseEnvelope' in bundle;
}

/** The predicate type cosign v3 gives an image signature made as a DSSE statement. */
export const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';

/** Unverified peek at a DSSE bundle's predicate type, only to sort signatures from attestations. */
function dssePredicateType(bundle: unknown): string | undefined {
  try {
    const env = (bundle as { dsseEnvelope: { payload: string } }).dsseEnvelope;
    return (JSON.parse(Buffer.from(env.payload, 'base64').toString('utf8')) as { predicateType?: string }).predicateType;
  } catch {
    return undefined;
  }
}

/**
 * Sorts bundles: message signatures and cosign-sign DSSE statements are signatures, other DSSE bundles
 * attestations. Sorting trusts nothing: each kind is verified (and its predicate type re-checked) when decided.
 */
export function classify(items: readonly EvidenceBundle[]): Evidence {
  const signatures: EvidenceBundle[] = [];
  const attestations: EvidenceBundle[] = [];
  for (const i of items) {
    if (!isDsseBundle(i.bundle) || dssePredicateType(i.bundle) === COSIGN_SIGN_PREDICATE) signatures.push(i);
    else attestations.push(i);
  }
  return { signatures, attestations };
}
