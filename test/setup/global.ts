// vitest globalSetup: starts the real parts the suite needs (each part's setup lives in its own file
// and registers here) and stops them, by pid, when the run ends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startRegistries } from './registry.js';
import { startSigstore } from './sigstore.js';

type Teardown = () => Promise<void>;
const parts: Array<(project: TestProject) => Promise<Teardown>> = [startRegistries, startSigstore];

export default async function setup(project: TestProject): Promise<Teardown> {
  // Verify commands read `provenant trust update`'s cache when given no trusted root: an empty one of
  // this run, never the user's.
  const trustDir = mkdtempSync(join(tmpdir(), 'provenant-test-trust-'));
  process.env.PROVENANT_TRUST_DIR = trustDir;
  const teardowns: Teardown[] = [async () => rmSync(trustDir, { recursive: true, force: true })];
  for (const start of parts) teardowns.push(await start(project));
  return async () => {
    for (const t of teardowns.reverse()) await t();
  };
}
