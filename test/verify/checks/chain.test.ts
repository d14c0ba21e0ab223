// Specifications of the certificate path checks (core/verify/key/chain.ts), one check per test, each
// against a PKI made here that differs from the valid control in that check's field alone.
import type { KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ProvenantError } from '@provenant/core/errors';
import { verifyCertificateChain } from '../../../packages/core/src/verify/key/chain.js';
import { Certificate } from '../../../packages/core/src/verify/key/x509.js';
import type { CertAuthority } from '../../../packages/core/src/verify/trust/material.js';
import { caExtensions, ext, issue, type Ext, keyIdOf, leafExtensions, p256, testChain, type Issued } from '../../helpers/pki.js';

const AT = new Date(Date.UTC(2024, 5, 1));
const cert = (c: Issued) => new Certificate(c.certificate);
const authority = (chain: Issued[], validFor: CertAuthority['validFor'] = { start: -Infinity, end: Infinity }): CertAuthority => ({ uri: 'https://fulcio.example.test', chain: chain.map(cert), validFor });

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'VALID';
  } catch (err) {
    if (err instanceof ProvenantError) return err.code;
    throw err;
  }
}

/** root -> intermediate -> leaf with one part built differently. */
function chainWith(o: { rootPathLen?: number; intermediateExtensions?: (keys: { publicKey: KeyObject }, root: Issued) => Ext[]; intermediateValidity?: [Date, Date]; leafValidity?: [Date, Date] } = {}) {
  const rootKeys = p256();
  const root = issue({ subject: 'provenant test root', keys: rootKeys, extensions: caExtensions(rootKeys, undefined, o.rootPathLen) });
  const intKeys = p256();
  const intermediate = issue({
    subject: 'provenant test intermediate',
    issuer: root,
    keys: intKeys,
    extensions: o.intermediateExtensions ? o.intermediateExtensions(intKeys, root) : caExtensions(intKeys, root, 0),
    ...(o.intermediateValidity ? { notBefore: o.intermediateValidity[0], notAfter: o.intermediateValidity[1] } : {}),
  });
  const leaf = issue({ subject: 'sigstore', issuer: intermediate, extensions: leafExtensions(intermediate), ...(o.leafValidity ? { notBefore: o.leafValidity[0], notAfter: o.leafValidity[1] } : {}) });
  return { root, intermediate, leaf };
}

