import { createHash } from 'node:crypto';
import { digestOf as digestOfBytes, verifyBytes as checkBytes, verifyWhileReading } from '../../digest/index.js';

// Thin wrappers over core/digest's verify-while-reading with the names the layouts use.

export function digestOf(data: Uint8Array): string {
  return digestOfBytes(data);
}

/** Checks a whole buffer against a digest (and size when known). */
export function verifyBytes(data: Uint8Array, digest: string, size: number | undefined, what: string): void {
  checkBytes(data, { digest, what, ...(size !== undefined ? { size } : {}) });
}

/**
 * Passes a stream through while checking size and digest; the verdict comes at the end, so
 * consumers must not act on the data until the stream has ended without error.
 */
export async function* verifyStream(source: AsyncIterable<Uint8Array>, digest: string, size: number | undefined, what: string): AsyncGenerator<Buffer> {
  yield* verifyWhileReading(source, { digest, what, ...(size !== undefined ? { size } : {}) });
}

/** Hashes a stream as it passes, reporting the sha256 digest and size when it ends. */
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
