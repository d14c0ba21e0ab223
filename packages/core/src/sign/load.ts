import { readFile } from 'node:fs/promises';
import type { KeyObject } from 'node:crypto';
import { ProvenantError } from '../errors.js';
import { decryptCosignKey, isCosignEncryptedKey } from './cosign-key.js';
import { importPrivateKey } from './keys.js';

/**
 * Loads a signing key from PEM text: a cosign encrypted key (needs the password), or an unencrypted
 * PKCS#8 / SEC1 / PKCS#1 key (as openssl writes them).
 */
export async function loadPrivateKey(pem: string, password?: string | Uint8Array): Promise<KeyObject> {
  if (isCosignEncryptedKey(pem)) {
    if (password === undefined) {
      throw new ProvenantError('KEY_PASSWORD_REQUIRED', 'the key is encrypted: give its password with --password-file, PROVENANT_PASSWORD or COSIGN_PASSWORD');
    }
    return decryptCosignKey(pem, password);
  }
  if (pem.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----')) {
    throw new ProvenantError('KEY_UNSUPPORTED', 'PKCS#8 password-encrypted keys are not supported; import the key with `provenant keygen --import` or decrypt it with openssl first');
  }
  return importPrivateKey(pem);
}

export interface PasswordSources {
  /** A file whose content (without one trailing newline) is the password. */
  passwordFile?: string | undefined;
  /** Environment to read PROVENANT_PASSWORD, then COSIGN_PASSWORD from; default process.env. */
  env?: Record<string, string | undefined>;
}

/** The key password from --password-file, else PROVENANT_PASSWORD, else COSIGN_PASSWORD; undefined if none. */
export async function resolveKeyPassword(sources: PasswordSources = {}): Promise<string | undefined> {
  if (sources.passwordFile !== undefined) {
    let text: string;
    try {
      text = await readFile(sources.passwordFile, 'utf8');
    } catch (cause) {
      throw new ProvenantError('FILE_UNREADABLE', `cannot read password file ${sources.passwordFile}`, { cause });
    }
    return text.replace(/\r?\n$/, '');
  }
  const env = sources.env ?? process.env;
  return env.PROVENANT_PASSWORD ?? env.COSIGN_PASSWORD;
}
