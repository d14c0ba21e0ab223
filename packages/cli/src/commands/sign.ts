import { createHash } from 'node:crypto';
import type { Argv } from 'yargs';
import { ProvenantError } from '@provenant/core/errors';
import type { SerializedBundle, SignOptions, Signer } from '@provenant/core/sign';
import { EXIT, type CliIO, type ExitCode, type GlobalArgs } from '../io.js';
import type { CommandModule } from './types.js';

// Public-good Sigstore, used for keyless signing when no URL is given.
export const PUBLIC_FULCIO_URL = 'https://fulcio.sigstore.dev';
export const PUBLIC_REKOR_URL = 'https://rekor.sigstore.dev';
export const STAGING_FULCIO_URL = 'https://fulcio.sigstage.dev';
export const STAGING_REKOR_URL = 'https://rekor.sigstage.dev';


/** Signing flags shared by `sign`, `attest` and `sign-bundle`. */
export interface SigningArgs {
  key?: string | undefined;
  passwordFile?: string | undefined;
  identityToken?: string | undefined;
  fulcioUrl?: string | undefined;
  rekorUrl?: string | undefined;
  tsaUrl?: string | undefined;
  tlogUpload?: boolean | undefined;
  bundle: string;
}

/** The key and keyless flags (everything of SigningArgs but --bundle), for commands that sign something else. */
export function signerOptions<T>(y: Argv<T>): Argv<T & Omit<SigningArgs, 'bundle'>> {
  return y
    .option('key', { type: 'string', describe: 'private key file (cosign.key, or an unencrypted PEM key); omit for keyless signing' })
    .option('password-file', { type: 'string', describe: 'file holding the key password (else PROVENANT_PASSWORD or COSIGN_PASSWORD, else asked on a terminal)' })
    .option('identity-token', { type: 'string', describe: 'OIDC token for keyless signing (else SIGSTORE_ID_TOKEN or the GitHub Actions token)' })
    .option('fulcio-url', { type: 'string', describe: `Fulcio URL for keyless signing (default ${PUBLIC_FULCIO_URL})` })
    .option('rekor-url', { type: 'string', describe: 'Rekor URL to log the signature in (keyless default: public Rekor)' })
    .option('tsa-url', { type: 'string', describe: 'RFC 3161 timestamp authority URL to timestamp the signature with' })
    .option('tlog-upload', { type: 'boolean', describe: 'log the signature in Rekor (default: yes for keyless, only with --rekor-url for keys)' }) as unknown as Argv<T & Omit<SigningArgs, 'bundle'>>;
}

export function signingOptions<T>(y: Argv<T>): Argv<T & SigningArgs> {
  return signerOptions(y)
    .option('bundle', { type: 'string', demandOption: true, describe: 'where to write the Sigstore bundle (JSON)' }) as unknown as Argv<T & SigningArgs>;
}

/** `sign IMAGE`: a missing file that reads as an image reference gets a hint naming the image command. */
export async function imageHint(err: unknown, arg: string, command: string): Promise<ProvenantError | undefined> {
  if (!(err instanceof ProvenantError) || err.code !== 'FILE_NOT_FOUND') return undefined;
  if (!/^[a-z0-9.-]+(:\d+)?\/[^\s]+(:[\w.-]+|@sha256:[0-9a-f]{64})$/.test(arg) && !/^[a-z0-9._/-]+(:[\w.-]+|@sha256:[0-9a-f]{64})$/.test(arg)) return undefined;
  return new ProvenantError('USAGE', `${arg} is not a file; it looks like an image: use \`provenant ${command} ${arg}\``, { cause: err });
}

// The file helpers live in ../files.js (verification commands use them without loading this module).
import { readArtifactFile, readSmallFile, writeFileAtomic } from '../files.js';

export { readArtifactFile, readInput, readSmallFile, writeFileAtomic } from '../files.js';

export interface ResolvedSigning {
  signer: Signer;
  options: SignOptions;
  description: string;
}

