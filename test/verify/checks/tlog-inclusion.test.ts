// Specifications of transparency-log inclusion (core/verify/tlog): signed checkpoints, RFC 6962
// inclusion proofs, signed entry timestamps and the log each entry must come from, against a test log
// built here (test/helpers/tlog.ts). Each test changes one thing from a valid entry.
import { describe, expect, it } from 'vitest';
import { ProvenantError } from '@provenant/core/errors';
import type { TlogEntry } from '../../../packages/core/src/verify/bundle/entity.js';
import { verifyCheckpoint } from '../../../packages/core/src/verify/tlog/checkpoint.js';
import { verifyTlogInclusion } from '../../../packages/core/src/verify/tlog/index.js';
import { verifyInclusion } from '../../../packages/core/src/verify/tlog/merkle.js';
import type { LogAuthority } from '../../../packages/core/src/verify/trust/material.js';
import { makeLogKey, TestLog } from '../../helpers/tlog.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'VALID';
  } catch (err) {
    if (err instanceof ProvenantError) return err.code;
    throw err;
  }
}

const ORIGIN = 'rekor.example.test';
const T = 1_700_000_000;

function setup(n = 7) {
  const log = new TestLog(ORIGIN);
  for (let i = 0; i < n; i++) log.append(Buffer.from(`{"entry":${i}}`));
  const authority: LogAuthority = { baseUrl: `https://${ORIGIN}`, name: ORIGIN, logId: log.key.logId, checkpointKeyId: undefined, key: log.key.publicKey, validFor: { start: -Infinity, end: Infinity } };
  return { log, authority };
}

function entry(log: TestLog, index: number, o: { set?: boolean; proof?: boolean; checkpoint?: string; integratedTime?: number } = {}): TlogEntry {
  const body = log.leaves[index]!;
  const integratedTime = o.integratedTime ?? T;
  return {
    index: 0,
    logIndex: BigInt(index),
    logId: log.key.logId,
    kind: 'hashedrekord',
    version: '0.0.1',
    integratedTime: o.set === false && o.integratedTime === undefined ? undefined : BigInt(integratedTime),
    signedEntryTimestamp: o.set === false ? undefined : log.signedEntryTimestamp(body, integratedTime, index),
    inclusionProof:
      o.proof === false
        ? undefined
        : { logIndex: BigInt(index), rootHash: log.root(), treeSize: BigInt(log.leaves.length), hashes: log.proof(index), checkpoint: o.checkpoint ?? log.checkpoint() },
    body,
  };
}

describe('inclusion proofs (RFC 6962)', () => {
  it('control: every leaf of trees of 1..9 leaves proves against the root', () => {
    for (let n = 1; n <= 9; n++) {
      const { log } = setup(n);
      for (let i = 0; i < n; i++) expect(codeOf(() => verifyInclusion(log.leaves[i]!, BigInt(i), BigInt(n), log.proof(i), log.root()))).toBe('VALID');
    }
  });

  it('a proof for another index, another leaf, a short or long path, a wrong root: TLOG_INCLUSION_PROOF_INVALID', () => {
    const { log } = setup(7);
    const root = log.root();
    const p = log.proof(3);
    expect(codeOf(() => verifyInclusion(log.leaves[3]!, 2n, 7n, p, root))).toBe('TLOG_INCLUSION_PROOF_INVALID');
    expect(codeOf(() => verifyInclusion(log.leaves[4]!, 3n, 7n, p, root))).toBe('TLOG_INCLUSION_PROOF_INVALID');
    expect(codeOf(() => verifyInclusion(log.leaves[3]!, 3n, 7n, p.slice(1), root))).toBe('TLOG_INCLUSION_PROOF_INVALID');
    expect(codeOf(() => verifyInclusion(log.leaves[3]!, 3n, 7n, [...p, root], root))).toBe('TLOG_INCLUSION_PROOF_INVALID');
    expect(codeOf(() => verifyInclusion(log.leaves[3]!, 3n, 7n, p, log.root(6)))).toBe('TLOG_INCLUSION_PROOF_INVALID');
    expect(codeOf(() => verifyInclusion(log.leaves[3]!, 3n, 7n, [p[0]!.subarray(1), ...p.slice(1)], root))).toBe('TLOG_INCLUSION_PROOF_INVALID');
  });

  it('an index outside the tree: TLOG_INCLUSION_PROOF_INVALID', () => {
    const { log } = setup(4);
    expect(codeOf(() => verifyInclusion(log.leaves[3]!, 4n, 4n, log.proof(3), log.root()))).toBe('TLOG_INCLUSION_PROOF_INVALID');
    expect(codeOf(() => verifyInclusion(log.leaves[0]!, -1n, 4n, log.proof(0), log.root()))).toBe('TLOG_INCLUSION_PROOF_INVALID');
  });
});

