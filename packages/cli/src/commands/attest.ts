import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { ProvenantError } from '@provenant/core/errors';
import type { CommandModule } from './types.js';
import { PREDICATE_TYPE_HELP, predicateTypeFor } from '../predicate-types.js';
import { imageHint, readArtifactFile, readSmallFile, resolveSigning, signingOptions, writeBundleAndReport, type SigningArgs } from './sign.js';

interface AttestArgs extends SigningArgs {
  file: string;
  predicate: string;
  type: string;
}

export { PREDICATE_TYPE_ALIASES, predicateTypeFor } from '../predicate-types.js';

const mod: CommandModule<AttestArgs> = {
  command: 'attest <file>',
  describe: 'sign an in-toto attestation about a file (DSSE in a Sigstore bundle)',
  builder: (y) =>
    signingOptions(y)
      .option('predicate', { type: 'string', demandOption: true, describe: 'JSON file with the predicate' })
      .option('type', { type: 'string', default: 'custom', describe: PREDICATE_TYPE_HELP })
      .positional('file', { type: 'string', demandOption: true, describe: 'the subject file (its sha256 goes in the statement)' }) as never,
  handler: async (args, io) => {
    const predicateType = predicateTypeFor(args.type);
    const [data, predicateText] = await Promise.all([
      readArtifactFile(args.file).catch(async (err: unknown) => {
        throw (await imageHint(err, args.file, 'attest-image')) ?? err;
      }),
      readSmallFile(args.predicate, 'predicate'),
    ]);
    let predicate: unknown;
    try {
      predicate = JSON.parse(predicateText.toString('utf8'));
    } catch (cause) {
      throw new ProvenantError('JSON_INVALID', `predicate ${args.predicate} is not JSON`, { cause });
    }
    if (typeof predicate !== 'object' || predicate === null || Array.isArray(predicate)) {
      throw new ProvenantError('PREDICATE_INVALID', `predicate ${args.predicate} must be a JSON object`);
    }
    const sha256 = createHash('sha256').update(data).digest('hex');
    const { createStatement } = await import('@provenant/core/intoto');
    const statement = createStatement([{ name: basename(args.file), digest: { sha256 } }], predicateType, predicate as Record<string, unknown>);
    const { signer, options, description } = await resolveSigning(args);
    if (!args.quiet && !args.json) io.err(`provenant: attesting ${args.file} (${predicateType}) with ${description}\n`);
    const { signStatement } = await import('@provenant/core/sign');
    const bundle = await signStatement(statement, signer, options);
    return writeBundleAndReport(bundle, args.bundle, args, io, { subject: args.file, digest: `sha256:${sha256}`, predicateType });
  },
};
export const { command, describe, builder, handler } = mod;
