import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { handler } from '../../packages/cli/src/conformance/kinds/lockfile.js';
import type { ConformanceCase } from '../../packages/cli/src/conformance/types.js';
import { vectorsDir } from '../vectors.js';

const dir = vectorsDir();
const cases = (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as (ConformanceCase & { expect: string })[]).filter((c) => c.kind === 'lockfile');

describe('conformance kind lockfile on the syft vectors', () => {
  it('has the 10 cases', () => expect(cases.length).toBe(10));
  it.each(cases.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const run = async (): Promise<string> => {
      try {
        const r = await handler(c, (role) => join(dir, c.files[role] ?? ''));
        return `${r.verdict}: ${r.detail}`;
      } catch (err) {
        return `invalid: ${String(err)}`;
      }
    };
    const out = await run();
    expect(out.split(':')[0], out).toBe(c.expect);
  });
});
