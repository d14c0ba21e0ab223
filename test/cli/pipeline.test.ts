import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProvenantError } from '@provenant/core/errors';
import { validateCycloneDxJson } from '@provenant/core/sbom';
import { checkEvidenceDir } from '../../packages/cli/src/pipeline/check.js';
import { EvidenceIndexSchema, type EvidenceIndex } from '../../packages/cli/src/pipeline/evidence.js';
import { runPipeline } from '../../packages/cli/src/pipeline/run.js';
import type { PipelineStage } from '../../packages/cli/src/pipeline/types.js';
import { leftovers, run, SAMPLE_APP, sha256File } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'provenant-pipeline-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => {
  const dir = join(tmp, `case-${++n}`);
  mkdirSync(dir);
  return dir;
};

function readIndex(outDir: string): EvidenceIndex {
  return EvidenceIndexSchema.parse(JSON.parse(readFileSync(join(outDir, 'evidence.json'), 'utf8')));
}

function expectDigestsMatch(outDir: string, index: EvidenceIndex): void {
  for (const f of index.files) {
    const path = join(outDir, f.path);
    expect(sha256File(path), f.path).toBe(f.digest);
    expect(statSync(path).size, f.path).toBe(f.size);
  }
}

describe('provenant pipeline (in process)', () => {
  it('runs on the embedded sample with no argument and writes an evidence dir', async () => {
    const out = join(fresh(), 'evidence');
    const r = await run('pipeline', '--out', out, '--json', '--quiet');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const printed = EvidenceIndexSchema.parse(JSON.parse(r.stdout));
    const index = readIndex(out);
    expect(printed).toEqual(index);
    expect(index.tool).toEqual({ name: 'provenant', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(index.subject).toMatchObject({ name: 'provenant-sample-app', version: '1.0.0' });
    expect(index.subject.lockfile).toEqual({ path: 'package-lock.json', digest: sha256File(join(SAMPLE_APP, 'package-lock.json')) });
    expect(index.stages.map((s) => s.name)).toContain('sbom');
    expect(Date.parse(index.finishedAt)).toBeGreaterThanOrEqual(Date.parse(index.startedAt));
    expectDigestsMatch(out, index);
    expect(await checkEvidenceDir(out)).toEqual(index);

    const sbomFile = index.files.find((f) => f.kind === 'sbom');
    expect(sbomFile?.mediaType).toMatch(/cyclonedx\+json/);
    const bom = JSON.parse(readFileSync(join(out, sbomFile!.path), 'utf8')) as { components?: { name: string; purl?: string }[] };
    expect(validateCycloneDxJson(bom).valid).toBe(true);
    const names = (bom.components ?? []).map((c) => c.name).sort();
    for (const dep of ['debug', 'escape-html', 'ms', 'picocolors', 'semver']) expect(names).toContain(dep);
    expect(index.kpis.sbom.components).toBe(bom.components?.length);
    expect(index.kpis.sbom.coverage).toBeGreaterThan(0);
    expect(index.kpis.artifacts).toEqual({ total: expect.any(Number), signed: expect.any(Number), verified: expect.any(Number) });
    expect(leftovers(join(out, '..'))).toEqual([]);
  });

  it('takes a project dir and prints a human summary without --json', async () => {
    const project = join(fresh(), 'app');
    cpSync(SAMPLE_APP, project, { recursive: true });
    const out = join(project, '..', 'ev');
    const r = await run('pipeline', project, '--out', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/evidence for provenant-sample-app@1\.0\.0 written to/);
    expect(r.stderr).toMatch(/\[sbom\]/);
    expectDigestsMatch(out, readIndex(out));
  });

  it('replaces a previous evidence dir, and refuses a directory that is not evidence', async () => {
    const base = fresh();
    const out = join(base, 'evidence');
    expect((await run('pipeline', '--out', out, '--quiet')).code).toBe(0);
    writeFileSync(join(out, 'stale.txt'), 'from an older run');
    expect((await run('pipeline', '--out', out, '--quiet')).code).toBe(0);
    expect(existsSync(join(out, 'stale.txt'))).toBe(false);
    expect(leftovers(base)).toEqual([]);

    const mine = join(base, 'mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'notes.txt'), 'keep me');
    const r = await run('pipeline', '--out', mine, '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe('OUTPUT_WRITE_FAILED');
    expect(readFileSync(join(mine, 'notes.txt'), 'utf8')).toBe('keep me');
  });

  it('writes nothing when the project cannot be cataloged', async () => {
    const base = fresh();
    const project = join(base, 'broken');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'broken', version: '1.0.0' }));
    writeFileSync(join(project, 'package-lock.json'), '{"lockfileVersion": 3, "packages": ');
    const out = join(base, 'evidence');
    const r = await run('pipeline', project, '--out', out, '--json', '--quiet');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).ok).toBe(false);
    expect(existsSync(out)).toBe(false);
    expect(leftovers(base)).toEqual([]);
  });

  it('exits 2 on an extra positional argument', async () => {
    const r = await run('pipeline', SAMPLE_APP, 'extra', '--out', join(fresh(), 'evidence'), '--quiet');
    expect(r.code).toBe(2);
  });

  it('fails with FILE_NOT_FOUND for a missing project dir', async () => {
    const r = await run('pipeline', join(tmp, 'no-such-dir'), '--out', join(fresh(), 'evidence'), '--json', '--quiet');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe('FILE_NOT_FOUND');
  });
});

