import { createHash } from 'node:crypto';
import { ProvenantError } from '../../errors.js';

// Local verify-while-reading until core/digest exports one; swap then.

export function digestOf(data: Uint8Array, algorithm: 'sha256' | 'sha512' = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}

function algorithmOf(digest: string): 'sha256' | 'sha512' {
  const alg = digest.slice(0, digest.indexOf(':'));
  if (alg !== 'sha256' && alg !== 'sha512') throw new ProvenantError('DIGEST_ALGORITHM_UNSUPPORTED', `digest algorithm ${alg} is not supported`);
  return alg;
}

/** Checks a whole buffer against a digest (and size when known). */
export function verifyBytes(data: Uint8Array, digest: string, size: number | undefined, what: string): void {
  if (size !== undefined && data.length !== size) {
    throw new ProvenantError(data.length > size ? 'BLOB_TOO_LARGE' : 'BLOB_TRUNCATED', `${what} is ${data.length} bytes, its descriptor says ${size}`, { details: { digest } });
  }
  const got = digestOf(data, algorithmOf(digest));
  if (got !== digest) throw new ProvenantError('DIGEST_MISMATCH', `${what} has digest ${got}, expected ${digest}`, { details: { expected: digest, actual: got } });
}

/**
 * Passes a stream through while hashing it; fails as soon as it grows past `size`, and at the end
 * when it is short or the digest differs. Consumers see every byte before the verdict, so they must
 * not act on the data until the stream has ended without error.
 */
export async function* verifyStream(source: AsyncIterable<Uint8Array>, digest: string, size: number | undefined, what: string): AsyncGenerator<Buffer> {
  const hash = createHash(algorithmOf(digest));
  let n = 0;
  for await (const c of source) {
    n += c.length;
    if (size !== undefined && n > size) {
      throw new ProvenantError('BLOB_TOO_LARGE', `${what} is larger than the ${size} bytes its descriptor declares`, { details: { digest } });
    }
    hash.update(c);
    yield Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.length);
  }
  if (size !== undefined && n < size) throw new ProvenantError('BLOB_TRUNCATED', `${what} is ${n} bytes, its descriptor says ${size}`, { details: { digest } });
  const got = `${digest.slice(0, digest.indexOf(':'))}:${hash.digest('hex')}`;
  if (got !== digest) throw new ProvenantError('DIGEST_MISMATCH', `${what} has digest ${got}, expected ${digest}`, { details: { expected: digest, actual: got } });
}

/** Hashes a stream as it passes, reporting the digest and size when it ends. */
export async function* hashStream(source: AsyncIterable<Uint8Array>, done: (digest: string, size: number) => void): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  let n = 0;
  for await (const c of source) {
    n += c.length;
    hash.update(c);
    yield Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.length);
  }
  done(`sha256:${hash.digest('hex')}`, n);
}