describe('signed checkpoints', () => {
  it('control: the log signs origin, size and root', () => {
    const { log, authority } = setup();
    expect(verifyCheckpoint(log.checkpoint(), authority)).toEqual({ origin: ORIGIN, size: 7n, rootHash: log.root() });
  });

  it('note and signatures must be separated by a blank line, with a signature block ending in a newline', () => {
    const { log, authority } = setup();
    const cp = log.checkpoint();
    expect(codeOf(() => verifyCheckpoint(cp.replace('\n\n', '\n'), authority))).toBe('TLOG_CHECKPOINT_INVALID');
    expect(codeOf(() => verifyCheckpoint(cp.slice(0, -1), authority))).toBe('TLOG_CHECKPOINT_INVALID');
    expect(codeOf(() => verifyCheckpoint(`${log.checkpointBody()}\n`, authority))).toBe('TLOG_CHECKPOINT_INVALID');
  });

  it('the body must hold an origin, a decimal size and a 32-byte base64 root', () => {
    const { log, authority } = setup();
    for (const body of [`\n7\n${log.root().toString('base64')}\n`, `${ORIGIN}\n07\n${log.root().toString('base64')}\n`, `${ORIGIN}\nseven\n${log.root().toString('base64')}\n`, `${ORIGIN}\n7\n${log.root().subarray(1).toString('base64')}\n`, `${ORIGIN}\n7\n!!\n`, `${ORIGIN}\n7\n`]) {
      expect(codeOf(() => verifyCheckpoint(log.signNote(body), authority)), body).toBe('TLOG_CHECKPOINT_INVALID');
    }
  });

  it('the origin must be the log (or the log with a tree id)', () => {
    const { log, authority } = setup();
    expect(codeOf(() => verifyCheckpoint(log.signNote(`${ORIGIN} - 1234\n7\n${log.root().toString('base64')}\n`), authority))).toBe('VALID');
    expect(codeOf(() => verifyCheckpoint(log.signNote(`evil.example.test\n7\n${log.root().toString('base64')}\n`), authority))).toBe('TLOG_CHECKPOINT_INVALID');
    expect(codeOf(() => verifyCheckpoint(log.signNote(`${ORIGIN}x\n7\n${log.root().toString('base64')}\n`), authority))).toBe('TLOG_CHECKPOINT_INVALID');
  });

  it('a signature line from the log must verify: wrong key, wrong name, wrong key hint are refused', () => {
    const { log, authority } = setup();
    const body = log.checkpointBody();
    expect(codeOf(() => verifyCheckpoint(log.signNote(body, { key: makeLogKey().privateKey }), authority))).toBe('TLOG_CHECKPOINT_INVALID');
    expect(codeOf(() => verifyCheckpoint(log.signNote(body, { name: 'witness.example.test' }), authority))).toBe('TLOG_CHECKPOINT_INVALID');
    expect(codeOf(() => verifyCheckpoint(log.signNote(body, { keyHint: Buffer.from([1, 2, 3, 4]) }), authority))).toBe('TLOG_CHECKPOINT_INVALID');
    // A witness line beside the log's is ignored.
    const witnessed = log.signNote(body) + log.signNote(body, { name: 'witness.example.test', key: makeLogKey().privateKey }).slice(body.length + 1);
    expect(codeOf(() => verifyCheckpoint(witnessed, authority))).toBe('VALID');
  });

  it('a malformed signature line, or one too short for a key hint, is refused', () => {
    const { log, authority } = setup();
    const body = log.checkpointBody();
    expect(codeOf(() => verifyCheckpoint(`${body}\n- ${ORIGIN} AAAA\n`, authority))).toBe('TLOG_CHECKPOINT_INVALID');
    expect(codeOf(() => verifyCheckpoint(`${body}\n\u2014 ${ORIGIN} AAAA\n`, authority))).toBe('TLOG_CHECKPOINT_INVALID');
  });
});

