import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { ProvenantError } from '../errors.js';
import { decodePem, encodePem } from './pem.js';

/** Key types provenant signs and verifies with (cosign's set: ECDSA P-256/384/521, Ed25519, RSA 2048-4096). */
export type KeyAlgorithm = 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521' | 'ed25519' | 'rsa';

/** Key types `generateKeyPair` makes; P-256 is the default, as in cosign. */
export const GENERATED_KEY_ALGORITHMS = ['ecdsa-p256', 'ecdsa-p384', 'ed25519'] as const;
export type GeneratedKeyAlgorithm = (typeof GENERATED_KEY_ALGORITHMS)[number];

export interface KeyPair {
  algorithm: KeyAlgorithm;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

const CURVES: Record<string, KeyAlgorithm> = { prime256v1: 'ecdsa-p256', secp384r1: 'ecdsa-p384', secp521r1: 'ecdsa-p521' };
const CURVE_NAMES: Record<string, string> = { 'ecdsa-p256': 'P-256', 'ecdsa-p384': 'P-384' };
const RSA_MIN_BITS = 2048;
const RSA_MAX_BITS = 4096;

export function generateKeyPair(algorithm: GeneratedKeyAlgorithm = 'ecdsa-p256'): KeyPair {
  if (algorithm === 'ed25519') return { algorithm, ...generateKeyPairSync('ed25519') };
  const namedCurve = CURVE_NAMES[algorithm];
  if (!namedCurve) throw new ProvenantError('KEY_UNSUPPORTED', `cannot generate ${String(algorithm)} keys; use one of ${GENERATED_KEY_ALGORITHMS.join(', ')}`);
  return { algorithm, ...generateKeyPairSync('ec', { namedCurve }) };
}

/** The algorithm of a key, refusing what cosign refuses (P-224, secp256k1, RSA under 2048 or over 4096 bits, ...). */
export function keyAlgorithm(key: KeyObject): KeyAlgorithm {
  switch (key.asymmetricKeyType) {
    case 'ed25519':
      return 'ed25519';
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve ?? 'unknown';
      const alg = CURVES[curve];
      if (!alg) throw new ProvenantError('KEY_UNSUPPORTED', `ECDSA curve ${curve} is not allowed; use P-256, P-384 or P-521`);
      return alg;
    }
    case 'rsa': {
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) {
        throw new ProvenantError('KEY_UNSUPPORTED', `RSA key size ${bits} is not supported; use ${RSA_MIN_BITS} to ${RSA_MAX_BITS} bits`);
      }
      return 'rsa';
    }
    default:
      throw new ProvenantError('KEY_UNSUPPORTED', `unsupported key type ${key.asymmetricKeyType ?? key.type}`);
  }
}

/** The digest a signature with this key is made over (the Sigstore algorithm registry; Ed25519 signs the message). */
export function signingHash(key: KeyObject): 'sha256' | 'sha384' | 'sha512' | null {
  switch (keyAlgorithm(key)) {
    case 'ed25519':
      return null;
    case 'ecdsa-p384':
      return 'sha384';
    case 'ecdsa-p521':
      return 'sha512';
    default:
      return 'sha256';
  }
}

const PRIVATE_KEY_TYPES: Record<string, 'pkcs1' | 'sec1' | 'pkcs8'> = {
  'RSA PRIVATE KEY': 'pkcs1',
  'EC PRIVATE KEY': 'sec1',
  'PRIVATE KEY': 'pkcs8',
};

/**
 * Imports an unencrypted private key as `cosign import-key-pair` does: PEM `RSA PRIVATE KEY` (PKCS#1),
 * `EC PRIVATE KEY` (SEC1) or `PRIVATE KEY` (PKCS#8), of a type cosign allows.
 */
export function importPrivateKey(pem: string): KeyObject {
  const block = decodePem(pem);
  const type = PRIVATE_KEY_TYPES[block.label];
  if (!type) throw new ProvenantError('KEY_UNSUPPORTED', `unsupported private key: PEM type ${block.label} is not an RSA, EC or PKCS#8 private key`);
  return privateKeyFromDer(block.der, type);
}

/** A private key from DER of the given encoding, checked to be a type cosign allows. */
export function privateKeyFromDer(der: Buffer, type: 'pkcs1' | 'sec1' | 'pkcs8'): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: der, format: 'der', type });
  } catch (cause) {
    throw new ProvenantError('KEY_INVALID', `cannot parse ${type.toUpperCase()} private key`, { cause });
  }
  keyAlgorithm(key);
  return key;
}

const PUBLIC_KEY_TYPES: Record<string, 'spki' | 'pkcs1'> = { 'PUBLIC KEY': 'spki', 'RSA PUBLIC KEY': 'pkcs1' };

/** A public key for verification: PEM `PUBLIC KEY` (PKIX) or `RSA PUBLIC KEY` (PKCS#1), of a type cosign allows. */
export function importPublicKey(pem: string): KeyObject {
  const block = decodePem(pem);
  const type = PUBLIC_KEY_TYPES[block.label];
  if (!type) throw new ProvenantError('KEY_UNSUPPORTED', `PEM type ${block.label} is not a public key`);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: block.der, format: 'der', type });
  } catch (cause) {
    throw new ProvenantError('KEY_INVALID', `cannot parse ${block.label}`, { cause });
  }
  keyAlgorithm(key);
  return key;
}

/** The public key as PEM `PUBLIC KEY` (PKIX), the format of `cosign.pub`. Takes a private or public key. */
export function exportPublicKey(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return encodePem('PUBLIC KEY', pub.export({ format: 'der', type: 'spki' }));
}

/** The private key as unencrypted PEM `PRIVATE KEY` (PKCS#8). Prefer `encryptCosignKey` for files. */
export function exportPrivateKey(key: KeyObject): string {
  if (key.type !== 'private') throw new ProvenantError('INVALID_ARGUMENT', 'exportPrivateKey needs a private key');
  return encodePem('PRIVATE KEY', key.export({ format: 'der', type: 'pkcs8' }));
}

/** Bundle `publicKey.hint`: base64 SHA-256 of the PKIX public key, so a verifier can pick the key. */
export function publicKeyHint(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256').update(pub.export({ format: 'der', type: 'spki' })).digest('base64');
}
