import { Readable } from 'node:stream';
import { ProvenantError } from '../../errors.js';

export interface DecompressLimits {
  /** Most decompressed bytes accepted (default 8 GiB). */
  maxBytes?: number;
  /** Largest decompressed/compressed ratio accepted once past ratioGraceBytes (default 250). */
  maxRatio?: number;
  /** The ratio is only checked beyond this many output bytes (default 32 MiB), so small files of zeros pass. */
  ratioGraceBytes?: number;
}

export const DEFAULT_DECOMPRESS_LIMITS: Required<DecompressLimits> = {
  maxBytes: 8 * 1024 ** 3,
  maxRatio: 250,
  ratioGraceBytes: 32 * 1024 ** 2,
};

export type Compression = 'gzip' | 'zstd' | 'none';

/** Compression from the first bytes of a stream. */
export function sniffCompression(head: Uint8Array): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

/**
 * Gunzips a chunk stream, stopping with GZIP_BOMB past the size or ratio limit, and TAR_INVALID when
 * the gzip data is corrupt or truncated.
 */
export async function* gunzipLimited(source: AsyncIterable<Uint8Array>, limits: DecompressLimits = {}): AsyncGenerator<Buffer> {
  const { maxBytes, maxRatio, ratioGraceBytes } = { ...DEFAULT_DECOMPRESS_LIMITS, ...limits };
  let inBytes = 0;
  let outBytes = 0;
  const input = Readable.from(
    (async function* () {
      for await (const c of source) {
        inBytes += c.length;
        yield c;
      }
    })(),
    { objectMode: false },
  );
  // zlib is loaded on first use: a registry read that never unpacks a layer does not pay for it.
  const z = process.getBuiltinModule('node:zlib').createGunzip({ chunkSize: 128 * 1024 });
  let inputError: unknown;
  input.on('error', (e) => {
    inputError = e;
    z.destroy(e);
  });
  input.pipe(z);
  try {
    for await (const chunk of z as AsyncIterable<Buffer>) {
      outBytes += chunk.length;
      if (outBytes > maxBytes) {
        throw new ProvenantError('GZIP_BOMB', `decompressed data exceeds the ${maxBytes}-byte limit`, { details: { limit: maxBytes } });
      }
      if (outBytes > ratioGraceBytes && outBytes > maxRatio * inBytes) {
        throw new ProvenantError('GZIP_BOMB', `decompression ratio exceeds ${maxRatio}:1 (${outBytes} bytes from ${inBytes})`, { details: { ratio: maxRatio } });
      }
      yield chunk;
    }
  } catch (err) {
    if (err instanceof ProvenantError) throw err;
    if (inputError !== undefined) throw inputError;
    throw new ProvenantError('TAR_INVALID', `gzip data is corrupt or truncated: ${(err as Error).message}`, { cause: err });
  } finally {
    input.destroy();
    z.destroy();
  }
}

/** Decompresses gzip (sniffed from the first bytes) or passes plain data through; zstd is UNSUPPORTED. */
export async function* maybeDecompress(source: AsyncIterable<Uint8Array>, limits: DecompressLimits = {}): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return;
  const head = Buffer.from(first.value.buffer, first.value.byteOffset, first.value.length);
  const rest = (async function* () {
    yield head;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  })();
  const kind = sniffCompression(head);
  if (kind === 'zstd') {
    await it.return?.();
    throw new ProvenantError('UNSUPPORTED', 'zstd-compressed layers are not supported');
  }
  if (kind === 'gzip') {
    yield* gunzipLimited(rest, limits);
    return;
  }
  for await (const c of rest) yield Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.length);
}
