import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { runCli as run } from '../helpers/cli.js';
import { trustMaterialFromKeys, verifyBundle } from '@provenant/core/verify';

// provenant keygen / sign / attest / sign-bundle run in process; keyless ones against the loopback Sigstore.
const sigstore = inject('sigstore');
const tmp = mkdtempSync(join(tmpdir(), 'provenant-sign-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const at = (name: string): string => join(tmp, name);


const errorCode = (stdout: string): string => (JSON.parse(stdout) as { error: { code: string } }).error.code;
const keyOnly = { tlogThreshold: 0, timestampThreshold: 0, ctlogThreshold: 0 };

writeFileSync(at('pw'), 'correct horse\n');
writeFileSync(at('artifact.txt'), 'release artifact\n');
writeFileSync(at('predicate.json'), JSON.stringify({ result: 'pass' }));
const artifactDigest = createHash('sha256').update(readFileSync(at('artifact.txt'))).digest('hex');

describe('provenant keygen', () => {
  it('writes cosign.key (0600, encrypted) and cosign.pub, and refuses to overwrite without --force', async () => {
    const prefix = at('cosign');
    const r = await run('keygen', '--output-key-prefix', prefix, '--password-file', at('pw'), '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, algorithm: 'ecdsa-p256' });
    expect(statSync(`${prefix}.key`).mode & 0o777).toBe(0o600);
    expect(readFileSync(`${prefix}.key`, 'utf8')).toMatch(/^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----/);
    expect(readFileSync(`${prefix}.pub`, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const before = readFileSync(`${prefix}.key`, 'utf8');
    const again = await run('keygen', '--output-key-prefix', prefix, '--password-file', at('pw'), '--json');
    expect(again.code).toBe(1);
    expect(errorCode(again.stdout)).toBe('OUTPUT_WRITE_FAILED');
    expect(readFileSync(`${prefix}.key`, 'utf8')).toBe(before);
    const forced = await run('keygen', '--output-key-prefix', prefix, '--password-file', at('pw'), '--force', '--algorithm', 'ed25519', '--json');
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ algorithm: 'ed25519' });
    // Back to P-256 for the tests below.
    expect((await run('keygen', '--output-key-prefix', prefix, '--password-file', at('pw'), '--force')).code).toBe(0);
    expect(readdirSync(tmp).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('takes the password from COSIGN_PASSWORD, an empty one included', async () => {
    const saved = { c: process.env.COSIGN_PASSWORD, p: process.env.PROVENANT_PASSWORD };
    delete process.env.PROVENANT_PASSWORD;
    process.env.COSIGN_PASSWORD = '';
    try {
      expect((await run('keygen', '--output-key-prefix', at('empty'))).code).toBe(0);
      expect((await run('sign', at('artifact.txt'), '--key', at('empty.key'), '--bundle', at('e.sigstore.json'))).code).toBe(0);
    } finally {
      if (saved.c === undefined) delete process.env.COSIGN_PASSWORD;
      else process.env.COSIGN_PASSWORD = saved.c;
      if (saved.p !== undefined) process.env.PROVENANT_PASSWORD = saved.p;
    }
  });

  it('needs a password', async () => {
    const r = await run('keygen', '--output-key-prefix', at('nopw'), '--password-file', at('missing-pw'), '--json');
    expect(r.code).toBe(1);
    expect(errorCode(r.stdout)).toBe('FILE_UNREADABLE');
    expect(existsSync(at('nopw.key'))).toBe(false);
  });
});

describe('provenant sign / attest with a key', () => {
  it('signs a file; the bundle verifies with the public key', async () => {
    const r = await run('sign', at('artifact.txt'), '--key', at('cosign.key'), '--password-file', at('pw'), '--bundle', at('a.sigstore.json'), '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, digest: `sha256:${artifactDigest}`, tlogEntries: 0 });
    const bundle = JSON.parse(readFileSync(at('a.sigstore.json'), 'utf8')) as unknown;
    const res = verifyBundle(bundle, { data: readFileSync(at('artifact.txt')) }, { kind: 'key', publicKey: readFileSync(at('cosign.pub')) }, trustMaterialFromKeys({}), keyOnly);
    expect(res.content).toBe('messageSignature');
  });

  it('attests a file: DSSE statement whose subject is the file digest', async () => {
    const r = await run('attest', at('artifact.txt'), '--predicate', at('predicate.json'), '--type', 'https://example.test/test-result/v1', '--key', at('cosign.key'), '--password-file', at('pw'), '--bundle', at('att.sigstore.json'));
    expect(r.code).toBe(0);
    const bundle = JSON.parse(readFileSync(at('att.sigstore.json'), 'utf8')) as unknown;
    const res = verifyBundle(bundle, null, { kind: 'key', publicKey: readFileSync(at('cosign.pub')) }, trustMaterialFromKeys({}), keyOnly);
    expect(res.dsse?.statement).toMatchObject({
      subject: [{ name: 'artifact.txt', digest: { sha256: artifactDigest } }],
      predicateType: 'https://example.test/test-result/v1',
      predicate: { result: 'pass' },
    });
  });

  it('fails with codes and writes nothing on a wrong password, a missing key or a bad --type', async () => {
    writeFileSync(at('wrong-pw'), 'nope');
    const wrong = await run('sign', at('artifact.txt'), '--key', at('cosign.key'), '--password-file', at('wrong-pw'), '--bundle', at('x.json'), '--json');
    expect(wrong.code).toBe(1);
    expect(errorCode(wrong.stdout)).toBe('KEY_PASSWORD_INCORRECT');
    const missing = await run('sign', at('artifact.txt'), '--key', at('none.key'), '--bundle', at('x.json'), '--json');
    expect(errorCode(missing.stdout)).toBe('FILE_NOT_FOUND');
    const badType = await run('attest', at('artifact.txt'), '--predicate', at('predicate.json'), '--type', 'not a uri', '--key', at('cosign.key'), '--password-file', at('pw'), '--bundle', at('x.json'), '--json');
    expect(badType.code).toBe(2);
    expect(existsSync(at('x.json'))).toBe(false);
  });
});

describe('keyless CLI against the loopback Sigstore', () => {
  const services = ['--fulcio-url', sigstore.fulcioURL, '--rekor-url', sigstore.rekorURL, '--tsa-url', sigstore.tsaURL];
  const verifyArgs = ['--certificate-identity', sigstore.identity.subjectAlternativeName, '--certificate-oidc-issuer', sigstore.identity.issuer, '--trusted-root', sigstore.trustedRootPath];

  it('sign --identity-token: verify-bundle accepts the bundle', async () => {
    const r = await run('sign', at('artifact.txt'), '--identity-token', sigstore.identityToken, ...services, '--bundle', at('k.sigstore.json'), '--output-signature', at('k.sig'), '--output-certificate', at('k.crt'), '--json');
    expect(r.code).toBe(0);
    const bundleJson = JSON.parse(readFileSync(at('k.sigstore.json'), 'utf8')) as { messageSignature: { signature: string }; verificationMaterial: { certificate: { rawBytes: string } } };
    expect(readFileSync(at('k.sig'), 'utf8').trim()).toBe(bundleJson.messageSignature.signature);
    expect(new X509Certificate(readFileSync(at('k.crt'))).raw.toString('base64')).toBe(bundleJson.verificationMaterial.certificate.rawBytes);
    expect(JSON.parse(r.stdout)).toMatchObject({ tlogEntries: 1, rfc3161Timestamps: 1 });
    const v = await run('verify-bundle', '--bundle', at('k.sigstore.json'), ...verifyArgs, at('artifact.txt'));
    expect(v.stderr).not.toMatch(/error/);
    expect(v.code).toBe(0);
  });

  it('sign-bundle (client protocol) with a signing config, for a blob and for an in-toto statement', async () => {
    const signingConfig = {
      mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.2+json',
      caUrls: [{ url: sigstore.fulcioURL, majorApiVersion: 1, validFor: { start: '2020-01-01T00:00:00Z' } }],
      oidcUrls: [],
      rekorTlogUrls: [{ url: sigstore.rekorURL, majorApiVersion: 1, validFor: { start: '2020-01-01T00:00:00Z' } }],
      tsaUrls: [{ url: `${sigstore.tsaURL}/api/v1/timestamp`, majorApiVersion: 1, validFor: { start: '2020-01-01T00:00:00Z' } }],
      rekorTlogConfig: { selector: 'ANY' },
      tsaConfig: { selector: 'ANY' },
    };
    writeFileSync(at('signing_config.json'), JSON.stringify(signingConfig));
    const cfg = ['--trusted-root', sigstore.trustedRootPath, '--signing-config', at('signing_config.json')];
    const r = await run('sign-bundle', '--identity-token', sigstore.identityToken, '--bundle', at('p.sigstore.json'), ...cfg, at('artifact.txt'));
    expect(r.code).toBe(0);
    expect((await run('verify-bundle', '--bundle', at('p.sigstore.json'), ...verifyArgs, at('artifact.txt'))).code).toBe(0);
    expect((await run('verify-bundle', '--bundle', at('p.sigstore.json'), ...verifyArgs, `sha256:${artifactDigest}`)).code).toBe(0);

    const statement = { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'artifact.txt', digest: { sha256: artifactDigest } }], predicateType: 'https://example.test/p', predicate: {} };
    writeFileSync(at('statement.json'), JSON.stringify(statement));
    const t = await run('sign-bundle', '--in-toto', '--identity-token', sigstore.identityToken, '--bundle', at('s.sigstore.json'), ...cfg, at('statement.json'));
    expect(t.code).toBe(0);
    const bundle = JSON.parse(readFileSync(at('s.sigstore.json'), 'utf8')) as { dsseEnvelope?: { payloadType: string } };
    expect(bundle.dsseEnvelope?.payloadType).toBe('application/vnd.in-toto+json');
    expect((await run('verify-bundle', '--bundle', at('s.sigstore.json'), ...verifyArgs, at('artifact.txt'))).code).toBe(0);
  });

  it('sign --key --rekor-url: the logged key signature verifies with verify-bundle --key and the trusted root', async () => {
    const r = await run('sign', at('artifact.txt'), '--key', at('cosign.key'), '--password-file', at('pw'), '--rekor-url', sigstore.rekorURL, '--bundle', at('kr.sigstore.json'), '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ tlogEntries: 1 });
    const v = await run('verify-bundle', '--bundle', at('kr.sigstore.json'), '--key', at('cosign.pub'), '--trusted-root', sigstore.trustedRootPath, at('artifact.txt'));
    expect(v.stderr).not.toMatch(/error/);
    expect(v.code).toBe(0);
    const att = await run('attest', at('artifact.txt'), '--predicate', at('predicate.json'), '--key', at('cosign.key'), '--password-file', at('pw'), '--rekor-url', sigstore.rekorURL, '--tsa-url', sigstore.tsaURL, '--bundle', at('ka.sigstore.json'));
    expect(att.code).toBe(0);
    expect((await run('verify-bundle', '--bundle', at('ka.sigstore.json'), '--key', at('cosign.pub'), '--trusted-root', sigstore.trustedRootPath, at('artifact.txt'))).code).toBe(0);
  });

  it('reports a missing identity token with its code', async () => {
    const saved = { a: process.env.SIGSTORE_ID_TOKEN, b: process.env.ACTIONS_ID_TOKEN_REQUEST_URL };
    delete process.env.SIGSTORE_ID_TOKEN;
    delete process.env.ACTIONS_ID_TOKEN_REQUEST_URL;
    try {
      const r = await run('sign', at('artifact.txt'), ...services, '--bundle', at('none.json'), '--json');
      expect(r.code).toBe(1);
      expect(errorCode(r.stdout)).toBe('OIDC_TOKEN_MISSING');
    } finally {
      if (saved.a !== undefined) process.env.SIGSTORE_ID_TOKEN = saved.a;
      if (saved.b !== undefined) process.env.ACTIONS_ID_TOKEN_REQUEST_URL = saved.b;
    }
  });
});
