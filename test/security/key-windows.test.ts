import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { NpmAttestations, parseNpmRegistryKeys } from '@provenant/core/slsa';
import { loadTrustedRoot, verifyBundle, type TimeRange, type VerifyOptions } from '@provenant/core/verify';
import { vectorsDir } from '../vectors.js';
import { ISSUER, miniSigstore, SAN, type MiniSigstore } from '../verify/fixtures.js';
import { codeOf, type Json } from './helpers.js';

// Bypass class "windows": every key from trust material has a validity window, checked by one function
// (core/verify/trust/window.ts keyValidAt) at every verified signing time. A window that ended before the
// signing time, or starts after it, is a refusal; so is a bounded window with no verified time at all.

const PAST = { start: '2000-01-01T00:00:00Z', end: '2001-01-01T00:00:00Z' };
const FUTURE = { start: '2090-01-01T00:00:00Z' };

describe('npm registry keys (verify-npm-package)', () => {
  const VEC = vectorsDir();
  const gha = join(VEC, 'slsa-verifier/cli/slsa-verifier/testdata/npm/gha/supreme-googles-cli-v02-tag.tgz.json');
  const trust = loadTrustedRoot(readFileSync(join(VEC, 'sigstore-js/packages/tuf/seeds.decoded/tuf-repo-cdn.sigstore.dev/trusted_root.json')));
  const keysJson = JSON.parse(readFileSync(join(VEC, 'sigstore-js/packages/tuf/seeds.decoded/tuf-repo-cdn.sigstore.dev/npm-registry_keys.json'), 'utf8'));
  const attestations = JSON.parse(readFileSync(gha, 'utf8'));
  const publishSignature = (keys: Json): string =>
    codeOf(() => {
      const npm = NpmAttestations.parse(attestations, trust);
      npm.verifyPublishSignature(parseNpmRegistryKeys(keys));
    });
  const withWindow = (validFor: Json): Json => {
    const k = structuredClone(keysJson);
    for (const key of k.keys) key.publicKey.validFor = validFor;
    return k;
  };

  it('genuine: the publish attestation verifies under the key valid when it was logged', () => {
    expect(publishSignature(keysJson)).toBe('VALID');
  });
  it('a key whose validFor ended before the signing time: refused', () => {
    expect(publishSignature(withWindow(PAST))).toBe('PUBLIC_KEY_MISMATCH');
  });
  it('a key whose validFor starts after the signing time: refused', () => {
    expect(publishSignature(withWindow(FUTURE))).toBe('PUBLIC_KEY_MISMATCH');
  });
  it('a malformed validFor is an error when the keys file is read', () => {
    expect(codeOf(() => parseNpmRegistryKeys(withWindow({ start: 'next tuesday' })))).toBe('KEY_INVALID');
    expect(codeOf(() => parseNpmRegistryKeys(withWindow({ start: '2030-01-01T00:00:00Z', end: '2020-01-01T00:00:00Z' })))).toBe('KEY_INVALID');
  });
});

