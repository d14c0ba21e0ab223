// The webhook's decision cache, its semaphore and --kind parsing.
import { describe, expect, it } from 'vitest';
import { parseKindSpec, Semaphore, TtlCache } from '@provenant/verifier/admission';

describe('TtlCache', () => {
  it('expires entries after the TTL and keeps at most maxEntries, least recently used out first', () => {
    let now = 0;
    const c = new TtlCache<number>(2, 1000, () => now);
    c.set('a', 1);
    c.set('b', 2);
    expect(c.get('a')).toBe(1); // a is now the most recently used
    c.set('c', 3);
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBe(1);
    expect(c.size).toBe(2);
    now = 1000;
    expect(c.get('a')).toBeUndefined();
    expect(c.get('c')).toBeUndefined();
  });

  it('a TTL or size of 0 keeps nothing', () => {
    const c = new TtlCache<number>(10, 0);
    c.set('a', 1);
    expect(c.get('a')).toBeUndefined();
  });
});

describe('Semaphore', () => {
  it('runs at most `limit` at once; a waiter whose signal aborts gives up its place', async () => {
    const s = new Semaphore(1);
    const first = await s.acquire(new AbortController().signal);
    expect(s.running).toBe(1);
    const gone = new AbortController();
    const abandoned = s.acquire(gone.signal);
    const next = s.acquire(new AbortController().signal);
    gone.abort();
    expect(await abandoned).toBeUndefined();
    first!();
    const release = await next;
    expect(release).toBeDefined();
    expect(s.running).toBe(1);
    release!();
    expect(s.running).toBe(0);
  });
});

describe('parseKindSpec', () => {
  it('reads group/Kind=path and refuses what is not one', () => {
    expect(parseKindSpec('argoproj.io/Rollout=spec.template')).toEqual({ group: 'argoproj.io', kind: 'Rollout', podSpecPath: ['spec', 'template', 'spec'] });
    expect(parseKindSpec('Thing=template')).toEqual({ group: '', kind: 'Thing', podSpecPath: ['template', 'spec'] });
    for (const bad of ['Rollout', 'argoproj.io/Rollout=', 'argoproj.io/Rollout=spec..template', 'Bad_Group/Rollout=spec', 'x/Rollout=__proto__.a']) {
      expect(() => parseKindSpec(bad), bad).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });
});
