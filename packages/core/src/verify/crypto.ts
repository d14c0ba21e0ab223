import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { DerReader, TAG } from './der.js';

/** The digest a Sigstore key of this type signs with (Ed25519 signs the message itself). */
const hashByKey = new WeakMap<KeyObject, string | null>();

export function defaultHashFor(key: KeyObject): string | null {
  let h = hashByKey.get(key);
  if (h === undefined) hashByKey.set(key, (h = hashFor(key)));
  return h;
}

function hashFor(key: KeyObject): string | null {
  switch (key.asymmetricKeyType) {
    case 'ed25519':
    case 'ed448':
      return null;
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      return curve === 'secp384r1' ? 'sha384' : curve === 'secp521r1' ? 'sha512' : 'sha256';
    }
    default:
      return 'sha256';
  }
}

// Group orders of the curves Sigstore keys use.
const EC_ORDER: Record<string, bigint> = {
  prime256v1: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  secp384r1: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  secp521r1: 0x1ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
};

/**
 * The one ECDSA signature rule of every verification path (bundles with or without log entries, DSSE,
 * cosign, certificates, digests): the signature is one strict-DER ECDSA-Sig-Value (shortest lengths and
 * integers, nothing after it) with 0 < r, s < n. Both s and n - s are accepted, as Go's crypto/ecdsa
 * (sigstore-go, cosign), sigstore-js and OpenSSL accept them: signers that do not normalize s (Go, OpenSSL)
 * make a high-S signature half the time. No decision keys on signature bytes, and a logged signature
 * must be byte-identical to the one in the log, so the twin gains nothing. Returns r and s, or undefined.
 */
export function ecdsaSignatureValues(key: KeyObject, signature: Buffer): { r: bigint; s: bigint } | undefined {
  const n = EC_ORDER[key.asymmetricKeyDetails?.namedCurve ?? ''];
  if (n === undefined) return undefined;
  try {
    const d = new DerReader(signature, 'BUNDLE_SIGNATURE_INVALID', 'ECDSA signature');
    const parts = d.children(d.expect(d.root(), TAG.SEQUENCE, 'ECDSA-Sig-Value'));
    if (parts.length !== 2) return undefined;
    const r = d.integer(parts[0]!);
    const s = d.integer(parts[1]!);
    return r > 0n && r < n && s > 0n && s < n ? { r, s } : undefined;
  } catch {
    return undefined;
  }
}

/** node:crypto verify that answers false, never throws, on malformed signatures; ECDSA signatures must pass ecdsaSignatureValues. */
export function verifySignature(data: Buffer, key: KeyObject, signature: Buffer, hash: string | null = defaultHashFor(key)): boolean {
  if (key.asymmetricKeyType === 'ec' && !ecdsaSignatureValues(key, signature)) return false;
  try {
    return cryptoVerify(hash, data, key, signature);
  } catch {
    return false;
  }
}
