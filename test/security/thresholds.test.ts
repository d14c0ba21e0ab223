import { beforeAll, describe, expect, it } from 'vitest';
import { loadTrustedRoot, verifyBundle, type TrustMaterial, type VerifyOptions } from '@provenant/core/verify';
import { miniSigstore, SAN, ISSUER, type MiniSigstore } from '../verify/fixtures.js';
import { codeOf, type Json } from './helpers.js';

// Bypass class "thresholds": a threshold counts distinct evidence. Distinctness comes from what a log or a
// TSA signed (the canonical body and the proven position; the TSTInfo), never from an unsigned field or an
// encoding. Each case: a genuine bundle that verifies, then the same evidence given twice, refused.

const data = Buffer.from('threshold artifact\n');
const policy = { kind: 'identity' as const, subjectAlternativeName: SAN, issuer: ISSUER };

let sig: MiniSigstore;
let trust: TrustMaterial;
let bundle: Json;
const run = (b: Json, options: VerifyOptions): string => codeOf(() => verifyBundle(b, { data }, policy, trust, options));
const entries = (b: Json): Json[] => b.verificationMaterial.tlogEntries;

beforeAll(async () => {
  sig = await miniSigstore();
  trust = loadTrustedRoot(sig.trustedRoot);
  bundle = await sig.signBlob(data);
});

describe('tlog threshold counts distinct log entries', () => {
  it('genuine: one entry meets threshold 1; the same body in a second log meets threshold 2', async () => {
    expect(run(bundle, {})).toBe('VALID');
    const b = structuredClone(bundle);
    const body = JSON.parse(Buffer.from(entries(b)[0].canonicalizedBody, 'base64').toString('utf8'));
    entries(b).push(await sig.log(body, 'hashedrekord', { secondLog: true }));
    expect(run(b, { tlogThreshold: 2 })).toBe('VALID');
  });

  it('one entry listed twice, only the unsigned top-level logIndex changed (no SET): refused', () => {
    const b = structuredClone(bundle);
    delete entries(b)[0].inclusionPromise;
    const copy = structuredClone(entries(b)[0]);
    copy.logIndex = String(BigInt(copy.logIndex) + 1000n);
    entries(b).push(copy);
    // Without the copy the SET-less entry still verifies (the TSA supplies the signing time).
    expect(run({ ...b, verificationMaterial: { ...b.verificationMaterial, tlogEntries: [entries(b)[0]] } }, {})).toBe('VALID');
    expect(run(b, { tlogThreshold: 2 })).toBe('TLOG_ENTRY_INVALID');
    expect(run(b, { tlogThreshold: 1 })).toBe('TLOG_ENTRY_INVALID');
  });

  it('a SET-backed entry plus its copy stripped of the SET with another logIndex: refused', () => {
    const b = structuredClone(bundle);
    const copy = structuredClone(entries(b)[0]);
    delete copy.inclusionPromise;
    copy.logIndex = String(BigInt(copy.logIndex) + 7n);
    copy.integratedTime = '0';
    entries(b).push(copy);
    expect(run(b, { tlogThreshold: 2 })).toBe('TLOG_ENTRY_INVALID');
  });

  it('more entries than any genuine bundle carries: refused before any is checked', () => {
    const b = structuredClone(bundle);
    b.verificationMaterial.tlogEntries = Array.from({ length: 33 }, (_, i) => ({ ...entries(bundle)[0], logIndex: String(i) }));
    expect(run(b, {})).toBe('TLOG_ENTRY_INVALID');
  });
});

/** A TimeStampResp's token (its second element), or a bare token wrapped in a granted TimeStampResp. */
function otherForm(der: Buffer): Buffer {
  // Both are SEQUENCEs; a TimeStampResp starts with PKIStatusInfo (a SEQUENCE), a token with an OID.
  const header = (b: Buffer, at: number): { content: number; end: number } => {
    const first = b[at + 1]!;
    if (first < 0x80) return { content: at + 2, end: at + 2 + first };
    const n = first & 0x7f;
    return { content: at + 2 + n, end: at + 2 + n + b.subarray(at + 2, at + 2 + n).readUIntBE(0, n) };
  };
  const top = header(der, 0);
  if (der[top.content] === 0x06) {
    const status = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00]);
    const body = Buffer.concat([status, der]);
    const len = body.length < 0x80 ? Buffer.from([body.length]) : body.length < 0x100 ? Buffer.from([0x81, body.length]) : Buffer.from([0x82, body.length >> 8, body.length & 0xff]);
    return Buffer.concat([Buffer.from([0x30]), len, body]);
  }
  const status = header(der, top.content);
  return der.subarray(status.end, header(der, status.end).end);
}

describe('timestamp thresholds count distinct RFC 3161 tokens', () => {
  const tokens = (b: Json): Json[] => b.verificationMaterial.timestampVerificationData.rfc3161Timestamps;
  const withoutSet = (b: Json): Json => {
    for (const e of entries(b)) delete e.inclusionPromise;
    return b;
  };

  it('genuine: two tokens the TSA issued separately meet a TSA threshold of 2', async () => {
    const b = withoutSet(structuredClone(bundle));
    tokens(b).push({ signedTimestamp: await sig.timestamp(Buffer.from(b.messageSignature.signature, 'base64'), 43) });
    expect(run(b, { tsaThreshold: 2, timestampThreshold: 2 })).toBe('VALID');
  });

  it('the bare token form of a TimeStampResp verifies alone', () => {
    const b = withoutSet(structuredClone(bundle));
    const der = Buffer.from(tokens(b)[0].signedTimestamp, 'base64');
    const other = otherForm(der);
    expect(other.equals(der)).toBe(false);
    expect(otherForm(other).equals(der)).toBe(true);
    tokens(b)[0] = { signedTimestamp: other.toString('base64') };
    expect(run(b, {})).toBe('VALID');
  });

  it('one token given twice, as a TimeStampResp and as the bare token: refused', () => {
    const b = withoutSet(structuredClone(bundle));
    const der = Buffer.from(tokens(b)[0].signedTimestamp, 'base64');
    tokens(b).push({ signedTimestamp: otherForm(der).toString('base64') });
    expect(run(b, { tsaThreshold: 2 })).toBe('TIMESTAMP_INVALID');
    expect(run(b, { timestampThreshold: 2 })).toBe('TIMESTAMP_INVALID');
  });
});
