// CEL conditions as the policy engine compiles them (packages/verifier/src/policy/cel.ts): what the
// language gives a policy over a verified predicate, load-time errors, and `matches` on RE2.
import { beforeAll, describe, expect, it } from 'vitest';
import { compileCel, loadRegexEngine, type CelVariables } from '../../packages/verifier/src/policy/cel.js';
import { codeOf } from '../helpers/errors.js';

const predicate = {
  builder: { id: 'https://ci.example.test/builder' },
  ref: 'refs/heads/main',
  count: 3,
  ratio: 0.5,
  tags: ['a', 'b'],
  materials: [
    { uri: 'git+https://git.example.test/app', digest: { sha1: 'abc' } },
    { uri: 'pkg:npm/left-pad@1.3.0', digest: { sha512: 'def' } },
  ],
  startedOn: '2026-11-01T10:00:00Z',
  nothing: null,
};
// JSON.parse makes "__proto__" an own key, as it does for a predicate read from an attestation.
const vars: CelVariables = { predicate: JSON.parse(JSON.stringify(predicate).replace(/^\{/, '{"__proto__":{"polluted":true},')), statement: { _type: 'https://in-toto.io/Statement/v1' }, predicateType: 'https://slsa.dev/provenance/v1', subject: [{ name: 'app', digest: { sha256: '00' } }] };

const run = (source: string, v: CelVariables = vars) => compileCel(source, 'p.yaml:1:1')(v);

beforeAll(() => loadRegexEngine());

describe('CEL conditions over a verified predicate', () => {
  const passing = [
    "predicate.builder.id == 'https://ci.example.test/builder'",
    "predicate.builder.id.startsWith('https://ci.example.test/')",
    "predicate.ref in ['refs/heads/main', 'refs/heads/release']",
    // JSON numbers are doubles; they compare with CEL ints by value.
    'predicate.count == 3',
    'predicate.count > 2 && predicate.ratio < 1',
    'size(predicate.tags) == 2 && predicate.tags.size() == 2',
    "predicate.materials.exists(m, m.uri.startsWith('pkg:npm/'))",
    "predicate.materials.all(m, has(m.digest))",
    "predicate.materials.exists_one(m, has(m.digest.sha1))",
    "predicate.materials.filter(m, m.uri.contains('git')).size() == 1",
    "predicate.materials.map(m, m.uri).exists(u, u.endsWith('/app'))",
    "has(predicate.builder) && !has(predicate.missing)",
    'predicate.nothing == null',
    "timestamp(predicate.startedOn) > timestamp('2026-01-01T00:00:00Z')",
    "predicateType == 'https://slsa.dev/provenance/v1' && statement._type.endsWith('/v1')",
    "subject[0].digest.sha256 == '00'",
    "type(predicate.tags) == list && type(predicate.builder) == map",
    // A field that is missing is an error, and CEL's || and && absorb errors the other side decides.
    'predicate.missing.field == 1 || true',
    // The predicate's own "__proto__" key is data, not a prototype.
    'predicate["__proto__"].polluted == true && !has(predicate.constructor)',
  ];
  for (const source of passing) {
    it(`passes: ${source}`, () => {
      expect(run(source)).toEqual({ passed: true });
    });
  }

  const failing: [string, RegExp][] = [
    ["predicate.ref == 'refs/heads/feature'", /evaluated to false/],
    ['predicate.missing.field == 1', /evaluation error: .*missing/],
    ['predicate.builder.id', /non-boolean \(string\)/],
    ['predicate.count + 1', /evaluation error|non-boolean/],
    ['1 / 0 == 1', /evaluation error: division by zero/],
  ];
  for (const [source, reason] of failing) {
    it(`fails (a deny, never an allow): ${source}`, () => {
      const r = run(source);
      expect(r.passed).toBe(false);
      expect(r.passed === false && r.reason).toMatch(reason);
    });
  }

  it('a missing variable value is null, not an error in the engine', () => {
    expect(run('predicate == null', { predicate: undefined, statement: undefined, predicateType: undefined, subject: undefined })).toEqual({ passed: true });
  });
});

describe('CEL that cannot run is POLICY_CEL_INVALID at load', () => {
  for (const source of ['predicate.x ==', 'unknownVar == 1', 'nosuchfunction(predicate)', "predicate.ref.startsWith(1, 2)", '1 + "a" == 2', '']) {
    it(`rejects ${JSON.stringify(source)}`, async () => {
      expect(await codeOf(Promise.resolve().then(() => compileCel(source, 'p.yaml:1:1')))).toBe('POLICY_CEL_INVALID');
    });
  }
});

describe('matches runs on RE2', () => {
  it('receiver and global forms, inside macros, with escapes: the same answers as RE2', () => {
    expect(run("predicate.ref.matches('^refs/heads/(main|release)$')")).toEqual({ passed: true });
    expect(run("matches(predicate.ref, 'heads/ma')")).toEqual({ passed: true });
    expect(run("predicate.materials.exists(m, m.uri.matches('^pkg:npm/[a-z-]+@\\\\d+\\\\.\\\\d+\\\\.\\\\d+$'))")).toEqual({ passed: true });
    expect(run("predicate.ref.matches('^refs/tags/')").passed).toBe(false);
    expect(run('predicate.ref.matches("\\"") == false && "matches" != predicate.ref')).toEqual({ passed: true });
  });

  it('a pattern that backtracks exponentially in a JavaScript RegExp answers at once (linear time)', () => {
    // (a+)+$ against 40 a's and a '!' takes 2^40 steps in a backtracking engine: this test would hang.
    const hostile = { ...vars, predicate: { s: `${'a'.repeat(40)}!` } };
    expect(run("predicate.s.matches('(a+)+$')", hostile).passed).toBe(false);
    expect(run("predicate.s.matches('^(a|aa)+$')", hostile).passed).toBe(false);
  });

  it('a literal pattern that is not RE2 (backreference, lookahead, bad syntax) is POLICY_CEL_INVALID at load', async () => {
    for (const pattern of ['(a)\\\\1', '(?=a)', '(unclosed']) {
      expect(await codeOf(Promise.resolve().then(() => compileCel(`predicate.ref.matches('${pattern}')`, 'p.yaml:1:1'))), pattern).toBe('POLICY_CEL_INVALID');
    }
  });

  it('a pattern that comes from the predicate and is not RE2 is an evaluation error: deny', () => {
    const r = run('predicate.ref.matches(predicate.pattern)', { ...vars, predicate: { ref: 'x', pattern: '(?=x)' } });
    expect(r.passed).toBe(false);
    expect(r.passed === false && r.reason).toMatch(/evaluation error: .*regular expression/);
  });
});
