import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '@provenant/cli';
import { captureIO } from '../helpers/cli.js';
import { vectorsDir } from '../vectors.js';


const VEC = vectorsDir();
const asset = (p: string): string => join(VEC, 'sigstore-conformance/test/assets/bundle-verify', p);
const PROD_ROOT = join(VEC, 'sigstore-js/packages/tuf/seeds.decoded/tuf-repo-cdn.sigstore.dev/trusted_root.json');
const SAN = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';
const ARTIFACT = asset('a.txt');
const DIGEST = `sha256:${createHash('sha256').update(readFileSync(ARTIFACT)).digest('hex')}`;
const tmp = mkdtempSync(join(tmpdir(), 'provenant-verify-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function run(...argv: string[]) {
  const io = captureIO();
  const code = await main(argv, io);
  return { code, ...io };
}

const identity = ['--certificate-identity', SAN, '--certificate-oidc-issuer', ISSUER, '--trusted-root', PROD_ROOT];

describe('provenant verify-bundle (sigstore-conformance client protocol)', () => {
  it('exits 0 for a valid bundle, with the artifact path or its sha256 digest', async () => {
    expect((await run('verify-bundle', '--bundle', asset('happy-path-v0.3/bundle.sigstore.json'), ...identity, ARTIFACT)).code).toBe(0);
    expect((await run('verify-bundle', '--bundle', asset('happy-path-v0.3/bundle.sigstore.json'), ...identity, DIGEST)).code).toBe(0);
  });

  it('exits 3 when verification fails, naming the code', async () => {
    const r = await run('verify-bundle', '--bundle', asset('wrong-material_fail/bundle.sigstore.json'), ...identity, asset('wrong-material_fail/artifact'));
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('[ARTIFACT_MISMATCH]');
    const other = await run('verify-bundle', '--bundle', asset('happy-path-v0.3/bundle.sigstore.json'), '--certificate-identity', SAN + 'x', '--certificate-oidc-issuer', ISSUER, '--trusted-root', PROD_ROOT, ARTIFACT);
    expect(other.code).toBe(3);
    expect(other.stderr).toContain('[IDENTITY_MISMATCH]');
    expect((await run('verify-bundle', '--bundle', asset('bundle-malformed-json_fail/bundle.sigstore.json'), ...identity, ARTIFACT)).code).toBe(3);
  });

  it('verifies key-signed bundles with --key', async () => {
    const ok = await run('verify-bundle', '--bundle', asset('managed-key-happy-path/bundle.sigstore.json'), '--key', asset('managed-key-happy-path/key.pub'), '--trusted-root', PROD_ROOT, ARTIFACT);
    expect(ok.code).toBe(0);
    const otherKey = join(tmp, 'other.pub');
    writeFileSync(otherKey, generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'pem', type: 'spki' }));
    const bad = await run('verify-bundle', '--bundle', asset('managed-key-happy-path/bundle.sigstore.json'), '--key', otherKey, '--trusted-root', PROD_ROOT, DIGEST);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('[BUNDLE_SIGNATURE_INVALID]');
  });

  it('treats a sha256:<hex> that names an existing file as that file', async () => {
    const file = join(tmp, DIGEST.replace(':', '_'));
    writeFileSync(file, readFileSync(ARTIFACT));
    expect((await run('verify-bundle', '--bundle', asset('happy-path-v0.3/bundle.sigstore.json'), ...identity, file)).code).toBe(0);
  });

  it('refuses to run without explicit trust, and on unusable inputs', async () => {
    const prev = process.env.PROVENANT_TRUSTED_ROOT;
    delete process.env.PROVENANT_TRUSTED_ROOT;
    try {
      const noRoot = await run('verify-bundle', '--bundle', asset('happy-path-v0.3/bundle.sigstore.json'), '--certificate-identity', SAN, '--certificate-oidc-issuer', ISSUER, ARTIFACT);
      expect(noRoot.code).toBe(2);
    } finally {
      if (prev !== undefined) process.env.PROVENANT_TRUSTED_ROOT = prev;
    }
    const noPolicy = await run('verify-bundle', '--bundle', asset('happy-path-v0.3/bundle.sigstore.json'), '--trusted-root', PROD_ROOT, ARTIFACT);
    expect(noPolicy.code).toBe(2);
    const missing = await run('verify-bundle', '--bundle', join(tmp, 'nope.json'), ...identity, ARTIFACT);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('FILE_NOT_FOUND');
    const badRoot = await run('verify-bundle', '--bundle', asset('trust-root-tlog-missing-validity-start_fail/bundle.sigstore.json'), '--certificate-identity', SAN, '--certificate-oidc-issuer', ISSUER, '--trusted-root', asset('trust-root-tlog-missing-validity-start_fail/trusted_root.json'), ARTIFACT);
    expect(badRoot.code).toBe(1);
    expect(badRoot.stderr).toContain('TRUSTED_ROOT_INVALID');
  });
});

