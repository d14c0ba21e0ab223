import { verify as cryptoVerify, type KeyObject } from 'node:crypto';

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

/** node:crypto verify that answers false, never throws, on malformed signatures. */
export function verifySignature(data: Buffer, key: KeyObject, signature: Buffer, hash: string | null = defaultHashFor(key)): boolean {
  try {
    return cryptoVerify(hash, data, key, signature);
  } catch {
    return false;
  }
}
