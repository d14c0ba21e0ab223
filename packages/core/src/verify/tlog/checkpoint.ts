import { ProvenantError } from '../../errors.js';
import { bytesEqual, decodeBase64 } from '../encoding.js';
import { verifySignature } from '../crypto.js';
import type { LogAuthority } from '../trust/material.js';

export interface Checkpoint {
  readonly origin: string;
  readonly size: bigint;
  readonly rootHash: Buffer;
}

interface NoteSignature {
  readonly name: string;
  readonly keyHint: Buffer;
  readonly signature: Buffer;
}

function invalid(why: string): never {
  throw new ProvenantError('TLOG_CHECKPOINT_INVALID', `checkpoint ${why}`);
}

const SIGNATURE_LINE = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/;

/** Parses a signed note (transparency-dev note format): text, blank line, signature lines. */
function parseSignedNote(envelope: string): { text: string; signatures: NoteSignature[] } {
  const split = envelope.indexOf('\n\n');
  if (split < 0) invalid('has no blank line between note and signatures');
  const text = envelope.slice(0, split + 1);
  const sigBlock = envelope.slice(split + 2);
  if (sigBlock === '') invalid('has no signatures');
  if (!sigBlock.endsWith('\n')) invalid('signature block does not end with a newline');
  const signatures = sigBlock
    .slice(0, -1)
    .split('\n')
    .map((line) => {
      const m = SIGNATURE_LINE.exec(line);
      if (!m) invalid('has a malformed signature line');
      const raw = decodeBase64(m[2]!, 'TLOG_CHECKPOINT_INVALID', 'checkpoint signature');
      if (raw.length < 5) invalid('has a signature too short to hold a key hint');
      return { name: m[1]!, keyHint: raw.subarray(0, 4), signature: raw.subarray(4) };
    });
  if (signatures.length === 0) invalid('has no signatures');
  return { text, signatures };
}

/** Parses the checkpoint body: origin, tree size, base64 root hash, then optional extension lines. */
function parseCheckpointBody(text: string): Checkpoint {
  const lines = text.slice(0, -1).split('\n');
  const [origin, size, root] = lines;
  if (!origin) invalid('has no origin line');
  if (!size || !/^(0|[1-9][0-9]{0,19})$/.test(size)) invalid('has no valid tree size line');
  if (!root || !/^[A-Za-z0-9+/]+={0,2}$/.test(root)) invalid('has no valid root hash line');
  const rootHash = decodeBase64(root, 'TLOG_CHECKPOINT_INVALID', 'checkpoint root hash');
  if (rootHash.length !== 32) invalid('root hash is not 32 bytes');
  return { origin, size: BigInt(size), rootHash };
}

function originMatches(origin: string, log: LogAuthority): boolean {
  // Rekor v1 origins carry the tree id ("rekor.sigstore.dev - 1193050959916656506").
  return origin === log.name || origin.startsWith(log.name + ' - ');
}

/**
 * Verifies a checkpoint: it names the log, and at least one signature line from that log (matching
 * name and key hint) verifies under the log's key. Other lines (witness cosignatures) are ignored.
 */
export function verifyCheckpoint(envelope: string, log: LogAuthority): Checkpoint {
  const note = parseSignedNote(envelope);
  const checkpoint = parseCheckpointBody(note.text);
  if (!originMatches(checkpoint.origin, log)) invalid(`origin "${checkpoint.origin}" is not the log ${log.name}`);
  const hints = [log.logId.subarray(0, 4), ...(log.checkpointKeyId ? [log.checkpointKeyId.subarray(0, 4)] : [])];
  const fromLog = note.signatures.filter((s) => s.name === log.name && hints.some((h) => bytesEqual(h, s.keyHint)));
  if (fromLog.length === 0) invalid(`has no signature from the log ${log.name}`);
  const data = Buffer.from(note.text, 'utf8');
  if (!fromLog.some((s) => verifySignature(data, log.key, s.signature))) invalid(`signature from ${log.name} does not verify`);
  return checkpoint;
}
