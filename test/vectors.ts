import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** The public test vectors: $PROVENANT_VECTORS or ../shared/vectors beside the checkout. Missing is a loud failure. */
export function vectorsDir(): string {
  const dir = process.env.PROVENANT_VECTORS ?? resolve(import.meta.dirname, '../../shared/vectors');
  if (!existsSync(resolve(dir, 'manifest.json'))) {
    throw new Error(`test vectors not found at ${dir}: set PROVENANT_VECTORS or put shared/vectors beside the checkout`);
  }
  return dir;
}
