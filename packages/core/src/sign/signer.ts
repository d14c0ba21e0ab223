import { createPublicKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { ProvenantError } from '../errors.js';
import { exportPublicKey, keyAlgorithm, publicKeyHint, signingHash, type KeyAlgorithm } from './keys.js';

/** What signed: a public key (with the hint a bundle carries) or a signing certificate (PEM). */
export type KeyMaterial = { $case: 'publicKey'; publicKey: string; hint?: string } | { $case: 'x509Certificate'; certificate: string };

export interface Signature {
  signature: Buffer;
  key: KeyMaterial;
}

/**
 * Signs bytes. The same shape as @sigstore/sign's Signer (plus options), so its bundle builders accept ours.
 * `kind` says whether bundles get a public-key hint or a certificate.
 */
export interface Signer {
  readonly kind: 'key' | 'keyless';
  sign(data: Buffer, options?: SignDataOptions): Promise<Signature>;
}

export interface SignDataOptions {
  /**
   * Digest to sign with instead of the key's own (ECDSA/RSA only): a message signature is made with its
   * messageDigest algorithm (sha256), whatever the curve, so verifiers can check it from the digest.
   */
  hash?: 'sha256' | 'sha384' | 'sha512';
}

/** A signer holding a private key in memory (cosign `--key`). */
export class KeySigner implements Signer {
  readonly kind = 'key' as const;
  readonly algorithm: KeyAlgorithm;
  readonly publicKey: KeyObject;
  readonly publicKeyPem: string;
  readonly hint: string;
  private readonly hash: string | null;

  constructor(private readonly privateKey: KeyObject) {
    if (privateKey.type !== 'private') throw new ProvenantError('INVALID_ARGUMENT', 'KeySigner needs a private key');
    this.algorithm = keyAlgorithm(privateKey);
    this.hash = signingHash(privateKey);
    this.publicKey = createPublicKey(privateKey);
    this.publicKeyPem = exportPublicKey(this.publicKey);
    this.hint = publicKeyHint(this.publicKey);
  }

  /** Signs synchronously (no I/O is involved); `sign` wraps this for the Signer interface. */
  signSync(data: Buffer, options: SignDataOptions = {}): Buffer {
    const hash = this.hash === null ? null : (options.hash ?? this.hash);
    try {
      return cryptoSign(hash, data, this.privateKey);
    } catch (cause) {
      throw new ProvenantError('SIGNING_FAILED', `signing with the ${this.algorithm} key failed`, { cause });
    }
  }

  async sign(data: Buffer, options: SignDataOptions = {}): Promise<Signature> {
    return { signature: this.signSync(data, options), key: { $case: 'publicKey', publicKey: this.publicKeyPem, hint: this.hint } };
  }
}

export function keySigner(privateKey: KeyObject): KeySigner {
  return new KeySigner(privateKey);
}
