import { execFileSync, spawnSync } from 'node:child_process';
import { createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { bundleFromJSON } from '@sigstore/bundle';
import { FulcioSigner, MessageSignatureBundleBuilder, RekorWitness, TSAWitness } from '@sigstore/sign';
import { PublicKeyDetails, TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { ProvenantError } from '@provenant/core/errors';
import {
  exportPrivateKey,
  exportPublicKey,
  generateKeyPair,
  importPrivateKey,
  keylessSigner,
  keySigner,
  publicKeyHint,
  signBlob,
  signStatement,
  type GeneratedKeyAlgorithm,
  type SerializedBundle,
} from '@provenant/core/sign';
import { main, type CliIO } from '@provenant/cli';

// What provenant signs is checked by tools that share no code with it: @sigstore/verify, python
// securesystemslib (its own PAE), and openssl. Missing tools fail these tests; they are never skipped.
const sigstore = inject('sigstore');
const tmp = mkdtempSync(join(tmpdir(), 'provenant-interop-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const at = (name: string): string => join(tmp, name);
const PYTHON = '/usr/bin/python3';
const VERIFY_DSSE = resolve(import.meta.dirname, 'verify_dsse.py');

const artifact = Buffer.from('interop artifact\n');
writeFileSync(at('artifact.txt'), artifact);
const statement = {
  _type: 'https://in-toto.io/Statement/v1',
  subject: [{ name: 'artifact.txt', digest: { sha256: 'd'.repeat(64) } }],
  predicateType: 'https://example.test/predicate/v1',
  predicate: { interop: true },
};

const KEY_DETAILS: Record<string, PublicKeyDetails> = {
  'ecdsa-p256': PublicKeyDetails.PKIX_ECDSA_P256_SHA_256,
  'ecdsa-p384': PublicKeyDetails.PKIX_ECDSA_P384_SHA_384,
  ed25519: PublicKeyDetails.PKIX_ED25519,
};

function emptyRoot(): TrustedRoot {
  return TrustedRoot.fromJSON({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] });
}

/** @sigstore/verify with a public key registered under the bundle's hint (no tlog or timestamp needed). */
function sigstoreVerifyWithKey(bundle: SerializedBundle, alg: GeneratedKeyAlgorithm, publicKey: ReturnType<typeof createPublicKey>, data?: Buffer): void {
  const keys = { [publicKeyHint(publicKey)]: { rawBytes: publicKey.export({ format: 'der', type: 'spki' }), keyDetails: KEY_DETAILS[alg] ?? PublicKeyDetails.PUBLIC_KEY_DETAILS_UNSPECIFIED, validFor: { start: new Date(0) } } };
  const verifier = new Verifier(toTrustMaterial(emptyRoot(), keys), { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
  verifier.verify(toSignedEntity(bundleFromJSON(bundle), data));
}

function openssl(...args: string[]): string {
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** openssl checks a message-signature bundle's signature over the file with the public key PEM. */
function opensslVerifyMessage(bundle: SerializedBundle, pubPem: string, file: string, ed25519 = false): string {
  const sig = Buffer.from(bundle.messageSignature?.signature ?? '', 'base64');
  const sigPath = at(`sig-${Math.random().toString(36).slice(2)}.bin`);
  const pubPath = `${sigPath}.pub.pem`;
  writeFileSync(sigPath, sig);
  writeFileSync(pubPath, pubPem);
  return ed25519
    ? openssl('pkeyutl', '-verify', '-pubin', '-inkey', pubPath, '-rawin', '-in', file, '-sigfile', sigPath)
    : openssl('dgst', '-sha256', '-verify', pubPath, '-signature', sigPath, file);
}

function pythonVerifyDsse(bundle: SerializedBundle, pubPem: string): { status: number | null; stdout: string; stderr: string } {
  const envPath = at(`env-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(envPath, JSON.stringify(bundle.dsseEnvelope));
  writeFileSync(`${envPath}.pub.pem`, pubPem);
  const r = spawnSync(PYTHON, [VERIFY_DSSE, `${envPath}.pub.pem`, envPath], { encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.each(['ecdsa-p256', 'ecdsa-p384', 'ed25519'] as const)('key-based bundles (%s)', (alg) => {
  const kp = generateKeyPair(alg);
  const pubPem = exportPublicKey(kp.publicKey);

  it('message signature: openssl (and @sigstore/verify for ECDSA) accept it; a changed artifact fails', async () => {
    const bundle = await signBlob(artifact, keySigner(kp.privateKey));
    // @sigstore/verify 3 hands the message digest algorithm (sha256) to node's verify, which Ed25519 refuses,
    // so it cannot check any Ed25519 message signature; openssl checks those below.
    if (alg !== 'ed25519') {
      sigstoreVerifyWithKey(bundle, alg, kp.publicKey, artifact);
      expect(() => sigstoreVerifyWithKey(bundle, alg, kp.publicKey, Buffer.from('other'))).toThrow();
    }
    expect(opensslVerifyMessage(bundle, pubPem, at('artifact.txt'), alg === 'ed25519')).toMatch(/Verified Successfully|Verified OK/);
    writeFileSync(at(`other-${alg}.txt`), 'other');
    expect(() => opensslVerifyMessage(bundle, pubPem, at(`other-${alg}.txt`), alg === 'ed25519')).toThrow();
  });

  it('DSSE: python securesystemslib verifies the envelope over its own PAE; a changed payload fails', async () => {
    const bundle = await signStatement(statement, keySigner(kp.privateKey));
    const ok = pythonVerifyDsse(bundle, pubPem);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ verified: 1 });
    const env = bundle.dsseEnvelope;
    if (!env) throw new Error('no envelope');
    const tampered = { ...bundle, dsseEnvelope: { ...env, payload: Buffer.from(JSON.stringify({ ...statement, predicate: { interop: false } })).toString('base64') } };
    expect(pythonVerifyDsse(tampered, pubPem).status).toBe(1);
  });

  it('our PEM keys load in openssl, which derives the same public key', () => {
    writeFileSync(at(`priv-${alg}.pem`), exportPrivateKey(kp.privateKey));
    writeFileSync(at(`pub-${alg}.pem`), pubPem);
    expect(openssl('pkey', '-in', at(`priv-${alg}.pem`), '-pubout')).toBe(pubPem);
    expect(openssl('pkey', '-pubin', '-in', at(`pub-${alg}.pem`), '-pubout')).toBe(pubPem);
  });
});

// P-384 DSSE is signed with SHA-384 (the Sigstore algorithm registry, as sigstore-go and securesystemslib
// verify it); @sigstore/verify 3 verifies DSSE with node's default digest (SHA-256), so it is left out here.
describe.each(['ecdsa-p256', 'ed25519'] as const)('DSSE with @sigstore/verify (%s)', (alg) => {
  it('accepts a key-signed attestation bundle and rejects a changed payload', async () => {
    const kp = generateKeyPair(alg);
    const bundle = await signStatement(statement, keySigner(kp.privateKey));
    sigstoreVerifyWithKey(bundle, alg, kp.publicKey);
    const env = bundle.dsseEnvelope;
    if (!env) throw new Error('no envelope');
    const tampered = { ...bundle, dsseEnvelope: { ...env, payload: Buffer.from('{}').toString('base64') } };
    expect(() => sigstoreVerifyWithKey(tampered, alg, kp.publicKey)).toThrow();
  });
});

describe('keyless bundles', () => {
  const trust = () => toTrustMaterial(TrustedRoot.fromJSON(JSON.parse(readFileSync(sigstore.trustedRootPath, 'utf8'))));
  const policy = { subjectAlternativeName: sigstore.identity.subjectAlternativeName, extensions: { issuer: sigstore.identity.issuer } };

  it('@sigstore/verify accepts blob and DSSE bundles (Fulcio certificate + SCT, Rekor entry, timestamp) with the mock trusted root', async () => {
    const signer = keylessSigner({ fulcioURL: sigstore.fulcioURL, identityToken: sigstore.identityToken });
    const blob = await signBlob(artifact, signer, { rekorURL: sigstore.rekorURL, tsaURL: sigstore.tsaURL });
    const dsse = await signStatement(statement, signer, { rekorURL: sigstore.rekorURL });
    const verifier = new Verifier(trust());
    const signerInfo = verifier.verify(toSignedEntity(bundleFromJSON(blob), artifact), policy);
    expect(signerInfo.identity?.subjectAlternativeName).toBe(sigstore.identity.subjectAlternativeName);
    verifier.verify(toSignedEntity(bundleFromJSON(dsse)), policy);
    expect(() => verifier.verify(toSignedEntity(bundleFromJSON(blob), Buffer.from('other')), policy)).toThrow();
    expect(() => verifier.verify(toSignedEntity(bundleFromJSON(blob), artifact), { ...policy, subjectAlternativeName: 'https://github.com/someone-else' })).toThrow();
  });

  it("@sigstore/sign's own clients sign against the same servers, and @sigstore/verify accepts their bundle", async () => {
    // The reference client speaking to our loopback services shows they speak the real protocols.
    const witnesses = [new RekorWitness({ rekorBaseURL: sigstore.rekorURL }), new TSAWitness({ tsaBaseURL: sigstore.tsaURL })];
    const signer = new FulcioSigner({ fulcioBaseURL: sigstore.fulcioURL, identityProvider: { getToken: async () => sigstore.identityToken } });
    const bundle = await new MessageSignatureBundleBuilder({ signer, witnesses }).create({ data: artifact });
    new Verifier(trust()).verify(toSignedEntity(bundle, artifact), policy);
  });

  it('openssl verifies the keyless signature with the key from the Fulcio certificate', async () => {
    const signer = keylessSigner({ fulcioURL: sigstore.fulcioURL, identityToken: sigstore.identityToken });
    const blob = await signBlob(artifact, signer, { tsaURL: sigstore.tsaURL });
    const cert = new X509Certificate(Buffer.from(blob.verificationMaterial.certificate?.rawBytes ?? '', 'base64'));
    writeFileSync(at('leaf.pem'), cert.toString());
    const pubFromOpenssl = openssl('x509', '-in', at('leaf.pem'), '-noout', '-pubkey');
    expect(opensslVerifyMessage(blob, pubFromOpenssl, at('artifact.txt'))).toMatch(/Verified OK/);
  });
});

describe('openssl-generated keys import into provenant', () => {
  const cases: Array<[string, string[]]> = [
    ['P-256 PKCS#8 (genpkey)', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']],
    ['P-384 SEC1 (ecparam)', ['ecparam', '-name', 'secp384r1', '-genkey', '-noout']],
    ['Ed25519 PKCS#8', ['genpkey', '-algorithm', 'ed25519']],
    ['RSA 2048 PKCS#1 (genrsa -traditional)', ['genrsa', '-traditional', '2048']],
  ];
  it.each(cases)('%s: imports, signs, and openssl verifies with its own public key', async (_name, args) => {
    const pem = openssl(...args);
    const key = importPrivateKey(pem);
    const file = at(`imp-${_name.replace(/\W+/g, '-')}.pem`);
    writeFileSync(file, pem);
    const opensslPub = openssl('pkey', '-in', file, '-pubout');
    expect(exportPublicKey(key)).toBe(opensslPub);
    const bundle = await signBlob(artifact, keySigner(key));
    expect(opensslVerifyMessage(bundle, opensslPub, at('artifact.txt'), _name.startsWith('Ed25519'))).toMatch(/Verified Successfully|Verified OK/);
  });

  it('refuses an openssl secp256k1 key as cosign does', () => {
    const pem = openssl('ecparam', '-name', 'secp256k1', '-genkey', '-noout');
    let code = '';
    try {
      importPrivateKey(pem);
    } catch (err) {
      code = err instanceof ProvenantError ? err.code : 'not a ProvenantError';
    }
    expect(code).toBe('KEY_UNSUPPORTED');
  });

  it('provenant keygen --import encrypts an openssl key; provenant sign uses it; openssl verifies', async () => {
    writeFileSync(at('osl.pem'), openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'));
    writeFileSync(at('pw'), 'pw');
    const io: CliIO = { out: () => {}, err: () => {}, isTTY: false };
    expect(await main(['keygen', '--import', at('osl.pem'), '--output-key-prefix', at('imported'), '--password-file', at('pw')], io)).toBe(0);
    expect(await main(['sign', at('artifact.txt'), '--key', at('imported.key'), '--password-file', at('pw'), '--bundle', at('imported.sigstore.json')], io)).toBe(0);
    const bundle = JSON.parse(readFileSync(at('imported.sigstore.json'), 'utf8')) as SerializedBundle;
    expect(opensslVerifyMessage(bundle, openssl('pkey', '-in', at('osl.pem'), '-pubout'), at('artifact.txt'))).toMatch(/Verified OK/);
    expect(readFileSync(at('imported.pub'), 'utf8')).toBe(openssl('pkey', '-in', at('osl.pem'), '-pubout'));
  });
});
