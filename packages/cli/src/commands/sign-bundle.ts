import { z } from 'zod';
import { ProvenantError } from '@provenant/core/errors';
import type { CommandModule } from './types.js';
import { readArtifactFile, readSmallFile, resolveSigning, STAGING_FULCIO_URL, STAGING_REKOR_URL, writeBundleAndReport } from './sign.js';

interface SignBundleArgs {
  file: string;
  bundle: string;
  identityToken: string;
  staging: boolean;
  inToto: boolean;
  trustedRoot?: string | undefined;
  signingConfig?: string | undefined;
  fulcioUrl?: string | undefined;
  rekorUrl?: string | undefined;
  tsaUrl?: string | undefined;
}

const Service = z.looseObject({
  url: z.string().url(),
  majorApiVersion: z.number().int().optional(),
  validFor: z.looseObject({ start: z.string().optional(), end: z.string().optional() }).optional(),
});
/** Sigstore SigningConfig v0.2 (the services to sign with); unknown fields are tolerated, as protobuf JSON does. */
const SigningConfigSchema = z.looseObject({
  mediaType: z.string().startsWith('application/vnd.dev.sigstore.signingconfig.'),
  caUrls: z.array(Service).default([]),
  rekorTlogUrls: z.array(Service).default([]),
  tsaUrls: z.array(Service).default([]),
});

/** The first service of a major API version valid now, as sigstore clients pick them. */
function pick(services: z.infer<typeof Service>[], version: number): string | undefined {
  const now = Date.now();
  return services.find((s) => {
    const start = s.validFor?.start ? Date.parse(s.validFor.start) : -Infinity;
    const end = s.validFor?.end ? Date.parse(s.validFor.end) : Infinity;
    return (s.majorApiVersion ?? 1) === version && start <= now && now < end;
  })?.url;
}

async function servicesFromSigningConfig(path: string): Promise<{ fulcioURL?: string; rekorURL?: string; tsaURL?: string }> {
  let config: z.infer<typeof SigningConfigSchema>;
  try {
    config = SigningConfigSchema.parse(JSON.parse((await readSmallFile(path, 'signing config')).toString('utf8')));
  } catch (cause) {
    if (cause instanceof ProvenantError) throw cause;
    throw new ProvenantError('SCHEMA_INVALID', `signing config ${path} is not a Sigstore SigningConfig`, { cause });
  }
  const rekorURL = pick(config.rekorTlogUrls, 1);
  if (rekorURL === undefined && config.rekorTlogUrls.length > 0) {
    throw new ProvenantError('UNSUPPORTED', `signing config ${path} lists no Rekor v1 log valid now (Rekor v2 logs are not supported for signing yet)`);
  }
  return { fulcioURL: pick(config.caUrls, 1), rekorURL, tsaURL: pick(config.tsaUrls, 1) };
}

// The sigstore-conformance client protocol's sign-bundle: keyless, writes a bundle v0.3.
const mod: CommandModule<SignBundleArgs> = {
  command: 'sign-bundle <file>',
  describe: 'keyless-sign a file into a Sigstore bundle (sigstore-conformance client protocol)',
  builder: (y) =>
    y
      .option('identity-token', { type: 'string', demandOption: true, describe: 'the OIDC identity token' })
      .option('bundle', { type: 'string', demandOption: true, describe: 'where to write the bundle' })
      .option('staging', { type: 'boolean', default: false, describe: 'use Sigstore staging services' })
      .option('in-toto', { type: 'boolean', default: false, describe: 'FILE is an in-toto statement: sign it as DSSE' })
      .option('trusted-root', { type: 'string', describe: 'accepted for the protocol (trust material for later verification)' })
      .option('signing-config', { type: 'string', describe: 'Sigstore SigningConfig JSON naming Fulcio, Rekor and TSA URLs' })
      .option('fulcio-url', { type: 'string', describe: 'Fulcio URL (overrides the signing config)' })
      .option('rekor-url', { type: 'string', describe: 'Rekor URL (overrides the signing config)' })
      .option('tsa-url', { type: 'string', describe: 'TSA URL (overrides the signing config)' })
      .positional('file', { type: 'string', demandOption: true, describe: 'the artifact, or with --in-toto the statement' }) as never,
  handler: async (args, io) => {
    const fromConfig = args.signingConfig !== undefined ? await servicesFromSigningConfig(args.signingConfig) : {};
    const staging = args.staging ? { fulcioURL: STAGING_FULCIO_URL, rekorURL: STAGING_REKOR_URL } : {};
    const fulcioURL = args.fulcioUrl ?? fromConfig.fulcioURL ?? staging.fulcioURL;
    const rekorURL = args.rekorUrl ?? fromConfig.rekorURL ?? staging.rekorURL;
    const tsaURL = args.tsaUrl ?? fromConfig.tsaURL;
    const data = await readArtifactFile(args.file);
    const { signer, options } = await resolveSigning(
      { identityToken: args.identityToken, fulcioUrl: fulcioURL, rekorUrl: rekorURL, tsaUrl: tsaURL, bundle: args.bundle },
      {},
    );
    const sign = await import('@provenant/core/sign');
    let bundle;
    if (args.inToto) {
      let statement: unknown;
      try {
        statement = JSON.parse(data.toString('utf8'));
      } catch (cause) {
        throw new ProvenantError('STATEMENT_INVALID', `${args.file} is not JSON`, { cause });
      }
      bundle = await sign.signStatement(statement as Record<string, unknown>, signer, options);
    } else {
      bundle = await sign.signBlob(data, signer, options);
    }
    return writeBundleAndReport(bundle, args.bundle, args, io, { artifact: args.file });
  },
};
export const { command, describe, builder, handler } = mod;
