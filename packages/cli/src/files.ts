import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ProvenantError } from '@provenant/core/errors';

const ARTIFACT_LIMIT = 1024 * 1024 * 1024;
const SMALL_FILE_LIMIT = 16 * 1024 * 1024;

/** Reads a regular file up to a size limit, with codes for missing, unreadable and too large. */
export async function readInput(path: string, limit: number, what: string): Promise<Buffer> {
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new ProvenantError('FILE_UNREADABLE', `${what} ${path} is not a file`);
    if (s.size > limit) throw new ProvenantError('FILE_TOO_LARGE', `${what} ${path} is larger than ${limit} bytes`);
    return await readFile(path);
  } catch (err) {
    if (err instanceof ProvenantError) throw err;
    const code = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE';
    throw new ProvenantError(code, `cannot read ${what} ${path}: ${(err as Error).message}`, { cause: err });
  }
}

export const readArtifactFile = (path: string): Promise<Buffer> => readInput(path, ARTIFACT_LIMIT, 'artifact');
export const readSmallFile = (path: string, what: string): Promise<Buffer> => readInput(path, SMALL_FILE_LIMIT, what);

/** Writes a file atomically: a temp file beside it, fsync, then rename, so readers never see half a file. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new ProvenantError('OUTPUT_WRITE_FAILED', `cannot write ${path}: ${(err as Error).message}`, { cause: err });
  }
}

