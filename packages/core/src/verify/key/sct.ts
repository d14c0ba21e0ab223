import { createHash } from 'node:crypto';
import { ProvenantError } from '../../errors.js';
import { DerReader, TAG } from '../der.js';
import { bytesEqual } from '../encoding.js';
import { verifySignature } from '../crypto.js';
import type { LogAuthority } from '../trust/material.js';
import { keyValidAt } from '../trust/window.js';
import { OID, type Certificate } from './x509.js';

const SCT_HASH: Record<number, string> = { 4: 'sha256', 5: 'sha384', 6: 'sha512' };

interface Sct {
  readonly version: number;
  readonly logId: Buffer;
  readonly timestamp: Buffer;
  readonly extensions: Buffer;
  readonly hashAlgorithm: number;
  readonly signature: Buffer;
}

function invalid(why: string): never {
  throw new ProvenantError('SCT_INVALID', `signed certificate timestamp: ${why}`);
}

/** Reads the TLS-encoded SignedCertificateTimestampList of RFC 6962 §3.3. */
function parseSctList(extValue: Buffer): Sct[] {
  const r = new DerReader(extValue, 'SCT_INVALID', 'SCT list extension');
  const list = r.content(r.expect(r.root(), TAG.OCTET_STRING, 'SCT list'));
  if (list.length < 2 || list.readUInt16BE(0) !== list.length - 2) invalid('list length mismatch');
  const out: Sct[] = [];
  let p = 2;
  while (p < list.length) {
    if (p + 2 > list.length) invalid('truncated');
    const len = list.readUInt16BE(p);
    const end = p + 2 + len;
    if (end > list.length) invalid('truncated');
    let q = p + 2;
    const need = (n: number): void => {
      if (q + n > end) invalid('truncated');
    };
    need(1 + 32 + 8 + 2);
    const version = list[q]!;
    const logId = list.subarray(q + 1, q + 33);
    const timestamp = list.subarray(q + 33, q + 41);
    const extLen = list.readUInt16BE(q + 41);
    q += 43;
    need(extLen);
    const extensions = list.subarray(q, q + extLen);
    q += extLen;
    need(4);
    const hashAlgorithm = list[q]!;
    const sigLen = list.readUInt16BE(q + 2);
    q += 4;
    need(sigLen);
    const signature = list.subarray(q, q + sigLen);
    if (q + sigLen !== end) invalid('trailing bytes');
    out.push({ version, logId, timestamp, extensions, hashAlgorithm, signature });
    p = end;
  }
  return out;
}

/**
 * Verifies the embedded SCTs of a signing certificate against the trusted CT logs and returns how many
 * verified. An SCT from an unknown log does not count; an SCT from a known log that fails is a denial.
 */
export function verifyScts(leaf: Certificate, issuer: Certificate, ctlogs: readonly LogAuthority[]): number {
  const ext = leaf.extension(OID.SCT_LIST);
  if (!ext) return 0;
  const scts = parseSctList(ext.value);
  if (scts.length === 0) return 0;
  // The precertificate entry: issuer key hash and the TBS without the SCT extension (RFC 6962 §3.2).
  const tbs = leaf.tbsWithoutSct();
  const issuerKeyHash = createHash('sha256').update(issuer.spki).digest();
  const len24 = Buffer.from([(tbs.length >> 16) & 0xff, (tbs.length >> 8) & 0xff, tbs.length & 0xff]);
  const seen = new Set<string>();
  let verified = 0;
  for (const sct of scts) {
    const time = Number(sct.timestamp.readBigUInt64BE(0));
    const logs = ctlogs.filter((l) => bytesEqual(l.logId, sct.logId) && keyValidAt(l.validFor, [time]));
    if (logs.length === 0) continue;
    const hash = SCT_HASH[sct.hashAlgorithm];
    if (!hash) invalid(`unsupported hash algorithm ${sct.hashAlgorithm}`);
    const extLen = Buffer.alloc(2);
    extLen.writeUInt16BE(sct.extensions.length);
    const signed = Buffer.concat([
      Buffer.from([sct.version, 0x00]),
      sct.timestamp,
      Buffer.from([0x00, 0x01]),
      issuerKeyHash,
      len24,
      tbs,
      extLen,
      sct.extensions,
    ]);
    if (!logs.some((l) => verifySignature(signed, l.key, sct.signature, hash))) invalid(`signature from CT log ${logs[0]!.baseUrl} does not verify`);
    const id = sct.logId.toString('hex');
    if (!seen.has(id)) verified++;
    seen.add(id);
  }
  return verified;
}
