import { ProvenantError } from '../../errors.js';
import { bytesEqual } from '../encoding.js';
import type { TlogEntry } from '../bundle/entity.js';
import { inRange, type LogAuthority } from '../trust/material.js';
import { verifyTlogBody, type BodyExpectations } from './body.js';
import { verifyCheckpoint } from './checkpoint.js';
import { verifyInclusion } from './merkle.js';
import { verifySet } from './set.js';

export interface VerifiedTlogEntry {
  readonly entry: TlogEntry;
  readonly log: LogAuthority;
  /** integratedTime, only when a verified SET vouches for it. */
  readonly integratedTime: Date | undefined;
}

function findLog(entry: TlogEntry, tlogs: readonly LogAuthority[]): LogAuthority {
  const candidates = tlogs.filter((l) => bytesEqual(l.logId, entry.logId));
  if (candidates.length === 0) {
    throw new ProvenantError('TLOG_KEY_UNKNOWN', `log entry ${entry.logIndex} comes from a log (${entry.logId.toString('hex')}) the trusted root does not list`);
  }
  if (entry.integratedTime === undefined) return candidates[0]!;
  const t = Number(entry.integratedTime) * 1000;
  const log = candidates.find((l) => inRange(l.validFor, t));
  if (!log) throw new ProvenantError('TLOG_KEY_UNKNOWN', `log key ${candidates[0]!.baseUrl} was not valid at the entry's integrated time`);
  return log;
}

/** Proves one entry is in its log: by SET, by inclusion proof + signed checkpoint, or both. */
function verifyInclusionOf(entry: TlogEntry, log: LogAuthority): void {
  if (entry.signedEntryTimestamp) verifySet(entry, log);
  const proof = entry.inclusionProof;
  if (proof) {
    // Only v0.1 bundles get here without a checkpoint; their SET carries the proof of inclusion.
    const checkpoint = proof.checkpoint === undefined ? { size: proof.treeSize, rootHash: proof.rootHash } : verifyCheckpoint(proof.checkpoint, log);
    if (checkpoint.size !== proof.treeSize || !bytesEqual(checkpoint.rootHash, proof.rootHash)) {
      throw new ProvenantError('TLOG_INCLUSION_PROOF_INVALID', 'inclusion proof tree size or root hash differs from the signed checkpoint');
    }
    verifyInclusion(entry.body, proof.logIndex, proof.treeSize, proof.hashes, proof.rootHash);
  }
  if (!entry.signedEntryTimestamp && !proof) {
    throw new ProvenantError('TLOG_INCLUSION_PROOF_INVALID', `log entry ${entry.logIndex} has neither an inclusion proof nor a SET`);
  }
}

/** Verifies every tlog entry of a bundle is in its log (all must pass) and returns them, rejecting duplicates. */
export function verifyTlogInclusion(entries: readonly TlogEntry[], tlogs: readonly LogAuthority[]): VerifiedTlogEntry[] {
  const seen = new Set<string>();
  const out: VerifiedTlogEntry[] = [];
  for (const entry of entries) {
    const id = `${entry.logId.toString('hex')}:${entry.logIndex}`;
    if (seen.has(id)) throw new ProvenantError('TLOG_ENTRY_INVALID', `log entry ${entry.logIndex} appears twice in the bundle`);
    seen.add(id);
    const log = findLog(entry, tlogs);
    verifyInclusionOf(entry, log);
    out.push({ entry, log, integratedTime: entry.signedEntryTimestamp ? new Date(Number(entry.integratedTime) * 1000) : undefined });
  }
  return out;
}

/** Checks that every (included) entry records exactly this bundle's signature, content and signer. */
export function verifyTlogBodies(entries: readonly VerifiedTlogEntry[], exp: BodyExpectations): void {
  for (const v of entries) verifyTlogBody(v.entry, exp);
}
