import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ProvenantError } from '@provenant/core/errors';

/**
 * The embedded sample project, found relative to this file (src/pipeline or dist/pipeline of
 * packages/cli), so `provenant pipeline` works from any directory of a repository checkout.
 */
export function sampleAppDir(): string {
  const dir = fileURLToPath(new URL('../../../../fixtures/sample-app', import.meta.url));
  if (!existsSync(dir)) {
    throw new ProvenantError('FILE_NOT_FOUND', `the embedded sample (${dir}) ships only with a repository checkout; pass a project directory: provenant pipeline <dir>`);
  }
  return dir;
}
