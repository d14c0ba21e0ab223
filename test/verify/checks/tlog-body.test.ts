// Specifications of the log-entry body checks (core/verify/tlog/body.ts): a logged entry must record
// exactly this bundle's signature, content and signer. For each Rekor entry type, a valid body built
// here, then one field changed at a time: TLOG_BODY_MISMATCH.
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProvenantError } from '@provenant/core/errors';
import type { SignedContent, TlogEntry } from '../../../packages/core/src/verify/bundle/entity.js';
import { preAuthEncoding } from '../../../packages/core/src/verify/dsse/pae.js';
import { verifyTlogBody, type BodyExpectations } from '../../../packages/core/src/verify/tlog/body.js';
import { issue, leafExtensions, testChain, type Issued } from '../../helpers/pki.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- bodies are edited field by field
type Json = any;

const sha256 = (b: Buffer): Buffer => createHash('sha256').update(b).digest();
const b64 = (b: Buffer | string): string => Buffer.from(b).toString('base64');
const pemB64 = (der: Buffer, label: string): string => b64(`-----BEGIN ${label}-----\n${b64(der)}\n-----END ${label}-----\n`);
const clone = (v: Json): Json => JSON.parse(JSON.stringify(v));

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'VALID';
  } catch (err) {
    if (err instanceof ProvenantError) return err.code;
    throw err;
  }
}

const entry = (kind: string, version: string, body: Json): TlogEntry => ({
  index: 0,
  logIndex: 7n,
  logId: Buffer.alloc(32, 1),
  kind,
  version,
  integratedTime: undefined,
  signedEntryTimestamp: undefined,
  inclusionProof: undefined,
  body: Buffer.from(JSON.stringify(body)),
});

const artifact = Buffer.from('the artifact');
const payload = Buffer.from('{"_type":"https://in-toto.io/Statement/v1"}');
const payloadType = 'application/vnd.in-toto+json';
let chain: { leaf: Issued; intermediate: Issued };
let signature: Buffer;
let spki: Buffer;
let message: BodyExpectations;
let dsse: BodyExpectations;
let keySigned: BodyExpectations;

beforeAll(() => {
  chain = testChain();
  signature = sign('sha256', artifact, chain.leaf.privateKey);
  spki = chain.leaf.publicKey.export({ type: 'spki', format: 'der' });
  const signer = { certificate: chain.leaf.certificate, spki };
  message = { content: { kind: 'message', signature, digest: undefined }, artifactDigest: { algorithm: 'sha256', value: sha256(artifact) }, signer };
  const dsseContent: SignedContent = { kind: 'dsse', signature, payload, payloadType, keyid: undefined };
  dsse = { content: dsseContent, artifactDigest: undefined, signer };
  keySigned = { ...message, signer: { certificate: undefined, spki } };
});

const hashedrekord1 = (): Json => ({
  kind: 'hashedrekord',
  apiVersion: '0.0.1',
  spec: { signature: { content: b64(signature), publicKey: { content: pemB64(chain.leaf.certificate, 'CERTIFICATE') } }, data: { hash: { algorithm: 'sha256', value: sha256(artifact).toString('hex') } } },
});
const hashedrekord2 = (digest = sha256(artifact)): Json => ({
  kind: 'hashedrekord',
  apiVersion: '0.0.2',
  spec: { hashedRekordV002: { signature: { content: b64(signature), verifier: { x509Certificate: { rawBytes: b64(chain.leaf.certificate) } } }, data: { algorithm: 'SHA2_256', digest: b64(digest) } } },
});
const dsse1 = (): Json => ({
  kind: 'dsse',
  apiVersion: '0.0.1',
  spec: { signatures: [{ signature: b64(signature), verifier: pemB64(chain.leaf.certificate, 'CERTIFICATE') }], payloadHash: { algorithm: 'sha256', value: sha256(payload).toString('hex') } },
});
const dsse2 = (): Json => ({
  kind: 'dsse',
  apiVersion: '0.0.2',
  spec: { dsseV002: { signatures: [{ content: b64(signature), verifier: { x509Certificate: { rawBytes: b64(chain.leaf.certificate) } } }], payloadHash: { algorithm: 'SHA2_256', digest: b64(sha256(payload)) } } },
});
const intoto2 = (): Json => ({
  kind: 'intoto',
  apiVersion: '0.0.2',
  spec: {
    content: {
      envelope: { payloadType, signatures: [{ sig: b64(b64(signature)), publicKey: pemB64(chain.leaf.certificate, 'CERTIFICATE') }] },
      payloadHash: { algorithm: 'sha256', value: sha256(payload).toString('hex') },
    },
  },
});

