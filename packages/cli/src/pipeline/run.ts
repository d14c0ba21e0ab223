import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import { digestOf, hashFile } from '@provenant/core/digest';
import { ProvenantError } from '@provenant/core/errors';
import { PROVENANT_VERSION } from '@provenant/core/version';
import { EVIDENCE_INDEX_FILE, EVIDENCE_INDEX_TYPE, EvidenceIndexSchema, emptyKpis, type EvidenceFile, type EvidenceIndex, type StageRecord, type Subject } from './evidence.js';
import type { PipelineContext, PipelineStage } from './types.js';

export interface RunPipelineOptions {
  projectDir: string;
  /** Evidence directory; replaced atomically when it already holds evidence. */
  outDir: string;
  stages: readonly PipelineStage[];
  log?: (message: string) => void;
  /** Clock, for tests. */
  now?: () => Date;
  /** Working directory that relative paths in the index are shown against. */
  cwd?: string;
  /** Called as each stage starts and ends (the CLI draws a progress bar from it on a TTY). */
  onStage?: (event: StageEvent) => void;
}

export interface StageEvent {
  phase: 'start' | 'done';
  /** 0-based position of the stage and the number of stages. */
  index: number;
  total: number;
  name: string;
  describe: string;
}

export interface PipelineResult {
  outDir: string;
  index: EvidenceIndex;
}

const PackageJsonSchema = z.looseObject({ name: z.string().optional(), version: z.string().optional() });
// Same search order as core/sbom: npm's shrinkwrap wins over package-lock.
const LOCKFILES = ['npm-shrinkwrap.json', 'package-lock.json', 'pnpm-lock.yaml', 'yarn.lock'];

/** Runs the stages into a temp directory beside `outDir` and renames it into place only if all succeed. */
export async function runPipeline(options: RunPipelineOptions): Promise<PipelineResult> {
  const now = options.now ?? (() => new Date());
  const cwd = options.cwd ?? process.cwd();
  const log = options.log ?? (() => undefined);
  const projectDir = resolve(cwd, options.projectDir);
  const outDir = resolve(cwd, options.outDir);
  const startedAt = now().toISOString();

  await checkOutputReplaceable(outDir);
  const subject = await readSubject(projectDir, cwd);
  if (outDir === projectDir || projectDir.startsWith(outDir + sep)) {
    throw new ProvenantError('INVALID_ARGUMENT', `--out ${outDir} would replace the project directory itself`);
  }

  await mkdir(dirname(outDir), { recursive: true }).catch((cause: unknown) => {
    throw new ProvenantError('OUTPUT_WRITE_FAILED', `cannot create ${dirname(outDir)}: ${(cause as Error).message}`, { cause });
  });
  const workDir = await mkdtemp(join(dirname(outDir), `.${basename(outDir)}.tmp-`));
  try {
    const files: EvidenceFile[] = [];
    const kpis = emptyKpis();
    const records: StageRecord[] = [];
    let currentStage = '';
    const ctx: PipelineContext = {
      projectDir,
      workDir,
      subject,
      kpis,
      outputs: new Map(),
      log,
      async addFile(path, data, meta) {
        const rel = safeRelativePath(path);
        if (rel === EVIDENCE_INDEX_FILE || files.some((f) => f.path === rel)) {
          throw new ProvenantError('INTERNAL', `stage ${currentStage} writes ${rel}, which is already taken`);
        }
        const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
        const target = join(workDir, ...rel.split('/'));
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, bytes);
        const file: EvidenceFile = { path: rel, kind: meta.kind, mediaType: meta.mediaType, digest: digestOf(bytes), size: bytes.byteLength, stage: currentStage };
        files.push(file);
        return file;
      },
    };

    const total = options.stages.length;
    for (const [i, stage] of options.stages.entries()) {
      currentStage = stage.name;
      const t0 = now();
      const t0ms = performance.now();
      const event = { index: i, total, name: stage.name, describe: stage.describe };
      if (options.onStage) options.onStage({ phase: 'start', ...event });
      else log(`[${stage.name}] ${stage.describe}`);
      const r = (await stage.run(ctx)) ?? {};
      options.onStage?.({ phase: 'done', ...event });
      records.push({
        name: stage.name,
        status: r.status ?? 'ok',
        startedAt: t0.toISOString(),
        finishedAt: now().toISOString(),
        durationMs: Math.round((performance.now() - t0ms) * 10) / 10,
        ...(r.detail !== undefined ? { detail: r.detail } : {}),
      });
    }

    const index = EvidenceIndexSchema.parse({
      _type: EVIDENCE_INDEX_TYPE,
      tool: { name: 'provenant', version: PROVENANT_VERSION },
      subject,
      startedAt,
      finishedAt: now().toISOString(),
      stages: records,
      files: [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
      kpis,
    } satisfies EvidenceIndex);
    await writeFile(join(workDir, EVIDENCE_INDEX_FILE), JSON.stringify(index, null, 2) + '\n');
    await replaceDir(workDir, outDir);
    return { outDir, index };
  } catch (err) {
    await rm(workDir, { recursive: true, force: true });
    throw err;
  }
}

