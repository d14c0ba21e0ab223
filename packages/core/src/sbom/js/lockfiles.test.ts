import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogJavaScriptProject, parseLockfile, type Inventory } from '../index.js';

const fixtures = join(import.meta.dirname, '..', '__fixtures__');
const fixture = (p: string): string => readFileSync(join(fixtures, p), 'utf8');

const ids = (inv: Inventory): string[] => inv.packages.map((p) => `${p.name}@${p.version}`).sort();
const pkg = (inv: Inventory, name: string) => {
  const p = inv.packages.find((x) => x.name === name);
  if (!p) throw new Error(`no ${name} in ${ids(inv).join(', ')}`);
  return p;
};
const deps = (inv: Inventory, ref: string): string[] => [...(inv.dependencies.find((d) => d.ref === ref)?.dependsOn ?? [])].sort();

/** Every edge names a known ref: the graph is closed. */
function expectClosedGraph(inv: Inventory): void {
  const known = new Set([inv.root.ref, ...inv.packages.map((p) => p.ref)]);
  expect(new Set(inv.packages.map((p) => p.ref)).size).toBe(inv.packages.length);
  for (const d of inv.dependencies) {
    expect(known.has(d.ref), d.ref).toBe(true);
    for (const t of d.dependsOn) expect(known.has(t), `${d.ref} -> ${t}`).toBe(true);
  }
}

describe('package-lock.json v3', () => {
  const inv = catalogJavaScriptProject(join(fixtures, 'npm-v3'));
  it('lists every installed package once, workspaces and link targets included', () => {
    expect(ids(inv)).toEqual(
      ['@acme/ws-a@0.0.1', 'both@1.0.0', 'fsevents-ish@2.3.3', 'gitdep@1.0.0', 'inner@0.1.0', 'left@1.2.0', 'localdep@0.3.0', 'peerlib@1.0.1', 'real-pkg@3.1.4', 'right@2.1.0', 'shared@1.5.0', 'shared@2.0.0', 'tardep@1.0.0', 'testhelper@1.0.0', 'testlib@4.0.0'].sort(),
    );
    expectClosedGraph(inv);
  });
  it('reads the root from package.json and the lockfile', () => {
    expect(inv.root).toMatchObject({ name: '@acme/app', version: '2.0.0', purl: 'pkg:npm/%40acme/app@2.0.0', licenses: ['MIT'], description: 'fixture app', fromLockfile: true });
    expect(inv.source).toMatchObject({ kind: 'package-lock', lockfileVersion: '3' });
  });
  it('marks dev, optional, bundled, peer and alias', () => {
    expect(pkg(inv, 'testlib').dev).toBe(true);
    expect(pkg(inv, 'testhelper').dev).toBe(true);
    expect(pkg(inv, 'both').dev).toBe(false); // devOptional is needed when optional deps are installed
    expect(pkg(inv, 'fsevents-ish').optional).toBe(true);
    expect(pkg(inv, 'inner').properties).toMatchObject({ 'npm:bundled': 'true' });
    expect(pkg(inv, 'peerlib').properties).toMatchObject({ 'npm:peer': 'true' });
    expect(pkg(inv, 'real-pkg')).toMatchObject({ purl: 'pkg:npm/real-pkg@3.1.4', properties: { 'npm:alias': 'my-alias' } });
  });
  it('classifies git, file, link and tarball sources with purl qualifiers', () => {
    expect(pkg(inv, 'gitdep')).toMatchObject({ source: 'git', purl: expect.stringContaining('?vcs_url=git%2Bssh') });
    expect(pkg(inv, 'tardep')).toMatchObject({ source: 'tarball', purl: expect.stringContaining('download_url=') });
    expect(pkg(inv, '@acme/ws-a').source).toBe('workspace');
  });
  it('converts integrity to hex hashes', () => {
    expect(pkg(inv, 'left').hashes).toEqual([{ alg: 'SHA-512', content: Buffer.from('a'.repeat(86) + '==', 'base64').toString('hex') }]);
    expect(inv.packages.find((p) => p.version === '1.5.0')?.hashes).toEqual([{ alg: 'SHA-1', content: '00'.repeat(20) }]);
    expect(inv.packages.find((p) => p.version === '2.0.0' && p.name === 'shared')?.hashes).toEqual([{ alg: 'SHA-256', content: 'deadbeef' }]);
  });
  it('resolves edges the way node_modules resolution does (nested first, then hoisted)', () => {
    const left = pkg(inv, 'left').ref;
    expect(deps(inv, left)).toEqual(['pkg:npm/peerlib@1.0.1', 'pkg:npm/right@2.1.0', 'pkg:npm/shared@1.5.0']);
    expect(deps(inv, pkg(inv, 'right').ref)).toEqual(['pkg:npm/shared@2.0.0']);
    expect(deps(inv, inv.root.ref)).toContain(pkg(inv, '@acme/ws-a').ref);
    expect(deps(inv, inv.root.ref)).toContain(pkg(inv, 'testlib').ref);
    expect(deps(inv, inv.root.ref)).toContain(pkg(inv, 'localdep').ref);
  });
  it('drops dev packages and their edges with omitDev', () => {
    const lean = catalogJavaScriptProject(join(fixtures, 'npm-v3', 'package-lock.json'), { omitDev: true });
    expect(ids(lean)).not.toContain('testlib@4.0.0');
    expect(ids(lean)).not.toContain('testhelper@1.0.0');
    expectClosedGraph(lean);
  });
});

