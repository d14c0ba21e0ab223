import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProvenantError } from '../errors.js';
import { formatReference, isLoopbackRegistry, manifestReference, parseReference, registryApiHost } from './reference.js';

const D = 'sha256:' + 'a'.repeat(64);
const D512 = 'sha512:' + 'b'.repeat(128);

describe('parseReference: valid references normalize like docker', () => {
  const cases: Array<[string, string, string, string | undefined, string | undefined]> = [
    // input, registry, repository, tag, digest
    ['alpine', 'docker.io', 'library/alpine', undefined, undefined],
    ['alpine:3.19', 'docker.io', 'library/alpine', '3.19', undefined],
    ['library/alpine', 'docker.io', 'library/alpine', undefined, undefined],
    ['docker.io/alpine', 'docker.io', 'library/alpine', undefined, undefined],
    ['index.docker.io/alpine:latest', 'docker.io', 'library/alpine', 'latest', undefined],
    ['index.docker.io:443/myorg/app', 'docker.io', 'myorg/app', undefined, undefined],
    ['registry-1.docker.io:443/alpine', 'docker.io', 'library/alpine', undefined, undefined],
    ['ghcr.io:443/org/app:v1', 'ghcr.io', 'org/app', 'v1', undefined],
    ['[::1]:443/org/app', '[::1]', 'org/app', undefined, undefined],
    ['localhost:443/app', 'localhost', 'app', undefined, undefined],
    ['ghcr.io:4430/org/app', 'ghcr.io:4430', 'org/app', undefined, undefined],
    ['registry-1.docker.io/library/alpine', 'docker.io', 'library/alpine', undefined, undefined],
    ['user/app', 'docker.io', 'user/app', undefined, undefined],
    ['ghcr.io/org/app:v1', 'ghcr.io', 'org/app', 'v1', undefined],
    ['GHCR.io/org/app', 'ghcr.io', 'org/app', undefined, undefined],
    ['localhost/app', 'localhost', 'app', undefined, undefined],
    ['localhost:5000/app:dev', 'localhost:5000', 'app', 'dev', undefined],
    ['127.0.0.1:5000/a/b/c:t', '127.0.0.1:5000', 'a/b/c', 't', undefined],
    ['[::1]:5000/app', '[::1]:5000', 'app', undefined, undefined],
    ['[::1]/app', '[::1]', 'app', undefined, undefined],
    ['Registry/app', 'Registry', 'app', undefined, undefined],
    [`app@${D}`, 'docker.io', 'library/app', undefined, D],
    [`ghcr.io/org/app:v1@${D}`, 'ghcr.io', 'org/app', 'v1', D],
    [`localhost:5000/app@${D512}`, 'localhost:5000', 'app', undefined, D512],
    ['a.b/c__d/e--f.g_h:T_a.g-1', 'a.b', 'c__d/e--f.g_h', 'T_a.g-1', undefined],
    ['localhost:5000', 'docker.io', 'library/localhost', '5000', undefined],
    [`x.io/app:${'t'.repeat(128)}`, 'x.io', 'app', 't'.repeat(128), undefined],
  ];
  it.each(cases)('%s', (input, registry, repository, tag, digest) => {
    const r = parseReference(input);
    expect(r).toEqual({ registry, repository, tag, digest });
  });
});

describe('parseReference: malformed references are REFERENCE_INVALID', () => {
  const bad = [
    '',
    ' ',
    'alpine ',
    'Alpine',
    'ghcr.io/Org/app',
    'ghcr.io/org//app',
    'ghcr.io/org/app/',
    '/app',
    'app:',
    'app:-bad',
    `app:${'t'.repeat(129)}`,
    'app@',
    'app@sha256:abc',
    `app@sha256:${'A'.repeat(64)}`,
    `app@md5:${'a'.repeat(32)}`,
    `app@sha256:${'a'.repeat(63)}`,
    '@' + D,
    'ghcr.io:99999/app',
    'ghcr.io:port/app',
    '-bad.io/app',
    'bad-.io/app',
    '[::1/app',
    'a..b/app',
    'app_/x',
    'app.',
    '.app',
    'a/' + 'b'.repeat(255),
    'app:tag:tag',
    'ghcr.io/org/app:v1@',
  ];
  it.each(bad)('%j', (input) => {
    let caught: unknown;
    try {
      parseReference(input);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ProvenantError);
    expect((caught as ProvenantError).code).toBe('REFERENCE_INVALID');
  });
});

