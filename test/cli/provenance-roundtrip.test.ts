// provenance --sign with sign's options (key and keyless), generic source flags, and verify-artifact
// checking provenance provenant made.
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const sigstore = inject('sigstore');
const tmp = mkdtempSync(join(tmpdir(), 'provenant-provenance-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const at = (p: string) => join(tmp, p);
const errorCode = (r: { stdout: string }) => (JSON.parse(r.stdout) as { error: { code: string } }).error.code;
const COMMIT = 'a'.repeat(40);
const BUILDER = 'https://ci.example.test/builder';

beforeAll(async () => {
  writeFileSync(at('pw'), '');
  writeFileSync(at('app.tgz'), 'app\n');
  writeFileSync(at('other.tgz'), 'other\n');
  expect((await runCli('keygen', '--output-key-prefix', at('build'), '--password-file', at('pw'))).code).toBe(0);
  const r = await runCli('provenance', at('app.tgz'), '--builder-id', BUILDER, '--source-uri', 'https://github.com/org/app', '--source-commit', COMMIT, '--source-ref', 'refs/heads/main', '--sign', '--key', at('build.key'), '--password-file', at('pw'), '-o', at('p.json'));
  expect(r.code, r.stderr).toBe(0);
});

const verifyKey = (...extra: string[]) => runCli('verify-artifact', at('app.tgz'), '--provenance-path', at('p.json'), '--key', at('build.pub'), '--insecure-ignore-tlog', '--json', ...extra);

describe('provenance round trip', () => {
  it('records the source of a generic build in externalParameters and resolvedDependencies', async () => {
    const r = await runCli('provenance', at('app.tgz'), '--builder-id', BUILDER, '--source-uri', 'git+https://github.com/org/app', '--source-commit', COMMIT, '--source-ref', 'refs/tags/v1.0.0');
    const def = (JSON.parse(r.stdout) as { predicate: { buildDefinition: { externalParameters: unknown; resolvedDependencies: unknown } } }).predicate.buildDefinition;
    expect(def.externalParameters).toEqual({ source: { repository: 'https://github.com/org/app', ref: 'refs/tags/v1.0.0', commit: COMMIT } });
    expect(def.resolvedDependencies).toEqual([{ uri: 'git+https://github.com/org/app@refs/tags/v1.0.0', digest: { gitCommit: COMMIT } }]);
    expect(errorCode(await runCli('provenance', at('app.tgz'), '--builder-id', BUILDER, '--source-uri', 'https://github.com/org/app', '--source-commit', 'abc', '--json'))).toBe('INVALID_ARGUMENT');
  });

  it('verify-artifact --key verifies key-signed provenance: builder, source, branch', async () => {
    const ok = await verifyKey('--builder-id', BUILDER, '--source-uri', 'github.com/org/app', '--source-branch', 'main');
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, builderId: BUILDER, sourceCommit: COMMIT });
    const printed = await runCli('verify-artifact', at('app.tgz'), '--provenance-path', at('p.json'), '--key', at('build.pub'), '--insecure-ignore-tlog', '--print-provenance');
    expect((JSON.parse(printed.stdout) as { predicateType: string }).predicateType).toBe('https://slsa.dev/provenance/v1');
  });

  it('denies each mismatch on its own', async () => {
    for (const [extra, code] of [
      [['--builder-id', 'https://ci.example.test/other'], 'BUILDER_MISMATCH'],
      [['--source-uri', 'github.com/org/other'], 'SOURCE_MISMATCH'],
      [['--source-branch', 'dev'], 'SOURCE_BRANCH_MISMATCH'],
      [['--source-tag', 'v1.0.0'], 'SOURCE_TAG_MISMATCH'],
    ] as const) {
      const r = await verifyKey(...extra);
      expect(r.code).toBe(3);
      expect(errorCode(r)).toBe(code);
    }
    const other = await runCli('verify-artifact', at('other.tgz'), '--provenance-path', at('p.json'), '--key', at('build.pub'), '--insecure-ignore-tlog', '--json');
    expect(errorCode(other)).toBe('ARTIFACT_MISMATCH');
    writeFileSync(at('pw2'), '');
    expect((await runCli('keygen', '--output-key-prefix', at('other'), '--password-file', at('pw2'))).code).toBe(0);
    const wrongKey = await runCli('verify-artifact', at('app.tgz'), '--provenance-path', at('p.json'), '--key', at('other.pub'), '--insecure-ignore-tlog', '--json');
    expect(wrongKey.code).toBe(3);
    // Without --insecure-ignore-tlog the unlogged signature needs trust material (none cached here).
    expect(errorCode(await runCli('verify-artifact', at('app.tgz'), '--provenance-path', at('p.json'), '--key', at('build.pub'), '--json'))).toBe('TRUST_NOT_CACHED');
  });

  it('provenance --sign signs keyless with the flags sign takes, and verify checks it', async () => {
    const r = await runCli('provenance', at('app.tgz'), '--builder-id', BUILDER, '--sign', '--identity-token', sigstore.identityToken, '--fulcio-url', sigstore.fulcioURL, '--rekor-url', sigstore.rekorURL, '--tsa-url', sigstore.tsaURL, '-o', at('k.json'));
    expect(r.code, r.stderr).toBe(0);
    const v = await runCli('verify', at('app.tgz'), '--bundle', at('k.json'), '--trusted-root', sigstore.trustedRootPath, '--certificate-identity', sigstore.identity.subjectAlternativeName, '--certificate-oidc-issuer', sigstore.identity.issuer);
    expect(v.code, v.stderr).toBe(0);
  });

  it('a network error names the URL and its cause', async () => {
    // A loopback port nothing listens on: one the system gave a server that is closed again.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const url = `http://127.0.0.1:${port}`;
    const r = await runCli('provenance', at('app.tgz'), '--builder-id', BUILDER, '--sign', '--identity-token', sigstore.identityToken, '--fulcio-url', url, '--rekor-url', sigstore.rekorURL, '-o', at('x.json'), '--json');
    expect(r.code).toBe(1);
    expect(errorCode(r)).toBe('FULCIO_ERROR');
    expect(r.stderr).toContain(url);
    expect(r.stderr).toContain('ECONNREFUSED');
    expect(() => readFileSync(at('x.json'))).toThrow();
  });
});
