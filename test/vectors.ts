import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** The public test vectors: $PROVENANT_VECTORS or fixtures/vectors (vendored, see its README). Missing is a loud failure. */
export function vectorsDir(): string {
  const dir = process.env.PROVENANT_VECTORS ?? resolve(import.meta.dirname, '../fixtures/vectors');
  if (!existsSync(resolve(dir, 'manifest.json'))) {
    throw new Error(`test vectors not found at ${dir}: the repository vendors them in fixtures/vectors`);
  }
  return dir;
}
