import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BuilderId, checkBuilderTag, checkVersionedTag, refName } from './builder-id.js';
import { canonicalSemver, isValidSemver } from './semver.js';
import { normalizeGitUri, parseGitUri } from './provenance.js';

const code = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
};

describe('builder ids (slsa-verifier TrustedBuilderID rules)', () => {
  const cert = BuilderId.parse('https://github.com/o/r/.github/workflows/b.yml@refs/tags/v1.2.3', true);
  it('loose match: name only, name@vX, name@refs/tags/vX', () => {
    for (const ok of ['https://github.com/o/r/.github/workflows/b.yml', 'https://github.com/o/r/.github/workflows/b.yml@v1.2.3', 'https://github.com/o/r/.github/workflows/b.yml@refs/tags/v1.2.3']) {
      expect(code(() => cert.matchesLoose(ok, true)), ok).toBeUndefined();
    }
    for (const bad of ['https://github.com/o/r/.github/workflows/b.yml@v1.2.4', 'https://github.com/o/r/.github/workflows/c.yml', 'https://github.com/o/r/.github/workflows/b.yml@refs/heads/v1.2.3']) {
      expect(code(() => cert.matchesLoose(bad, true)), bad).toBe('BUILDER_MISMATCH');
    }
    expect(code(() => cert.matchesLoose('https://github.com/o/r/.github/workflows/b.yml@v1.2.3', false))).toBe('BUILDER_MISMATCH');
  });
  it('full match needs the version too', () => {
    expect(code(() => cert.matchesFull('https://github.com/o/r/.github/workflows/b.yml', true))).toBe('BUILDER_MISMATCH');
    expect(code(() => cert.matchesFull('https://github.com/o/r/.github/workflows/b.yml@v1.2.3', true))).toBeUndefined();
  });
  it('parse: one @ at most, no empty version; versions required when asked', () => {
    expect(code(() => BuilderId.parse('a@b@c', false))).toBe('PROVENANCE_INVALID');
    expect(code(() => BuilderId.parse('a@', false))).toBe('PROVENANCE_INVALID');
    expect(code(() => BuilderId.parse('a', true))).toBe('PROVENANCE_INVALID');
  });
  it('builder refs must be release tags vX.Y.Z', () => {
    expect(code(() => checkBuilderTag('refs/tags/v1.2.3', false))).toBeUndefined();
    for (const bad of ['refs/heads/main', 'refs/tags/v1.2', 'refs/tags/v1.2.3-rc.1', 'refs/tags/v1.2.3+b', 'refs/tags/1.2.3']) expect(code(() => checkBuilderTag(bad, false)), bad).toBe('BUILDER_MISMATCH');
    expect(code(() => checkBuilderTag('refs/tags/v1.2.3-rc.1', true))).toBeUndefined();
  });
});

describe('--source-versioned-tag', () => {
  it('major always, minor and patch when given, build metadata ignored', () => {
    const ok: [string, string][] = [['v1.2.3', 'v1'], ['v1.2.3', 'v1.2'], ['v1.2.3', 'v1.2.3'], ['v1.2.3+build', 'v1.2.3'], ['v1.2', 'v1.2.0'], ['v1', 'v1.0']];
    for (const [tag, want] of ok) expect(code(() => checkVersionedTag(tag, want)), `${tag} ~ ${want}`).toBeUndefined();
    const bad: [string, string][] = [['v1.2.3', 'v2'], ['v1.2.3', 'v1.3'], ['v1.2.3', 'v1.2.4'], ['v1.2.3-rc', 'v1.2.3']];
    for (const [tag, want] of bad) expect(code(() => checkVersionedTag(tag, want)), `${tag} ~ ${want}`).toBe('SOURCE_VERSIONED_TAG_MISMATCH');
    expect(code(() => checkVersionedTag('1.2.3', 'v1'))).toBe('SOURCE_VERSIONED_TAG_MISMATCH');
    expect(code(() => checkVersionedTag('v1.2.3', '1'))).toBe('SOURCE_VERSIONED_TAG_MISMATCH');
  });
  it('every version matches its own major and canonical form (property)', () => {
    fc.assert(
      fc.property(fc.nat(50), fc.nat(50), fc.nat(50), (a, b, c) => {
        const v = `v${a}.${b}.${c}`;
        expect(isValidSemver(v)).toBe(true);
        expect(canonicalSemver(`v${a}`)).toBe(`v${a}.0.0`);
        expect(code(() => checkVersionedTag(v, `v${a}`))).toBeUndefined();
        expect(code(() => checkVersionedTag(v, `v${a}.${b}`))).toBeUndefined();
        expect(code(() => checkVersionedTag(v, `v${a + 1}`))).toBe('SOURCE_VERSIONED_TAG_MISMATCH');
      }),
    );
  });
});

describe('refs and source URIs', () => {
  it('refName checks the ref type', () => {
    expect(refName('heads', 'refs/heads/feature/x')).toBe('feature/x');
    expect(code(() => refName('tags', 'refs/heads/main'))).toBe('BUILDER_MISMATCH');
  });
  it('github.com/org/repo and git+https forms normalize the same', () => {
    expect(normalizeGitUri('github.com/o/r')).toBe('git+https://github.com/o/r');
    expect(normalizeGitUri('https://github.com/o/r')).toBe('git+https://github.com/o/r');
    expect(parseGitUri('git+https://github.com/o/r@refs/tags/v1')).toEqual(['git+https://github.com/o/r', 'refs/tags/v1']);
    expect(code(() => parseGitUri('https://github.com/o/r'))).toBe('SOURCE_MISMATCH');
  });
});
