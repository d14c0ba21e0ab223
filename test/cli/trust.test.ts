// `provenant trust update` / `trust show` against a TUF repository served on loopback, and verify
// commands reading the cache when --trusted-root is absent.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startTufRepo, type TufRepo } from '../helpers/tuf-repo.js';

const sigstore = inject('sigstore');
const tmp = mkdtempSync(join(tmpdir(), 'provenant-trust-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const trustedRoot = readFileSync(sigstore.trustedRootPath);
const npmKeys = Buffer.from(JSON.stringify({ keys: [] }));
const targets = { 'trusted_root.json': trustedRoot, 'registry.example.test/keys.json': npmKeys };

let repo: TufRepo;
let cache: string;
let n = 0;
const saved = process.env.PROVENANT_TRUST_DIR;

beforeEach(async () => {
  n += 1;
  repo = await startTufRepo(join(tmp, `repo-${n}`));
  cache = join(tmp, `cache-${n}`);
  process.env.PROVENANT_TRUST_DIR = cache;
});
afterEach(async () => {
  await repo.stop();
  process.env.PROVENANT_TRUST_DIR = saved;
});

const update = () => runCli('trust', 'update', '--mirror', repo.url, '--root', repo.rootPath, '--json');
const updateAgain = () => runCli('trust', 'update', '--mirror', repo.url, '--json');
const errorCode = (r: { stdout: string }) => (JSON.parse(r.stdout) as { error: { code: string } }).error.code;

/** A file keyless-signed by the loopback Sigstore, and the verify argv that omits --trusted-root. */
async function keylessSigned(): Promise<string[]> {
  const file = join(tmp, `artifact-${n}.txt`);
  writeFileSync(file, `hello ${n}\n`);
  const bundle = `${file}.sigstore.json`;
  const s = await runCli('sign', file, '--identity-token', sigstore.identityToken, '--fulcio-url', sigstore.fulcioURL, '--rekor-url', sigstore.rekorURL, '--bundle', bundle);
  expect(s.code).toBe(0);
  return ['verify', file, '--bundle', bundle, '--certificate-identity', sigstore.identity.subjectAlternativeName, '--certificate-oidc-issuer', sigstore.identity.issuer, '--json'];
}

describe('provenant trust', () => {
  it('without a cache, verify refuses with TRUST_NOT_CACHED naming trust update', async () => {
    const verify = await keylessSigned();
    const r = await runCli(...verify);
    expect(r.code).toBe(2);
    expect(errorCode(r)).toBe('TRUST_NOT_CACHED');
    expect(r.stderr).toContain('provenant trust update');
    const show = await runCli('trust', 'show', '--json');
    expect(show.code).toBe(1);
    expect(JSON.parse(show.stdout)).toMatchObject({ cached: false });
  });

  it('update fetches the trusted root and npm keys through TUF; verify then uses them offline', async () => {
    await repo.publish(targets);
    const r = await update();
    expect(r.code).toBe(0);
    const state = JSON.parse(r.stdout) as { rootVersion: number; timestamp: { version: number }; targets: Array<{ name: string; file: string }> };
    expect(state.rootVersion).toBe(1);
    expect(state.targets.map((t) => t.name)).toEqual(['trusted_root.json', 'registry.example.test/keys.json']);
    expect(readFileSync(join(cache, 'trusted_root.json'))).toEqual(trustedRoot);
    expect(readFileSync(join(cache, 'npm-registry-keys.json'))).toEqual(npmKeys);

    const show = await runCli('trust', 'show', '--json');
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({ cached: true, mirror: repo.url, timestampExpired: false });
    const human = await runCli('trust', 'show');
    expect(human.stdout).toContain(repo.url);

    // The repository going away changes nothing: verification reads only the cache.
    await repo.stop();
    const verify = await keylessSigned();
    expect((await runCli(...verify)).code).toBe(0);
    // --trusted-root still wins over the cache.
    const other = join(tmp, 'other-root.json');
    writeFileSync(other, readFileSync(join(cache, 'trusted_root.json')));
    expect((await runCli(...verify, '--trusted-root', other)).code).toBe(0);
  });

  it('a later update follows new versions', async () => {
    await repo.publish(targets);
    expect((await update()).code).toBe(0);
    await repo.publish({ ...targets, 'registry.example.test/keys.json': Buffer.from('{"keys":[{"keyId":"x"}]}') });
    const r = await updateAgain();
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { timestamp: { version: number } }).timestamp.version).toBe(2);
    expect(readFileSync(join(cache, 'npm-registry-keys.json'), 'utf8')).toContain('"x"');
  });

  it('refuses expired metadata, and leaves no cache behind', async () => {
    await repo.publish(targets, { expiresInDays: { timestamp: -1 } });
    const r = await update();
    expect(r.code).toBe(1);
    expect(errorCode(r)).toBe('TRUST_UPDATE_FAILED');
    expect(r.stderr).toMatch(/expired/i);
    const verify = await keylessSigned();
    expect(errorCode(await runCli(...verify))).toBe('TRUST_NOT_CACHED');
  });

  it('refuses an expired snapshot and expired targets', async () => {
    await repo.publish(targets, { expiresInDays: { snapshot: -1 } });
    expect(errorCode(await update())).toBe('TRUST_UPDATE_FAILED');
    await repo.publish(targets, { expiresInDays: { targets: -1 } });
    expect(errorCode(await update())).toBe('TRUST_UPDATE_FAILED');
  });

  it('refuses a rolled-back timestamp and keeps the cached material', async () => {
    await repo.publish(targets);
    const v1 = await repo.read('timestamp.json');
    await repo.publish(targets);
    expect((await update()).code).toBe(0);
    await repo.write('timestamp.json', v1);
    const r = await updateAgain();
    expect(errorCode(r)).toBe('TRUST_UPDATE_FAILED');
    expect(readFileSync(join(cache, 'trusted_root.json'))).toEqual(trustedRoot);
    expect((JSON.parse((await runCli('trust', 'show', '--json')).stdout) as { timestamp: { version: number } }).timestamp.version).toBe(2);
  });

  it('refuses tampered metadata (a changed signed field)', async () => {
    await repo.publish(targets);
    const ts = JSON.parse(await repo.read('timestamp.json')) as { signed: { expires: string } };
    ts.signed.expires = '2099-01-01T00:00:00Z';
    await repo.write('timestamp.json', JSON.stringify(ts));
    expect(errorCode(await update())).toBe('TRUST_UPDATE_FAILED');
  });

  it('refuses a tampered target (bytes that do not match the signed hash)', async () => {
    await repo.publish(targets);
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256').update(trustedRoot).digest('hex');
    await repo.write(`targets/${hash}.trusted_root.json`, Buffer.concat([trustedRoot.subarray(0, -2), Buffer.from(' }')]));
    const r = await update();
    expect(errorCode(r)).toBe('TRUST_UPDATE_FAILED');
    expect(errorCode(await runCli(...(await keylessSigned())))).toBe('TRUST_NOT_CACHED');
  });

  it('refuses metadata signed by a key the root does not name', async () => {
    await repo.publish(targets);
    const other = await startTufRepo(join(tmp, `other-${n}`));
    try {
      await other.publish(targets);
      // This repository's timestamp, served by the first: valid signature, wrong key.
      await repo.write('timestamp.json', await other.read('timestamp.json'));
      expect(errorCode(await update())).toBe('TRUST_UPDATE_FAILED');
    } finally {
      await other.stop();
    }
  });

  it('another mirror needs its own initial root', async () => {
    await repo.publish(targets);
    const r = await runCli('trust', 'update', '--mirror', repo.url, '--json');
    expect(r.code).toBe(2);
    expect(errorCode(r)).toBe('USAGE');
  });
});

describe('the shipped TUF root', () => {
  it("is Sigstore's public-good root, as vendored from sigstore-js's seeds", () => {
    const shipped = readFileSync(join(import.meta.dirname, '../../packages/cli/src/trust/sigstore-tuf-root.json'));
    const vendored = readFileSync(join(import.meta.dirname, '../../fixtures/vectors/sigstore-js/packages/tuf/seeds.decoded/tuf-repo-cdn.sigstore.dev/root.json'));
    expect(JSON.parse(shipped.toString())).toEqual(JSON.parse(vendored.toString()));
  });
});
