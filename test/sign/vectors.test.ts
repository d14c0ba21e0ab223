import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProvenantError } from '@provenant/core/errors';
import { decryptCosignKey, importPublicKey, keyAlgorithm, loadPrivateKey } from '@provenant/core/sign';
import { vectorsDir } from '../vectors.js';

// cosign's own key files, beyond the verdicts the conformance runner checks: the reason each is refused.
const dir = vectorsDir();
const keysTest = (f: string): string => readFileSync(join(dir, 'cosign/extracted/pkg/cosign/keys_test', f), 'utf8');

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ProvenantError) return err.code;
    throw err;
  }
  return 'no error';
}

describe('cosign key vectors', () => {
  it('decrypts both PEM labels with password "hello"', async () => {
    expect(keyAlgorithm(await decryptCosignKey(keysTest('pemcosignkey.pem'), 'hello'))).toBe('ecdsa-p256');
    expect(keyAlgorithm(await loadPrivateKey(keysTest('pemsigstorekey.pem'), 'hello'))).toBe('ecdsa-p256');
  });

  it('refuses the SEC1 body inside the envelope because it is not PKCS#8, not because of the password', async () => {
    expect(await code(decryptCosignKey(keysTest('pemcosigneckey.pem'), 'hello'))).toBe('KEY_INVALID');
    expect(await code(decryptCosignKey(keysTest('pemcosigneckey.pem'), 'wrong'))).toBe('KEY_PASSWORD_INCORRECT');
  });

  it("parses cosign's CI key pair: the public key imports, the private key needs its (secret) password", async () => {
    const pub = importPublicKey(readFileSync(join(dir, 'cosign/.github/workflows/cosign-test.pub'), 'utf8'));
    expect(keyAlgorithm(pub)).toBe('ecdsa-p256');
    const key = readFileSync(join(dir, 'cosign/.github/workflows/cosign-test.key'), 'utf8');
    expect(await code(loadPrivateKey(key))).toBe('KEY_PASSWORD_REQUIRED');
    expect(await code(loadPrivateKey(key, 'not-the-ci-secret'))).toBe('KEY_PASSWORD_INCORRECT');
  });
});
