import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProvenantError } from '../../errors.js';
import { loadTrustedRoot } from '../trust/material.js';
import { parseTimestamp } from './rfc3161.js';
import { verifyTimestamp } from './tsa.js';

const VECTORS = process.env.PROVENANT_VECTORS ?? join(import.meta.dirname, '../../../../../fixtures/vectors');
const dir = (name: string): string => join(VECTORS, 'sigstore-conformance/test/assets/bundle-verify', name);
const read = (name: string) => {
  const b = JSON.parse(readFileSync(join(dir(name), 'bundle.sigstore.json'), 'utf8'));
  return {
    token: Buffer.from(b.verificationMaterial.timestampVerificationData.rfc3161Timestamps[0].signedTimestamp.replace(/\n/g, ''), 'base64'),
    signature: Buffer.from(b.messageSignature.signature, 'base64'),
  };
};
const code = (fn: () => unknown): string => {
  try {
    fn();
    return 'OK';
  } catch (e) {
    return e instanceof ProvenantError ? e.code : 'THROWN';
  }
};

describe('RFC 3161 timestamps', () => {
  const trust = loadTrustedRoot(readFileSync(join(dir('rekor2-happy-path'), 'trusted_root.json')));

  it('parses the token and verifies it over the bundle signature', () => {
    const { token, signature } = read('rekor2-happy-path');
    const t = parseTimestamp(token);
    expect(t.imprintAlgorithm).toBe('sha256');
    expect(verifyTimestamp(token, signature, trust.timestampAuthorities).time.getTime()).toBe(t.genTime.getTime());
  });

  it('accepts a token without embedded certificates, matched by issuer and serial', () => {
    const { token, signature } = read('rekor2-timestamp-without-embedded-cert');
    const t2 = loadTrustedRoot(readFileSync(join(dir('rekor2-timestamp-without-embedded-cert'), 'trusted_root.json')));
    expect(code(() => verifyTimestamp(token, signature, t2.timestampAuthorities))).toBe('OK');
  });

  it('denies another signature, an unknown TSA, a time outside the TSA window', () => {
    const { token, signature } = read('rekor2-happy-path');
    expect(code(() => verifyTimestamp(token, Buffer.from(signature).fill(0, 0, 1), trust.timestampAuthorities))).toBe('TIMESTAMP_INVALID');
    expect(code(() => verifyTimestamp(token, signature, []))).toBe('TIMESTAMP_INVALID');
    const late = trust.timestampAuthorities.map((ca) => ({ ...ca, validFor: { start: Date.parse('2030-01-01'), end: Infinity } }));
    expect(code(() => verifyTimestamp(token, signature, late))).toBe('TIMESTAMP_INVALID');
    expect(code(() => verifyTimestamp(token.subarray(0, 100), signature, trust.timestampAuthorities))).toBe('TIMESTAMP_INVALID');
  });
});
