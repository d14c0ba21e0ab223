import { createPublicKey, generateKeyPairSync, verify as cryptoVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ProvenantError } from '../errors.js';
import { pae } from '../intoto/index.js';
import { trustMaterialFromKeys, verifyBundle } from '../verify/index.js';
import {
  COSIGN_PRIVATE_KEY_LABEL,
  decryptCosignKey,
  encryptCosignKey,
  exportPrivateKey,
  exportPublicKey,
  generateKeyPair,
  importPrivateKey,
  importPublicKey,
  keySigner,
  keyAlgorithm,
  loadPrivateKey,
  resolveKeyPassword,
  signBlob,
  signStatement,
  checkIdentityToken,
  resolveIdentityToken,
} from './index.js';

async function code(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    if (err instanceof ProvenantError) return err.code;
    throw err;
  }
  return 'no error';
}

const jwt = (claims: object) => `eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;

describe('keys', () => {
  it.each(['ecdsa-p256', 'ecdsa-p384', 'ed25519'] as const)('generates, exports and re-imports %s', (alg) => {
    const kp = generateKeyPair(alg);
    expect(keyAlgorithm(kp.privateKey)).toBe(alg);
    const priv = importPrivateKey(exportPrivateKey(kp.privateKey));
    const pub = importPublicKey(exportPublicKey(kp.privateKey));
    expect(pub.equals(kp.publicKey)).toBe(true);
    expect(createPublicKey(priv).equals(kp.publicKey)).toBe(true);
  });

  it('defaults to P-256', () => {
    expect(generateKeyPair().algorithm).toBe('ecdsa-p256');
  });

  it('refuses curves and sizes cosign refuses', async () => {
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
    expect(await code(() => keyAlgorithm(k1.privateKey))).toBe('KEY_UNSUPPORTED');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(await code(() => keyAlgorithm(rsa.privateKey))).toBe('KEY_UNSUPPORTED');
    expect(await code(() => importPrivateKey('not a key'))).toBe('KEY_INVALID');
    expect(await code(() => importPrivateKey(exportPublicKey(generateKeyPair().publicKey)))).toBe('KEY_UNSUPPORTED');
  });

  it('imports an RSA PKCS#1 public key for verification', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = rsa.publicKey.export({ format: 'pem', type: 'pkcs1' }).toString();
    expect(importPublicKey(pem).equals(rsa.publicKey)).toBe(true);
  });
});

describe('cosign encrypted keys', () => {
  it('round-trips with both labels and all parameter sets cosign accepts', async () => {
    const kp = generateKeyPair();
    const pem = await encryptCosignKey(kp.privateKey, 'pw', { strength: 'legacy', label: COSIGN_PRIVATE_KEY_LABEL });
    expect(pem).toMatch(/^-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----\n/);
    expect(createPublicKey(await decryptCosignKey(pem, 'pw')).equals(kp.publicKey)).toBe(true);
    const std = await encryptCosignKey(kp.privateKey, 'pw');
    expect(std).toMatch(/^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n/);
    const body = JSON.parse(Buffer.from(std.split('\n').slice(1, -2).join(''), 'base64').toString()) as {
      kdf: { params: { N: number } };
      cipher: { name: string };
    };
    expect(body.kdf.params.N).toBe(65536);
    expect(body.cipher.name).toBe('nacl/secretbox');
    expect(createPublicKey(await loadPrivateKey(std, 'pw')).equals(kp.publicKey)).toBe(true);
  });

  it('fails with the specific code on wrong or missing password and tampering', async () => {
    const pem = await encryptCosignKey(generateKeyPair('ed25519').privateKey, 'right', { strength: 'legacy' });
    expect(await code(decryptCosignKey(pem, 'wrong'))).toBe('KEY_PASSWORD_INCORRECT');
    expect(await code(loadPrivateKey(pem))).toBe('KEY_PASSWORD_REQUIRED');
    const lines = pem.split('\n');
    const json = JSON.parse(Buffer.from(lines.slice(1, -2).join(''), 'base64').toString()) as { kdf: { params: { N: number } } };
    json.kdf.params.N = 1 << 22;
    const tampered = `-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n${Buffer.from(JSON.stringify(json)).toString('base64')}\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n`;
    expect(await code(decryptCosignKey(tampered, 'right'))).toBe('KEY_ENCRYPTION_INVALID');
  });

  it('reads the password from a file, PROVENANT_PASSWORD, then COSIGN_PASSWORD', async () => {
    expect(await resolveKeyPassword({ env: { COSIGN_PASSWORD: 'c' } })).toBe('c');
    expect(await resolveKeyPassword({ env: { COSIGN_PASSWORD: 'c', PROVENANT_PASSWORD: 'p' } })).toBe('p');
    expect(await resolveKeyPassword({ env: {} })).toBeUndefined();
    expect(await code(resolveKeyPassword({ passwordFile: '/nonexistent/pw' }))).toBe('FILE_UNREADABLE');
  });
});

describe('key-based bundles', () => {
  it.each(['ecdsa-p256', 'ecdsa-p384', 'ed25519'] as const)('signBlob with %s verifies with core/verify', async (alg) => {
    const kp = generateKeyPair(alg);
    const data = Buffer.from('hello provenant\n');
    const bundle = await signBlob(data, keySigner(kp.privateKey));
    expect(bundle.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    const pem = exportPublicKey(kp.publicKey);
    const result = verifyBundle(bundle, { data }, { kind: 'key', publicKey: pem }, trustMaterialFromKeys({}), { tlogThreshold: 0, timestampThreshold: 0, ctlogThreshold: 0 });
    expect(result.content).toBe('messageSignature');
    const statement = { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'x', digest: { sha256: 'b'.repeat(64) } }], predicateType: 'https://example.test/p', predicate: {} };
    const dsse = await signStatement(statement, keySigner(kp.privateKey));
    const r2 = verifyBundle(dsse, null, { kind: 'key', publicKey: pem }, trustMaterialFromKeys({}), { tlogThreshold: 0, timestampThreshold: 0, ctlogThreshold: 0 });
    expect(r2.content).toBe('dsseEnvelope');
  });

  it('signStatement writes DSSE over PAE with the in-toto payload type', async () => {
    const kp = generateKeyPair();
    const statement = {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'a.txt', digest: { sha256: 'a'.repeat(64) } }],
      predicateType: 'https://example.test/predicate/v1',
      predicate: { ok: true },
    };
    const bundle = await signStatement(statement, keySigner(kp.privateKey));
    const env = bundle.dsseEnvelope;
    expect(env?.payloadType).toBe('application/vnd.in-toto+json');
    const payload = Buffer.from(env?.payload ?? '', 'base64');
    expect(JSON.parse(payload.toString())).toMatchObject({ predicateType: statement.predicateType });
    const sig = Buffer.from(env?.signatures[0]?.sig ?? '', 'base64');
    expect(cryptoVerify('sha256', pae('application/vnd.in-toto+json', payload), kp.publicKey, sig)).toBe(true);
    expect(await code(signStatement({ _type: 'x' }, keySigner(kp.privateKey)))).toBe('STATEMENT_INVALID');
  });
});

describe('OIDC tokens', () => {
  it('prefers the explicit token, then SIGSTORE_ID_TOKEN', async () => {
    const a = jwt({ iss: 'https://issuer.example.test', sub: 'a' });
    const b = jwt({ iss: 'https://issuer.example.test', sub: 'b' });
    expect(await resolveIdentityToken({ token: a, env: { SIGSTORE_ID_TOKEN: b } })).toBe(a);
    expect(await resolveIdentityToken({ env: { SIGSTORE_ID_TOKEN: b } })).toBe(b);
    expect(await code(resolveIdentityToken({ env: {} }))).toBe('OIDC_TOKEN_MISSING');
    expect(await code(() => checkIdentityToken('abc'))).toBe('OIDC_TOKEN_INVALID');
    expect(await code(() => checkIdentityToken(jwt({ sub: 'x' })))).toBe('OIDC_TOKEN_INVALID');
  });
});
