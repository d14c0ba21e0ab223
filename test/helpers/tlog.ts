// A test transparency log made in the test: an RFC 6962 Merkle tree over the entries a test appends,
// inclusion proofs, checkpoints signed as transparency-dev signed notes, and Rekor-style signed entry
// timestamps, all with a log key generated here. Tests change one signed field at a time.
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

const sha256 = (...parts: Buffer[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

export const leafHash = (leaf: Buffer): Buffer => sha256(Buffer.from([0]), leaf);
export const nodeHash = (left: Buffer, right: Buffer): Buffer => sha256(Buffer.from([1]), left, right);

/** RFC 6962 §2.1 Merkle tree hash of leaves[lo, hi). */
function treeHash(leaves: readonly Buffer[], lo: number, hi: number): Buffer {
  if (hi - lo === 1) return leafHash(leaves[lo]!);
  let k = 1;
  while (k * 2 < hi - lo) k *= 2;
  return nodeHash(treeHash(leaves, lo, lo + k), treeHash(leaves, lo + k, hi));
}

/** RFC 6962 §2.1.1 audit path for leaf m of leaves[lo, hi), leaf to root. */
function auditPath(leaves: readonly Buffer[], m: number, lo: number, hi: number): Buffer[] {
  if (hi - lo === 1) return [];
  let k = 1;
  while (k * 2 < hi - lo) k *= 2;
  return m < k ? [...auditPath(leaves, m, lo, lo + k), treeHash(leaves, lo + k, hi)] : [...auditPath(leaves, m - k, lo + k, hi), treeHash(leaves, lo, lo + k)];
}

export interface LogKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** SPKI DER of the public key. */
  readonly spki: Buffer;
  /** sha256 of the SPKI: the log id, whose first 4 bytes are a checkpoint's key hint. */
  readonly logId: Buffer;
}

export function makeLogKey(): LogKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return { privateKey, publicKey, spki, logId: sha256(spki) };
}

export class TestLog {
  readonly leaves: Buffer[] = [];
  constructor(
    readonly origin: string,
    readonly key: LogKey = makeLogKey(),
  ) {}

  /** Appends an entry body; returns its index. */
  append(body: Buffer): number {
    this.leaves.push(body);
    return this.leaves.length - 1;
  }

  root(size = this.leaves.length): Buffer {
    return treeHash(this.leaves, 0, size);
  }

  proof(index: number, size = this.leaves.length): Buffer[] {
    return auditPath(this.leaves, index, 0, size);
  }

  /** The checkpoint body: origin, size, base64 root, each line ending in a newline. */
  checkpointBody(size = this.leaves.length, root = this.root(size)): string {
    return `${this.origin}\n${size}\n${root.toString('base64')}\n`;
  }

  /** A signed note over `body`: blank line, then `— <name> base64(keyHint || signature)`. */
  signNote(body: string, opts: { name?: string; key?: KeyObject; keyHint?: Buffer } = {}): string {
    const signature = sign('sha256', Buffer.from(body, 'utf8'), opts.key ?? this.key.privateKey);
    const hint = opts.keyHint ?? this.key.logId.subarray(0, 4);
    return `${body}\n\u2014 ${opts.name ?? this.origin} ${Buffer.concat([hint, signature]).toString('base64')}\n`;
  }

  checkpoint(size = this.leaves.length): string {
    return this.signNote(this.checkpointBody(size));
  }

  /** Rekor's signed entry timestamp: a signature over the canonical JSON of body, integratedTime, logID, logIndex. */
  signedEntryTimestamp(body: Buffer, integratedTime: number, logIndex: number, key: KeyObject = this.key.privateKey): Buffer {
    const payload = `{"body":"${body.toString('base64')}","integratedTime":${integratedTime},"logID":"${this.key.logId.toString('hex')}","logIndex":${logIndex}}`;
    return sign('sha256', Buffer.from(payload, 'utf8'), key);
  }
}