describe('package-lock.json v1 and v2, npm-shrinkwrap.json', () => {
  it('reads v2 from its packages map', () => {
    const inv = parseLockfile('package-lock.json', fixture('npm-v2/package-lock.json'));
    expect(ids(inv)).toEqual(['a@1.0.0', 'b@1.1.0', 'd@9.0.0']);
    expect(inv.source.lockfileVersion).toBe('2');
    expect(pkg(inv, 'd').dev).toBe(true);
  });
  it('reads v1 nested trees, aliases and git versions', () => {
    const inv = parseLockfile('package-lock.json', fixture('npm-v1/package-lock.json'));
    expect(ids(inv)).toEqual(['a@1.0.0', 'b@1.0.0', 'b@2.0.0', 'c@1.0.0', 'devonly@3.0.0', 'fromgit@89abcdef0123456789abcdef0123456789abcdef', 'real-thing@5.0.0']);
    expect(deps(inv, pkg(inv, 'a').ref)).toEqual(['pkg:npm/b@2.0.0', 'pkg:npm/c@1.0.0']);
    expect(pkg(inv, 'fromgit').source).toBe('git');
    expect(pkg(inv, 'c').optional).toBe(true);
    expect(pkg(inv, 'devonly')).toMatchObject({ dev: true, properties: { 'npm:bundled': 'true' } });
    // The root depends on top-level packages nothing else requires.
    const rootDeps = deps(inv, inv.root.ref);
    expect(rootDeps.filter((r) => !r.includes('fromgit'))).toEqual(['pkg:npm/a@1.0.0', 'pkg:npm/b@1.0.0', 'pkg:npm/devonly@3.0.0', 'pkg:npm/real-thing@5.0.0']);
    expect(rootDeps).toHaveLength(5);
    expectClosedGraph(inv);
  });
  it('reads npm-shrinkwrap.json', () => {
    const inv = catalogJavaScriptProject(join(fixtures, 'shrinkwrap'));
    expect(inv.source.kind).toBe('npm-shrinkwrap');
    expect(inv.root.name).toBe('shrink-app');
  });
});

describe('pnpm-lock.yaml', () => {
  it('5.x: slash keys, peer suffixes, dev flags', () => {
    const inv = parseLockfile('pnpm-lock.yaml', fixture('pnpm-v5/pnpm-lock.yaml'));
    expect(ids(inv)).toEqual(['@scope/right@2.0.0', 'left@1.2.0', 'react-thing@1.0.0', 'react@18.2.0', 'testlib@4.0.0']);
    expect(pkg(inv, 'testlib').dev).toBe(true);
    expect(deps(inv, pkg(inv, 'react-thing').ref)).toEqual(['pkg:npm/react@18.2.0']);
    expect(deps(inv, inv.root.ref)).toHaveLength(3);
    expectClosedGraph(inv);
  });
  it('6.0: importers, aliases, workspaces, peer suffixes, non-registry packages', () => {
    const inv = parseLockfile('pnpm-lock.yaml', fixture('pnpm-v6/pnpm-lock.yaml'));
    expect(ids(inv)).toEqual(['@scope/right@2.0.0', 'gitdep@1.0.0', 'left@1.2.0', 'real-pkg@3.1.4', 'testhelper@1.0.0', 'testlib@4.0.0']);
    expect(deps(inv, pkg(inv, '@scope/right').ref)).toEqual(['pkg:npm/left@1.2.0']);
    expect(pkg(inv, 'gitdep').source).toBe('tarball');
    expect(pkg(inv, 'testhelper').dev).toBe(true);
    expectClosedGraph(inv);
  });
  it('9.0: snapshots, dev computed from importer reachability', () => {
    const inv = parseLockfile('pnpm-lock.yaml', fixture('pnpm-v9/pnpm-lock.yaml'), { manifest: { name: 'nine', version: '9.9.9' } });
    expect(ids(inv)).toEqual(['@scope/right@2.0.0', 'left@1.2.0', 'react-thing@1.0.0', 'react@18.2.0', 'real-pkg@3.1.4', 'shared-with-prod@1.0.0', 'testhelper@1.0.0', 'testlib@4.0.0']);
    expect(pkg(inv, 'testlib').dev).toBe(true);
    expect(pkg(inv, 'testhelper').dev).toBe(true);
    expect(pkg(inv, 'shared-with-prod').dev).toBe(false); // also reachable from production
    expect(inv.root).toMatchObject({ name: 'nine', version: '9.9.9' });
    expect(deps(inv, pkg(inv, 'left').ref)).toEqual(['pkg:npm/%40scope/right@2.0.0', 'pkg:npm/shared-with-prod@1.0.0']);
    const lean = parseLockfile('pnpm-lock.yaml', fixture('pnpm-v9/pnpm-lock.yaml'), { omitDev: true });
    expect(ids(lean)).not.toContain('testlib@4.0.0');
    expectClosedGraph(inv);
  });
});

