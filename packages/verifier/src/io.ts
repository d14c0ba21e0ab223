import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { ProvenantError } from '@provenant/core/errors';

/** Writes a file whole or not at all: temp file beside it, then rename. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, data, { flag: 'wx' });
    await rename(tmp, path);
  } catch (cause) {
    await rm(tmp, { force: true });
    throw new ProvenantError('OUTPUT_WRITE_FAILED', `cannot write ${path}: ${(cause as Error).message}`, { cause });
  }
}
