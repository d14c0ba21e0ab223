import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProvenantError } from '@provenant/core/errors';

/**
 * The embedded sample project: fixtures/sample-app of the repository checkout this file is in, found
 * by walking up from it (src/pipeline, dist/pipeline or dist/bundle of packages/cli), so `provenant
 * pipeline` works from any directory of a checkout.
 */
export function sampleAppDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here, i = 0; i < 6; i++, dir = dirname(dir)) {
    const candidate = join(dir, 'fixtures', 'sample-app');
    if (existsSync(join(candidate, 'package.json'))) return candidate;
  }
  throw new ProvenantError('FILE_NOT_FOUND', `the embedded sample (fixtures/sample-app above ${here}) ships only with a repository checkout; pass a project directory: provenant pipeline <dir>`);
}