/** Evidence paths are plain relative paths inside the directory: no `..`, no absolute, no backslashes. */
function safeRelativePath(path: string): string {
  const norm = normalize(path).split(sep).join('/');
  if (!path || isAbsolute(path) || path.includes('\\') || norm.startsWith('../') || norm === '..' || norm === '.') {
    throw new ProvenantError('INTERNAL', `evidence path ${JSON.stringify(path)} is not a plain relative path`);
  }
  return norm;
}

/** An existing --out is replaced only when it is empty or holds a previous evidence index, never a user's other directory. */
async function checkOutputReplaceable(outDir: string): Promise<void> {
  let entries: string[];
  try {
    const st = await stat(outDir);
    if (!st.isDirectory()) throw new ProvenantError('OUTPUT_WRITE_FAILED', `--out ${outDir} exists and is not a directory`);
    entries = await readdir(outDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err instanceof ProvenantError ? err : new ProvenantError('OUTPUT_WRITE_FAILED', `cannot inspect --out ${outDir}: ${(err as Error).message}`, { cause: err });
  }
  if (entries.length > 0 && !entries.includes(EVIDENCE_INDEX_FILE)) {
    throw new ProvenantError('OUTPUT_WRITE_FAILED', `--out ${outDir} is a non-empty directory without ${EVIDENCE_INDEX_FILE}; choose another path or empty it`);
  }
}

/** Swaps the finished temp dir into place; the old evidence is kept until the new one is in. */
async function replaceDir(workDir: string, outDir: string): Promise<void> {
  let old: string | undefined;
  if (existsSync(outDir)) {
    old = join(dirname(outDir), `.${basename(outDir)}.old-${randomBytes(4).toString('hex')}`);
    await rename(outDir, old);
  }
  try {
    await rename(workDir, outDir);
  } catch (cause) {
    if (old) await rename(old, outDir).catch(() => undefined);
    throw new ProvenantError('OUTPUT_WRITE_FAILED', `cannot move the evidence into ${outDir}: ${(cause as Error).message}`, { cause });
  }
  if (old) await rm(old, { recursive: true, force: true });
}

async function readSubject(projectDir: string, cwd: string): Promise<Subject> {
  let text: string;
  try {
    text = await readFile(join(projectDir, 'package.json'), 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new ProvenantError('FILE_NOT_FOUND', `${projectDir} has no package.json: pass an npm/pnpm/yarn project directory`, { cause });
    throw new ProvenantError('FILE_UNREADABLE', `cannot read ${join(projectDir, 'package.json')}: ${(cause as Error).message}`, { cause });
  }
  let pkg: z.infer<typeof PackageJsonSchema>;
  try {
    pkg = PackageJsonSchema.parse(JSON.parse(text));
  } catch (cause) {
    throw new ProvenantError('JSON_INVALID', `${join(projectDir, 'package.json')} is not a valid package.json`, { cause });
  }
  const rel = relative(cwd, projectDir);
  const subject: Subject = {
    name: pkg.name ?? basename(projectDir),
    version: pkg.version ?? '0.0.0',
    dir: rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? projectDir : rel.split(sep).join('/'),
  };
  for (const name of LOCKFILES) {
    const path = join(projectDir, name);
    if (existsSync(path)) {
      subject.lockfile = { path: name, digest: (await hashFile(path, 'sha256', { maxBytes: 256 * 1024 * 1024 })).digest };
      break;
    }
  }
  return subject;
}
