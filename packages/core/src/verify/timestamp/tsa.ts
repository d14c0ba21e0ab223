import { createHash } from 'node:crypto';
import { ProvenantError } from '../../errors.js';
import { DerReader, TAG } from '../der.js';
import { bytesEqual } from '../encoding.js';
import { verifySignature } from '../crypto.js';
import { issuedBy } from '../key/chain.js';
import type { CertAuthority } from '../trust/material.js';
import { keyValidAt } from '../trust/window.js';
import { OID_ATTR_CONTENT_TYPE, OID_ATTR_MESSAGE_DIGEST, OID_TSTINFO, parseTimestamp, type TimestampToken } from './rfc3161.js';

const SIGNATURE_HASH: Record<string, string> = {
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
};

function invalid(why: string): never {
  throw new ProvenantError('TIMESTAMP_INVALID', `RFC 3161 timestamp: ${why}`);
}

function signerMatches(token: TimestampToken, ca: CertAuthority): boolean {
  const leaf = ca.chain[0]!;
  if (token.signerKeyId) return bytesEqual(leaf.subjectKeyId ?? Buffer.alloc(0), token.signerKeyId);
  return !!token.signerIssuer && !!token.signerSerial && leaf.issuer.equals(token.signerIssuer) && leaf.serialNumber.equals(token.signerSerial);
}

/** The TSA's own chain, leaf to root as listed in the trusted root, valid at the timestamp's time. */
function tsaChainValid(ca: CertAuthority, at: Date): boolean {
  const chain = ca.chain;
  for (let i = 0; i < chain.length; i++) {
    if (!chain[i]!.validAt(at) || chain[i]!.unhandledCriticalExtension) return false;
    if (i + 1 < chain.length && !issuedBy(chain[i]!, chain[i + 1]!, true)) return false;
  }
  return true;
}

function signedContentValid(token: TimestampToken): boolean {
  if (!token.signedAttrs) return true;
  const digestAlg = token.digestAlgorithm;
  if (!digestAlg) return false;
  const md = token.attributes.get(OID_ATTR_MESSAGE_DIGEST);
  const ct = token.attributes.get(OID_ATTR_CONTENT_TYPE);
  if (!md || !ct) return false;
  const mdR = new DerReader(md, 'TIMESTAMP_INVALID', 'messageDigest attribute');
  const ctR = new DerReader(ct, 'TIMESTAMP_INVALID', 'contentType attribute');
  if (ctR.oid(ctR.root()) !== OID_TSTINFO) return false;
  const digest = createHash(digestAlg).update(token.eContent).digest();
  return bytesEqual(mdR.content(mdR.expect(mdR.root(), TAG.OCTET_STRING, 'messageDigest')), digest);
}

/** A verified RFC 3161 timestamp: its time, and what its TSA signed (the TSTInfo), which identifies it. */
export interface VerifiedRfc3161 {
  readonly time: Date;
  /** sha256 of the signed TSTInfo: the same for a TimeStampResp and the bare token it carries. */
  readonly id: string;
}

/**
 * Verifies an RFC 3161 timestamp over `signature` (the bundle signature bytes) against the trusted
 * TSAs and returns its time. The TSA is chosen by the token's signer id; certificates the token itself
 * carries are never trusted.
 */
export function verifyTimestamp(der: Buffer, signature: Buffer, tsas: readonly CertAuthority[]): VerifiedRfc3161 {
  const token = parseTimestamp(der);
  if (token.eContentType !== OID_TSTINFO) invalid('content is not a TSTInfo');
  if (!token.imprintAlgorithm) invalid('unsupported message imprint hash algorithm');
  if (!bytesEqual(createHash(token.imprintAlgorithm).update(signature).digest(), token.imprint)) {
    invalid('message imprint is not the hash of the bundle signature');
  }
  const candidates = tsas.filter((ca) => signerMatches(token, ca));
  if (candidates.length === 0) invalid('signed by a timestamp authority the trusted root does not list');
  const at = token.genTime;
  const inWindow = candidates.filter((ca) => keyValidAt(ca.validFor, [at.getTime()]));
  if (inWindow.length === 0) invalid(`time ${at.toISOString()} is outside the TSA's trusted-root validity window`);
  const chained = inWindow.filter((ca) => tsaChainValid(ca, at));
  if (chained.length === 0) invalid(`TSA certificate chain is not valid at ${at.toISOString()}`);
  if (!signedContentValid(token)) invalid('signed attributes do not match the TSTInfo');
  const hash = SIGNATURE_HASH[token.signatureAlgorithm] ?? token.digestAlgorithm;
  if (!hash) invalid('unsupported signature algorithm');
  const data = token.signedAttrs ?? token.eContent;
  if (!chained.some((ca) => verifySignature(data, ca.chain[0]!.publicKey, token.signature, hash))) invalid('TSA signature does not verify');
  return { time: at, id: createHash('sha256').update(token.eContent).digest('hex') };
}
