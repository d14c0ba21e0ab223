// The three packages as npm users get them: `npm pack`, installed together into an empty project outside
// the workspace from the npm cache alone (scripts/lib/pack.mjs), then used through the bin and through
// the library API from strict TypeScript. Also: each package's `dependencies` are exactly the packages
// its shipped code loads, and its `files` ship nothing else (no sources, tests or source maps).
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAst } from 'rolldown/parseAst';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installPacked, packAll, type Packed } from '../../scripts/lib/pack.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = mkdtempSync(join(tmpdir(), 'provenant-packages-'));
const project = join(work, 'project');
let packed: Packed[] = [];

beforeAll(() => {
  for (const p of ['core', 'verifier', 'cli']) {
    if (!existsSync(join(ROOT, 'packages', p, 'dist'))) throw new Error(`packages/${p}/dist is missing: run npm run build first`);
  }
  packed = packAll(ROOT, join(work, 'tarballs'));
  // The sizes a release reports (npm pack --json): tarball bytes, unpacked bytes, files.
  console.log(`packages: ${packed.map((p) => `${p.name} ${p.size} B (${p.unpackedSize} B unpacked, ${p.entryCount} files)`).join('; ')}`);
  mkdirSync(project);
  installPacked(ROOT, project, packed, { typescript: '5.9', '@types/node': '^20.19.43' });
}, 180_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

const bin = () => join(project, 'node_modules', '.bin', 'provenant');
function provenant(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(bin(), args, { cwd: project, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the packed tarballs, installed alone', () => {
  it('install as packages, not workspace links', () => {
    for (const p of packed) {
      const dir = join(project, 'node_modules', ...p.name.split('/'));
      expect(existsSync(join(dir, 'package.json'))).toBe(true);
      expect(relative(ROOT, dir).startsWith('..')).toBe(true);
    }
    // Nothing the workspace has but the packages do not declare: only their dependency closure is here.
    expect(readdirSync(join(project, 'node_modules'))).not.toContain('sigstore');
  });

  it('run the bin: --version, an SBOM, keygen, sign and verify with a key', () => {
    const version = JSON.parse(readFileSync(join(ROOT, 'packages', 'cli', 'package.json'), 'utf8')).version;
    expect(provenant(['--version']).stdout.trim()).toBe(version);

    const sbom = provenant(['sbom', join(ROOT, 'fixtures', 'sample-app'), '--json']);
    expect(sbom.status, sbom.stderr).toBe(0);
    const bom = JSON.parse(sbom.stdout) as { bomFormat: string; components: unknown[] };
    expect(bom.bomFormat).toBe('CycloneDX');
    expect(bom.components.length).toBeGreaterThan(0);

    const env = { PROVENANT_PASSWORD: 'consumer-test' };
    expect(provenant(['keygen', '--output-key-prefix', 'release'], env).status).toBe(0);
    writeFileSync(join(project, 'artifact.txt'), 'an artifact\n');
    writeFileSync(join(project, 'empty-root.json'), JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1' }));
    const signed = provenant(['sign', 'artifact.txt', '--key', 'release.key', '--bundle', 'artifact.sigstore.json'], env);
    expect(signed.status, signed.stderr).toBe(0);
    const verifyArgs = ['--bundle', 'artifact.sigstore.json', '--key', 'release.pub', '--trusted-root', 'empty-root.json', '--tlog-threshold', '0', '--timestamp-threshold', '0'];
    const ok = provenant(['verify', 'artifact.txt', ...verifyArgs]);
    expect(ok.status, ok.stderr).toBe(0);
    writeFileSync(join(project, 'changed.txt'), 'another artifact\n');
    expect(provenant(['verify', 'changed.txt', ...verifyArgs]).status).toBe(3);
  });

  it('compile a strict NodeNext TypeScript consumer of core and verifier, which then runs', () => {
    for (const f of ['consumer.ts', 'tsconfig.json']) copyFileSync(join(ROOT, 'fixtures', 'consumer', f), join(project, f));
    const tsc = spawnSync(process.execPath, [join(project, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], { encoding: 'utf8' });
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
    const out = execFileSync(process.execPath, [join(project, 'dist', 'consumer.js')], { cwd: project, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ version: '0.1.0', verified: true, refused: 'ARTIFACT_MISMATCH', allowed: false });
    // tsc checks every .d.ts of both packages and their dependencies (skipLibCheck off): a minute on a busy machine.
  }, 240_000);
});

/** Bare package names a JS file loads: import/export from, import(), require() and require.resolve() with a literal. */
function loadedPackages(code: string, file: string): Set<string> {
  const names = new Set<string>();
  const literal = (n: unknown): string | undefined => {
    const node = n as { type?: string; value?: unknown; expressions?: unknown[]; quasis?: Array<{ value: { cooked: string } }> } | undefined;
    if (node?.type === 'Literal' && typeof node.value === 'string') return node.value;
    if (node?.type === 'TemplateLiteral' && node.expressions?.length === 0) return node.quasis?.[0]?.value.cooked;
    return undefined;
  };
  const add = (spec: string | undefined) => {
    if (spec === undefined || spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:')) return;
    const parts = spec.split('/');
    const name = spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
    if (!isBuiltin(name)) names.add(name);
  };
  const isRequire = (n: { type?: string; name?: string } | undefined) => n?.type === 'Identifier' && /^require(\$\d+)?$/u.test(n.name ?? '');
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const n of node) walk(n);
      return;
    }
    const n = node as Record<string, unknown> & { type?: string };
    if (n.type === 'ImportDeclaration' || n.type === 'ExportAllDeclaration' || n.type === 'ExportNamedDeclaration' || n.type === 'ImportExpression') add(literal(n.source));
    if (n.type === 'TSImportType') add(literal((n.argument as { literal?: unknown } | undefined)?.literal ?? n.argument));
    if (n.type === 'CallExpression') {
      const callee = n.callee as { type?: string; name?: string; object?: { type?: string; name?: string }; property?: { name?: string } };
      if (isRequire(callee) || (callee.type === 'MemberExpression' && isRequire(callee.object) && callee.property?.name === 'resolve')) add(literal((n.arguments as unknown[])[0]));
    }
    for (const v of Object.values(n)) if (v !== null && typeof v === 'object') walk(v);
  };
  walk(parseAst(code, { lang: file.endsWith('.d.ts') ? 'dts' : file.endsWith('.ts') ? 'ts' : 'js' }, file));
  return names;
}

const BUILTINS = new Set(execFileSync(process.execPath, ['-p', 'require("node:module").builtinModules.join(" ")'], { encoding: 'utf8' }).trim().split(' '));
const isBuiltin = (name: string) => BUILTINS.has(name);

// A dependency no shipped file names: @cyclonedx/cyclonedx-library loads it (an optional peer) to write XML.
const PEER_FULFILMENT: Record<string, string[]> = { '@provenant/core': ['xmlbuilder2'], '@provenant/cli': ['xmlbuilder2'] };

describe('package manifests', () => {
  it('declare as dependencies exactly the packages their shipped files load', () => {
    for (const p of packed) {
      const dir = join(project, 'node_modules', ...p.name.split('/'));
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
      const loaded = new Set<string>();
      for (const f of p.files) {
        if (!/^(bin|dist)\/.+\.(c?js|d\.ts)$/u.test(f)) continue;
        for (const name of loadedPackages(readFileSync(join(dir, f), 'utf8'), f)) if (name !== p.name) loaded.add(name);
      }
      for (const name of PEER_FULFILMENT[p.name] ?? []) loaded.add(name);
      expect([...loaded].sort(), p.name).toEqual(Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies }).sort());
    }
  });

  it('ship built code, types and the bin only: no sources, tests, source maps or fixtures', () => {
    for (const p of packed) {
      const extra = p.files.filter((f) => f !== 'package.json' && !/^(README|LICENSE)/u.test(f) && !/^(bin\/[^/]+\.cjs|dist\/.+\.(js|cjs|d\.ts))$/u.test(f));
      expect(extra, p.name).toEqual([]);
      expect(p.files.some((f) => /\.test\.|\.map$|^src\//u.test(f)), p.name).toBe(false);
    }
  });

  it('declare the packages their tests import as devDependencies, not dependencies', () => {
    for (const p of packed) {
      const pkg = JSON.parse(readFileSync(join(p.dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
      const imported = new Set<string>();
      const walk = (d: string): void => {
        for (const e of readdirSync(d, { withFileTypes: true })) {
          const full = join(d, e.name);
          if (e.isDirectory()) walk(full);
          else if (e.name.endsWith('.test.ts')) for (const n of loadedPackages(readFileSync(full, 'utf8'), full)) imported.add(n);
        }
      };
      walk(join(p.dir, 'src'));
      for (const name of imported) {
        if (name === p.name || pkg.dependencies?.[name] !== undefined) continue;
        expect(pkg.devDependencies?.[name], `${p.name}: a test imports ${name}`).toBeDefined();
      }
    }
  });
});
