import { createHash, sign, type KeyObject } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { hasSubjectAlternativeName, loadTrustedRoot, verifyBundle, type VerificationPolicy } from '@provenant/core/verify';
import { certificate, ECDSA_SHA384, ext, p256, privateCa, san, utf8, type Ext } from '../helpers/pki.js';
import { miniSigstore, type MiniSigstore } from '../verify/fixtures.js';
import { codeOf, type Json } from './helpers.js';

// Bypass class "X.509": a private CA (a trusted root naming its own root certificate) gets the same RFC 5280
// checks as Fulcio. Each case issues one leaf (or intermediate) that differs from a genuine one in one way.

const WORKFLOW = 'https://github.com/example-org/example-repo/.github/workflows/release.yml@refs/heads/main';
const ISSUER = 'https://issuer.example.test';
const FULCIO_USERNAME = '1.3.6.1.4.1.57264.1.7';
const UPN = '1.3.6.1.4.1.311.20.2.3';
const data = Buffer.from('x509 artifact\n');
const digest = createHash('sha256').update(data).digest();

let sig: MiniSigstore;
const ca = privateCa();
const intermediateKeys = p256();
let rootJson: Json;

/** The mini root, with the private CA (and optionally an intermediate below it) as the only certificate authority. */
function trustWith(chain: Buffer[]): ReturnType<typeof loadTrustedRoot> {
  const root = structuredClone(rootJson);
  root.certificateAuthorities = [{ subject: { commonName: 'private' }, uri: 'https://ca.example.test', certChain: { certificates: chain.map((c) => ({ rawBytes: c.toString('base64') })) }, validFor: { start: '2000-01-01T00:00:00Z' } }];
  return loadTrustedRoot(root);
}

function leafExtensions(names: Buffer[], extra: Ext[] = []): Ext[] {
  return [ext.leafKeyUsage(), ext.codeSigning(), ext.san(true, ...names), ext.fulcioIssuer(ISSUER), ...extra];
}

/** A leaf from the private root (or an intermediate), and a v0.3 bundle it signs, logged in the mini Rekor. */
async function signedBy(extensions: Ext[], opts: { issuer?: { name: string; privateKey: KeyObject }; tbsAlgorithm?: Buffer; unusedBits?: number } = {}): Promise<Json> {
  const keys = p256();
  const leaf = certificate({ subject: 'leaf', publicKey: keys.publicKey, issuer: opts.issuer ?? ca, extensions, ...(opts.tbsAlgorithm ? { tbsAlgorithm: opts.tbsAlgorithm } : {}), unusedBits: opts.unusedBits ?? 0 });
  const signature = sign('sha256', data, keys.privateKey);
  const entry = await sig.log(sig.hashedrekordBody(signature, digest, leaf), 'hashedrekord');
  return {
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    verificationMaterial: { certificate: { rawBytes: leaf.toString('base64') }, tlogEntries: [entry] },
    messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: digest.toString('base64') }, signature: signature.toString('base64') },
  };
}

const identity = (subjectAlternativeName: string): VerificationPolicy => ({ kind: 'identity', subjectAlternativeName, issuer: ISSUER });
// A private CA has no CT log: the SCT threshold is 0, everything else is checked as for Fulcio.
const verify = (bundle: Json, policy: VerificationPolicy, chain: Buffer[] = [ca.certificate]): string =>
  codeOf(() => verifyBundle(bundle, { data }, policy, trustWith(chain), { ctlogThreshold: 0 }));

beforeAll(async () => {
  sig = await miniSigstore();
  rootJson = sig.trustedRoot;
});

describe('critical extensions (RFC 5280 §4.2)', () => {
  const unknown = (critical: boolean): Ext => ({ oid: '1.3.6.1.4.1.99999.1', critical, value: utf8('must be understood') });

  it('genuine: a leaf of the private CA verifies; the same unknown extension, not critical, is ignored', async () => {
    expect(verify(await signedBy(leafExtensions([san.uri(WORKFLOW)])), identity(WORKFLOW))).toBe('VALID');
    expect(verify(await signedBy(leafExtensions([san.uri(WORKFLOW)], [unknown(false)])), identity(WORKFLOW))).toBe('VALID');
  });
  it('a leaf with an unknown critical extension: refused', async () => {
    expect(verify(await signedBy(leafExtensions([san.uri(WORKFLOW)], [unknown(true)])), identity(WORKFLOW))).toBe('CERTIFICATE_INVALID');
  });
  it('an intermediate with an unknown critical extension (name constraints are not processed): refused', async () => {
    const issue = (extra: Ext[]): Buffer => certificate({ subject: 'Intermediate', publicKey: intermediateKeys.publicKey, issuer: ca, extensions: [ext.ca(), ext.caKeyUsage(), ...extra], notBefore: new Date('2000-01-01T00:00:00Z'), notAfter: new Date('2099-01-01T00:00:00Z') });
    const bundle = await signedBy(leafExtensions([san.uri(WORKFLOW)]), { issuer: { name: 'Intermediate', privateKey: intermediateKeys.privateKey } });
    expect(verify(bundle, identity(WORKFLOW), [issue([]), ca.certificate])).toBe('VALID');
    const nameConstraints: Ext = { oid: '2.5.29.30', critical: true, value: Buffer.from('3000', 'hex') };
    expect(verify(bundle, identity(WORKFLOW), [issue([nameConstraints]), ca.certificate])).toBe('CERTIFICATE_CHAIN_INVALID');
  });
});

