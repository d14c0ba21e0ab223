import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProvenantError } from '../errors.js';
import { decodeBase64 } from './encoding.js';

const decode = (s: string): Buffer | string => {
  try {
    return decodeBase64(s, 'BUNDLE_INVALID', 'field');
  } catch (e) {
    return e instanceof ProvenantError ? e.code : 'THROWN';
  }
};

describe('decodeBase64', () => {
  it('round-trips every byte string, padded or not', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (u) => {
        const b = Buffer.from(u);
        expect(decode(b.toString('base64'))).toEqual(b);
        expect(decode(b.toString('base64').replace(/=+$/, ''))).toEqual(b);
      }),
    );
  });

  it('rejects non-canonical padding bits, stray characters and bad padding', () => {
    expect(decode('AB==')).toBe('BUNDLE_INVALID'); // canonical is AA==
    expect(decode('AAB=')).toBe('BUNDLE_INVALID'); // canonical is AAA=
    expect(decode('A')).toBe('BUNDLE_INVALID');
    expect(decode('AA=')).toBe('BUNDLE_INVALID');
    expect(decode('AA AA')).toBe('BUNDLE_INVALID');
    expect(decode('AA==AA==')).toBe('BUNDLE_INVALID');
    expect(decode('QUJD\nREVG')).toEqual(Buffer.from('ABCDEF'));
    expect(decode('_-8=')).toBe('BUNDLE_INVALID'); // URL-safe alphabet
    expect(decode('/+8=')).toEqual(Buffer.from([0xff, 0xef]));
  });
});
