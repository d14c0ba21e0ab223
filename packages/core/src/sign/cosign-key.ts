import { randomBytes, scrypt, type KeyObject } from 'node:crypto';
import nacl from 'tweetnacl';
import { z } from 'zod';
import { ProvenantError } from '../errors.js';
import { privateKeyFromDer } from './keys.js';
import { decodePem, encodePem } from './pem.js';

// cosign's encrypted private key: PEM around the JSON of go-securesystemslib's `encrypted` package,
// scrypt(password, salt) -> 32-byte key -> NaCl secretbox over the PKCS#8 DER of the key.

export const SIGSTORE_PRIVATE_KEY_LABEL = 'ENCRYPTED SIGSTORE PRIVATE KEY';
export const COSIGN_PRIVATE_KEY_LABEL = 'ENCRYPTED COSIGN PRIVATE KEY';

/** The scrypt parameter sets go-securesystemslib accepts (legacy, standard, OWASP); others are refused, as a DoS guard. */
export const SCRYPT_PARAMETER_SETS = {
  legacy: { N: 32768, r: 8, p: 1 },
  standard: { N: 65536, r: 8, p: 1 },
  owasp: { N: 131072, r: 8, p: 1 },
} as const;
export type ScryptStrength = keyof typeof SCRYPT_PARAMETER_SETS;

const SALT_BYTES = 32;
const BOX_KEY_BYTES = 32;
const BOX_NONCE_BYTES = 24;
const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const Base64Bytes = z
  .string()
  .regex(STD_BASE64, 'not standard base64')
  .transform((s) => Buffer.from(s, 'base64'));

const EncryptedKeySchema = z.object({
  kdf: z.object({
    name: z.literal('scrypt'),
    params: z.object({ N: z.number().int(), r: z.number().int(), p: z.number().int() }),
    salt: Base64Bytes,
  }),
  cipher: z.object({
    name: z.literal('nacl/secretbox'),
    nonce: Base64Bytes.refine((b) => b.length === BOX_NONCE_BYTES, `nonce must be ${BOX_NONCE_BYTES} bytes`),
  }),
  ciphertext: Base64Bytes,
});

export interface EncryptCosignKeyOptions {
  /** scrypt cost; default `standard` (N=65536, r=8, p=1), what cosign writes today. */
  strength?: ScryptStrength;
  /** PEM label; default `ENCRYPTED SIGSTORE PRIVATE KEY` (cosign >= 2), or the older `ENCRYPTED COSIGN PRIVATE KEY`. */
  label?: typeof SIGSTORE_PRIVATE_KEY_LABEL | typeof COSIGN_PRIVATE_KEY_LABEL;
}

function deriveKey(password: string | Uint8Array, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  // node's default maxmem (32 MiB) is below what N=65536 needs (128*N*r bytes = 64 MiB).
  const maxmem = 128 * params.N * params.r * params.p * 2;
  return new Promise((resolve, reject) => {
    scrypt(password, salt, BOX_KEY_BYTES, { N: params.N, r: params.r, p: params.p, maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Encrypts a private key in cosign's format: returns the PEM text of `cosign.key`. */
export async function encryptCosignKey(privateKey: KeyObject, password: string | Uint8Array, options: EncryptCosignKeyOptions = {}): Promise<string> {
  if (privateKey.type !== 'private') throw new ProvenantError('INVALID_ARGUMENT', 'encryptCosignKey needs a private key');
  const params = SCRYPT_PARAMETER_SETS[options.strength ?? 'standard'];
  const salt = randomBytes(SALT_BYTES);
  const nonce = randomBytes(BOX_NONCE_BYTES);
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  const boxKey = await deriveKey(password, salt, params);
  const ciphertext = nacl.secretbox(pkcs8, nonce, boxKey);
  // Field order as Go's json.Marshal writes the struct.
  const json = JSON.stringify({
    kdf: { name: 'scrypt', params: { N: params.N, r: params.r, p: params.p }, salt: salt.toString('base64') },
    cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') },
    ciphertext: Buffer.from(ciphertext).toString('base64'),
  });
  return encodePem(options.label ?? SIGSTORE_PRIVATE_KEY_LABEL, Buffer.from(json, 'utf8'));
}

/** True when the PEM text is a cosign encrypted private key (either label). */
export function isCosignEncryptedKey(pem: string): boolean {
  return pem.includes(`-----BEGIN ${SIGSTORE_PRIVATE_KEY_LABEL}-----`) || pem.includes(`-----BEGIN ${COSIGN_PRIVATE_KEY_LABEL}-----`);
}

/**
 * Decrypts a cosign encrypted private key as cosign's LoadPrivateKey does: the PEM label must be one of
 * the two cosign labels, the KDF parameters one of the accepted sets, and the plaintext a PKCS#8 key.
 */
export async function decryptCosignKey(pem: string, password: string | Uint8Array): Promise<KeyObject> {
  const block = decodePem(pem);
  if (block.label !== SIGSTORE_PRIVATE_KEY_LABEL && block.label !== COSIGN_PRIVATE_KEY_LABEL) {
    throw new ProvenantError('KEY_INVALID', `PEM type ${block.label} is not a cosign encrypted private key`);
  }
  let parsed: z.infer<typeof EncryptedKeySchema>;
  try {
    parsed = EncryptedKeySchema.parse(JSON.parse(block.der.toString('utf8')));
  } catch (cause) {
    throw new ProvenantError('KEY_ENCRYPTION_INVALID', 'encrypted key is not scrypt + nacl/secretbox JSON as cosign writes it', { cause });
  }
  const { N, r, p } = parsed.kdf.params;
  if (!Object.values(SCRYPT_PARAMETER_SETS).some((s) => s.N === N && s.r === r && s.p === p)) {
    throw new ProvenantError('KEY_ENCRYPTION_INVALID', `unsupported scrypt parameters N=${N} r=${r} p=${p}`);
  }
  const boxKey = await deriveKey(password, parsed.kdf.salt, { N, r, p });
  const plain = nacl.secretbox.open(parsed.ciphertext, parsed.cipher.nonce, boxKey);
  if (!plain) throw new ProvenantError('KEY_PASSWORD_INCORRECT', 'cannot decrypt the private key: wrong password or corrupted key file');
  // cosign requires PKCS#8 inside; a SEC1 or PKCS#1 body is refused as it is by Go's ParsePKCS8PrivateKey.
  return privateKeyFromDer(Buffer.from(plain), 'pkcs8');
}
