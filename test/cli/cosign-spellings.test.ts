// cosign's spellings: --insecure-ignore-tlog, predicate type short names, -o/--output.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PREDICATE_TYPE_ALIASES, predicateTypeFor } from '../../packages/cli/src/predicate-types.js';
import { runCli } from '../helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'provenant-spellings-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const at = (p: string) => join(tmp, p);
const errorCode = (r: { stdout: string }) => (JSON.parse(r.stdout) as { error: { code: string } }).error.code;

describe('--insecure-ignore-tlog', () => {
  it('verifies an offline key signature with no trusted root, and still checks the signature', async () => {
    writeFileSync(at('pw'), '');
    expect((await runCli('keygen', '--output-key-prefix', at('k'), '--password-file', at('pw'))).code).toBe(0);
    writeFileSync(at('a.txt'), 'a\n');
    writeFileSync(at('b.txt'), 'b\n');
    expect((await runCli('sign', at('a.txt'), '--key', at('k.key'), '--password-file', at('pw'), '--bundle', at('a.json'))).code).toBe(0);
    expect((await runCli('verify', at('a.txt'), '--key', at('k.pub'), '--bundle', at('a.json'), '--insecure-ignore-tlog')).code).toBe(0);
    const tampered = await runCli('verify', at('b.txt'), '--key', at('k.pub'), '--bundle', at('a.json'), '--insecure-ignore-tlog', '--json');
    expect(tampered.code).toBe(3);
    expect(errorCode(tampered)).toBe('ARTIFACT_MISMATCH');
    // Without it, the missing log entry needs trust material: none cached here.
    const strict = await runCli('verify', at('a.txt'), '--key', at('k.pub'), '--bundle', at('a.json'), '--json');
    expect(errorCode(strict)).toBe('TRUST_NOT_CACHED');
  });

  it('does not let a keyless verification skip its trusted root', async () => {
    const r = await runCli('verify', at('a.txt'), '--bundle', at('a.json'), '--certificate-identity', 'x@example.test', '--certificate-oidc-issuer', 'https://issuer.example.test', '--insecure-ignore-tlog', '--json');
    expect(errorCode(r)).toBe('TRUST_NOT_CACHED');
  });
});

describe('predicate type short names', () => {
  it("expands cosign's names and passes URIs through", () => {
    for (const name of ['slsaprovenance', 'slsaprovenance02', 'slsaprovenance1', 'spdx', 'spdxjson', 'cyclonedx', 'vuln', 'openvex', 'link', 'custom']) {
      expect(predicateTypeFor(name)).toBe(PREDICATE_TYPE_ALIASES[name]);
      expect(predicateTypeFor(name.toUpperCase())).toBe(PREDICATE_TYPE_ALIASES[name]);
    }
    expect(predicateTypeFor('https://example.test/p/v1')).toBe('https://example.test/p/v1');
    expect(() => predicateTypeFor('cyclone')).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});
