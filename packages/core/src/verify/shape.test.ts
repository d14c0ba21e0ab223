import { describe, expect, it } from 'vitest';
import { arr, int64, obj, opt, ShapeError, str } from './shape.js';

const Thing = obj({ name: str, size: int64, tags: opt(arr(str)), inner: opt(obj({ a: str }, true)) }, true);

describe('shape validators', () => {
  it('accepts the shape, reads null as absent, drops nothing it knows', () => {
    expect(Thing({ name: 'x', size: '12', tags: null, inner: { a: 'b' } }, '')).toEqual({ name: 'x', size: '12', tags: undefined, inner: { a: 'b' } });
  });

  it('names the path of the first problem', () => {
    const bad: [unknown, string][] = [
      [null, '(root): expected an object'],
      [{ name: 1, size: 1 }, 'name: expected a string'],
      [{ name: 'x', size: true }, 'size: expected an integer (string or number)'],
      [{ name: 'x', size: 1, tags: ['a', 2] }, 'tags[1]: expected a string'],
      [{ name: 'x', size: 1, extra: 1 }, 'extra: expected no such field'],
      [{ name: 'x', size: 1, inner: { a: 'b', c: 1 } }, 'inner.c: expected no such field'],
    ];
    for (const [v, msg] of bad) {
      let err: unknown;
      try {
        Thing(v, '');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ShapeError);
      expect((err as Error).message).toBe(msg);
    }
  });
});