function check(body: Json, exp: BodyExpectations, kind = body.kind, version = body.apiVersion): string {
  return codeOf(() => verifyTlogBody(entry(kind, version, body), exp));
}

/** body with one change applied. */
function edit(body: Json, change: (b: Json) => void): Json {
  const b = clone(body);
  change(b);
  return b;
}

describe('tlog body: every entry type, control then one field at a time', () => {
  it('controls: each entry type recording this bundle is accepted', () => {
    expect(check(hashedrekord1(), message)).toBe('VALID');
    expect(check(hashedrekord2(), message)).toBe('VALID');
    expect(check(dsse1(), dsse)).toBe('VALID');
    expect(check(dsse2(), dsse)).toBe('VALID');
    expect(check(intoto2(), dsse)).toBe('VALID');
  });

  it('body must be JSON', () => {
    expect(codeOf(() => verifyTlogBody({ ...entry('hashedrekord', '0.0.1', {}), body: Buffer.from('{not json') }, message))).toBe('TLOG_BODY_MISMATCH');
  });

  it('body kind and apiVersion must agree with the entry kindVersion', () => {
    expect(check(hashedrekord1(), message, 'dsse', '0.0.1')).toBe('TLOG_BODY_MISMATCH');
    expect(check(hashedrekord1(), message, 'hashedrekord', '0.0.2')).toBe('TLOG_BODY_MISMATCH');
  });

  it('an unknown entry type is TLOG_ENTRY_INVALID', () => {
    expect(check({ kind: 'rekord', apiVersion: '0.0.1', spec: {} }, message)).toBe('TLOG_ENTRY_INVALID');
  });

  it('hashedrekord 0.0.1: the logged signature must be the bundle signature', () => {
    expect(check(edit(hashedrekord1(), (b) => (b.spec.signature.content = b64(Buffer.alloc(64, 1)))), message)).toBe('TLOG_BODY_MISMATCH');
  });

  it('hashedrekord 0.0.1: the logged artifact digest must be the artifact digest (value and algorithm)', () => {
    expect(check(edit(hashedrekord1(), (b) => (b.spec.data.hash.value = sha256(Buffer.from('other')).toString('hex'))), message)).toBe('TLOG_BODY_MISMATCH');
    expect(check(edit(hashedrekord1(), (b) => (b.spec.data.hash.algorithm = 'sha512')), message)).toBe('TLOG_BODY_MISMATCH');
    expect(check(hashedrekord1(), { ...message, artifactDigest: undefined })).toBe('TLOG_BODY_MISMATCH');
  });

  it('hashedrekord 0.0.1 is for message signatures only', () => {
    expect(check(hashedrekord1(), { ...dsse, artifactDigest: message.artifactDigest })).toBe('TLOG_BODY_MISMATCH');
  });

  it('signer: the logged certificate must be exactly the signing certificate', () => {
    const other = testChain();
    expect(check(edit(hashedrekord1(), (b) => (b.spec.signature.publicKey.content = pemB64(other.leaf.certificate, 'CERTIFICATE'))), message)).toBe('TLOG_BODY_MISMATCH');
    // Same key, other certificate bytes: still not the signer's certificate.
    const sameKey = issue({ subject: 'sigstore', issuer: chain.intermediate, keys: chain.leaf, extensions: leafExtensions(chain.intermediate) });
    expect(check(edit(hashedrekord1(), (b) => (b.spec.signature.publicKey.content = pemB64(sameKey.certificate, 'CERTIFICATE'))), message)).toBe('TLOG_BODY_MISMATCH');
  });

  it('signer: a logged public key must be the signing key, for a key or a certificate signer', () => {
    const loggedKey = (der: Buffer) => edit(hashedrekord1(), (b) => (b.spec.signature.publicKey.content = pemB64(der, 'PUBLIC KEY')));
    expect(check(loggedKey(spki), keySigned)).toBe('VALID');
    expect(check(loggedKey(spki), message)).toBe('VALID');
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' });
    expect(check(loggedKey(otherKey), keySigned)).toBe('TLOG_BODY_MISMATCH');
    expect(check(loggedKey(otherKey), message)).toBe('TLOG_BODY_MISMATCH');
  });

  it('signer: a key signer may be logged as a certificate for that key, not for another', () => {
    expect(check(hashedrekord1(), keySigned)).toBe('VALID');
    const other = testChain();
    expect(check(edit(hashedrekord1(), (b) => (b.spec.signature.publicKey.content = pemB64(other.leaf.certificate, 'CERTIFICATE'))), keySigned)).toBe('TLOG_BODY_MISMATCH');
    // A "certificate" that does not parse is no signer.
    expect(check(edit(hashedrekord1(), (b) => (b.spec.signature.publicKey.content = pemB64(Buffer.from('junk'), 'CERTIFICATE'))), keySigned)).toBe('TLOG_BODY_MISMATCH');
    // Not PEM at all.
    expect(check(edit(hashedrekord1(), (b) => (b.spec.signature.publicKey.content = b64('no pem here'))), keySigned)).toBe('TLOG_BODY_MISMATCH');
  });

  it('hashedrekord 0.0.2: signature, signer and artifact digest must be this bundle', () => {
    const other = testChain();
    expect(check(edit(hashedrekord2(), (b) => (b.spec.hashedRekordV002.signature.content = b64(Buffer.alloc(64, 2)))), message)).toBe('TLOG_BODY_MISMATCH');
    expect(check(edit(hashedrekord2(), (b) => (b.spec.hashedRekordV002.signature.verifier.x509Certificate.rawBytes = b64(other.leaf.certificate))), message)).toBe('TLOG_BODY_MISMATCH');
    expect(check(hashedrekord2(sha256(Buffer.from('other'))), message)).toBe('TLOG_BODY_MISMATCH');
    expect(check(edit(hashedrekord2(), (b) => (b.spec.hashedRekordV002.data.algorithm = 'SHA2_384')), message)).toBe('TLOG_BODY_MISMATCH');
    expect(check(hashedrekord2(), { ...message, artifactDigest: undefined })).toBe('TLOG_BODY_MISMATCH');
  });

  it('hashedrekord 0.0.2: a key verifier must be the signing key', () => {
    const keyVerifier = edit(hashedrekord2(), (b) => (b.spec.hashedRekordV002.signature.verifier = { publicKey: { rawBytes: b64(spki) } }));
    expect(check(keyVerifier, keySigned)).toBe('VALID');
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' });
    expect(check(edit(keyVerifier, (b) => (b.spec.hashedRekordV002.signature.verifier.publicKey.rawBytes = b64(otherKey))), keySigned)).toBe('TLOG_BODY_MISMATCH');
  });

  it('hashedrekord 0.0.2 for a DSSE envelope: the digest must be SHA-256 of the envelope PAE', () => {
    const pae = sha256(preAuthEncoding(payloadType, payload));
    expect(check(hashedrekord2(pae), dsse)).toBe('VALID');
    expect(check(hashedrekord2(sha256(payload)), dsse)).toBe('TLOG_BODY_MISMATCH');
    expect(check(edit(hashedrekord2(pae), (b) => (b.spec.hashedRekordV002.data.algorithm = 'SHA2_512')), dsse)).toBe('TLOG_BODY_MISMATCH');
  });

  for (const [name, body, sigs] of [
    ['dsse 0.0.1', dsse1, (b: Json) => b.spec.signatures],
    ['dsse 0.0.2', dsse2, (b: Json) => b.spec.dsseV002.signatures],
    ['intoto 0.0.2', intoto2, (b: Json) => b.spec.content.envelope.signatures],
  ] as const) {
    it(`${name}: the logged envelope must carry exactly one signature`, () => {
      expect(check(edit(body(), (b) => sigs(b).push(clone(sigs(b)[0]))), dsse)).toBe('TLOG_BODY_MISMATCH');
      expect(check(edit(body(), (b) => sigs(b).splice(0)), dsse)).toBe('TLOG_BODY_MISMATCH');
    });

    it(`${name}: is for DSSE envelopes only`, () => {
      expect(check(body(), { ...message, content: { ...message.content } })).toBe('TLOG_BODY_MISMATCH');
    });
  }

  it('dsse 0.0.1: the logged payload hash must be the DSSE payload hash, in sha256', () => {
    expect(check(edit(dsse1(), (b) => (b.spec.payloadHash.value = sha256(Buffer.from('x')).toString('hex'))), dsse)).toBe('TLOG_BODY_MISMATCH');
    expect(check(edit(dsse1(), (b) => (b.spec.payloadHash.algorithm = 'sha512')), dsse)).toBe('TLOG_BODY_MISMATCH');
  });

  it('dsse 0.0.1: signature and signer must be this bundle', () => {
    const other = testChain();
    expect(check(edit(dsse1(), (b) => (b.spec.signatures[0].signature = b64(Buffer.alloc(64, 3)))), dsse)).toBe('TLOG_BODY_MISMATCH');
    expect(check(edit(dsse1(), (b) => (b.spec.signatures[0].verifier = pemB64(other.leaf.certificate, 'CERTIFICATE'))), dsse)).toBe('TLOG_BODY_MISMATCH');
  });

  it('dsse 0.0.2: payload hash (SHA2_256), signature and signer must be this bundle', () => {
    const other = testChain();
    expect(check(edit(dsse2(), (b) => (b.spec.dsseV002.payloadHash.digest = b64(sha256(Buffer.from('x'))))), dsse)).toBe('TLOG_BODY_MISMATCH');
    expect(check(edit(dsse2(), (b) => (b.spec.dsseV002.payloadHash.algorithm = 'SHA2_384')), dsse)).toBe('TLOG_BODY_MISMATCH');
    expect(check(edit(dsse2(), (b) => (b.spec.dsseV002.signatures[0].content = b64(Buffer.alloc(64, 4)))), dsse)).toBe('TLOG_BODY_MISMATCH');
    expect(check(edit(dsse2(), (b) => (b.spec.dsseV002.signatures[0].verifier.x509Certificate.rawBytes = b64(other.leaf.certificate))), dsse)).toBe('TLOG_BODY_MISMATCH');
  });

  it('intoto 0.0.2: payload hash, double-base64 signature, signer and payloadType must be this bundle', () => {
    const other = testChain();
    const env = (b: Json) => b.spec.content.envelope;
    expect(check(edit(intoto2(), (b) => (b.spec.content.payloadHash.value = sha256(Buffer.from('x')).toString('hex'))), dsse)).toBe('TLOG_BODY_MISMATCH');
    expect(check(edit(intoto2(), (b) => (env(b).signatures[0].sig = b64(signature))), dsse)).toBe('TLOG_BODY_MISMATCH');
    expect(check(edit(intoto2(), (b) => (env(b).signatures[0].publicKey = pemB64(other.leaf.certificate, 'CERTIFICATE'))), dsse)).toBe('TLOG_BODY_MISMATCH');
    expect(check(edit(intoto2(), (b) => (env(b).payloadType = 'text/plain')), dsse)).toBe('TLOG_BODY_MISMATCH');
  });
});
