import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main, type CliIO } from '@provenant/cli';
import { writeSampleRootfs } from '../image/rootfs.js';
import { umociImage } from '../image/umoci.js';
import { REPO, sha256File } from './helpers.js';

// These run the built CLI as a user would: `npm run build` must have run (npm test does it first).
const BIN = join(REPO, 'packages/cli/bin/provenant.cjs');
const DIST = join(REPO, 'packages/cli/dist/main.js');
const tmp = mkdtempSync(join(tmpdir(), 'provenant-built-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('built provenant binary', () => {
  it('is built', () => {
    expect(existsSync(DIST), `${DIST} is missing: run npm run build`).toBe(true);
  });

  it('prints its version', () => {
    const r = spawnSync(process.execPath, [BIN, '--version'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const pkg = JSON.parse(readFileSync(join(REPO, 'packages/cli/package.json'), 'utf8')) as { version: string };
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('runs the README first command (npx provenant pipeline) from the repository root', () => {
    const out = join(tmp, 'evidence');
    const r = spawnSync('npx', ['--no-install', 'provenant', 'pipeline', '--out', out], { cwd: REPO, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
    expect(r.status, r.stderr).toBe(0);
    const index = JSON.parse(readFileSync(join(out, 'evidence.json'), 'utf8')) as { files: { path: string; digest: string }[] };
    expect(index.files.length).toBeGreaterThan(0);
    for (const f of index.files) expect(sha256File(join(out, f.path))).toBe(f.digest);
  });

  it('finds the embedded sample from any working directory', () => {
    const out = join(tmp, 'from-elsewhere');
    const r = spawnSync(process.execPath, [BIN, 'pipeline', '--out', out, '--json', '--quiet'], { cwd: tmp, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).subject.name).toBe('provenant-sample-app');
  });

  // The bundle (dist/bundle) must write what the source writes: same CycloneDX library instances for the
  // models and the serializers (licenses, OS component), same purls, for a project and for an image.
  // The bundle also rewrites packageurl-js (scripts/packageurl-lazy-collator.mjs): the lockfile cases
  // below cover its purls, qualifiers (git and tarball dependencies) included, for each lockfile kind.
  const fixture = (name: string) => () => join(REPO, 'packages/core/src/sbom/__fixtures__', name);
  it.each([
    ['a lockfile project', () => join(REPO, 'fixtures/sample-app'), true],
    ['an OCI image', () => {
      const rootfs = writeSampleRootfs(join(tmp, 'rootfs'));
      umociImage(join(tmp, 'layout'), 'v1', [rootfs.layer1, rootfs.layer2], tmp);
      return `oci:${join(tmp, 'layout')}:v1`;
    }, true],
    ['package-lock v3 with git and tarball dependencies', fixture('npm-v3'), false],
    ['pnpm-lock v9', fixture('pnpm-v9'), false],
    ['yarn berry', fixture('yarn-berry'), false],
    ['a ~1,000-package pnpm lockfile', () => join(REPO, 'bench/sbom/project-pnpm'), false],
    ['a ~1,000-package yarn lockfile', () => join(REPO, 'bench/sbom/project-yarn'), false],
  ])('writes the same reproducible SBOM as the source for %s', async (_what, target, hasLicenses) => {
    const t = target();
    for (const format of ['cyclonedx-json', 'cyclonedx-xml', 'spdx-json']) {
      const r = spawnSync(process.execPath, [BIN, 'sbom', t, '--reproducible', '--format', format], { encoding: 'utf8', maxBuffer: 64 << 20 });
      expect(r.status, r.stderr).toBe(0);
      const io: CliIO & { stdout: string } = { stdout: '', isTTY: false, out: (x) => void (io.stdout += x), err: () => undefined };
      expect(await main(['sbom', t, '--reproducible', '--format', format], io)).toBe(0);
      expect(r.stdout, format).toBe(io.stdout);
      if (format === 'cyclonedx-json' && hasLicenses) expect(JSON.parse(r.stdout).components.some((c: { licenses?: unknown[] }) => (c.licenses ?? []).length > 0), 'licenses written').toBe(true);
    }
  });
});
