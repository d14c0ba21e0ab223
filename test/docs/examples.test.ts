// Every `sh` block of the README, docs/ and the packages' READMEs, run as written: in order, one
// temporary directory per file, with the built `provenant` on PATH, an image in the loopback registry
// ($IMAGE in $REGISTRY), a project my-app/ (the sample app), and `trust update` reading a TUF repository
// on loopback that serves Sigstore's production trusted root. A block preceded by
// `<!-- docs-test: skip (why) -->` is not run (a clone, a global install, .ci/run itself).
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildAndPushImage } from '../e2e/helpers.js';
import { startTufRepo, type TufRepo } from '../helpers/tuf-repo.js';
import { REPO } from '../cli/helpers.js';
import { vectorsDir } from '../vectors.js';

export interface ShellBlock {
  line: number;
  code: string;
  skip: string | undefined;
}

/** The ```sh blocks of a Markdown text, with the skip marker (if any) on the line before each. */
export function shellBlocks(markdown: string): ShellBlock[] {
  const lines = markdown.split('\n');
  const blocks: ShellBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```sh') continue;
    let j = i - 1;
    while (j >= 0 && lines[j]!.trim() === '') j--;
    const marker = j >= 0 ? /<!-- docs-test: skip \((.+)\) -->/.exec(lines[j]!) : null;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end]!.trim() !== '```') end++;
    blocks.push({ line: i + 1, code: lines.slice(start, end).join('\n') + '\n', skip: marker?.[1] });
    i = end;
  }
  return blocks;
}

const DOC_FILES = [
  'README.md',
  ...readdirSync(join(REPO, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
  ...['core', 'verifier', 'cli'].map((p) => `packages/${p}/README.md`).filter((f) => existsSync(join(REPO, f))),
];

const BIN = join(REPO, 'packages/cli/bin/provenant.cjs');
const VEC = vectorsDir();
const registries = inject('ociRegistries');
const tmp = join(tmpdir(), `provenant-docs-${process.pid}`);
let tuf: TufRepo;
const binDir = join(tmp, 'bin');

beforeAll(async () => {
  mkdirSync(binDir, { recursive: true });
  writeFileSync(join(binDir, 'provenant'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(join(binDir, 'provenant'), 0o755);
  tuf = await startTufRepo(join(tmp, 'tuf'));
  await tuf.publish({ 'trusted_root.json': readFileSync(join(VEC, 'sigstore-js/packages/tuf/seeds.decoded/tuf-repo-cdn.sigstore.dev/trusted_root.json')) });
});
afterAll(async () => {
  await tuf?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

function run(code: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', code], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

describe('documentation examples', () => {
  it('finds the blocks of every file, and marks every skipped one with a reason', () => {
    const all = DOC_FILES.flatMap((f) => shellBlocks(readFileSync(join(REPO, f), 'utf8')));
    expect(all.length).toBeGreaterThan(10);
    expect(shellBlocks('<!-- docs-test: skip (why) -->\n```sh\nfalse\n```\n\n```sh\ntrue\n```\n')).toEqual([
      { line: 2, code: 'false\n', skip: 'why' },
      { line: 6, code: 'true\n', skip: undefined },
    ]);
  });

  for (const [n, file] of DOC_FILES.entries()) {
    const blocks = shellBlocks(readFileSync(join(REPO, file), 'utf8')).filter((b) => b.skip === undefined);
    if (blocks.length === 0) continue;
    it(`${file}: every sh block runs`, { timeout: 600_000 }, async () => {
      const work = join(tmp, `doc-${n}`);
      mkdirSync(join(work, 'home'), { recursive: true });
      cpSync(join(REPO, 'fixtures/sample-app'), join(work, 'my-app'), { recursive: true });
      symlinkSync(join(REPO, 'node_modules'), join(work, 'node_modules'));
      const assets = join(VEC, 'sigstore-conformance/test/assets/bundle-verify/happy-path-v0.3');
      cpSync(join(VEC, 'sigstore-conformance/test/assets/bundle-verify/a.txt'), join(work, 'release.txt'));
      cpSync(join(assets, 'bundle.sigstore.json'), join(work, 'release.txt.sigstore.json'));
      const host = registries.plain.host;
      buildAndPushImage(join(tmp, `image-${n}`), host, `docs/app-${n}`, '1.0', `docs example ${n}\n`);
      const env: NodeJS.ProcessEnv = {
        PATH: `${binDir}:${process.env.PATH ?? ''}`,
        HOME: join(work, 'home'),
        XDG_CACHE_HOME: join(work, 'home/.cache'),
        PROVENANT_TRUST_DIR: join(work, 'trust-cache'),
        PROVENANT_TUF_MIRROR: tuf.url,
        PROVENANT_TUF_ROOT: tuf.rootPath,
        REGISTRY: host,
        IMAGE: `${host}/docs/app-${n}:1.0`,
        LANG: 'C.UTF-8',
        ...(process.env.PROVENANT_COMPILE_CACHE ? { PROVENANT_COMPILE_CACHE: process.env.PROVENANT_COMPILE_CACHE } : {}),
      };
      for (const b of blocks) {
        const r = await run(b.code, work, env);
        expect(r.status, `${relative(REPO, join(REPO, file))}:${b.line} exited ${r.status}:\n${b.code}\n--- output ---\n${r.output}`).toBe(0);
      }
    });
  }
});
