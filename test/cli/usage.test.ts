// Guessable flags: suggestions for cosign's names and misspelt options, -o FORMAT refused, --no-match
// allow, version and completion.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { SAMPLE_APP } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'provenant-usage-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const at = (p: string) => join(tmp, p);

describe('usage', () => {
  it("suggests provenant's command for cosign's names and near misses", async () => {
    for (const [typed, meant] of [['sign-blob', 'sign'], ['verify-blob', 'verify'], ['generate-key-pair', 'keygen'], ['initialize', 'trust update'], ['verfy', 'verify']] as const) {
      const r = await runCli(typed, 'x');
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`provenant ${meant}`);
    }
  });

  it('points `sign IMAGE` at sign-image, and a misspelt option at the real one', async () => {
    const image = await runCli('sign', 'registry.example.test/app:1.0', '--key', 'k', '--bundle', at('b.json'), '--json');
    expect(image.code).toBe(2);
    expect(image.stderr).toContain('provenant sign-image registry.example.test/app:1.0');
    const flag = await runCli('sign', at('x'), '--kye', 'k', '--bundle', at('b.json'));
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('--key');
  });

  it('refuses a format name where -o wants a file, and takes syft\'s -o FORMAT=FILE', async () => {
    const r = await runCli('sbom', SAMPLE_APP, '-o', 'cyclonedx-json');
    expect(r.code).toBe(2);
    expect(existsSync('cyclonedx-json')).toBe(false);
    const ok = await runCli('sbom', SAMPLE_APP, '-o', `spdx-json=${at('s.json')}`);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(readFileSync(at('s.json'), 'utf8'))).toMatchObject({ spdxVersion: 'SPDX-2.3' });
  });

  it('takes --no-match allow as --no-match=allow', async () => {
    writeFileSync(at('a.txt'), 'a\n');
    writeFileSync(at('policy.yaml'), 'apiVersion: provenant.dev/v1\nkind: Policy\nmetadata: { name: other }\nspec:\n  artifacts: ["other/*"]\n  authorities:\n    - name: none\n      static: fail\n');
    expect((await runCli('verify', at('a.txt'), '--policy', at('policy.yaml'))).code).toBe(3);
    const spaced = await runCli('verify', at('a.txt'), '--policy', at('policy.yaml'), '--no-match', 'allow');
    expect(spaced.code, spaced.stderr).toBe(0);
    expect((await runCli('verify', at('a.txt'), '--policy', at('policy.yaml'), '--no-match=allow')).code).toBe(0);
  });

  it('prints versions, and completion scripts that ask provenant', async () => {
    const v = JSON.parse((await runCli('version', '--json')).stdout) as { provenant: string; node: string; specifications: Record<string, unknown> };
    expect(v.node).toBe(process.versions.node);
    expect(v.specifications).toMatchObject({ inTotoStatement: 'v1', spdx: '2.3' });
    expect(JSON.parse((await runCli('--version', '--json')).stdout)).toEqual(v);
    expect((await runCli('--version')).stdout.trim()).toBe(v.provenant);
    for (const shell of ['bash', 'zsh']) {
      const r = await runCli('completion', shell);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('--get-yargs-completions');
    }
    const words = (await runCli('--get-yargs-completions', 'provenant', 'sig')).stdout.split('\n');
    expect(words).toEqual(expect.arrayContaining(['sign', 'sign-image']));
    const flags = (await runCli('--get-yargs-completions', 'provenant', 'sign', '--')).stdout.split('\n');
    expect(flags).toEqual(expect.arrayContaining(['--key', '--identity-token']));
  });
});
