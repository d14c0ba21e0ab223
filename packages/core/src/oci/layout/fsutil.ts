import { createReadStream } from 'node:fs';
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import { ProvenantError } from '../../errors.js';

/** Reads a small file, refusing anything larger than maxBytes. */
export async function readSmallFile(path: string, maxBytes: number, what: string): Promise<Buffer> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (cause) {
    throw new ProvenantError('FILE_NOT_FOUND', `${what} not found: ${path}`, { cause });
  }
  if (size > maxBytes) throw new ProvenantError('FILE_TOO_LARGE', `${what} is ${size} bytes, over the ${maxBytes}-byte limit`);
  return readFile(path);
}

/** A file (or a byte range of it) as chunks. */
export async function* fileChunks(path: string, start = 0, length?: number): AsyncGenerator<Buffer> {
  if (length === 0) return;
  const stream = createReadStream(path, { start, ...(length !== undefined ? { end: start + length - 1 } : {}), highWaterMark: 256 * 1024 });
  try {
    for await (const c of stream as AsyncIterable<Buffer>) yield c;
  } catch (cause) {
    throw new ProvenantError('IO_ERROR', `cannot read ${path}: ${(cause as Error).message}`, { cause });
  } finally {
    stream.destroy();
  }
}

/** Writes a stream to `path` through a temp file and a rename, so readers never see a partial file. */
export async function writeFileAtomic(path: string, data: Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const fh = await open(tmp, 'wx');
  try {
    if (data instanceof Uint8Array) await fh.write(data);
    else for await (const c of data) await fh.write(c);
    await fh.close();
    await rename(tmp, path);
  } catch (err) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err instanceof ProvenantError ? err : new ProvenantError('OUTPUT_WRITE_FAILED', `cannot write ${path}: ${(err as Error).message}`, { cause: err });
  }
}
