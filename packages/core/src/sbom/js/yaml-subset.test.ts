import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseYamlSubset } from './yaml-subset.js';

const repo = join(import.meta.dirname, '../../../../..');
const syft = join(process.env.PROVENANT_VECTORS ?? join(repo, 'fixtures/vectors'), 'syft/syft/pkg/cataloger/javascript/testdata');
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

/** Every YAML document of the lockfile corpus (fixtures/lockfiles), pnpm's multi-document lockfile split at `---`. */
function corpusDocuments(): [string, string][] {
  const corpus = join(repo, 'fixtures/lockfiles');
  return readdirSync(corpus)
    .flatMap((d) => ['pnpm-lock.yaml', 'yarn.lock'].map((f) => join(corpus, d, f)))
    .filter((f) => existsSync(f) && !readFileSync(f, 'utf8').startsWith('# yarn lockfile v1') && !readFileSync(f, 'utf8').includes('\n# yarn lockfile v1'))
    .flatMap((f) => readFileSync(f, 'utf8').split(/^---$/mu).filter((t) => t.trim() !== '').map((t, i): [string, string] => [`${f.slice(corpus.length + 1)} #${i}`, t]));
}

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
    ['nested sequence items', 'a:\n  - - b\n'],
    ['mapping items with a wide indent', 'a:\n  -   b: 1\n'],
  ])('gives up on %s', (_what, text) => {
    expect(parseYamlSubset(text)).toBeUndefined();
  });
  it.each(corpusDocuments())('reads the corpus document %s exactly as the yaml package does', (_name, text) => {
    const fast = parseYamlSubset(text);
    expect(fast, 'fell back to the full parser').toBeDefined();
    expect(plain(fast)).toEqual(plain(parse(text, { uniqueKeys: false })));
  });
  it('reads quoting, scalars and flow collections like YAML 1.2 core', () => {
    const text = "'a''b': \"c\\\"d\"\nn: 5.4\nv: '9.0'\nt: true\nz: ~\nf: {integrity: sha512-x, tarball: 'https://h.example.test/a.tgz'}\nl: [x64, arm64]\ne: []\nk:\n- one\n- 'two'\n";
    expect(plain(parseYamlSubset(text))).toEqual(plain(parse(text)));
  });
  it('reads every generated document it accepts exactly as the yaml package does (core-schema numbers, indicators, flow commas)', () => {
    // Tricky scalars in mapping, sequence and flow positions; whatever the subset accepts must match the
    // full parser (or the full parser must also reject it), anything else must fall back.
    const atoms = [
      '007', '0x1F', '0o7', '.5', '1.', '+.5', '-.inf', '.inf', '.NaN', '1e3', '1_0', '-1', '-0', '1.0.0', '12:30', '2001-12-14',
      'a', 'a b', '#c', 'a #c', 'a#c', 'a:', 'a::', 'a: b', 'a:b', ':a', ': a', '- a', '-a', '-', '?', '? a', '?a',
      '"q"', "'q'", "'q''r'", '"a\\"b"', '"\\t"', "'\\t'", '[]', '{}', '[ ]', '[a, b]', '[a,]', '[a,,b]', '[,]', '[a: b]',
      '{a: b}', '{a}', '{a: }', '{a: [b]}', "{'a': b}", '{integrity: sha512-ab==, tarball: https://h.example.test/a.tgz}',
      '}a', ']a', ',a', 'a, b', 'a]', 'a}', '~', 'null', 'nULL', 'True', 'TrUe', 'yes', '&a', '*a', '!a', '|', '>', '%a',
      '@a', '`a', '<<', '...', '---', 'é', 'http://h.example.test/a',
    ];
    // A deterministic draw: the same cases on every run.
    let draws = 0;
    const rnd = (n: number): number => createHash('sha256').update(`yaml-subset ${draws++}`).digest().readUInt32LE(0) % n;
    const pick = (): string => atoms[rnd(atoms.length)] as string;
    const shapes = [
      (): string => `k: ${pick()}\n`,
      (): string => `${pick()}: ${pick()}\n`,
      (): string => `k:\n  - ${pick()}\n  - ${pick()}\n`,
      (): string => `k:\n  ${pick()}: ${pick()}\n  x: ${pick()}\n`,
      (): string => `a:\n- ${pick()}\nb: ${pick()}\n`,
      (): string => `a:\n  b:\n    ${pick()}: ${pick()}\n  c: ${pick()}\n# x\nd: ${pick()}\n`,
      (): string => `a: ${pick()}\r\n${' '.repeat(rnd(3))}b: ${pick()}  \r\n`,
      (): string => `k:\n  - ${pick()}: ${pick()}\n    x: ${pick()}\n  - y:\n      ${pick()}: ${pick()}\n    z: [${pick()}]\n`,
      (): string => `k:\n- a: ${pick()}\n  b:\n  - ${pick()}\n- ${pick()}\nl: ${pick()}\n`,
    ];
    let accepted = 0;
    const wrong: string[] = [];
    for (let i = 0; i < 6000; i++) {
      const text = (shapes[rnd(shapes.length)] as () => string)();
      const fast = parseYamlSubset(text);
      if (fast === undefined) continue;
      accepted++;
      let full: unknown;
      try {
        full = plain(parse(text, { uniqueKeys: false }));
      } catch {
        full = 'an error';
      }
      if (JSON.stringify(plain(fast)) !== JSON.stringify(full)) wrong.push(`${JSON.stringify(text)}: ${JSON.stringify(plain(fast))}, yaml: ${JSON.stringify(full)}`);
    }
    expect(wrong).toEqual([]);
    expect(accepted).toBeGreaterThan(500);
  });
  it('keeps __proto__ a plain key', () => {
    const doc = parseYamlSubset('__proto__:\n  polluted: true\n') as Record<string, unknown>;
    expect(Object.getPrototypeOf(doc)).toBe(null);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
