// Specifications of core/cosign's verification side without a registry: the simple-signing payload
// (written byte for byte as cosign writes it, read strictly), signature tags, legacy .sig/.att layers
// turned into bundles, and the signature check over a payload. Keys and payloads are made in the test.
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ProvenantError } from '@provenant/core/errors';
import { ANNOTATIONS, cosignTag, dockerReference, DSSE_MEDIA_TYPE, legacyLayerToBundle, parseSimpleSigningPayload, simpleSigningPayload, SIMPLE_SIGNING_MEDIA_TYPE, verifySimpleSigning } from '@provenant/core/cosign';
import { corePolicyOf } from '../../packages/core/src/cosign/verify.js';
import { testChain } from '../helpers/pki.js';

const HEX = 'a'.repeat(64);
const DIGEST = `sha256:${HEX}`;

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'VALID';
  } catch (err) {
    if (err instanceof ProvenantError) return err.code;
    throw err;
  }
}

const payload = (critical: unknown, optional: unknown = null) => Buffer.from(JSON.stringify({ critical, optional }));
const critical = (over: Record<string, unknown> = {}) => ({ identity: { 'docker-reference': 'registry.example.test/app' }, image: { 'docker-manifest-digest': DIGEST }, type: 'cosign container image signature', ...over });

describe('signature tags', () => {
  it('sha256:<hex> -> sha256-<hex>.sig / .att; anything else is DIGEST_INVALID', () => {
    expect(cosignTag(DIGEST, 'sig')).toBe(`sha256-${HEX}.sig`);
    expect(cosignTag(`sha512:${'b'.repeat(128)}`, 'att')).toBe(`sha512-${'b'.repeat(128)}.att`);
    for (const bad of [`x${DIGEST}`, `${DIGEST}x`, 'sha256:', `sha256:${'A'.repeat(64)}`, `md5:${HEX}`]) expect(codeOf(() => cosignTag(bad, 'sig'))).toBe('DIGEST_INVALID');
  });

  it('Docker Hub images are named index.docker.io, others as given', () => {
    expect(dockerReference('docker.io', 'library/nginx')).toBe('index.docker.io/library/nginx');
    expect(dockerReference('registry.example.test', 'app')).toBe('registry.example.test/app');
  });
});

describe('simple-signing payload', () => {
  it('is written byte for byte as cosign writes it', () => {
    expect(simpleSigningPayload('registry.example.test/app', DIGEST).toString()).toBe(
      `{"critical":{"identity":{"docker-reference":"registry.example.test/app"},"image":{"docker-manifest-digest":"${DIGEST}"},"type":"cosign container image signature"},"optional":null}`,
    );
    expect(JSON.parse(simpleSigningPayload('r/a', DIGEST, { a: 'b' }).toString()).optional).toEqual({ a: 'b' });
    expect(JSON.parse(simpleSigningPayload('r/a', DIGEST, {}).toString()).optional).toBeNull();
  });

  it('a manifest digest that is not sha256/sha512:<hex> is DIGEST_INVALID', () => {
    for (const bad of [`x${DIGEST}`, `${DIGEST}Z`, 'sha256:']) expect(codeOf(() => simpleSigningPayload('r/a', bad))).toBe('DIGEST_INVALID');
  });

  it('reads back what it writes', () => {
    expect(parseSimpleSigningPayload(simpleSigningPayload('r/a', DIGEST, { k: 'v' }))).toEqual({ dockerReference: 'r/a', manifestDigest: DIGEST, optional: { k: 'v' } });
    expect(parseSimpleSigningPayload(payload(critical(), 'text')).optional).toBeNull();
  });

  it('rejects, as IMAGE_SIGNATURE_INVALID: not JSON, no critical, unknown or missing critical fields, another type, missing reference or digest', () => {
    const bad = [
      Buffer.from('{'),
      Buffer.from('null'),
      Buffer.from('{"optional":null}'),
      payload('critical'),
      payload(critical({ extra: 1 })),
      payload({ identity: critical().identity, image: critical().image }),
      payload(critical({ type: 'something else' })),
      payload(critical({ identity: {} })),
      payload(critical({ identity: null })),
      payload(critical({ image: { 'docker-manifest-digest': 7 } })),
      payload(critical({ image: null })),
    ];
    for (const b of bad) expect(codeOf(() => parseSimpleSigningPayload(b)), b.toString()).toBe('IMAGE_SIGNATURE_INVALID');
  });
});

describe('verifySimpleSigning', () => {
  const { privateKey, publicKey: publicKeyObject } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicKey = publicKeyObject.export({ type: 'spki', format: 'pem' }).toString();
  const edKeys = generateKeyPairSync('ed25519');
  const ed = { privateKey: edKeys.privateKey, publicKey: edKeys.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
  const p = simpleSigningPayload('registry.example.test/app', DIGEST);

  it('control: an ECDSA or Ed25519 signature over the payload naming the digest', () => {
    expect(codeOf(() => verifySimpleSigning(p, sign('sha256', p, privateKey).toString('base64'), DIGEST, publicKey))).toBe('VALID');
    expect(codeOf(() => verifySimpleSigning(p, sign(null, p, ed.privateKey).toString('base64'), DIGEST, ed.publicKey))).toBe('VALID');
  });

  it('the payload must name the image digest', () => {
    expect(codeOf(() => verifySimpleSigning(p, sign('sha256', p, privateKey).toString('base64'), `sha256:${'b'.repeat(64)}`, publicKey))).toBe('IMAGE_SIGNATURE_INVALID');
  });

  it('the signature must verify under the key', () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(codeOf(() => verifySimpleSigning(p, sign('sha256', p, other.privateKey).toString('base64'), DIGEST, publicKey))).toBe('IMAGE_SIGNATURE_INVALID');
  });
});

