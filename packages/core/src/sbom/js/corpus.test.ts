import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProvenantError } from '../../errors.js';
import { catalogJavaScriptProject, parseLockfile, type Inventory } from '../index.js';

// The real lockfiles of fixtures/lockfiles (see its README): every format provenant reads, as npm, pnpm
// and yarn wrote them in public repositories, with cdxgen's purls for each beside them.
const corpus = join(import.meta.dirname, '../../../../..', 'fixtures/lockfiles');
const json = <T>(name: string): T => JSON.parse(readFileSync(join(corpus, name), 'utf8')) as T;

interface Source {
  dir: string;
  kind: string;
  lockfileVersion: string;
}
interface KnownDifferences {
  reasons: Record<string, { right: 'provenant' | 'cdxgen' | 'both'; why: string }>;
  lockfiles: Record<string, { onlyProvenant?: Record<string, string>; onlyCdxgen?: Record<string, string> }>;
}

const sources = json<Source[]>('sources.json');
const cdxgen = json<{ tool: string; lockfiles: Record<string, string[]> }>('cdxgen-purls.json');
const known = json<KnownDifferences>('known-differences.json');
const inventories = new Map<string, Inventory>();
const catalog = (dir: string): Inventory => {
  let inv = inventories.get(dir);
  if (!inv) inventories.set(dir, (inv = catalogJavaScriptProject(join(corpus, dir))));
  return inv;
};
/** As cdxgen-purls.json records purls: no qualifiers or subpath, percent-decoded. */
const comparable = (purl: string): string => decodeURIComponent(purl.split('?')[0]?.split('#')[0] ?? purl);
const pkg = (inv: Inventory, name: string, version?: string) => {
  const p = inv.packages.find((x) => x.name === name && (version === undefined || x.version === version));
  if (!p) throw new Error(`no ${name}@${version ?? '*'}`);
  return p;
};
const dependsOn = (inv: Inventory, ref: string): string[] => inv.dependencies.find((d) => d.ref === ref)?.dependsOn ?? [];

