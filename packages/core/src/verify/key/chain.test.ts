import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProvenantError } from '../../errors.js';
import { loadTrustedRoot } from '../trust/material.js';
import { verifyCertificateChain } from './chain.js';
import { verifyScts } from './sct.js';
import { Certificate } from './x509.js';

const VECTORS = process.env.PROVENANT_VECTORS ?? join(import.meta.dirname, '../../../../../fixtures/vectors');
const rootJson = readFileSync(join(VECTORS, 'sigstore-js/packages/tuf/seeds.decoded/tuf-repo-cdn.sigstore.dev/trusted_root.json'));
const bundle = JSON.parse(readFileSync(join(VECTORS, 'sigstore-conformance/test/assets/bundle-verify/happy-path-v0.1/bundle.sigstore.json'), 'utf8'));
const leaf = new Certificate(Buffer.from(bundle.verificationMaterial.x509CertificateChain.certificates[0].rawBytes, 'base64'));
const signedAt = new Date(Number(bundle.verificationMaterial.tlogEntries[0].integratedTime) * 1000);
const code = (fn: () => unknown): string => {
  try {
    fn();
    return 'OK';
  } catch (e) {
    return e instanceof ProvenantError ? e.code : 'THROWN';
  }
};

describe('verifyCertificateChain', () => {
  const trust = loadTrustedRoot(rootJson);

  it('builds leaf -> intermediate -> root at the signing time, with or without the memo', () => {
    for (const memo of [false, true, true]) {
      const { path } = verifyCertificateChain(leaf, [signedAt], trust.certificateAuthorities, memo);
      expect(path).toHaveLength(3);
      expect(path[0]).toBe(leaf);
      expect(path[2]!.isSelfIssued).toBe(true);
    }
  });

  it('denies times outside the leaf validity, and CAs that do not cover the time', () => {
    expect(code(() => verifyCertificateChain(leaf, [signedAt, new Date(signedAt.getTime() + 11 * 60_000)], trust.certificateAuthorities))).toBe('CERTIFICATE_EXPIRED');
    expect(code(() => verifyCertificateChain(leaf, [new Date(0)], trust.certificateAuthorities))).toBe('CERTIFICATE_CHAIN_INVALID');
    expect(code(() => verifyCertificateChain(leaf, [signedAt], []))).toBe('CERTIFICATE_CHAIN_INVALID');
    // the root alone does not issue the leaf
    const rootOnly = trust.certificateAuthorities.map((ca) => ({ ...ca, chain: ca.chain.slice(-1) }));
    expect(code(() => verifyCertificateChain(leaf, [signedAt], rootOnly))).toBe('CERTIFICATE_CHAIN_INVALID');
  });
});

describe('verifyScts', () => {
  it('counts the SCT from a trusted CT log; none when no log is trusted', () => {
    const trust = loadTrustedRoot(rootJson);
    const { path } = verifyCertificateChain(leaf, [signedAt], trust.certificateAuthorities);
    expect(verifyScts(leaf, path[1]!, trust.ctlogs)).toBe(1);
    expect(verifyScts(leaf, path[1]!, [])).toBe(0);
    // the precertificate binds the issuer key: another issuer makes the SCT fail
    expect(code(() => verifyScts(leaf, path[2]!, trust.ctlogs))).toBe('SCT_INVALID');
  });
});
