import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pae } from '../../intoto/index.js';
import { preAuthEncoding } from './pae.js';

// core/verify keeps its own PAE so the cold verify path never loads core/intoto's schemas (zod);
// it must stay byte-identical to core/intoto's.
describe('preAuthEncoding', () => {
  it('matches core/intoto pae on any payload type and payload', () => {
    fc.assert(
      fc.property(fc.string(), fc.uint8Array({ maxLength: 256 }), (type, payload) => {
        expect(preAuthEncoding(type, Buffer.from(payload)).equals(pae(type, payload))).toBe(true);
      }),
    );
  });

  it('is the DSSE v1 encoding', () => {
    expect(preAuthEncoding('application/vnd.in-toto+json', Buffer.from('{}')).toString()).toBe('DSSEv1 28 application/vnd.in-toto+json 2 {}');
  });
});