describe('certificate chain checks', () => {
  it('control: leaf -> intermediate -> root chains, the path leaf first', () => {
    const { root, intermediate, leaf } = testChain();
    const ca = authority([intermediate, root]);
    for (const memo of [false, true, true]) {
      const { path, authority: a } = verifyCertificateChain(cert(leaf), [AT], [ca], memo);
      expect(path.map((c) => c.der)).toEqual([leaf.certificate, intermediate.certificate, root.certificate]);
      expect(a).toBe(ca);
    }
  });

  it('issuer must be a CA: an intermediate with cA false is CERTIFICATE_CHAIN_INVALID', () => {
    const { root, intermediate, leaf } = chainWith({ intermediateExtensions: (k, r) => [ext.notCa(), ext.caKeyUsage(), ext.subjectKeyId(keyIdOf(k.publicKey)), ext.authorityKeyId(keyIdOf(r.publicKey))] });
    expect(codeOf(() => verifyCertificateChain(cert(leaf), [AT], [authority([intermediate, root])]))).toBe('CERTIFICATE_CHAIN_INVALID');
  });

  it('issuer must be a CA: no basicConstraints at all is not a CA', () => {
    const { root, intermediate, leaf } = chainWith({ intermediateExtensions: (k, r) => [ext.caKeyUsage(), ext.subjectKeyId(keyIdOf(k.publicKey)), ext.authorityKeyId(keyIdOf(r.publicKey))] });
    expect(codeOf(() => verifyCertificateChain(cert(leaf), [AT], [authority([intermediate, root])]))).toBe('CERTIFICATE_CHAIN_INVALID');
  });

  it('path length: a root with pathLen 0 cannot issue through an intermediate', () => {
    const bad = chainWith({ rootPathLen: 0 });
    expect(codeOf(() => verifyCertificateChain(cert(bad.leaf), [AT], [authority([bad.intermediate, bad.root])]))).toBe('CERTIFICATE_CHAIN_INVALID');
    const ok = chainWith({ rootPathLen: 1 });
    expect(codeOf(() => verifyCertificateChain(cert(ok.leaf), [AT], [authority([ok.intermediate, ok.root])]))).toBe('VALID');
  });

  it('path length: an intermediate with pathLen 0 issues leaves, not a further CA', () => {
    const { root, intermediate } = testChain();
    const subKeys = p256();
    const sub = issue({ subject: 'sub', issuer: intermediate, keys: subKeys, extensions: caExtensions(subKeys, intermediate) });
    const leaf = issue({ subject: 'leaf', issuer: sub, extensions: leafExtensions(sub) });
    expect(codeOf(() => verifyCertificateChain(cert(leaf), [AT], [authority([sub, intermediate, root])]))).toBe('CERTIFICATE_CHAIN_INVALID');
  });

  it('authority key id must match the issuer subject key id', () => {
    const { root, intermediate } = testChain();
    const wrongAki = issue({ subject: 'leaf', issuer: intermediate, extensions: [ext.leafKeyUsage(), ext.codeSigning(), ext.authorityKeyId(Buffer.alloc(20, 7))] });
    expect(codeOf(() => verifyCertificateChain(cert(wrongAki), [AT], [authority([intermediate, root])]))).toBe('CERTIFICATE_CHAIN_INVALID');
    const noAki = issue({ subject: 'leaf', issuer: intermediate, extensions: [ext.leafKeyUsage(), ext.codeSigning()] });
    expect(codeOf(() => verifyCertificateChain(cert(noAki), [AT], [authority([intermediate, root])]))).toBe('VALID');
  });

  it('issuer name must chain: a leaf naming another issuer DN does not chain', () => {
    const { root, intermediate } = testChain();
    const leaf = issue({ subject: 'leaf', issuer: intermediate, issuerName: 'someone else', extensions: leafExtensions(intermediate) });
    expect(codeOf(() => verifyCertificateChain(cert(leaf), [AT], [authority([intermediate, root])]))).toBe('CERTIFICATE_CHAIN_INVALID');
  });

  it('signature must verify: the right issuer name, signed by another key', () => {
    const { root, intermediate } = testChain();
    const impostor = { ...intermediate, ...p256() };
    const leaf = issue({ subject: 'leaf', issuer: impostor, extensions: [ext.leafKeyUsage(), ext.codeSigning()] });
    expect(codeOf(() => verifyCertificateChain(cert(leaf), [AT], [authority([intermediate, root])]))).toBe('CERTIFICATE_CHAIN_INVALID');
  });

  it('CA-to-CA links are signature-checked too: a listed intermediate the root did not sign ends the path there', () => {
    const { root, leaf, intermediate } = testChain();
    const otherRoot = { ...root, ...p256() };
    const badIntermediate = issue({ subject: intermediate.name, issuer: otherRoot, keys: intermediate, extensions: [ext.ca(), ext.caKeyUsage(), ext.subjectKeyId(keyIdOf(intermediate.publicKey))] });
    // Every listed certificate is trusted, so the path is valid, but it does not reach the root.
    const { path } = verifyCertificateChain(cert(leaf), [AT], [authority([badIntermediate, root])]);
    expect(path.map((c) => c.der)).toEqual([leaf.certificate, badIntermediate.certificate]);
  });

  it('the walk must end at a trusted certificate: a leaf alone in the chain is not a path', () => {
    const { leaf, intermediate } = testChain();
    expect(codeOf(() => verifyCertificateChain(cert(leaf), [AT], [authority([leaf])]))).toBe('CERTIFICATE_CHAIN_INVALID');
    // The last listed anchor need not be self-signed.
    expect(codeOf(() => verifyCertificateChain(cert(leaf), [AT], [authority([intermediate])]))).toBe('VALID');
  });

  it('leaf validity: a signing time outside the leaf window is CERTIFICATE_EXPIRED', () => {
    const { root, intermediate, leaf } = chainWith({ leafValidity: [new Date(Date.UTC(2024, 5, 1)), new Date(Date.UTC(2024, 5, 1, 0, 10))] });
    const ca = [authority([intermediate, root])];
    expect(codeOf(() => verifyCertificateChain(cert(leaf), [new Date(Date.UTC(2024, 5, 1, 0, 5))], ca))).toBe('VALID');
    expect(codeOf(() => verifyCertificateChain(cert(leaf), [new Date(Date.UTC(2024, 5, 1, 0, 5)), new Date(Date.UTC(2024, 5, 1, 0, 11))], ca))).toBe('CERTIFICATE_EXPIRED');
  });

  it('issuer validity: an intermediate expired at the signing time is CERTIFICATE_CHAIN_INVALID', () => {
    const { root, intermediate, leaf } = chainWith({ intermediateValidity: [new Date(Date.UTC(2020, 0, 1)), new Date(Date.UTC(2024, 0, 1))] });
    expect(codeOf(() => verifyCertificateChain(cert(leaf), [AT], [authority([intermediate, root])]))).toBe('CERTIFICATE_CHAIN_INVALID');
  });

  it('CA validity window: a chain to a CA outside its trusted-root window is refused, another CA in window is used', () => {
    const { root, intermediate, leaf } = testChain();
    const late = authority([intermediate, root], { start: AT.getTime() + 1, end: Infinity });
    const early = authority([intermediate, root], { start: -Infinity, end: AT.getTime() - 1 });
    expect(codeOf(() => verifyCertificateChain(cert(leaf), [AT], [late]))).toBe('CERTIFICATE_CHAIN_INVALID');
    expect(codeOf(() => verifyCertificateChain(cert(leaf), [AT], [early]))).toBe('CERTIFICATE_CHAIN_INVALID');
    const good = authority([intermediate, root]);
    expect(verifyCertificateChain(cert(leaf), [AT], [late, good]).authority).toBe(good);
  });

  it('no trusted CA at all: CERTIFICATE_CHAIN_INVALID', () => {
    const { leaf } = testChain();
    const other = testChain();
    expect(codeOf(() => verifyCertificateChain(cert(leaf), [AT], []))).toBe('CERTIFICATE_CHAIN_INVALID');
    expect(codeOf(() => verifyCertificateChain(cert(leaf), [AT], [authority([other.intermediate, other.root])]))).toBe('CERTIFICATE_CHAIN_INVALID');
  });
});
