import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO, sha256File } from './helpers.js';

// These run the built CLI as a user would: `npm run build` must have run (npm test does it first).
const BIN = join(REPO, 'packages/cli/bin/provenant.js');
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
});
