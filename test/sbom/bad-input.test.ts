import { closeSync, mkdirSync, mkdtempSync, openSync, ftruncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { catalogJavaScriptProject, parseLockfile } from '@provenant/core/sbom';
import { ProvenantError } from '@provenant/core/errors';
import { rmSync } from 'node:fs';

const work = mkdtempSync(join(tmpdir(), 'provenant-sbom-bad-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProvenantError);
    return (err as ProvenantError).code;
  }
  return 'NO_ERROR';
}

const validV3 = JSON.stringify({ name: 'x', version: '1.0.0', lockfileVersion: 3, packages: { '': { name: 'x' }, 'node_modules/a': { version: '1.0.0' } } });

describe('malformed and unsupported lockfiles', () => {
  it.each([
    ['package-lock.json', '{ "lockfileVersion": 3, "packages": {', 'LOCKFILE_MALFORMED'],
    ['package-lock.json', validV3.slice(0, validV3.length / 2), 'LOCKFILE_MALFORMED'],
    ['package-lock.json', '[1, 2]', 'LOCKFILE_MALFORMED'],
    ['package-lock.json', '{}', 'LOCKFILE_MALFORMED'],
    ['package-lock.json', '{ "lockfileVersion": 3, "packages": { "node_modules/a": 7 } }', 'LOCKFILE_MALFORMED'],
    ['package-lock.json', '{ "lockfileVersion": 1, "dependencies": { "a": { "resolved": "x" } } }', 'LOCKFILE_MALFORMED'],
    ['package-lock.json', '{ "lockfileVersion": 4, "packages": {} }', 'LOCKFILE_UNSUPPORTED'],
    ['package-lock.json', '{ "lockfileVersion": "3", "packages": {} }', 'LOCKFILE_UNSUPPORTED'],
    ['pnpm-lock.yaml', "lockfileVersion: '3.0'\n", 'LOCKFILE_UNSUPPORTED'],
    ['pnpm-lock.yaml', "lockfileVersion: '9.0'\npackages: [1, 2]\n", 'LOCKFILE_MALFORMED'],
    ['pnpm-lock.yaml', "lockfileVersion: '9.0'\npackages:\n  foo: {\n", 'LOCKFILE_MALFORMED'],
    ['pnpm-lock.yaml', "lockfileVersion: '6.0'\npackages:\n  /nameonly:\n    resolution: {integrity: sha512-AA}\n", 'LOCKFILE_MALFORMED'],
    ['pnpm-lock.yaml', '- just\n- a list\n', 'LOCKFILE_MALFORMED'],
    ['yarn.lock', '# yarn lockfile v1\n\nleft@^1.0.0:\n  version "1.0.0\n', 'LOCKFILE_MALFORMED'],
    ['yarn.lock', '# yarn lockfile v1\n\nleft@^1.0.0:\n  resolved "x"\n', 'LOCKFILE_MALFORMED'],
    ['yarn.lock', '# yarn lockfile v2\n', 'LOCKFILE_UNSUPPORTED'],
    ['yarn.lock', '__metadata:\n  version: 1\n', 'LOCKFILE_UNSUPPORTED'],
    ['yarn.lock', '__metadata:\n  version: 8\n"a@npm:1": {\n', 'LOCKFILE_MALFORMED'],
    ['Gemfile.lock', 'GEM\n', 'LOCKFILE_UNSUPPORTED'],
    ['pnpm-lock.yaml', "lockfileVersion: '10.0'\n", 'LOCKFILE_UNSUPPORTED'],
    ['pnpm-lock.yaml', "---\nlockfileVersion: '9.0'\nimporters:\n  .: {}\n---\nlockfileVersion: '9.0'\nimporters:\n  .: {}\n", 'LOCKFILE_MALFORMED'],
    ['pnpm-lock.yaml', "---\nlockfileVersion: '9.0'\n---\n- a list\n", 'LOCKFILE_MALFORMED'],
    ['pnpm-lock.yaml', "---\nlockfileVersion: '9.0'\nimporters:\n  .:\n    packageManagerDependencies: {}\n---\nlockfileVersion: '9.0'\npackages:\n  foo: {\n", 'LOCKFILE_MALFORMED'],
    ['pnpm-lock.yaml', "lockfileVersion: '9.0'\npackages:\n  file:x:\n    resolution: {directory: x, type: directory}\n", 'LOCKFILE_MALFORMED'],
    ['yarn.lock', '__metadata:\n  version: 11\n', 'LOCKFILE_UNSUPPORTED'],
    ['yarn.lock', '__metadata:\n  version: 8.5\n', 'LOCKFILE_UNSUPPORTED'],
  ])('%s: %j -> %s', (name, text, code) => {
    expect(codeOf(() => parseLockfile(name, text))).toBe(code);
  });
});

describe('YAML alias bombs', () => {
  const bomb = (kind: 'pnpm' | 'berry'): string => {
    const lines = [kind === 'pnpm' ? "lockfileVersion: '9.0'" : '__metadata:\n  version: 8', 'a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i <= 9; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    return lines.join('\n') + '\n';
  };
  it('pnpm-lock.yaml: YAML_ALIAS_LIMIT, quickly and without expanding', () => {
    expect(codeOf(() => parseLockfile('pnpm-lock.yaml', bomb('pnpm')))).toBe('YAML_ALIAS_LIMIT');
  });
  it('a pnpm lockfile of two documents, the bomb in the second: YAML_ALIAS_LIMIT', () => {
    const text = "---\nlockfileVersion: '9.0'\nimporters:\n  .:\n    packageManagerDependencies: {}\n---\n" + bomb('pnpm');
    expect(codeOf(() => parseLockfile('pnpm-lock.yaml', text))).toBe('YAML_ALIAS_LIMIT');
  });
  it('yarn berry yarn.lock: YAML_ALIAS_LIMIT', () => {
    expect(codeOf(() => parseLockfile('yarn.lock', bomb('berry')))).toBe('YAML_ALIAS_LIMIT');
  });
});

describe('files and directories', () => {
  it('refuses a 200 MB lockfile by its size before reading it', () => {
    const dir = join(work, 'huge');
    mkdirSync(dir);
    const fd = openSync(join(dir, 'package-lock.json'), 'w');
    ftruncateSync(fd, 200 * 1024 * 1024); // sparse: no disk used, and reading it would be the bug
    closeSync(fd);
    expect(codeOf(() => catalogJavaScriptProject(dir))).toBe('LOCKFILE_TOO_LARGE');
    expect(codeOf(() => catalogJavaScriptProject(join(dir, 'package-lock.json')))).toBe('LOCKFILE_TOO_LARGE');
    expect(codeOf(() => parseLockfile('package-lock.json', validV3, { maxLockfileBytes: 10 }))).toBe('LOCKFILE_TOO_LARGE');
  });
  it('names missing paths, lockfile-less dirs and unreadable lockfiles', () => {
    expect(codeOf(() => catalogJavaScriptProject(join(work, 'nope')))).toBe('FILE_NOT_FOUND');
    const empty = join(work, 'empty');
    mkdirSync(empty);
    expect(codeOf(() => catalogJavaScriptProject(empty))).toBe('LOCKFILE_NOT_FOUND');
    const dirLock = join(work, 'dirlock');
    mkdirSync(join(dirLock, 'package-lock.json'), { recursive: true });
    expect(codeOf(() => catalogJavaScriptProject(dirLock))).toBe('FILE_UNREADABLE');
  });
  it('reports a broken package.json beside a good lockfile', () => {
    const dir = join(work, 'badmanifest');
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), '{ nope');
    writeFileSync(join(dir, 'package-lock.json'), validV3);
    expect(codeOf(() => catalogJavaScriptProject(dir))).toBe('JSON_INVALID');
  });
});

