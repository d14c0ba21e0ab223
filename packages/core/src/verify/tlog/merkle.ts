import { createHash } from 'node:crypto';
import { ProvenantError } from '../../errors.js';
import { bytesEqual } from '../encoding.js';

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

export function leafHash(leaf: Buffer): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(leaf).digest();
}

function nodeHash(left: Buffer, right: Buffer): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

function onesCount(n: bigint): number {
  let c = 0;
  for (const ch of n.toString(2)) if (ch === '1') c++;
  return c;
}

/** RFC 6962 §2.1.1 audit path check: the leaf at `index` of a tree of `size` leaves has root `root`. */
export function verifyInclusion(leaf: Buffer, index: bigint, size: bigint, proof: readonly Buffer[], root: Buffer): void {
  const fail = (why: string): never => {
    throw new ProvenantError('TLOG_INCLUSION_PROOF_INVALID', `inclusion proof does not verify: ${why}`);
  };
  if (index < 0n || index >= size) fail(`log index ${index} outside tree of size ${size}`);
  if (proof.some((h) => h.length !== 32)) fail('proof hash of wrong length');
  // Split the path where the paths to `index` and to the last leaf diverge (inner part, then right border).
  const inner = bitLength(index ^ (size - 1n));
  const border = onesCount(index >> BigInt(inner));
  if (proof.length !== inner + border) fail(`expected ${inner + border} proof hashes, got ${proof.length}`);
  let hash = leafHash(leaf);
  for (let i = 0; i < inner; i++) {
    hash = (index >> BigInt(i)) & 1n ? nodeHash(proof[i]!, hash) : nodeHash(hash, proof[i]!);
  }
  for (let i = inner; i < proof.length; i++) hash = nodeHash(proof[i]!, hash);
  if (!bytesEqual(hash, root)) fail('computed root hash differs from the proof root hash');
}