describe('yarn.lock', () => {
  it('classic: multi-descriptor keys, aliases, sha1 from URL, dev from package.json', () => {
    const inv = catalogJavaScriptProject(join(fixtures, 'yarn-classic'));
    expect(ids(inv)).toEqual(['@scope/right@2.0.0', 'gitdep@1.0.0', 'left@1.2.0', 'real-pkg@3.1.4', 'testhelper@1.0.0', 'testlib@4.0.0']);
    expect(pkg(inv, '@scope/right').hashes).toEqual([{ alg: 'SHA-1', content: '0123456789abcdef0123456789abcdef01234567' }]);
    expect(pkg(inv, 'testlib').dev).toBe(true);
    expect(pkg(inv, 'left').dev).toBe(false);
    expect(deps(inv, pkg(inv, 'testlib').ref)).toEqual(['pkg:npm/left@1.2.0', 'pkg:npm/testhelper@1.0.0']);
    expect(inv.root).toMatchObject({ name: 'yarn-app', version: '1.0.0' });
    expect(deps(inv, inv.root.ref)).toHaveLength(4);
    expectClosedGraph(inv);
  });
  it('classic: a __proto__ block is a key like any other, never the prototype of a package block', () => {
    const text = '# yarn lockfile v1\n\n"left@^1.0.0":\n  version "1.2.0"\n  __proto__:\n    version "6.6.6"\n    dependencies:\n      evil "1"\n"right@^2":\n  __proto__:\n    version "9.9.9"\n  version "2.0.0"\n';
    const inv = parseLockfile('yarn.lock', text);
    expect(ids(inv)).toEqual(['left@1.2.0', 'right@2.0.0']);
    expect(inv.dependencies.flatMap((d) => d.dependsOn)).toEqual([]);
    const noVersion = '# yarn lockfile v1\n\n"left@^1.0.0":\n  __proto__:\n    version "6.6.6"\n';
    expect(() => parseLockfile('yarn.lock', noVersion)).toThrow(/has no package name or version/);
  });
  it('berry: workspaces, aliases by resolution, dev from package.json', () => {
    const inv = catalogJavaScriptProject(join(fixtures, 'yarn-berry'));
    expect(ids(inv)).toEqual(['@scope/right@2.0.0', 'left@1.2.0', 'real-pkg@3.1.4', 'testlib@4.0.0', 'ws-c@0.2.0']);
    expect(inv.source).toMatchObject({ kind: 'yarn-berry', lockfileVersion: '8' });
    expect(pkg(inv, 'testlib').dev).toBe(true);
    expect(pkg(inv, 'ws-c')).toMatchObject({ source: 'workspace', dev: false });
    expect(inv.root).toMatchObject({ name: 'berry-app', version: '1.0.0', fromLockfile: true });
    expect(deps(inv, inv.root.ref)).toEqual(['pkg:npm/left@1.2.0', 'pkg:npm/testlib@4.0.0', 'pkg:npm/ws-c@0.2.0']);
    expectClosedGraph(inv);
  });
});

describe('registry tarball URLs', () => {
  it('name the package they hold', async () => {
    const { nameFromRegistryUrl } = await import('./common.js');
    expect(nameFromRegistryUrl('https://registry.example.test/left/-/left-1.0.0.tgz')).toBe('left');
    expect(nameFromRegistryUrl('https://registry.example.test/@s/right/-/right-1.0.0.tgz#abc')).toBe('@s/right');
    expect(nameFromRegistryUrl('https://registry.example.test/@s%2fright/-/right-1.0.0.tgz')).toBe('@s/right');
    expect(nameFromRegistryUrl('https://h.example.test/api/npm/virtual/left/-/left-1.0.0.tgz')).toBe('left');
    expect(nameFromRegistryUrl('https://codeload.example.test/acme/x/tar.gz/abc')).toBeUndefined();
    expect(nameFromRegistryUrl('file:../x')).toBeUndefined();
  });
});
