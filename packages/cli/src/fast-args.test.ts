import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import yargs from 'yargs';
import { fastParse } from './fast-args.js';
import type { LoadedCommand } from './commands/types.js';
import * as sbom from './commands/sbom.js';
import * as verify from './commands/verify.js';
import * as verifyBundle from './commands/verify-bundle.js';

/** What yargs hands the command's handler for argv, configured as main() configures it; throws on a usage error. */
async function viaYargs(mod: LoadedCommand, argv: string[]): Promise<Record<string, unknown>> {
  let got: Record<string, unknown> | undefined;
  const y = yargs([...argv])
    .option('json', { type: 'boolean', default: false })
    .option('quiet', { type: 'boolean', default: false, alias: 'q' })
    .strict()
    .exitProcess(false)
    .fail((msg, err) => {
      throw err ?? new Error(msg);
    });
  y.parserConfiguration({ 'camel-case-expansion': true, 'strip-aliased': true });
  y.command({
    command: mod.command as string,
    describe: mod.describe,
    builder: (b) => mod.builder(b as never) as never,
    handler: (a) => {
      got = a as Record<string, unknown>;
    },
  });
  await y.parseAsync([...argv]);
  if (!got) throw new Error('yargs did not run the handler');
  return got;
}

const strip = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(o)
      .filter(([k]) => k !== '$0' && k !== '_')
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );

const ACCEPTED: [string, LoadedCommand, string[]][] = [
  ['sbom', sbom, ['sbom', 'dir']],
  ['sbom', sbom, ['sbom', 'dir', '--output', 'o.json', '--format', 'spdx-json']],
  ['sbom', sbom, ['sbom', '-o', 'o.json', 'dir', '--omit', 'dev', '--reproducible', '--spec-version', '1.5']],
  ['sbom', sbom, ['--json', 'sbom', 'dir', '--output=o.json', '-q']],
  ['sbom', sbom, ['sbom', 'dir', '--format', 'cyclonedx-xml', '--platform', 'linux/amd64']],
  ['verify', verify, ['verify', 'a.tgz', '--bundle', 'b.json', '--key', 'k.pem', '--tlog-threshold', '0']],
  ['verify', verify, ['verify', 'a.tgz', '--bundle', 'b.json', '--certificate-identity', 'x@example.test', '--certificate-oidc-issuer', 'https://issuer.example.test', '--trusted-root', 'r.json']],
  ['verify', verify, ['verify', '127.0.0.1:5000/app:v1', '--policy', 'p.yaml', '--insecure-registry']],
  ['verify', verify, ['verify', 'f', '--policy', 'p.yaml', '--policy', 'q.yaml', '--evidence', 'e1.json', '--json', '--vsa', 'v.json', '--vsa-key', 'k.pem']],
  ['verify-bundle', verifyBundle, ['verify-bundle', 'sha256:' + 'a'.repeat(64), '--bundle', 'b.json', '--staging', '--certificate-identity-regexp', '^x$', '--certificate-oidc-issuer', 'i']],
];

const DEFERRED: [string, LoadedCommand, string[]][] = [
  ['sbom', sbom, ['sbom']],
  ['sbom', sbom, ['sbom', 'a', 'b']],
  ['sbom', sbom, ['sbom', 'dir', '--help']],
  ['sbom', sbom, ['sbom', 'dir', '--format', 'yaml']],
  ['sbom', sbom, ['sbom', 'dir', '--unknown']],
  ['sbom', sbom, ['sbom', 'dir', '--output', 'a', '--output', 'b']],
  ['sbom', sbom, ['sbom', '--omit', 'dev', 'dir']],
  ['sbom', sbom, ['sbom', 'dir', '--no-reproducible']],
  ['sbom', sbom, ['sbom', 'dir', '--json=false']],
  ['sbom', sbom, ['sbom', 'dir', '-qo', 'x']],
  ['sbom', sbom, ['sbom', '--', 'dir']],
  ['verify', verify, ['verify', 'f', '--tlog-threshold', 'one']],
  ['verify', verify, ['verify', 'f', '--no-match', 'allow', '--policy', 'p']],
  ['verify', verify, ['verify', 'f', '--output', '-x']],
  ['sbom', sbom, ['sbom', '-']],
  ['sbom', sbom, ['sbom', '--reproducible', 'true']],
  ['verify', verify, ['--insecure-registry', 'verify', 'x']],
  ['verify', verify, ['verify', 'f', '--evidence=']],
];

describe('fastParse', () => {
  it.each(ACCEPTED)('%s: gives the handler what yargs gives it (%#)', async (name, mod, argv) => {
    const fast = fastParse(name, argv, mod.args!);
    expect(fast).toBeDefined();
    expect(strip(fast!)).toEqual(strip(await viaYargs(mod, argv)));
  });

  it.each(DEFERRED)('%s: leaves argv yargs must judge to yargs (%#)', (name, mod, argv) => {
    expect(fastParse(name, argv, mod.args!)).toBeUndefined();
  });

  it('agrees with yargs on every generated argv it accepts (options before the command, a lone -, true/false after a flag, empty values)', async () => {
    // Words from each command's own spec (names, aliases, =values, choices) and words yargs reads
    // specially, inserted at random places around the command's name.
    const words = (mod: LoadedCommand): string[] => {
      const out = ['dir', 'img:v1', 'x.json', '-', '', ' ', 'true', 'false', '0', '-1', '1.5', '1e3', '0x10', '--', '--json', '-q', '--quiet', '--json=true', '--nope'];
      for (const [name, o] of Object.entries(mod.args!.options)) {
        out.push(`--${name}`, `--${name}=`, `--${name}=v`);
        if (o.alias) out.push(`-${o.alias}`);
        for (const c of o.choices ?? []) out.push(c, `--${name}=${c}`);
      }
      return out;
    };
    // A deterministic draw: the same cases on every run.
    let draws = 0;
    const rnd = (n: number): number => createHash('sha256').update(`fast-args ${draws++}`).digest().readUInt32LE(0) % n;
    const mods: [string, LoadedCommand][] = [['sbom', sbom], ['verify', verify], ['verify-bundle', verifyBundle]];
    const vocab = mods.map(([, m]) => words(m));
    let accepted = 0;
    const wrong: string[] = [];
    for (let i = 0; i < 8000; i++) {
      const which = rnd(mods.length);
      const [name, mod] = mods[which]!;
      const argv = [name];
      const pool = vocab[which]!;
      for (let k = 1 + rnd(6); k > 0; k--) argv.splice(rnd(argv.length + 1), 0, pool[rnd(pool.length)]!);
      const fast = fastParse(name, argv, mod.args!);
      if (fast === undefined) continue;
      accepted++;
      const theirs = await viaYargs(mod, argv).then(strip, (e: Error) => `a usage error: ${e.message}`);
      if (JSON.stringify(strip(fast)) !== JSON.stringify(theirs)) wrong.push(`${JSON.stringify(argv)}: ${JSON.stringify(strip(fast))}, yargs: ${JSON.stringify(theirs)}`);
    }
    expect(wrong).toEqual([]);
    expect(accepted).toBeGreaterThan(200);
  });

  it('only the named command', () => {
    expect(fastParse('verify', ['sbom', 'dir'], sbom.args)).toBeUndefined();
  });
});
