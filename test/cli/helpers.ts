import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { main } from '@provenant/cli';
import { captureIO } from '../helpers/cli.js';

export { captureIO };

export const REPO = resolve(import.meta.dirname, '../..');
export const SAMPLE_APP = join(REPO, 'fixtures/sample-app');


export async function run(...argv: string[]) {
  const io = captureIO();
  const code = await main(argv, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

export function sha256File(path: string): string {
  return `sha256:${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
}

/** Entries a failed run might leave beside the evidence dir (temp or backup dirs). */
export function leftovers(parent: string): string[] {
  return readdirSync(parent).filter((n) => n.includes('.tmp-') || n.includes('.old-'));
}