describe('reference helpers', () => {
  it('formats canonically and round-trips', () => {
    for (const s of ['docker.io/library/alpine:3', `ghcr.io/o/a:v1@${D}`, `127.0.0.1:5000/x@${D}`]) {
      expect(formatReference(parseReference(s))).toBe(s);
    }
  });
  it('manifestReference prefers the digest, then the tag, then latest', () => {
    expect(manifestReference(parseReference(`a:t@${D}`))).toBe(D);
    expect(manifestReference(parseReference('a:t'))).toBe('t');
    expect(manifestReference(parseReference('a'))).toBe('latest');
  });
  it('docker.io is served by registry-1.docker.io', () => {
    expect(registryApiHost('docker.io')).toBe('registry-1.docker.io');
    expect(registryApiHost('ghcr.io')).toBe('ghcr.io');
  });
  it('knows loopback registries', () => {
    expect(isLoopbackRegistry('127.0.0.1:5000')).toBe(true);
    expect(isLoopbackRegistry('127.8.9.1')).toBe(true);
    expect(isLoopbackRegistry('localhost:1')).toBe(true);
    expect(isLoopbackRegistry('[::1]:5000')).toBe(true);
    expect(isLoopbackRegistry('registry.example.test')).toBe(false);
    expect(isLoopbackRegistry('127.0.0.1.example.test')).toBe(false);
  });
});

describe('parseReference properties', () => {
  const component = fc.stringMatching(/^[a-z0-9]{1,8}(?:(?:[._]|__|-{1,2})[a-z0-9]{1,8}){0,2}$/);
  const registry = fc.oneof(
    fc.constant(undefined),
    fc.stringMatching(/^[a-z0-9]{1,10}\.[a-z]{2,5}$/),
    fc.tuple(fc.constantFrom('localhost', '127.0.0.1', '[::1]', 'registry.example.test'), fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `${h}:${p}`),
  );
  const tag = fc.oneof(fc.constant(undefined), fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/));
  const digest = fc.oneof(fc.constant(undefined), fc.stringMatching(/^[0-9a-f]{64}$/).map((h) => `sha256:${h}`));

  it('every grammatical reference parses, and its canonical form parses to the same thing', () => {
    fc.assert(
      fc.property(registry, fc.array(component, { minLength: 1, maxLength: 3 }), tag, digest, (reg, path, t, d) => {
        // Like docker, a first component with a dot is a registry host; without an explicit registry it must not have one.
        fc.pre(reg !== undefined || path.length === 1 || !path[0]!.includes('.'));
        const text = `${reg ? `${reg}/` : ''}${path.join('/')}${t !== undefined ? `:${t}` : ''}${d !== undefined ? `@${d}` : ''}`;
        const parsed = parseReference(text);
        expect(parsed.tag).toBe(t);
        expect(parsed.digest).toBe(d);
        expect(parseReference(formatReference(parsed))).toEqual(parsed);
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary strings either parse or throw REFERENCE_INVALID, nothing else', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        try {
          const r = parseReference(text);
          expect(parseReference(formatReference(r))).toEqual(r);
        } catch (err) {
          expect(err).toBeInstanceOf(ProvenantError);
          expect((err as ProvenantError).code).toBe('REFERENCE_INVALID');
        }
      }),
      { numRuns: 500 },
    );
  });
});
