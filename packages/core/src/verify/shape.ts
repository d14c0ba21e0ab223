// A minimal structural validator for the two JSON documents on the verify hot path (bundles and trusted
// roots). zod's module graph alone costs ~75 ms of process start, a third of the 250 ms budget of a cold
// `provenant verify-bundle`; these few combinators give the same strict checks with no load cost.

export class ShapeError extends Error {
  constructor(readonly path: string, readonly expected: string) {
    super(`${path || '(root)'}: expected ${expected}`);
  }
}

export type Shape<T> = (value: unknown, path: string) => T;
export type Infer<S> = S extends Shape<infer T> ? T : never;

export const str: Shape<string> = (v, path) => {
  if (typeof v !== 'string') throw new ShapeError(path, 'a string');
  return v;
};

/** A protobuf-JSON int64: decimal string or number. */
export const int64: Shape<string | number> = (v, path) => {
  if (typeof v !== 'string' && typeof v !== 'number') throw new ShapeError(path, 'an integer (string or number)');
  return v;
};

export const bool: Shape<boolean> = (v, path) => {
  if (typeof v !== 'boolean') throw new ShapeError(path, 'a boolean');
  return v;
};

/** Absent and null (protobuf JSON's "not set") both read as undefined. */
export function opt<T>(s: Shape<T>): Shape<T | undefined> {
  const optional: Shape<T | undefined> = (v, path) => (v === undefined || v === null ? undefined : s(v, path));
  return optional;
}

export function arr<T>(s: Shape<T>): Shape<T[]> {
  return (v, path) => {
    if (!Array.isArray(v)) throw new ShapeError(path, 'an array');
    return v.map((x, i) => s(x, `${path}[${i}]`));
  };
}

type ObjectOf<S extends Record<string, Shape<unknown>>> = { [K in keyof S]: Infer<S[K]> };

/** An object with these keys; `strict` rejects keys not listed (fail closed on unknown fields). */
export function obj<S extends Record<string, Shape<unknown>>>(shape: S, strict = false): Shape<ObjectOf<S>> {
  const keys = Object.keys(shape);
  return (v, path) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ShapeError(path, 'an object');
    const rec = v as Record<string, unknown>;
    if (strict) for (const k of Object.keys(rec)) if (!(k in shape)) throw new ShapeError(path ? `${path}.${k}` : k, 'no such field');
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = shape[k]!(rec[k], path ? `${path}.${k}` : k);
    return out as ObjectOf<S>;
  };
}
