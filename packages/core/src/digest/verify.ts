import { createHash, timingSafeEqual, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { ProvenantError } from '../errors.js';
import { parseDigest, type Digest, type DigestAlgorithm } from './format.js';
import { hashFile, type HashResult } from './hash.js';

export interface Expectation {
  /** The digest the bytes must have, `sha256:<hex>` or `sha512:<hex>`. */
  digest: string;
  /** Exact size, when the descriptor declares one: more bytes fail at once, fewer at the end. */
  size?: number;
  /** Hard cap on bytes read (SIZE_LIMIT_EXCEEDED past it), for sources with no declared size. */
  maxBytes?: number;
  /** Names the thing in error messages ("blob sha256:...", "layer 2"). */
  what?: string;
}

/**
 * The running check behind every verify-while-reading form: counts and hashes chunks, stops past the
 * size limit, and compares the digest when the source ends.
 */
export class DigestCheck {
  private readonly hash: Hash;
  private readonly algorithm: DigestAlgorithm;
  private readonly expectedHex: string;
  private readonly limit: number;
  private readonly what: string;
  private readonly expected: Expectation;
  private bytes = 0;

  constructor(expected: Expectation) {
    const { algorithm, hex } = parseDigest(expected.digest);
    this.algorithm = algorithm;
    this.expectedHex = hex;
    this.hash = createHash(algorithm);
    this.expected = expected;
    this.what = expected.what ?? `content of ${expected.digest}`;
    this.limit = Math.min(expected.size ?? Number.POSITIVE_INFINITY, expected.maxBytes ?? Number.POSITIVE_INFINITY);
  }

  get size(): number {
    return this.bytes;
  }

  /** Feeds one chunk; throws SIZE_LIMIT_EXCEEDED as soon as the limit is passed. */
  update(chunk: Uint8Array): void {
    this.bytes += chunk.byteLength;
    if (this.bytes > this.limit) {
      throw new ProvenantError('SIZE_LIMIT_EXCEEDED', `${this.what} is larger than the ${this.limit} bytes allowed`, {
        details: { digest: this.expected.digest, limit: this.limit },
      });
    }
    this.hash.update(chunk);
  }

  /** Ends the check: DIGEST_MISMATCH when the size is short or the digest differs. */
  finish(): HashResult {
    const actual = this.hash.digest();
    const hex = actual.toString('hex');
    const digest = `${this.algorithm}:${hex}` as Digest;
    if (this.expected.size !== undefined && this.bytes !== this.expected.size) {
      throw new ProvenantError('DIGEST_MISMATCH', `${this.what} is ${this.bytes} bytes, expected ${this.expected.size}`, {
        details: { expected: this.expected.digest, actual: digest, size: this.bytes, expectedSize: this.expected.size },
      });
    }
    if (!timingSafeEqual(actual, Buffer.from(this.expectedHex, 'hex'))) {
      throw new ProvenantError('DIGEST_MISMATCH', `${this.what} has digest ${digest}, expected ${this.expected.digest}`, {
        details: { expected: this.expected.digest, actual: digest },
      });
    }
    return { digest, algorithm: this.algorithm, hex, size: this.bytes };
  }
}

/**
 * Passes bytes through while checking them. The verdict comes at the end of the source: callers must
 * not act on the data (e.g. rename a temp file into place) before iteration completes without error.
 */
export async function* verifyWhileReading(source: AsyncIterable<Uint8Array | string>, expected: Expectation): AsyncGenerator<Buffer, HashResult> {
  const check = new DigestCheck(expected);
  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    check.update(bytes);
    yield bytes;
  }
  return check.finish();
}

/** The same check as a stream Transform, for `stream.pipeline(source, verifyingTransform(e), sink)`. */
export class VerifyingTransform extends Transform {
  private readonly check: DigestCheck;
  /** Set once the stream has ended and verified. */
  result: HashResult | undefined;

  constructor(expected: Expectation) {
    super();
    this.check = new DigestCheck(expected);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    try {
      this.check.update(chunk);
    } catch (err) {
      callback(err as Error);
      return;
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.result = this.check.finish();
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }
}

export function verifyingTransform(expected: Expectation): VerifyingTransform {
  return new VerifyingTransform(expected);
}

/** Checks bytes in memory against a digest (and size when given). */
export function verifyBytes(data: Uint8Array | string, expected: Expectation): HashResult {
  const check = new DigestCheck(expected);
  check.update(typeof data === 'string' ? Buffer.from(data) : data);
  return check.finish();
}

/** Hashes a file and checks it against a digest (and size when given). */
export async function verifyFile(path: string, expected: Expectation): Promise<HashResult> {
  const { algorithm, hex } = parseDigest(expected.digest);
  const limit = Math.min(expected.size ?? Number.POSITIVE_INFINITY, expected.maxBytes ?? Number.POSITIVE_INFINITY);
  const got = await hashFile(path, algorithm, Number.isFinite(limit) ? { maxBytes: limit } : {});
  const what = expected.what ?? path;
  if (expected.size !== undefined && got.size !== expected.size) {
    throw new ProvenantError('DIGEST_MISMATCH', `${what} is ${got.size} bytes, expected ${expected.size}`, { details: { expected: expected.digest, actual: got.digest } });
  }
  if (got.hex !== hex) throw new ProvenantError('DIGEST_MISMATCH', `${what} has digest ${got.digest}, expected ${expected.digest}`, { details: { expected: expected.digest, actual: got.digest } });
  return got;
}