describe('identity kinds: an expected identity matches only a SAN of its own kind', () => {
  it('genuine: URI, email and Fulcio username SANs each match an identity of their kind', async () => {
    expect(verify(await signedBy(leafExtensions([san.uri(WORKFLOW)])), identity(WORKFLOW))).toBe('VALID');
    expect(verify(await signedBy(leafExtensions([san.email('alice@example.test')])), identity('alice@example.test'))).toBe('VALID');
    expect(verify(await signedBy(leafExtensions([san.otherName(FULCIO_USERNAME, 'alice!example.test')])), identity('alice!example.test'))).toBe('VALID');
  });
  it('an email SAN spelled as the expected URI identity: refused (it is no mailbox)', async () => {
    expect(verify(await signedBy(leafExtensions([san.email(WORKFLOW)])), identity(WORKFLOW))).toBe('CERTIFICATE_INVALID');
  });
  it('a username SAN spelled as the expected email identity: refused', async () => {
    expect(verify(await signedBy(leafExtensions([san.otherName(FULCIO_USERNAME, 'alice@example.test')])), identity('alice@example.test'))).toBe('IDENTITY_MISMATCH');
  });
  it('a URI SAN that is not an absolute URI: refused', async () => {
    expect(verify(await signedBy(leafExtensions([san.uri('alice@example.test')])), identity('alice@example.test'))).toBe('CERTIFICATE_INVALID');
  });
  it('the kind check on its own', () => {
    expect(hasSubjectAlternativeName([{ kind: 'uri', value: WORKFLOW }], WORKFLOW)).toBe(true);
    expect(hasSubjectAlternativeName([{ kind: 'email', value: WORKFLOW }, { kind: 'username', value: WORKFLOW }], WORKFLOW)).toBe(false);
    expect(hasSubjectAlternativeName([{ kind: 'username', value: 'bob@example.test' }], 'bob@example.test')).toBe(false);
  });
});

describe('otherName SANs: only Fulcio username (1.3.6.1.4.1.57264.1.7) names a signer', () => {
  it('an otherName of another type holding the expected identity: refused', async () => {
    expect(verify(await signedBy(leafExtensions([san.otherName(UPN, 'alice!example.test')])), identity('alice!example.test'))).toBe('IDENTITY_MISMATCH');
    expect(verify(await signedBy(leafExtensions([san.otherName(UPN, WORKFLOW), san.dns('example.test')])), identity(WORKFLOW))).toBe('IDENTITY_MISMATCH');
  });
});

describe('duplicate extensions and the signed algorithm', () => {
  it('two subjectAltName extensions (whichever holds the identity): refused', async () => {
    const twice = [ext.leafKeyUsage(), ext.codeSigning(), ext.san(true, san.uri(WORKFLOW)), ext.san(true, san.uri('https://evil.example.test/x')), ext.fulcioIssuer(ISSUER)];
    expect(verify(await signedBy(twice), identity(WORKFLOW))).toBe('CERTIFICATE_INVALID');
    expect(verify(await signedBy([...twice.slice(0, 2), twice[3]!, twice[2]!, twice[4]!]), identity(WORKFLOW))).toBe('CERTIFICATE_INVALID');
  });
  it('two Fulcio issuer extensions: refused', async () => {
    expect(verify(await signedBy(leafExtensions([san.uri(WORKFLOW)], [ext.fulcioIssuer('https://evil.example.test')])), identity(WORKFLOW))).toBe('CERTIFICATE_INVALID');
  });
  it('a TBS naming another signature algorithm than the certificate: refused', async () => {
    expect(verify(await signedBy(leafExtensions([san.uri(WORKFLOW)]), { tbsAlgorithm: ECDSA_SHA384 }), identity(WORKFLOW))).toBe('CERTIFICATE_INVALID');
  });
  it('a signature BIT STRING claiming unused bits (a second encoding of the same certificate): refused', async () => {
    expect(verify(await signedBy(leafExtensions([san.uri(WORKFLOW)]), { unusedBits: 1 }), identity(WORKFLOW))).toBe('CERTIFICATE_INVALID');
  });
  it('a trusted root whose CA certificate repeats an extension does not load', () => {
    const keys = p256();
    const bad = certificate({ subject: 'Bad Root', publicKey: keys.publicKey, issuer: { name: 'Bad Root', privateKey: keys.privateKey }, extensions: [ext.ca(), ext.ca(), ext.caKeyUsage()] });
    expect(codeOf(() => trustWith([bad]))).toBe('TRUSTED_ROOT_INVALID');
  });
});
