import { createHash } from 'node:crypto';
import { ProvenantError } from '../../errors.js';
import { bytesEqual } from '../encoding.js';
import type { TlogEntry } from '../bundle/entity.js';
import type { LogAuthority } from '../trust/material.js';
import { keyValidAt } from '../trust/window.js';
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
  const log = candidates.find((l) => keyValidAt(l.validFor, [t]));
  if (!log) throw new ProvenantError('TLOG_KEY_UNKNOWN', `log key ${candidates[0]!.baseUrl} was not valid at the entry's integrated time`);
  return log;
}

/** Where the log itself says the entry is: the tree (checkpoint origin, or the SET's log) and the index in it. */
interface ProvenPosition {
  readonly tree: string;
  readonly index: bigint;
}

/**
 * Proves one entry is in its log: by SET, by inclusion proof + signed checkpoint, or both. Returns the
 * position that proof authenticates; the top-level logIndex is covered only by a SET.
 */
function verifyInclusionOf(entry: TlogEntry, log: LogAuthority): ProvenPosition {
  if (entry.signedEntryTimestamp) verifySet(entry, log);
  const proof = entry.inclusionProof;
  if (proof) {
    // Only v0.1 bundles get here without a checkpoint; their SET carries the proof of inclusion.
    const checkpoint = proof.checkpoint === undefined ? undefined : verifyCheckpoint(proof.checkpoint, log);
    const signed = checkpoint ?? { size: proof.treeSize, rootHash: proof.rootHash };
    if (signed.size !== proof.treeSize || !bytesEqual(signed.rootHash, proof.rootHash)) {
      throw new ProvenantError('TLOG_INCLUSION_PROOF_INVALID', 'inclusion proof tree size or root hash differs from the signed checkpoint');
    }
    verifyInclusion(entry.body, proof.logIndex, proof.treeSize, proof.hashes, proof.rootHash);
    if (checkpoint) return { tree: `checkpoint:${checkpoint.origin}`, index: proof.logIndex };
  }
  if (!entry.signedEntryTimestamp) {
    throw new ProvenantError('TLOG_INCLUSION_PROOF_INVALID', `log entry ${entry.logIndex} has neither an inclusion proof nor a SET`);
  }
  return { tree: 'set', index: entry.logIndex };
}

/** At most this many entries are read from one bundle (as sigstore-go): each costs signature checks. */
export const MAX_TLOG_ENTRIES = 32;

/**
 * Verifies every tlog entry of a bundle is in its log (all must pass) and returns them. Two entries are the
 * same evidence when one log holds the same canonical body, or proves the same position, for both: such a
 * duplicate is refused, so a threshold counts distinct log entries, never copies with an unsigned field changed.
 */
export function verifyTlogInclusion(entries: readonly TlogEntry[], tlogs: readonly LogAuthority[]): VerifiedTlogEntry[] {
  if (entries.length > MAX_TLOG_ENTRIES) throw new ProvenantError('TLOG_ENTRY_INVALID', `bundle has ${entries.length} transparency-log entries, at most ${MAX_TLOG_ENTRIES} are read`);
  const seen = new Set<string>();
  const once = (id: string, entry: TlogEntry): void => {
    if (seen.has(id)) throw new ProvenantError('TLOG_ENTRY_INVALID', `log entry ${entry.logIndex} is the same log entry as an earlier one in the bundle`);
    seen.add(id);
  };
  const out: VerifiedTlogEntry[] = [];
  for (const entry of entries) {
    const logId = entry.logId.toString('hex');
    once(`${logId} index ${entry.logIndex}`, entry);
    const log = findLog(entry, tlogs);
    const position = verifyInclusionOf(entry, log);
    // Both keys come from what the log signed: the body (leaf hash, SET) and the proven position.
    once(`${logId} body ${createHash('sha256').update(entry.body).digest('hex')}`, entry);
    once(`${logId} ${position.tree} at ${position.index}`, entry);
    out.push({ entry, log, integratedTime: entry.signedEntryTimestamp ? new Date(Number(entry.integratedTime) * 1000) : undefined });
  }
  return out;
}

/** Checks that every (included) entry records exactly this bundle's signature, content and signer. */
export function verifyTlogBodies(entries: readonly VerifiedTlogEntry[], exp: BodyExpectations): void {
  for (const v of entries) verifyTlogBody(v.entry, exp);
}
