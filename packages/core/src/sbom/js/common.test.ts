import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PackageURL } from 'packageurl-js';
import { describe, expect, it } from 'vitest';
import { catalogJavaScriptProject } from '../index.js';
import { npmPurl, splitNpmName } from './common.js';

/**
 * What packageurl-js writes but for case: it lowercases npm names (its `npm` type normalizer), which the
 * purl specification no longer does (purl-spec #872). Its `generic` type normalizes nothing, so the same
 * parts through it are the reference, byte for byte, with the type swapped.
 */
function reference(fullName: string, version: string, qualifiers?: Record<string, string>): string {
  const { namespace, name } = splitNpmName(fullName);
  const q = qualifiers && Object.keys(qualifiers).length > 0 ? qualifiers : undefined;
  return new PackageURL('generic', namespace, name, version || undefined, q, undefined).toString().replace(/^pkg:generic\//u, 'pkg:npm/');
}

const repo = resolve(import.meta.dirname, '../../../../..');
/** Every project directory of the lockfile fixtures, the sample app and the bench projects. */
function projects(): string[] {
  const fixtures = join(repo, 'packages/core/src/sbom/__fixtures__');
  const dirs = readdirSync(fixtures).map((d) => join(fixtures, d));
  return [...dirs, join(repo, 'fixtures/sample-app'), join(repo, 'bench/sbom/project'), join(repo, 'bench/sbom/project-pnpm'), join(repo, 'bench/sbom/project-yarn')].filter((d) => statSync(d).isDirectory());
}

describe('npmPurl', () => {
  it('writes what packageurl-js writes, case kept, for every package of the fixture and bench lockfiles', () => {
    let compared = 0;
    for (const dir of projects()) {
      const inv = catalogJavaScriptProject(dir, {});
      for (const p of inv.packages) {
        expect(npmPurl(p.name, p.version), `${dir}: ${p.name}@${p.version}`).toBe(reference(p.name, p.version));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(2800);
  });

  it('writes what packageurl-js writes, case kept, for names and versions of every shape', () => {
    const names = ['left', '@scope/pkg', '@Scope/Pkg', 'UPPER', 'a.b_c-d', '@s/a.b', 'name with space', ' padded ', '@scope', '@/x', 'x/y', '@a/b/c', 'ünïcode', 'a~b', "a'b", 'a(b)', 'a!b', 'a*b', '%41', '@sc:ope/n', 'n:a'];
    const versions = ['', '1.0.0', '1.0.0-rc.1+build.5', '1.0.0+sha.abc', 'v1', 'latest', '1.0.0 ', '1.0.0:x', 'file:../x', 'git+https://h/x.git#abc', '1.0.0_peer@2', '0.0.0-ü'];
    for (const n of names) for (const v of versions) expect(npmPurl(n, v), `${JSON.stringify(n)} ${JSON.stringify(v)}`).toBe(reference(n, v));
    expect(npmPurl('left', '1.0.0', { vcs_url: 'git+https://h/x.git#abc' })).toBe(reference('left', '1.0.0', { vcs_url: 'git+https://h/x.git#abc' }));
    expect(npmPurl('left', '1.0.0', {})).toBe('pkg:npm/left@1.0.0');
    expect(npmPurl('@scope/pkg', '2.0.0')).toBe('pkg:npm/%40scope/pkg@2.0.0');
    // purl-spec #872: npm names and scopes keep their case.
    expect(npmPurl('JSONStream', '1.3.5')).toBe('pkg:npm/JSONStream@1.3.5');
    expect(npmPurl('@Azure/Core', '1.0.0')).toBe('pkg:npm/%40Azure/Core@1.0.0');
  });
});
