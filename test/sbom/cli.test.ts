import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli as run } from '../helpers/cli.js';
import { validateCycloneDxJson } from '@provenant/core/sbom';


const fixtures = join(import.meta.dirname, '../../packages/core/src/sbom/__fixtures__');
const tmp = mkdtempSync(join(tmpdir(), 'provenant-sbom-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('provenant sbom', () => {
  it('writes CycloneDX 1.6 JSON to stdout by default', async () => {
    const r = await run('sbom', join(fixtures, 'npm-v3'));
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { specVersion: string; components: unknown[] };
    expect(doc.specVersion).toBe('1.6');
    expect(validateCycloneDxJson(doc).valid).toBe(true);
    expect(doc.components).toHaveLength(15);
  });
  it('writes 1.5, XML and SPDX to --output, with a --json summary', async () => {
    for (const [format, spec, file] of [
      ['cyclonedx-json', '1.5', 'bom.json'],
      ['cyclonedx-xml', '1.6', 'bom.xml'],
      ['spdx-json', '1.6', 'bom.spdx.json'],
    ] as const) {
      const out = join(tmp, file);
      const r = await run('sbom', join(fixtures, 'yarn-classic'), '--format', format, '--spec-version', spec, '--output', out, '--json');
      expect(r.code, r.stderr).toBe(0);
      const summary = JSON.parse(r.stdout) as { ok: boolean; output: string; components: number };
      expect(summary).toMatchObject({ ok: true, output: out, components: 6 });
      const text = readFileSync(out, 'utf8');
      if (format === 'cyclonedx-json') expect((JSON.parse(text) as { specVersion: string }).specVersion).toBe('1.5');
      if (format === 'cyclonedx-xml') expect(text).toContain('xmlns="http://cyclonedx.org/schema/bom/1.6"');
      if (format === 'spdx-json') expect((JSON.parse(text) as { spdxVersion: string }).spdxVersion).toBe('SPDX-2.3');
    }
  });
  it('--omit dev drops dev packages; --reproducible is byte-identical', async () => {
    const a = await run('sbom', join(fixtures, 'npm-v3', 'package-lock.json'), '--omit', 'dev', '--reproducible');
    const b = await run('sbom', join(fixtures, 'npm-v3', 'package-lock.json'), '--omit', 'dev', '--reproducible');
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).not.toContain('testlib');
    expect(a.stdout).not.toContain('serialNumber');
  });
  it('exits 1 with a code and leaves no file (partial or temp) on bad input', async () => {
    const dir = join(tmp, 'bad');
    mkdirSync(dir);
    writeFileSync(join(dir, 'package-lock.json'), '{ "lockfileVersion": 3, "packages": { "node_modules/a": ');
    const out = join(dir, 'out.json');
    const r = await run('sbom', dir, '--output', out, '--json');
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as { error: { code: string } }).error.code).toBe('LOCKFILE_MALFORMED');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir)).toEqual(['package-lock.json']);
  });
  it('keeps an existing output file untouched when the run fails', async () => {
    const out = join(tmp, 'keep.json');
    writeFileSync(out, 'previous');
    const r = await run('sbom', join(tmp, 'missing-dir'), '--output', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('FILE_NOT_FOUND');
    expect(readFileSync(out, 'utf8')).toBe('previous');
  });
  it('exits 1 when the output cannot be written, leaving no temp file', async () => {
    const r = await run('sbom', join(fixtures, 'npm-v2'), '--output', join(tmp, 'no-such-dir', 'bom.json'), '--json');
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as { error: { code: string } }).error.code).toBe('OUTPUT_WRITE_FAILED');
  });
  it('exits 2 on usage errors', async () => {
    expect((await run('sbom', join(fixtures, 'npm-v2'), '--format', 'swid')).code).toBe(2);
    expect((await run('sbom', join(fixtures, 'npm-v2'), '--spec-version', '1.4')).code).toBe(2);
    expect((await run('sbom')).code).toBe(2);
  });
  it('routes image targets to the image cataloger (exit 1 for a missing layout)', async () => {
    const r = await run('sbom', `oci:${join(tmp, 'no-layout')}`, '--json');
    expect(r.code).toBe(1);
    expect(['UNSUPPORTED', 'FILE_NOT_FOUND', 'LAYOUT_INVALID']).toContain((JSON.parse(r.stdout) as { error: { code: string } }).error.code);
  });
  it('exits 1 with LOCKFILE_NOT_FOUND for a directory with nothing to catalog', async () => {
    const dir = join(tmp, 'nothing');
    mkdirSync(dir);
    const r = await run('sbom', dir, '--json');
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as { error: { code: string } }).error.code).toBe('LOCKFILE_NOT_FOUND');
  });
});

describe('provenant sbom, built binary', () => {
  const bin = join(import.meta.dirname, '../../packages/cli/bin/provenant.cjs');
  it('runs as a process with real exit codes and stdout', () => {
    if (!existsSync(join(import.meta.dirname, '../../packages/cli/dist/main.js'))) throw new Error('packages/cli is not built: run npm run build first');
    const out = execFileSync(process.execPath, [bin, 'sbom', join(fixtures, 'pnpm-v9'), '--reproducible'], { encoding: 'utf8' });
    expect((JSON.parse(out) as { components: unknown[] }).components).toHaveLength(8);
    let status = 0;
    try {
      execFileSync(process.execPath, [bin, 'sbom', join(tmp, 'absent')], { stdio: 'pipe' });
    } catch (err) {
      status = (err as { status: number }).status;
    }
    expect(status).toBe(1);
  });
});
