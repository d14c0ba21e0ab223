import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifest, runCase } from '../packages/cli/src/conformance/runner.js';
import { kindHandlers } from '../packages/cli/src/conformance/kinds/index.js';
import { vectorsDir } from './vectors.js';

// Every supported case's verdict must match `expect` (read here, in the test, never by the runner).
const dir = vectorsDir();
const cases = await loadManifest(resolve(dir, 'manifest.json'));
const expectOf = (c: (typeof cases)[number]): string | undefined => (c as { expect?: string }).expect;
const supported = cases.filter((c) => c.kind in kindHandlers && expectOf(c) !== 'unknown');

// slsa-verifier's legacy bare-envelope cases carry no log entry; upstream finds it in Rekor online.
// provenant fetches nothing at verify time, so without time evidence these fail closed, whatever
// upstream expects. They are the only cases allowed to disagree, and only in the deny direction.
const needsOnlineRekor = (c: (typeof cases)[number]): boolean => c.params['requires_online_rekor_lookup'] === true;

describe('conformance vectors', () => {
  it('has supported kinds', () => {
    expect(Object.keys(kindHandlers).length).toBeGreaterThan(0);
  });
  for (const kind of [...new Set(supported.map((c) => c.kind))]) {
    describe(kind, () => {
      for (const c of supported.filter((x) => x.kind === kind)) {
        it(c.id, async () => {
          const r = await runCase(c, dir);
          const want = needsOnlineRekor(c) ? 'invalid' : expectOf(c);
          expect({ verdict: r.verdict, detail: r.detail }).toMatchObject({ verdict: want });
        });
      }
    });
  }
  it('denies online-only cases offline for want of time evidence', async () => {
    const online = supported.filter(needsOnlineRekor);
    expect(online.length).toBe(11);
    for (const c of online.filter((x) => expectOf(x) === 'valid')) {
      const r = await runCase(c, dir);
      expect(r.detail).toMatch(/TLOG_THRESHOLD_NOT_MET/);
    }
  });
});
