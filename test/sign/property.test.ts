import { createPublicKey } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProvenantError } from '@provenant/core/errors';
import { decryptCosignKey, encryptCosignKey, generateKeyPair, importPrivateKey, loadPrivateKey } from '@provenant/core/sign';

// Properties of the key formats: round trips hold for any password; any single-byte change of an encrypted
// key, or arbitrary PEM-ish input, ends in a ProvenantError (never another exception, never a wrong key).
const kp = generateKeyPair('ed25519');
const encrypted = await encryptCosignKey(kp.privateKey, 'pw', { strength: 'legacy' });
const lines = encrypted.trimEnd().split('\n');
const body = Buffer.from(lines.slice(1, -1).join(''), 'base64');
const armor = (b: Buffer): string => `${lines[0]}\n${b.toString('base64')}\n${lines[lines.length - 1]}\n`;

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return err instanceof ProvenantError ? err.code : `foreign: ${String(err)}`;
  }
}

describe('cosign key format properties', () => {
  it('round-trips any password (unicode included)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 24 }), async (password) => {
        const pem = await encryptCosignKey(kp.privateKey, password, { strength: 'legacy' });
        expect(createPublicKey(await decryptCosignKey(pem, password)).equals(kp.publicKey)).toBe(true);
      }),
      { numRuns: 4 },
    );
  });

  it('a changed byte anywhere in the encrypted key never yields a wrong key and never throws anything but ProvenantError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: body.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, xor) => {
        const mutated = Buffer.from(body);
        mutated[at] = (mutated[at] ?? 0) ^ xor;
        try {
          // Only a change to base64's ignored padding bits can still decrypt, and then to the same key.
          const key = await decryptCosignKey(armor(mutated), 'pw');
          expect(createPublicKey(key).equals(kp.publicKey)).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(ProvenantError);
        }
      }),
      { numRuns: 12 },
    );
  });

  it('arbitrary text never throws anything but ProvenantError from the key loaders', async () => {
    const pemish = fc.oneof(
      fc.string(),
      fc.uint8Array({ maxLength: 200 }).map((b) => `-----BEGIN PRIVATE KEY-----\n${Buffer.from(b).toString('base64')}\n-----END PRIVATE KEY-----\n`),
      fc.uint8Array({ maxLength: 200 }).map((b) => `-----BEGIN EC PRIVATE KEY-----\n${Buffer.from(b).toString('base64')}\n-----END EC PRIVATE KEY-----\n`),
      fc.json().map((j) => `-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n${Buffer.from(j).toString('base64')}\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n`),
    );
    await fc.assert(
      fc.asyncProperty(pemish, async (text) => {
        expect(await outcome(loadPrivateKey(text, 'pw'))).not.toMatch(/^foreign|^ok$/);
        expect(await outcome(Promise.resolve().then(() => importPrivateKey(text)))).not.toMatch(/^foreign|^ok$/);
      }),
      { numRuns: 200 },
    );
  });
});
