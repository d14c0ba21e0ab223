import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, type CliIO } from '@provenant/cli';
import { vectorsDir } from '../vectors.js';

// sigstore-conformance's bundle-verify suite driven through `provenant verify-bundle` exactly as its harness
// calls a client: once with the artifact path, once with sha256:<hex>. Exit 0 for valid, nonzero for `_fail`.
const VEC = vectorsDir();
const manifest = JSON.parse(readFileSync(join(VEC, 'manifest.json'), 'utf8')) as {
  id: string;
  kind: string;
  expect: string;
  files: Record<string, string>;
  params: { verify_with?: string; identity?: string | null; issuer?: string | null };
}[];
const cases = manifest.filter((c) => c.kind === 'sigstore-bundle-verify' && c.id.startsWith('sigstore-conformance/'));

const quiet: CliIO = { out: () => {}, err: () => {}, isTTY: false };

describe('sigstore-conformance bundle-verify through the verify-bundle command', () => {
  it('covers the suite', () => expect(cases.length).toBeGreaterThanOrEqual(56));
  for (const c of cases) {
    it(c.id, async () => {
      const f = (role: string): string => resolve(VEC, c.files[role]!);
      const artifact = f('artifact');
      const digest = existsSync(artifact) ? `sha256:${createHash('sha256').update(readFileSync(artifact)).digest('hex')}` : undefined;
      const policy = c.params.verify_with === 'key' ? ['--key', f('key')] : ['--certificate-identity', c.params.identity!, '--certificate-oidc-issuer', c.params.issuer!];
      const base = ['verify-bundle', '--bundle', f('bundle'), ...policy, '--trusted-root', f('trusted_root')];
      const codes = [await main([...base, artifact], quiet), ...(digest ? [await main([...base, digest], quiet)] : [])];
      for (const code of codes) {
        if (c.expect === 'valid') expect(code).toBe(0);
        else expect(code).not.toBe(0);
      }
    });
  }
});
