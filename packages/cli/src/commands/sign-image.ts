import type { Argv } from 'yargs';
import { ProvenantError } from '@provenant/core/errors';
import { EXIT, reportError, type CliIO, type ExitCode, type GlobalArgs } from '../io.js';
import { resolveSigning } from './sign.js';
import type { CommandModule } from './types.js';

export interface ImageSigningArgs {
  image: string;
  key?: string | undefined;
  passwordFile?: string | undefined;
  identityToken?: string | undefined;
  fulcioUrl?: string | undefined;
  rekorUrl?: string | undefined;
  tsaUrl?: string | undefined;
  tlogUpload?: boolean | undefined;
  format: 'both' | 'legacy' | 'referrer';
  authFile?: string | undefined;
}

export function imageSigningOptions(y: Argv<GlobalArgs>): Argv<GlobalArgs & ImageSigningArgs> {
  return y
    .positional('image', { type: 'string', demandOption: true, describe: 'image reference; a tag is resolved to its digest once' })
    .option('key', { type: 'string', describe: 'private key (cosign.key or PEM); omit for keyless' })
    .option('password-file', { type: 'string' })
    .option('identity-token', { type: 'string' })
    .option('fulcio-url', { type: 'string' })
    .option('rekor-url', { type: 'string' })
    .option('tsa-url', { type: 'string' })
    .option('tlog-upload', { type: 'boolean' })
    .option('format', { choices: ['both', 'legacy', 'referrer'] as const, default: 'both' as const, describe: 'legacy = cosign .sig/.att tags; referrer = Sigstore bundle v0.3 referrer (cosign v3)' })
    .option('authfile', { type: 'string', describe: 'docker-format auth file' }) as unknown as Argv<GlobalArgs & ImageSigningArgs>;
}

export async function registryClient(authFile: string | undefined): Promise<import('@provenant/core/oci').RegistryClient> {
  const { createClient } = await import('@provenant/core/oci');
  return createClient(authFile ? { authFile } : {});
}

const mod: CommandModule<ImageSigningArgs> = {
  command: 'sign-image <image>',
  describe: 'sign an image digest as cosign does (.sig simple signing and/or a Sigstore bundle referrer)',
  builder: imageSigningOptions,
  handler: async (args, io: CliIO): Promise<ExitCode> => {
    const client = await registryClient((args as { authfile?: string }).authfile);
    try {
      const { signImage } = await import('@provenant/core/cosign');
      const signing = await resolveSigning({ ...args, bundle: '-' });
      const r = await signImage(client, args.image, signing.signer, { format: args.format, sign: signing.options });
      if (args.json) io.out(JSON.stringify({ ok: true, image: r.image, sigManifest: r.legacy, referrer: r.referrer }) + '\n');
      else io.out(`${r.image}\n`);
      if (!args.quiet) io.err(`signed ${r.image} with ${signing.description}${r.legacy ? `; .sig ${r.legacy}` : ''}${r.referrer ? `; referrer ${r.referrer}` : ''}\n`);
      return EXIT.OK;
    } catch (err) {
      if (err instanceof ProvenantError || !(err instanceof Error)) return reportError(io, err, args.json);
      return reportError(io, err, args.json);
    } finally {
      client.close();
    }
  },
};
export const { command, describe, builder, handler } = mod;
