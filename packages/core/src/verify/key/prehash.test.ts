import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { verifyPrehashed } from './prehash.js';

describe('verifyPrehashed agrees with node:crypto on real signatures', () => {
  for (const [curve, hash] of [['P-256', 'sha256'], ['P-384', 'sha384'], ['P-384', 'sha256']] as const) {
    it(`ECDSA ${curve} over ${hash}`, () => {
      const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: curve });
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(), (msg, flip) => {
          const data = Buffer.from(msg);
          const sig = sign(hash, data, privateKey);
          const digest = createHash(hash).update(data).digest();
          expect(verifyPrehashed(digest, hash, publicKey, sig)).toBe(true);
          const other = Buffer.from(digest);
          other[flip % other.length]! ^= 1;
          expect(verifyPrehashed(other, hash, publicKey, sig)).toBe(false);
          const badSig = Buffer.from(sig);
          badSig[badSig.length - 1 - (flip % 8)]! ^= 1;
          expect(verifyPrehashed(digest, hash, publicKey, badSig)).toBe(false);
        }),
        { numRuns: curve === 'P-384' ? 10 : 25 },
      );
    });
  }

  it('RSA PKCS#1 v1.5', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const data = Buffer.from('artifact');
    const sig = sign('sha256', data, privateKey);
    expect(verifyPrehashed(createHash('sha256').update(data).digest(), 'sha256', publicKey, sig)).toBe(true);
    expect(verifyPrehashed(createHash('sha256').update('other').digest(), 'sha256', publicKey, sig)).toBe(false);
  });

  it('Ed25519 cannot be checked from a digest', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const sig = sign(null, Buffer.from('x'), privateKey);
    expect(verifyPrehashed(createHash('sha256').update('x').digest(), 'sha256', publicKey, sig)).toBe(false);
  });
});
