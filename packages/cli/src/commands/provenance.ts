import type { Argv } from 'yargs';
import { ProvenantError } from '@provenant/core/errors';
import { EXIT, reportError, type CliIO, type ExitCode, type GlobalArgs } from '../io.js';
import { resolveSigning, signerOptions, writeFileAtomic, type SigningArgs } from './sign.js';
import type { CommandModule } from './types.js';

interface Args extends Omit<SigningArgs, 'bundle'> {
  subject: string[];
  checksums?: string | undefined;
  builderId?: string | undefined;
  output?: string | undefined;
  sign: boolean;
  sourceUri?: string | undefined;
  sourceCommit?: string | undefined;
  sourceRef?: string | undefined;
}

const mod: CommandModule<Args> = {
  command: 'provenance [subject..]',
  describe: 'SLSA v1 provenance for files, globs, a checksums file or image digests (GitHub Actions, GitLab CI, or --builder-id)',
  builder: (y: Argv<GlobalArgs>) =>
    signerOptions(y)
      .positional('subject', { type: 'string', array: true, default: [], describe: 'files, globs, or images as repo@sha256:<hex>' })
      .option('checksums', { type: 'string', describe: 'sha256sum-format file listing subjects' })
      .option('builder-id', { type: 'string', describe: 'builder id (required outside GitHub Actions and GitLab CI)' })
      .option('output', { type: 'string', alias: 'o', describe: 'write the statement (or with --sign the Sigstore bundle) here; default stdout' })
      .option('sign', { type: 'boolean', default: false, describe: 'sign the statement into a DSSE Sigstore bundle, with the signing flags sign takes (key or keyless)' })
      .option('source-uri', { type: 'string', describe: 'generic builds: the source repository (https://... or git+https://...), recorded in externalParameters.source' })
      .option('source-commit', { type: 'string', describe: 'generic builds: the full git commit id built (a resolved dependency with its gitCommit digest)' })
      .option('source-ref', { type: 'string', describe: 'generic builds: the git ref built (refs/heads/main, refs/tags/v1.0.0)' })
      .example('provenant provenance dist/*.tgz --builder-id https://ci.example.test/builder --source-uri https://github.com/org/app --source-commit "$(git rev-parse HEAD)"', 'an unsigned SLSA v1 statement for a generic build, on stdout')
      .example('provenant provenance app.tgz --builder-id https://ci.example.test/builder --sign --key cosign.key -o app.intoto.sigstore.json', 'signed with a key into a Sigstore bundle')
      .example('provenant provenance app.tgz --sign -o app.intoto.sigstore.json', 'in GitHub Actions or GitLab CI: builder and source from the CI, signed keyless') as unknown as Argv<GlobalArgs & Args>,
  handler: async (args, io: CliIO): Promise<ExitCode> => {
    try {
      const slsa = await import('@provenant/core/slsa');
      const subjects = [];
      const files: string[] = [];
      for (const s of args.subject) {
        if (slsa.isImageDigestRef(s)) subjects.push(slsa.subjectFromImageDigest(s));
        else files.push(s);
      }
      if (files.length) subjects.push(...(await slsa.subjectsFromFiles(files)));
      if (args.checksums) subjects.push(...(await slsa.subjectsFromChecksumsFile(args.checksums)));
      if (subjects.length === 0) throw new ProvenantError('USAGE', 'name at least one subject (file, glob, repo@sha256:<hex>) or --checksums FILE');
      const started = new Date();
      if ((args.sourceCommit !== undefined || args.sourceRef !== undefined) && args.sourceUri === undefined) throw new ProvenantError('USAGE', '--source-commit and --source-ref need --source-uri');
      const source = args.sourceUri === undefined ? undefined : { repository: args.sourceUri, commit: args.sourceCommit, ref: args.sourceRef };
      const context = slsa.detectBuildContext(process.env, { ...(args.builderId ? { builderId: args.builderId } : {}), ...(source ? { source } : {}) });
      const statement = slsa.buildProvenance({ subjects, context, startedOn: started, finishedOn: new Date() });
      let out = JSON.stringify(statement, null, 2) + '\n';
      if (args.sign) {
        const { signStatement } = await import('@provenant/core/sign');
        const signing = await resolveSigning({ ...args, bundle: args.output ?? '-' });
        out = JSON.stringify(await signStatement(statement, signing.signer, signing.options)) + '\n';
      }
      if (args.output) await writeFileAtomic(args.output, out);
      else io.out(out);
      if (!args.quiet) io.err(`provenance: ${subjects.length} subject(s), builder ${context.builderId} (${context.platform})${args.output ? ` -> ${args.output}` : ''}\n`);
      return EXIT.OK;
    } catch (err) {
      return reportError(io, err, args.json);
    }
  },
};
export const { command, describe, builder, handler } = mod;