describe('keys of a TrustedRoot and keys given by the caller', () => {
  const data = Buffer.from('window artifact\n');
  const identity = { kind: 'identity' as const, subjectAlternativeName: SAN, issuer: ISSUER };
  let sig: MiniSigstore;
  let certBundle: Json;
  let keyBundle: Json;
  const signingKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicPem = signingKey.publicKey.export({ format: 'pem', type: 'spki' }).toString();

  /** A key-signed v0.3 bundle (hint "k1"), logged in the mini Rekor and timestamped by the mini TSA. */
  async function keySigned(): Promise<Json> {
    const signature = sign('sha256', data, signingKey.privateKey);
    const digest = createHash('sha256').update(data).digest();
    const body = {
      apiVersion: '0.0.1',
      kind: 'hashedrekord',
      spec: {
        data: { hash: { algorithm: 'sha256', value: digest.toString('hex') } },
        signature: { content: signature.toString('base64'), publicKey: { content: Buffer.from(publicPem).toString('base64') } },
      },
    };
    return {
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: {
        publicKey: { hint: 'k1' },
        tlogEntries: [await sig.log(body, 'hashedrekord')],
        timestampVerificationData: { rfc3161Timestamps: [{ signedTimestamp: await sig.timestamp(signature) }] },
      },
      messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: digest.toString('base64') }, signature: signature.toString('base64') },
    };
  }

  beforeAll(async () => {
    sig = await miniSigstore();
    certBundle = await sig.signBlob(data);
    keyBundle = await keySigned();
  });

  /** The mini root with the window of one kind of authority replaced. */
  const rootWith = (kind: 'tlogs' | 'ctlogs' | 'certificateAuthorities' | 'timestampAuthorities', validFor: Json): Json => {
    const root: Json = structuredClone(sig.trustedRoot);
    for (const a of root[kind]) {
      if (kind === 'tlogs' || kind === 'ctlogs') a.publicKey.validFor = validFor;
      else a.validFor = validFor;
    }
    return root;
  };
  const verifyCert = (root: Json, options: VerifyOptions = {}): string => codeOf(() => verifyBundle(certBundle, { data }, identity, loadTrustedRoot(root), options));
  const verifyKey = (window: TimeRange | undefined, bundle: Json = keyBundle, options: VerifyOptions = {}): string =>
    codeOf(() => verifyBundle(bundle, { data }, { kind: 'any' }, loadTrustedRoot(sig.trustedRoot, { publicKeys: { k1: window ? { key: publicPem, validFor: window } : publicPem } }), options));

  it('genuine: both bundles verify under windows that cover the signing time', () => {
    expect(verifyCert(sig.trustedRoot)).toBe('VALID');
    expect(verifyKey(undefined)).toBe('VALID');
    expect(verifyKey({ start: Date.parse('2000-01-01'), end: Infinity })).toBe('VALID');
  });

  it('Rekor, CT, Fulcio and TSA windows that ended before, or start after, the signing time: refused', () => {
    for (const w of [PAST, FUTURE]) {
      expect(verifyCert(rootWith('tlogs', w))).toBe('TLOG_KEY_UNKNOWN');
      expect(verifyCert(rootWith('ctlogs', w))).toBe('SCT_MISSING');
      expect(verifyCert(rootWith('certificateAuthorities', w))).toBe('CERTIFICATE_CHAIN_INVALID');
      expect(verifyCert(rootWith('timestampAuthorities', w))).toBe('TIMESTAMP_INVALID');
    }
  });

  it('a trusted key by hint whose window ended before, or starts after, the signing time: refused', () => {
    expect(verifyKey({ start: Date.parse(PAST.start), end: Date.parse(PAST.end) })).toBe('PUBLIC_KEY_MISMATCH');
    expect(verifyKey({ start: Date.parse(FUTURE.start), end: Infinity })).toBe('PUBLIC_KEY_MISMATCH');
  });

  it('a key given for verification with its window (policy kind key): the window is enforced', () => {
    const run = (validFor: TimeRange | undefined): string =>
      codeOf(() => verifyBundle(keyBundle, { data }, { kind: 'key', publicKey: publicPem, validFor }, loadTrustedRoot(sig.trustedRoot)));
    expect(run(undefined)).toBe('VALID');
    expect(run({ start: Date.parse(PAST.start), end: Date.parse(PAST.end) })).toBe('PUBLIC_KEY_MISMATCH');
    expect(run({ start: 10, end: 5 })).toBe('KEY_INVALID');
  });

  it('a bounded window with no verified signing time: refused; an unbounded key is not time-bound', () => {
    const bare = structuredClone(keyBundle);
    bare.verificationMaterial.tlogEntries = [];
    delete bare.verificationMaterial.timestampVerificationData;
    const offline = { tlogThreshold: 0, timestampThreshold: 0 };
    expect(verifyKey(undefined, bare, offline)).toBe('VALID');
    expect(verifyKey({ start: Date.parse('2000-01-01'), end: Infinity }, bare, offline)).toBe('PUBLIC_KEY_MISMATCH');
  });

  it('a log entry without a SET and no other verified time cannot show its log key was valid: refused', () => {
    const b = structuredClone(keyBundle);
    delete b.verificationMaterial.tlogEntries[0].inclusionPromise;
    delete b.verificationMaterial.timestampVerificationData;
    expect(verifyKey(undefined, b, { timestampThreshold: 0 })).toBe('TLOG_KEY_UNKNOWN');
  });
});