describe('runPipeline stages', () => {
  const write = (name: string, path: string, text: string): PipelineStage => ({
    name,
    describe: `writes ${path}`,
    async run(ctx) {
      await ctx.addFile(path, text, { kind: 'test', mediaType: 'text/plain' });
      ctx.kpis.artifacts.total += 1;
      ctx.outputs.set(name, path);
    },
  });

  it('records every stage file with digest and size, in stage order, and hands outputs on', async () => {
    const out = join(fresh(), 'evidence');
    const seen: unknown[] = [];
    const { index } = await runPipeline({
      projectDir: SAMPLE_APP,
      outDir: out,
      stages: [write('one', 'a/one.txt', 'first'), write('two', 'two.txt', 'second'), { name: 'three', describe: 'reads', run: async (ctx) => void seen.push(ctx.outputs.get('one')) }],
    });
    expect(index.stages.map((s) => [s.name, s.status])).toEqual([['one', 'ok'], ['two', 'ok'], ['three', 'ok']]);
    expect(index.files.map((f) => [f.path, f.stage, f.size])).toEqual([['a/one.txt', 'one', 5], ['two.txt', 'two', 6]]);
    expect(index.kpis.artifacts.total).toBe(2);
    expect(seen).toEqual(['a/one.txt']);
    expectDigestsMatch(out, index);
    expect(readIndex(out)).toEqual(index);
  });

  it('leaves no half-written dir and keeps the previous evidence when a stage fails', async () => {
    const base = fresh();
    const out = join(base, 'evidence');
    await runPipeline({ projectDir: SAMPLE_APP, outDir: out, stages: [write('one', 'one.txt', 'old')] });
    const before = readFileSync(join(out, 'evidence.json'), 'utf8');
    const boom: PipelineStage = { name: 'boom', describe: 'fails', run: async () => { throw new ProvenantError('SIGNING_FAILED', 'no key'); } };
    await expect(runPipeline({ projectDir: SAMPLE_APP, outDir: out, stages: [write('one', 'one.txt', 'new'), boom] })).rejects.toMatchObject({ code: 'SIGNING_FAILED' });
    expect(readFileSync(join(out, 'evidence.json'), 'utf8')).toBe(before);
    expect(readFileSync(join(out, 'one.txt'), 'utf8')).toBe('old');
    expect(leftovers(base)).toEqual([]);

    const other = join(base, 'never');
    await expect(runPipeline({ projectDir: SAMPLE_APP, outDir: other, stages: [boom] })).rejects.toMatchObject({ code: 'SIGNING_FAILED' });
    expect(existsSync(other)).toBe(false);
    expect(leftovers(base)).toEqual([]);
  });

  it('checkEvidenceDir accepts what the pipeline wrote and catches tampering and strays', async () => {
    const out = join(fresh(), 'evidence');
    await runPipeline({ projectDir: SAMPLE_APP, outDir: out, stages: [write('one', 'a/one.txt', 'first')] });
    expect((await checkEvidenceDir(out)).files).toHaveLength(1);
    writeFileSync(join(out, 'stray.txt'), 'not listed');
    await expect(checkEvidenceDir(out)).rejects.toMatchObject({ code: 'VERIFICATION_FAILED' });
    rmSync(join(out, 'stray.txt'));
    writeFileSync(join(out, 'a/one.txt'), 'fir5t');
    await expect(checkEvidenceDir(out)).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
  });

  it('refuses evidence paths that escape the directory or collide', async () => {
    for (const path of ['../escape.txt', '/abs.txt', 'a\\b.txt', 'evidence.json']) {
      const base = fresh();
      await expect(runPipeline({ projectDir: SAMPLE_APP, outDir: join(base, 'ev'), stages: [write('bad', path, 'x')] })).rejects.toMatchObject({ code: 'INTERNAL' });
      expect(existsSync(join(base, 'escape.txt'))).toBe(false);
      expect(leftovers(base)).toEqual([]);
    }
    await expect(runPipeline({ projectDir: SAMPLE_APP, outDir: join(fresh(), 'ev'), stages: [write('a', 'x.txt', '1'), write('b', 'x.txt', '2')] })).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});
