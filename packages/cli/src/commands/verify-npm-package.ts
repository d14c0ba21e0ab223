import { createHash } from 'node:crypto';
import type { Argv } from 'yargs';
import { EXIT, type CliIO, type ExitCode, type GlobalArgs } from '../io.js';
import { readArtifactFile, readSmallFile } from '../files.js';
import type { CommandModule } from './types.js';
import { npmKeysPath } from '../trust/cache.js';
import { loadTrustFromArgs, reportDenial } from './verify-artifact.js';

interface Args {
  tarball: string;
  attestationsPath: string;
  npmRegistryKeys?: string | undefined;
  sourceUri: string;
  builderId?: string | undefined;
  packageName?: string | undefined;
  packageVersion?: string | undefined;
  trustedRoot?: string | undefined;
}

const mod: CommandModule<Args> = {
  command: 'verify-npm-package <tarball>',
  describe: 'verify an npm tarball against its registry attestations (SLSA provenance + publish attestation)',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .positional('tarball', { type: 'string', demandOption: true })
      .option('attestations-path', { type: 'string', demandOption: true, describe: 'the registry attestations JSON for this version' })
      .option('npm-registry-keys', { type: 'string', describe: "the registry's keys.json (default: the one `provenant trust update` cached from Sigstore's TUF repository)" })
      .option('source-uri', { type: 'string', demandOption: true })
      .option('builder-id', { type: 'string', describe: 'https://github.com/actions/runner/github-hosted (or a BYOB builder)' })
      .option('package-name', { type: 'string' })
      .option('package-version', { type: 'string' })
      .option('trusted-root', { type: 'string' }) as unknown as Argv<GlobalArgs & Args>,
  handler: async (args, io: CliIO): Promise<ExitCode> => {
    try {
      const slsa = await import('@provenant/core/slsa');
      const tarball = await readArtifactFile(args.tarball);
      const r = slsa.verifyNpmPackage(
        JSON.parse((await readSmallFile(args.attestationsPath, 'attestations')).toString('utf8')),
        await loadTrustFromArgs(args.trustedRoot),
        slsa.parseNpmRegistryKeys(JSON.parse((await readSmallFile(await npmKeysPath(args.npmRegistryKeys), 'npm registry keys')).toString('utf8'))),
        { tarballSha512: createHash('sha512').update(tarball).digest('hex'), sourceUri: args.sourceUri, builderId: args.builderId, packageName: args.packageName, packageVersion: args.packageVersion },
      );
      if (args.json) io.out(JSON.stringify({ ok: true, ...r }) + '\n');
      if (!args.quiet) io.err(`PASSED: ${r.packageName}@${r.packageVersion} built by ${r.builderId}\n`);
      return EXIT.OK;
    } catch (err) {
      return reportDenial(io, err, args.json);
    }
  },
};
export const { command, describe, builder, handler } = mod;
