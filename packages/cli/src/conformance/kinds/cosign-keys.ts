import { createPublicKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ProvenantError } from '@provenant/core/errors';
import { decryptCosignKey, encryptCosignKey, importPrivateKey, keyAlgorithm } from '@provenant/core/sign';
import type { KindHandler } from '../types.js';

const Params = z.looseObject({ password: z.string() });

/** cosign import-key-pair: import an unencrypted PEM key, encrypt it in cosign's format, load it back. */
export const importHandler: KindHandler = async (c, file) => {
  const { password } = Params.parse(c.params);
  const key = importPrivateKey(await readFile(file('key'), 'utf8'));
  const encrypted = await encryptCosignKey(key, password);
  const loaded = await decryptCosignKey(encrypted, password);
  if (!createPublicKey(loaded).equals(createPublicKey(key))) throw new ProvenantError('KEY_INVALID', 're-loaded key differs from the imported key');
  return { verdict: 'valid', detail: `${keyAlgorithm(key)} key imported and re-loaded` };
};

/** cosign LoadPrivateKey: decrypt an `ENCRYPTED SIGSTORE/COSIGN PRIVATE KEY` with its password. */
export const encryptedKeyHandler: KindHandler = async (c, file) => {
  const { password } = Params.parse(c.params);
  const key = await decryptCosignKey(await readFile(file('key'), 'utf8'), password);
  return { verdict: 'valid', detail: `${keyAlgorithm(key)} key decrypted` };
};
