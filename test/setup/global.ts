// vitest globalSetup: starts the real parts the suite needs (each part's setup lives in its own file
// and registers here) and stops them, by pid, when the run ends.
import type { TestProject } from 'vitest/node';
import { startRegistries } from './registry.js';
import { startSigstore } from './sigstore.js';

type Teardown = () => Promise<void>;
const parts: Array<(project: TestProject) => Promise<Teardown>> = [startRegistries, startSigstore];

export default async function setup(project: TestProject): Promise<Teardown> {
  const teardowns: Teardown[] = [];
  for (const start of parts) teardowns.push(await start(project));
  return async () => {
    for (const t of teardowns.reverse()) await t();
  };
}