/** Turns the flags into a signer (key or keyless) and its witnesses. */
export async function resolveSigning(args: SigningArgs, defaults: { fulcioURL?: string; rekorURL?: string } = {}): Promise<ResolvedSigning> {
  const sign = await import('@provenant/core/sign');
  if (args.key !== undefined) {
    if (args.identityToken !== undefined) throw new ProvenantError('USAGE', 'pass either --key or --identity-token, not both');
    const pem = (await readSmallFile(args.key, 'private key')).toString('utf8');
    let password = await sign.resolveKeyPassword({ passwordFile: args.passwordFile });
    // An encrypted key with no password given: ask on the terminal (never when piped).
    if (password === undefined && pem.includes('ENCRYPTED')) password = await (await import('../prompt.js')).promptPassword(`Enter password for private key ${args.key}: `);
    const signer = sign.keySigner(await sign.loadPrivateKey(pem, password));
    const rekorURL = args.tlogUpload === false ? undefined : (args.rekorUrl ?? (args.tlogUpload ? (defaults.rekorURL ?? PUBLIC_REKOR_URL) : undefined));
    return { signer, options: { rekorURL, tsaURL: args.tsaUrl }, description: `${signer.algorithm} key ${signer.hint}` };
  }
  const token = await sign.resolveIdentityToken({ token: args.identityToken });
  const fulcioURL = args.fulcioUrl ?? defaults.fulcioURL ?? PUBLIC_FULCIO_URL;
  const signer = sign.keylessSigner({ fulcioURL, identityToken: token });
  let rekorURL = args.tlogUpload === false ? undefined : (args.rekorUrl ?? defaults.rekorURL);
  if (rekorURL === undefined && args.tlogUpload !== false && args.tsaUrl === undefined) rekorURL = PUBLIC_REKOR_URL;
  if (rekorURL === undefined && args.tsaUrl === undefined) {
    throw new ProvenantError('USAGE', 'keyless signing with --no-tlog-upload needs --tsa-url: verifiers need a witnessed signing time');
  }
  const claims = sign.checkIdentityToken(token);
  return { signer, options: { rekorURL, tsaURL: args.tsaUrl }, description: `keyless (${claims.email ?? claims.sub ?? '?'} from ${claims.iss}) via ${fulcioURL}` };
}

/** Writes the bundle and reports it (JSON with --json). */
export async function writeBundleAndReport(bundle: SerializedBundle, out: string, args: GlobalArgs, io: CliIO, facts: Record<string, unknown>): Promise<ExitCode> {
  await writeFileAtomic(out, JSON.stringify(bundle) + '\n');
  const tlog = bundle.verificationMaterial.tlogEntries?.length ?? 0;
  const tsa = bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps?.length ?? 0;
  if (args.json) io.out(JSON.stringify({ ok: true, bundle: out, mediaType: bundle.mediaType, tlogEntries: tlog, rfc3161Timestamps: tsa, ...facts }) + '\n');
  else if (!args.quiet) io.err(`provenant: wrote ${out} (${tlog} tlog entr${tlog === 1 ? 'y' : 'ies'}, ${tsa} timestamp${tsa === 1 ? '' : 's'})\n`);
  return EXIT.OK;
}

interface SignArgs extends SigningArgs {
  file: string;
  outputSignature?: string | undefined;
  outputCertificate?: string | undefined;
}

const mod: CommandModule<SignArgs> = {
  command: 'sign <file>',
  describe: 'sign a file into a Sigstore bundle (key or keyless)',
  builder: (y) =>
    signingOptions(y)
      .option('output-signature', { type: 'string', describe: 'also write the base64 signature here (as cosign sign-blob)' })
      .option('output-certificate', { type: 'string', describe: 'keyless: also write the signing certificate (PEM) here' })
      .positional('file', { type: 'string', demandOption: true, describe: 'the file to sign' }) as never,
  handler: async (args, io) => {
    // Refuse before anything is written: a key signature has no certificate to output.
    if (args.outputCertificate !== undefined && args.key !== undefined) throw new ProvenantError('USAGE', '--output-certificate needs keyless signing (a key signature has no certificate)');
    const data = await readArtifactFile(args.file).catch(async (err: unknown) => {
      throw (await imageHint(err, args.file, 'sign-image')) ?? err;
    });
    const { signer, options, description } = await resolveSigning(args);
    if (!args.quiet && !args.json) io.err(`provenant: signing ${args.file} with ${description}\n`);
    const { signBlob } = await import('@provenant/core/sign');
    const bundle = await signBlob(data, signer, options);
    if (args.outputSignature !== undefined) await writeFileAtomic(args.outputSignature, `${bundle.messageSignature?.signature ?? ''}\n`);
    const certificate = bundle.verificationMaterial.certificate?.rawBytes;
    if (args.outputCertificate !== undefined) {
      if (certificate === undefined) throw new ProvenantError('INTERNAL', 'keyless bundle without a certificate');
      const lines = certificate.match(/.{1,64}/g) ?? [];
      await writeFileAtomic(args.outputCertificate, `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`);
    }
    return writeBundleAndReport(bundle, args.bundle, args, io, { artifact: args.file, digest: `sha256:${createHash('sha256').update(data).digest('hex')}` });
  },
};
export const { command, describe, builder, handler } = mod;