describe('legacy .sig/.att layers as bundles', () => {
  const { leaf, intermediate } = testChain();
  const pem = (der: Buffer) => `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;
  const body = Buffer.from(JSON.stringify({ kind: 'hashedrekord', apiVersion: '0.0.1' })).toString('base64');
  const rekor = { SignedEntryTimestamp: 'c2V0', Payload: { body, integratedTime: 1700000000, logIndex: 42, logID: 'abcd' } };

  it('a key-signed .sig layer: message signature, public key material, no log entries', () => {
    const b = legacyLayerToBundle({ mediaType: SIMPLE_SIGNING_MEDIA_TYPE, annotations: { [ANNOTATIONS.signature]: 'c2ln' }, blob: Buffer.from('{}') });
    expect(b).toEqual({ mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1', verificationMaterial: { publicKey: { hint: '' }, tlogEntries: [] }, messageSignature: { signature: 'c2ln' } });
  });

  it('a keyless .sig layer: certificate then chain, and the Rekor bundle as a log entry', () => {
    const b = legacyLayerToBundle({
      mediaType: SIMPLE_SIGNING_MEDIA_TYPE,
      annotations: { [ANNOTATIONS.signature]: 'c2ln', [ANNOTATIONS.certificate]: pem(leaf.certificate), [ANNOTATIONS.chain]: pem(intermediate.certificate), [ANNOTATIONS.bundle]: JSON.stringify(rekor) },
      blob: Buffer.from('{}'),
    }) as { verificationMaterial: Record<string, unknown> };
    expect(b.verificationMaterial).toEqual({
      x509CertificateChain: { certificates: [{ rawBytes: leaf.certificate.toString('base64') }, { rawBytes: intermediate.certificate.toString('base64') }] },
      tlogEntries: [
        {
          logIndex: '42',
          logId: { keyId: Buffer.from('abcd', 'hex').toString('base64') },
          kindVersion: { kind: 'hashedrekord', version: '0.0.1' },
          integratedTime: '1700000000',
          inclusionPromise: { signedEntryTimestamp: 'c2V0' },
          canonicalizedBody: body,
        },
      ],
    });
  });

  it('an .att layer carries its DSSE envelope', () => {
    const env = { payloadType: 'application/vnd.in-toto+json', payload: 'e30=', signatures: [] };
    const b = legacyLayerToBundle({ mediaType: DSSE_MEDIA_TYPE, annotations: {}, blob: Buffer.from(JSON.stringify(env)) });
    expect(b.dsseEnvelope).toEqual(env);
    expect(b.messageSignature).toBeUndefined();
  });

  it('refusals: no signature annotation, no PEM certificate, a malformed Rekor bundle or body, an .att layer that is not JSON', () => {
    expect(codeOf(() => legacyLayerToBundle({ mediaType: SIMPLE_SIGNING_MEDIA_TYPE, annotations: {}, blob: Buffer.from('{}') }))).toBe('IMAGE_SIGNATURE_MISSING');
    expect(codeOf(() => legacyLayerToBundle({ mediaType: SIMPLE_SIGNING_MEDIA_TYPE, annotations: { [ANNOTATIONS.signature]: 's', [ANNOTATIONS.certificate]: 'not pem' }, blob: Buffer.from('{}') }))).toBe('CERTIFICATE_INVALID');
    for (const bundle of ['{', JSON.stringify({ ...rekor, Payload: { ...rekor.Payload, logID: 'xyz' } }), JSON.stringify({ ...rekor, Payload: { ...rekor.Payload, logID: `${'ab'}Z` } }), JSON.stringify({ ...rekor, Payload: { ...rekor.Payload, logID: `Z${'ab'}` } })]) {
      expect(codeOf(() => legacyLayerToBundle({ mediaType: SIMPLE_SIGNING_MEDIA_TYPE, annotations: { [ANNOTATIONS.signature]: 's', [ANNOTATIONS.bundle]: bundle }, blob: Buffer.from('{}') })), bundle).toBe('TLOG_ENTRY_INVALID');
    }
    const notJsonBody = JSON.stringify({ ...rekor, Payload: { ...rekor.Payload, body: Buffer.from('{').toString('base64') } });
    expect(codeOf(() => legacyLayerToBundle({ mediaType: SIMPLE_SIGNING_MEDIA_TYPE, annotations: { [ANNOTATIONS.signature]: 's', [ANNOTATIONS.bundle]: notJsonBody }, blob: Buffer.from('{}') }))).toBe('TLOG_ENTRY_INVALID');
    expect(codeOf(() => legacyLayerToBundle({ mediaType: DSSE_MEDIA_TYPE, annotations: {}, blob: Buffer.from('{') }))).toBe('DSSE_INVALID');
  });
});

describe('image signer policy as core/verify policy', () => {
  it('a key is a key; an identity naming anything is an identity; naming nothing (issuer regex only) is any certificate', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(corePolicyOf({ kind: 'key', publicKey })).toEqual({ kind: 'key', publicKey });
    expect(corePolicyOf({ kind: 'identity', issuer: 'https://issuer.example.test' })).toEqual({ kind: 'identity', issuer: 'https://issuer.example.test' });
    expect(corePolicyOf({ kind: 'identity', subjectAlternativeName: 'me' })).toEqual({ kind: 'identity', subjectAlternativeName: 'me' });
    expect(corePolicyOf({ kind: 'identity', subjectAlternativeNameRegExp: 'm.*' })).toEqual({ kind: 'identity', subjectAlternativeNameRegExp: 'm.*' });
    expect(corePolicyOf({ kind: 'identity', issuerRegExp: '.*' })).toEqual({ kind: 'any' });
  });
});