describe('node_modules scan (no lockfile)', () => {
  it('catalogs installed packages, nested copies, scopes, and tells dev from prod', () => {
    const dir = join(work, 'installed');
    const pkg = (rel: string, manifest: object): void => {
      mkdirSync(join(dir, rel), { recursive: true });
      writeFileSync(join(dir, rel, 'package.json'), JSON.stringify(manifest));
    };
    pkg('.', { name: 'installed-app', version: '1.0.0', dependencies: { a: '^1' }, devDependencies: { t: '^1' } });
    pkg('node_modules/a', { name: 'a', version: '1.0.0', license: 'MIT', dependencies: { b: '^2', '@s/c': '^1' } });
    pkg('node_modules/a/node_modules/b', { name: 'b', version: '2.0.0', _integrity: 'sha1-AAAAAAAAAAAAAAAAAAAAAAAAAAA=' });
    pkg('node_modules/b', { name: 'b', version: '1.0.0' });
    pkg('node_modules/@s/c', { name: '@s/c', version: '1.0.0', licenses: [{ type: 'ISC' }] });
    pkg('node_modules/t', { name: 't', version: '1.0.0', dependencies: { b: '^1' } });
    mkdirSync(join(dir, 'node_modules/.bin'), { recursive: true });
    mkdirSync(join(dir, 'node_modules/not-a-package'), { recursive: true });
    const inv = catalogJavaScriptProject(dir);
    expect(inv.source.kind).toBe('node_modules');
    expect(inv.packages.map((p) => `${p.name}@${p.version}:${p.dev ? 'dev' : 'prod'}`).sort()).toEqual(['@s/c@1.0.0:prod', 'a@1.0.0:prod', 'b@1.0.0:dev', 'b@2.0.0:prod', 't@1.0.0:dev']);
    expect(inv.packages.find((p) => p.name === '@s/c')?.licenses).toEqual(['ISC']);
    expect(inv.packages.find((p) => p.version === '2.0.0')?.hashes[0]?.alg).toBe('SHA-1');
    expect(inv.root).toMatchObject({ name: 'installed-app', fromLockfile: false });
    expect(catalogJavaScriptProject(dir, { omitDev: true }).packages).toHaveLength(3);
  });
  it('fills missing lockfile licenses from installed package.json files', () => {
    const dir = join(work, 'lic');
    mkdirSync(join(dir, 'node_modules/a'), { recursive: true });
    writeFileSync(join(dir, 'node_modules/a/package.json'), JSON.stringify({ name: 'a', version: '1.0.0', license: 'Apache-2.0' }));
    writeFileSync(join(dir, 'package-lock.json'), validV3);
    expect(catalogJavaScriptProject(dir).packages[0]?.licenses).toEqual(['Apache-2.0']);
  });
  it('leaves out optional packages npm did not install (other platforms) when node_modules exists', () => {
    const dir = join(work, 'platform');
    mkdirSync(join(dir, 'node_modules/a'), { recursive: true });
    const lock = { name: 'p', version: '1.0.0', lockfileVersion: 3, packages: { '': { name: 'p' }, 'node_modules/a': { version: '1.0.0', optionalDependencies: { 'a-win32': '1.0.0' } }, 'node_modules/a-win32': { version: '1.0.0', optional: true, os: ['win32'] } } };
    writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lock));
    expect(catalogJavaScriptProject(dir).packages.map((p) => p.name)).toEqual(['a']);
    // The lockfile alone describes every platform.
    expect(parseLockfile('package-lock.json', JSON.stringify(lock)).packages.map((p) => p.name)).toEqual(['a', 'a-win32']);
  });
});