describe('entries: the log, the SET, the proof', () => {
  it('control: an entry with a SET and a proof under a signed checkpoint; its integrated time is the SET one', () => {
    const { log, authority } = setup();
    const [v] = verifyTlogInclusion([entry(log, 3)], [authority]);
    expect(v!.integratedTime).toEqual(new Date(T * 1000));
    const [noSet] = verifyTlogInclusion([entry(log, 3, { set: false })], [authority]);
    expect(noSet!.integratedTime).toBeUndefined();
  });

  it('an entry from a log the trusted root does not list: TLOG_KEY_UNKNOWN', () => {
    const { log } = setup();
    const other = setup().authority;
    expect(codeOf(() => verifyTlogInclusion([entry(log, 1)], [other]))).toBe('TLOG_KEY_UNKNOWN');
  });

  it('a log key not valid at the integrated time: TLOG_KEY_UNKNOWN', () => {
    const { log, authority } = setup();
    const expired = { ...authority, validFor: { start: -Infinity, end: T * 1000 - 1 } };
    expect(codeOf(() => verifyTlogInclusion([entry(log, 1)], [expired]))).toBe('TLOG_KEY_UNKNOWN');
  });

  it('a SET that does not verify (other time, other key): TLOG_SET_INVALID', () => {
    const { log, authority } = setup();
    const e = entry(log, 2);
    expect(codeOf(() => verifyTlogInclusion([{ ...e, integratedTime: BigInt(T + 1) }], [authority]))).toBe('TLOG_SET_INVALID');
    expect(codeOf(() => verifyTlogInclusion([{ ...e, signedEntryTimestamp: log.signedEntryTimestamp(e.body, T, 2, makeLogKey().privateKey) }], [authority]))).toBe('TLOG_SET_INVALID');
  });

  it('the proof must agree with the signed checkpoint (size and root)', () => {
    const { log, authority } = setup();
    const e = entry(log, 2, { set: false, checkpoint: log.checkpoint(6) });
    expect(codeOf(() => verifyTlogInclusion([e], [authority]))).toBe('TLOG_INCLUSION_PROOF_INVALID');
    const forged = entry(log, 2, { set: false });
    expect(codeOf(() => verifyTlogInclusion([{ ...forged, inclusionProof: { ...forged.inclusionProof!, rootHash: log.root(6) } }], [authority]))).toBe('TLOG_INCLUSION_PROOF_INVALID');
  });

  it('neither a proof nor a SET: TLOG_INCLUSION_PROOF_INVALID', () => {
    const { log, authority } = setup();
    expect(codeOf(() => verifyTlogInclusion([entry(log, 2, { set: false, proof: false })], [authority]))).toBe('TLOG_INCLUSION_PROOF_INVALID');
  });

  it('the same entry twice: TLOG_ENTRY_INVALID', () => {
    const { log, authority } = setup();
    expect(codeOf(() => verifyTlogInclusion([entry(log, 2), entry(log, 2)], [authority]))).toBe('TLOG_ENTRY_INVALID');
    expect(verifyTlogInclusion([entry(log, 2), entry(log, 3)], [authority])).toHaveLength(2);
  });
});