describe('provenant verify <file> --bundle', () => {
  it('prints a JSON report of the verified signer', async () => {
    const r = await run('verify', ARTIFACT, '--json', '--bundle', asset('happy-path-v0.3/bundle.sigstore.json'), ...identity);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ ok: true, artifactDigest: DIGEST, content: 'messageSignature', signer: { kind: 'certificate', subjectAlternativeNames: [SAN], issuer: ISSUER } });
    expect(report.tlogEntries).toHaveLength(1);
  });

  it('matches an anchored --certificate-identity-regexp and GitHub workflow flags', async () => {
    const base = ['verify', ARTIFACT, '--bundle', asset('happy-path-v0.3/bundle.sigstore.json'), '--certificate-oidc-issuer', ISSUER, '--trusted-root', PROD_ROOT];
    expect((await run(...base, '--certificate-identity-regexp', 'https://github\\.com/sigstore-conformance/.*@refs/heads/main')).code).toBe(0);
    expect((await run(...base, '--certificate-identity-regexp', 'sigstore-conformance')).code).toBe(3);
    expect((await run(...base, '--certificate-identity', SAN, '--certificate-github-workflow-repository', 'sigstore-conformance/extremely-dangerous-public-oidc-beacon', '--certificate-github-workflow-ref', 'refs/heads/main')).code).toBe(0);
    const wrongRepo = await run(...base, '--json', '--certificate-identity', SAN, '--certificate-github-workflow-repository', 'sigstore-conformance/other');
    expect(wrongRepo.code).toBe(3);
    expect(JSON.parse(wrongRepo.stdout)).toMatchObject({ ok: false, error: { code: 'EXTENSION_MISMATCH' } });
  });

  it('reports a DSSE statement', async () => {
    const r = await run('verify', ARTIFACT, '--json', '--bundle', asset('happy-path-intoto-in-dsse-v3/bundle.sigstore.json'), ...identity);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ content: 'dsseEnvelope', payloadType: 'application/vnd.in-toto+json', statement: { _type: 'https://in-toto.io/Statement/v1' } });
  });

  it('takes thresholds: an offline key-signed bundle passes only with --tlog-threshold 0 --timestamp-threshold 0', async () => {
    const { generateKeyPairSync: gen, sign } = await import('node:crypto');
    const { publicKey, privateKey } = gen('ec', { namedCurve: 'P-256' });
    const data = Buffer.from('offline artifact');
    const bundle = {
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: { publicKey: { hint: 'k' }, tlogEntries: [] },
      messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: createHash('sha256').update(data).digest('base64') }, signature: sign('sha256', data, privateKey).toString('base64') },
    };
    const files = { bundle: join(tmp, 'offline.json'), key: join(tmp, 'offline.pub'), artifact: join(tmp, 'offline.txt'), root: join(tmp, 'empty-root.json') };
    writeFileSync(files.bundle, JSON.stringify(bundle));
    writeFileSync(files.key, publicKey.export({ format: 'pem', type: 'spki' }));
    writeFileSync(files.artifact, data);
    writeFileSync(files.root, JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1' }));
    const base = ['verify', files.artifact, '--bundle', files.bundle, '--key', files.key, '--trusted-root', files.root];
    const strict = await run(...base);
    expect(strict.code).toBe(3);
    expect(strict.stderr).toContain('[TLOG_THRESHOLD_NOT_MET]');
    expect((await run(...base, '--tlog-threshold', '0', '--timestamp-threshold', '0')).code).toBe(0);
    expect((await run(...base, '--tlog-threshold', '-1')).code).toBe(2);
  });
});
