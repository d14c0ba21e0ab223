import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ProvenantError } from '../../errors.js';
import { leafHash, verifyInclusion } from './merkle.js';

// Reference RFC 6962 tree hash and audit path, written the slow recursive way of §2.1.
const node = (l: Buffer, r: Buffer): Buffer => createHash('sha256').update(Buffer.from([1])).update(l).update(r).digest();
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
function mth(leaves: Buffer[]): Buffer {
  if (leaves.length === 1) return leafHash(leaves[0]!);
  const k = split(leaves.length);
  return node(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}
function path(m: number, leaves: Buffer[]): Buffer[] {
  if (leaves.length === 1) return [];
  const k = split(leaves.length);
  return m < k ? [...path(m, leaves.slice(0, k)), mth(leaves.slice(k))] : [...path(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}

describe('verifyInclusion (RFC 6962 audit paths)', () => {
  it('accepts every leaf of every tree up to 33 leaves', () => {
    for (let n = 1; n <= 33; n++) {
      const leaves = Array.from({ length: n }, (_, i) => Buffer.from(`leaf ${i}`));
      const root = mth(leaves);
      for (let m = 0; m < n; m++) expect(() => verifyInclusion(leaves[m]!, BigInt(m), BigInt(n), path(m, leaves), root)).not.toThrow();
    }
  });

  it('rejects a wrong leaf, index, size, hash, extra or missing hash', () => {
    const leaves = Array.from({ length: 13 }, (_, i) => Buffer.from(`leaf ${i}`));
    const root = mth(leaves);
    const p = path(5, leaves);
    const bad: [Buffer, bigint, bigint, Buffer[]][] = [
      [Buffer.from('leaf x'), 5n, 13n, p],
      [leaves[5]!, 6n, 13n, p],
      // (the tree size itself is authenticated by the signed checkpoint, not by the path)
      [leaves[5]!, 5n, 6n, p],
      [leaves[5]!, 5n, 13n, [Buffer.alloc(32), ...p.slice(1)]],
      [leaves[5]!, 5n, 13n, [...p, Buffer.alloc(32)]],
      [leaves[5]!, 5n, 13n, p.slice(1)],
      [leaves[5]!, 13n, 13n, p],
      [leaves[5]!, -1n, 13n, p],
    ];
    for (const [leaf, i, n, proof] of bad) {
      let err: unknown;
      try {
        verifyInclusion(leaf, i, n, proof, root);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ProvenantError);
      expect((err as ProvenantError).code).toBe('TLOG_INCLUSION_PROOF_INVALID');
    }
  });
});
