import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifest, runCase } from '../packages/cli/src/conformance/runner.js';
import { kindHandlers } from '../packages/cli/src/conformance/kinds/index.js';
import { vectorsDir } from './vectors.js';

// Every supported case's verdict must match `expect` (read here, in the test, never by the runner).
const dir = vectorsDir();
const cases = await loadManifest(resolve(dir, 'manifest.json'));
const supported = cases.filter((c) => c.kind in kindHandlers && (c as { expect?: string }).expect !== 'unknown');

describe('conformance vectors', () => {
  it('has supported kinds', () => {
    expect(Object.keys(kindHandlers).length).toBeGreaterThan(0);
  });
  for (const kind of [...new Set(supported.map((c) => c.kind))]) {
    describe(kind, () => {
      for (const c of supported.filter((x) => x.kind === kind)) {
        it(c.id, async () => {
          const r = await runCase(c, dir);
          expect({ verdict: r.verdict, detail: r.detail }).toMatchObject({ verdict: (c as { expect?: string }).expect });
        });
      }
    });
  }
});