describe('the lockfile corpus', () => {
  it('holds every format: package-lock v1-v3, shrinkwrap, pnpm 5/6/9 and multi-document, yarn v1, berry 4-10', () => {
    const formats = new Set(sources.map((s) => `${s.kind} ${s.lockfileVersion}`));
    for (const f of ['package-lock 1', 'package-lock 2', 'package-lock 3', 'npm-shrinkwrap 1', 'npm-shrinkwrap 2', 'pnpm-lock 5.3', 'pnpm-lock 6.0', 'pnpm-lock 9.0', 'yarn-classic 1']) expect(formats).toContain(f);
    for (const v of [4, 5, 6, 8, 9, 10]) expect(formats).toContain(`yarn-berry ${v}`);
  });

  it.each(sources.map((s) => [s.dir, s] as const))('%s: read as its format, a closed graph, each package once', (dir, s) => {
    const inv = catalog(dir);
    expect(inv.source).toMatchObject({ kind: s.kind, lockfileVersion: s.lockfileVersion });
    const refs = new Set(inv.packages.map((p) => p.ref));
    expect(refs.size).toBe(inv.packages.length);
    refs.add(inv.root.ref);
    for (const d of inv.dependencies) {
      expect(refs.has(d.ref), d.ref).toBe(true);
      for (const t of d.dependsOn) expect(refs.has(t), `${d.ref} -> ${t}`).toBe(true);
    }
    for (const p of inv.packages) expect(p.purl).toMatch(/^pkg:(npm|generic)\/[^@/?#]/u);
  });

  it.each(Object.keys(cdxgen.lockfiles).map((d) => [d]))('%s: the purls cdxgen writes, but for the known differences', (dir) => {
    const ours = new Set(catalog(dir).packages.map((p) => comparable(p.purl)));
    const theirs = new Set(cdxgen.lockfiles[dir]);
    const onlyOurs = [...ours].filter((p) => !theirs.has(p)).sort();
    const onlyTheirs = [...theirs].filter((p) => !ours.has(p)).sort();
    const listed = known.lockfiles[dir] ?? {};
    // A new difference fails, and so does a listed one that no longer occurs (the list stays true).
    expect(onlyOurs).toEqual(Object.keys(listed.onlyProvenant ?? {}).sort());
    expect(onlyTheirs).toEqual(Object.keys(listed.onlyCdxgen ?? {}).sort());
  });

  it('gives every known difference a reason that says who is right', () => {
    for (const [dir, d] of Object.entries(known.lockfiles)) {
      for (const reason of [...Object.values(d.onlyProvenant ?? {}), ...Object.values(d.onlyCdxgen ?? {})]) {
        expect(known.reasons[reason], `${dir}: ${reason}`).toBeDefined();
      }
    }
    for (const r of Object.values(known.reasons)) expect(['provenant', 'cdxgen', 'both']).toContain(r.right);
  });
});

describe('identities in the corpus', () => {
  it('npm names keep their case (purl-spec #872): JSONStream is pkg:npm/JSONStream', () => {
    const inv = catalog('npm-v1-mocha');
    const p = pkg(inv, 'JSONStream');
    expect(p.purl).toBe(`pkg:npm/JSONStream@${p.version}`);
    expect(inv.packages.some((x) => x.purl.startsWith('pkg:npm/jsonstream@'))).toBe(false);
  });

  it("pnpm's node@runtime: is Node.js, a platform, not the npm package node", () => {
    const inv = catalog('pnpm-9.0-multidoc-pnpm');
    const node = pkg(inv, 'node', '26.7.0');
    expect(node).toMatchObject({ purl: 'pkg:generic/node@26.7.0', componentType: 'platform', ecosystem: 'generic' });
    expect(inv.packages.some((x) => x.purl.startsWith('pkg:npm/node@'))).toBe(false);
  });

  it("the package manager's own document (packageManagerDependencies) is not the project's", () => {
    const text = readFileSync(join(corpus, 'pnpm-9.0-multidoc-pnpm/pnpm-lock.yaml'), 'utf8');
    expect(text.startsWith('---\n')).toBe(true);
    const inv = catalog('pnpm-9.0-multidoc-pnpm');
    // pnpm 12.0.0-rc.8 and its platform binaries are pinned only in the first document.
    expect(inv.packages.filter((p) => p.name === 'pnpm' && p.version === '12.0.0-rc.8')).toEqual([]);
    expect(inv.packages.filter((p) => p.name.startsWith('@pnpm/exe.'))).toEqual([]);
  });

  it('pnpm 6 `file:` keys are named by `name:` and versioned by their package.json', () => {
    const inv = catalog('pnpm-6.0-vite');
    const dep = pkg(inv, '@vitejs/test-dep-that-imports');
    expect(dep).toMatchObject({ version: '0.0.0', source: 'file', purl: 'pkg:npm/%40vitejs/test-dep-that-imports@0.0.0' });
    // Its dependencies, aliases (slash3 -> slash) included, are edges to the real packages.
    expect(dependsOn(inv, dep.ref)).toEqual(expect.arrayContaining(['pkg:npm/slash@3.0.0', 'pkg:npm/slash@5.1.0']));
  });

  it('without the package.json files, `file:` packages keep their names and have no version', () => {
    const text = readFileSync(join(corpus, 'pnpm-6.0-vite/pnpm-lock.yaml'), 'utf8');
    const inv = parseLockfile('pnpm-lock.yaml', text);
    expect(pkg(inv, '@vitejs/test-dep-that-imports')).toMatchObject({ version: '', purl: 'pkg:npm/%40vitejs/test-dep-that-imports' });
  });
});

describe('workspaces in the corpus: once each, versioned by their package.json, components of the root', () => {
  const manifestVersion = (dir: string, path: string): string => json<{ version: string }>(`${dir}/${path}/package.json`).version;
  it.each([
    ['yarn-berry-10-jest', '@jest/console', 'packages/jest-console'],
    ['yarn-v1-vite', 'vite', 'packages/vite'],
    ['npm-v3-sigstore-js', 'sigstore', 'packages/client'],
    ['pnpm-9.0-multidoc-pnpm', '@pnpm/lockfile.fs', 'pnpm11/lockfile/fs'],
    ['pnpm-6.0-vite', 'vite', 'packages/vite'],
    ['pnpm-5.3-vite', 'vite', 'packages/vite'],
  ])('%s: %s', (dir, name, path) => {
    const inv = catalog(dir);
    const version = manifestVersion(dir, path);
    expect(version).not.toBe('0.0.0-use.local');
    const ws = inv.packages.filter((p) => p.name === name && p.source === 'workspace');
    expect(ws.map((p) => p.version)).toEqual([version]);
    expect(dependsOn(inv, inv.root.ref)).toContain(ws[0]?.ref);
    expect(dependsOn(inv, ws[0]?.ref ?? '').length).toBeGreaterThan(0);
  });
  it('no berry placeholder version is left where a package.json gives the real one', () => {
    for (const dir of ['yarn-berry-10-jest']) expect(catalog(dir).packages.filter((p) => p.version === '0.0.0-use.local')).toEqual([]);
  });
});

describe('versions provenant does not know', () => {
  const codeAndDetails = (fn: () => unknown): unknown => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(ProvenantError);
      return { code: (err as ProvenantError).code, details: (err as ProvenantError).details };
    }
    return 'no error';
  };
  it('a newer yarn berry lockfile names its version and those supported', () => {
    const text = readFileSync(join(corpus, 'yarn-berry-10-jest/yarn.lock'), 'utf8').replace(/^ {2}version: 10$/mu, '  version: 11');
    expect(codeAndDetails(() => parseLockfile('yarn.lock', text))).toEqual({ code: 'LOCKFILE_UNSUPPORTED', details: { version: '11', supported: expect.stringContaining('to 10') } });
  });
  it('a newer pnpm lockfile names its version and those supported', () => {
    const text = readFileSync(join(corpus, 'pnpm-9.0-multidoc-pnpm/pnpm-lock.yaml'), 'utf8').replaceAll("lockfileVersion: '9.0'", "lockfileVersion: '10.0'");
    expect(codeAndDetails(() => parseLockfile('pnpm-lock.yaml', text))).toEqual({ code: 'LOCKFILE_UNSUPPORTED', details: { version: '10.0', supported: expect.stringContaining('9.x') } });
  });
});
