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
