import { createHash, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { ProvenantError } from '../errors.js';
import { formatDigest, type Digest, type DigestAlgorithm } from './format.js';

export interface HashResult {
  digest: Digest;
  algorithm: DigestAlgorithm;
  hex: string;
  /** Bytes hashed. */
  size: number;
}

export interface HashOptions {
  /** Fail with SIZE_LIMIT_EXCEEDED once more than this many bytes are read. */
  maxBytes?: number;
}

/** Reads in chunks this big: few syscalls and hash calls per GiB, a fixed few MiB of memory. */
const CHUNK = 2 * 1024 * 1024;

/** Digest of bytes in memory. */
export function digestOf(data: Uint8Array | string, algorithm: DigestAlgorithm = 'sha256'): Digest {
  return formatDigest(algorithm, createHash(algorithm).update(data).digest());
}

function result(hash: Hash, algorithm: DigestAlgorithm, size: number): HashResult {
  const hex = hash.digest('hex');
  return { digest: `${algorithm}:${hex}` as Digest, algorithm, hex, size };
}

function tooBig(size: number, maxBytes: number, what: string): ProvenantError {
  return new ProvenantError('SIZE_LIMIT_EXCEEDED', `${what} is larger than the ${maxBytes}-byte limit`, { details: { limit: maxBytes, read: size } });
}

/**
 * Hashes a file with two reused buffers: the next read runs on the thread pool while the current
 * chunk is hashed, so I/O and hashing overlap and memory stays at 2 x CHUNK.
 */
export async function hashFile(path: string, algorithm: DigestAlgorithm = 'sha256', options: HashOptions = {}): Promise<HashResult> {
  const max = options.maxBytes ?? Number.POSITIVE_INFINITY;
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE';
    throw new ProvenantError(code, `cannot open ${path} to hash it: ${(cause as Error).message}`, { cause });
  }
  const buffers = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)] as const;
  let pending = fh.read(buffers[0], 0, CHUNK, null);
  try {
    const hash = createHash(algorithm);
    let size = 0;
    let turn = 0;
    for (;;) {
      const { bytesRead } = await pending;
      if (bytesRead === 0) break;
      size += bytesRead;
      if (size > max) throw tooBig(size, max, path);
      const current = buffers[turn]!;
      turn ^= 1;
      pending = fh.read(buffers[turn]!, 0, CHUNK, null);
      hash.update(bytesRead === CHUNK ? current : current.subarray(0, bytesRead));
    }
    return result(hash, algorithm, size);
  } catch (err) {
    if (err instanceof ProvenantError) throw err;
    throw new ProvenantError('IO_ERROR', `reading ${path} failed: ${(err as Error).message}`, { cause: err });
  } finally {
    // An early exit leaves one read in flight: let it settle before closing.
    await pending.catch(() => undefined);
    await fh.close();
  }
}

/** Hashes a whole stream (Node Readable, web ReadableStream or any async iterable of bytes). */
export async function hashStream(source: AsyncIterable<Uint8Array | string>, algorithm: DigestAlgorithm = 'sha256', options: HashOptions = {}): Promise<HashResult> {
  const max = options.maxBytes ?? Number.POSITIVE_INFINITY;
  const hash = createHash(algorithm);
  let size = 0;
  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += bytes.byteLength;
    if (size > max) throw tooBig(size, max, 'stream');
    hash.update(bytes);
  }
  return result(hash, algorithm, size);
}
