import { ProvenantError } from '../../errors.js';
import { verifySignature } from '../crypto.js';
import type { TlogEntry } from '../bundle/entity.js';
import type { LogAuthority } from '../trust/material.js';

/**
 * Verifies a Signed Entry Timestamp: the log's signature over the canonical JSON of
 * {body, integratedTime, logID, logIndex} (keys sorted, as Rekor signs it).
 */
export function verifySet(entry: TlogEntry, log: LogAuthority): void {
  if (!entry.signedEntryTimestamp) throw new ProvenantError('TLOG_SET_INVALID', 'entry has no inclusionPromise');
  if (entry.integratedTime === undefined) throw new ProvenantError('TLOG_SET_INVALID', 'entry has an inclusionPromise but no integratedTime');
  const payload =
    `{"body":"${entry.body.toString('base64')}","integratedTime":${entry.integratedTime},` +
    `"logID":"${entry.logId.toString('hex')}","logIndex":${entry.logIndex}}`;
  if (!verifySignature(Buffer.from(payload, 'utf8'), log.key, entry.signedEntryTimestamp)) {
    throw new ProvenantError('TLOG_SET_INVALID', `signed entry timestamp of log entry ${entry.logIndex} does not verify under ${log.baseUrl}`);
  }
}
