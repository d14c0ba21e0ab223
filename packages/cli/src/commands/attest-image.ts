import type { Argv } from 'yargs';
import { ProvenantError } from '@provenant/core/errors';
import { EXIT, reportError, type CliIO, type ExitCode, type GlobalArgs } from '../io.js';
import { resolveSigning, readSmallFile } from './sign.js';
import { imageSigningOptions, registryClient, type ImageSigningArgs } from './sign-image.js';
import type { CommandModule } from './types.js';
import { PREDICATE_TYPE_HELP, predicateTypeFor } from '../predicate-types.js';

interface Args extends ImageSigningArgs {
  predicate: string;
  type: string;
}

const mod: CommandModule<Args> = {
  command: 'attest-image <image>',
  describe: 'attach an in-toto attestation to an image digest (.att DSSE layer and/or a Sigstore bundle referrer)',
  builder: (y: Argv<GlobalArgs>) =>
    imageSigningOptions(y)
      .option('predicate', { type: 'string', demandOption: true, describe: 'predicate JSON file' })
      .option('type', { type: 'string', default: 'custom', describe: PREDICATE_TYPE_HELP }) as unknown as Argv<GlobalArgs & Args>,
  handler: async (args, io: CliIO): Promise<ExitCode> => {
    const client = await registryClient((args as { authfile?: string }).authfile);
    try {
      const { attestImage, dockerReference, resolveImage } = await import('@provenant/core/cosign');
      const { createStatement } = await import('@provenant/core/intoto');
      let predicate: Record<string, unknown>;
      try {
        predicate = JSON.parse((await readSmallFile(args.predicate, 'predicate')).toString('utf8')) as Record<string, unknown>;
      } catch (err) {
        if (err instanceof ProvenantError) throw err;
        throw new ProvenantError('JSON_INVALID', `predicate ${args.predicate} is not JSON`, { cause: err });
      }
      const predicateType = predicateTypeFor(args.type);
      const img = await resolveImage(client, args.image);
      const statement = createStatement([{ name: dockerReference(img.registry, img.repository), digest: { sha256: img.digest.slice(7) } }], predicateType, predicate);
      const signing = await resolveSigning({ ...args, bundle: '-' });
      const r = await attestImage(client, img, statement, signing.signer, { format: args.format, sign: signing.options });
      if (args.json) io.out(JSON.stringify({ ok: true, image: r.image, attManifest: r.legacy, referrer: r.referrer }) + '\n');
      else io.out(`${r.image}\n`);
      if (!args.quiet) io.err(`attested ${r.image} (${predicateType}) with ${signing.description}\n`);
      return EXIT.OK;
    } catch (err) {
      return reportError(io, err, args.json);
    } finally {
      client.close();
    }
  },
};
export const { command, describe, builder, handler } = mod;
