import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseYamlSubset } from './yaml-subset.js';

const repo = join(import.meta.dirname, '../../../../..');
const syft = join(process.env.PROVENANT_VECTORS ?? join(repo, '../shared/vectors'), 'syft/syft/pkg/cataloger/javascript/testdata');
const files = [
  join(repo, 'packages/core/src/sbom/__fixtures__/pnpm-v5/pnpm-lock.yaml'),
  join(repo, 'packages/core/src/sbom/__fixtures__/pnpm-v6/pnpm-lock.yaml'),
  join(repo, 'packages/core/src/sbom/__fixtures__/pnpm-v9/pnpm-lock.yaml'),
  join(repo, 'packages/core/src/sbom/__fixtures__/yarn-berry/yarn.lock'),
  join(repo, 'bench/sbom/project-pnpm/pnpm-lock.yaml'),
  join(syft, 'pnpm/pnpm-lock.yaml'),
  join(syft, 'pnpm-v6/pnpm-lock.yaml'),
  join(syft, 'pnpm-v9/pnpm-lock.yaml'),
  join(syft, 'yarn-berry/yarn.lock'),
];

const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v)) as unknown;

describe('parseYamlSubset', () => {
  it.each(files)('reads %s exactly as the yaml package does', (file) => {
    const text = readFileSync(file, 'utf8');
    const fast = parseYamlSubset(text);
    expect(fast, 'fell back to the full parser').toBeDefined();
    expect(plain(fast)).toEqual(plain(parse(text, { uniqueKeys: false })));
  });
  it.each([
    ['anchors and aliases', 'a: &x [1]\nb: *x\n'],
    ['block scalars', 'a: |\n  text\n'],
    ['tags', 'a: !!str 1\n'],
    ['tabs', 'a:\n\tb: 1\n'],
    ['multi-line plain scalars', 'a: one\n  two\n'],
    ['nested flow', 'a: {b: {c: 1}}\n'],
    ['documents', '---\na: 1\n'],
    ['unterminated quotes', "a: 'x\n"],
    ['mapping sequence items', 'a:\n  - b: 1\n'],
  ])('gives up on %s', (_what, text) => {
    expect(parseYamlSubset(text)).toBeUndefined();
  });
  it('reads quoting, scalars and flow collections like YAML 1.2 core', () => {
    const text = "'a''b': \"c\\\"d\"\nn: 5.4\nv: '9.0'\nt: true\nz: ~\nf: {integrity: sha512-x, tarball: 'https://h.example.test/a.tgz'}\nl: [x64, arm64]\ne: []\nk:\n- one\n- 'two'\n";
    expect(plain(parseYamlSubset(text))).toEqual(plain(parse(text)));
  });
  it('keeps __proto__ a plain key', () => {
    const doc = parseYamlSubset('__proto__:\n  polluted: true\n') as Record<string, unknown>;
    expect(Object.getPrototypeOf(doc)).toBe(null);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
