import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { ProvenantError, type ProvenantErrorCode } from '@provenant/core/errors';
import type { ArtifactInput, IdentityPolicy, VerificationPolicy, VerificationResult, VerifyOptions } from '@provenant/core/verify';
import { EXIT, reportError, type CliIO, type ExitCode, type GlobalArgs } from '../io.js';
import { readInput } from '../files.js';
import type { Options } from 'yargs';
import type { CommandModule } from './types.js';
import { trustedRootPath } from '../trust/cache.js';
import { policyOptions, runPolicyVerification, type PolicyArgs } from '../policy-decision.js';

/** Options shared by `verify` and `verify-bundle` (the sigstore-conformance client protocol). */
export interface BundleVerifyArgs {
  bundle?: string | undefined;
  certificateIdentity?: string | undefined;
  certificateIdentityRegexp?: string | undefined;
  certificateOidcIssuer?: string | undefined;
  certificateGithubWorkflowRepository?: string | undefined;
  certificateGithubWorkflowRef?: string | undefined;
  certificateGithubWorkflowTrigger?: string | undefined;
  certificateGithubWorkflowSha?: string | undefined;
  certificateGithubWorkflowName?: string | undefined;
  key?: string | undefined;
  trustedRoot?: string | undefined;
  staging?: boolean | undefined;
  tlogThreshold?: number | undefined;
  timestampThreshold?: number | undefined;
  ctlogThreshold?: number | undefined;
  insecureIgnoreTlog?: boolean | undefined;
}

const BUNDLE_LIMIT = 64 * 1024 * 1024;
const TRUSTED_ROOT_LIMIT = 16 * 1024 * 1024;
// Larger artifacts are hashed while streaming and verified by digest instead of read into memory.
const IN_MEMORY_ARTIFACT_LIMIT = 256 * 1024 * 1024;
const DIGEST_ARG = /^sha256:[0-9a-f]{64}$/;

// Codes that mean "the inputs could not be used" (exit 1/2), not "the bundle failed verification" (exit 3).
const INPUT_ERRORS: ReadonlySet<ProvenantErrorCode> = new Set<ProvenantErrorCode>([
  'USAGE',
  'INVALID_ARGUMENT',
  'FILE_NOT_FOUND',
  'FILE_UNREADABLE',
  'FILE_TOO_LARGE',
  'IO_ERROR',
  'TRUSTED_ROOT_INVALID',
  'TRUST_NOT_CACHED',
  'KEY_INVALID',
  'KEY_UNSUPPORTED',
  'POLICY_REGEX_INVALID',
  'DIGEST_INVALID',
  'INTERNAL',
]);


/** FILE_OR_DIGEST per the client protocol: a `sha256:<hex>` that is not a path on disk is a digest. */
async function readArtifact(arg: string): Promise<ArtifactInput> {
  let size: number | undefined;
  try {
    size = (await stat(arg)).size;
  } catch {
    size = undefined;
  }
  if (size === undefined) {
    if (DIGEST_ARG.test(arg)) return { digest: arg };
    throw new ProvenantError('FILE_NOT_FOUND', `artifact ${arg} does not exist (and is not a sha256:<hex> digest)${/[:@]/.test(arg) && !arg.startsWith('sha256:') ? `; for an image use \`provenant verify-image ${arg}\` (or verify --policy)` : ''}`);
  }
  if (size <= IN_MEMORY_ARTIFACT_LIMIT) return { data: await readInput(arg, IN_MEMORY_ARTIFACT_LIMIT, 'artifact') };
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(arg)) hash.update(chunk as Buffer);
  return { digest: `sha256:${hash.digest('hex')}` };
}

function thresholdsFromArgs(args: BundleVerifyArgs): VerifyOptions {
  const out: VerifyOptions = {};
  for (const k of ['tlogThreshold', 'timestampThreshold', 'ctlogThreshold'] as const) {
    const v = args[k];
    if (v === undefined) continue;
    if (!Number.isInteger(v) || v < 0) throw new ProvenantError('USAGE', `--${k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())} must be a whole number`);
    out[k] = v;
  }
  return out;
}

/** Builds the verification policy from the flags: a key, or a certificate identity and issuer. */
async function policyFromArgs(args: BundleVerifyArgs): Promise<VerificationPolicy> {
  const identityGiven = args.certificateIdentity !== undefined || args.certificateIdentityRegexp !== undefined;
  if (args.key !== undefined) {
    if (identityGiven || args.certificateOidcIssuer !== undefined) throw new ProvenantError('USAGE', '--key cannot be combined with --certificate-identity/--certificate-oidc-issuer');
    return { kind: 'key', publicKey: await readInput(args.key, 1024 * 1024, 'public key') };
  }
  if (!identityGiven || args.certificateOidcIssuer === undefined) {
    throw new ProvenantError('USAGE', 'pass --key, or --certificate-identity (or --certificate-identity-regexp) together with --certificate-oidc-issuer');
  }
  if (args.certificateIdentity !== undefined && args.certificateIdentityRegexp !== undefined) {
    throw new ProvenantError('USAGE', 'pass either --certificate-identity or --certificate-identity-regexp, not both');
  }
  const extensions: NonNullable<IdentityPolicy['extensions']> = {};
  if (args.certificateGithubWorkflowRepository !== undefined) extensions.githubWorkflowRepository = args.certificateGithubWorkflowRepository;
  if (args.certificateGithubWorkflowRef !== undefined) extensions.githubWorkflowRef = args.certificateGithubWorkflowRef;
  if (args.certificateGithubWorkflowTrigger !== undefined) extensions.githubWorkflowTrigger = args.certificateGithubWorkflowTrigger;
  if (args.certificateGithubWorkflowSha !== undefined) extensions.githubWorkflowSha = args.certificateGithubWorkflowSha;
  if (args.certificateGithubWorkflowName !== undefined) extensions.githubWorkflowName = args.certificateGithubWorkflowName;
  return {
    kind: 'identity',
    issuer: args.certificateOidcIssuer,
    ...(args.certificateIdentity !== undefined ? { subjectAlternativeName: args.certificateIdentity } : {}),
    ...(args.certificateIdentityRegexp !== undefined ? { subjectAlternativeNameRegExp: args.certificateIdentityRegexp } : {}),
    ...(Object.keys(extensions).length ? { extensions } : {}),
  };
}

function report(result: VerificationResult, artifact: string): Record<string, unknown> {
  const s = result.signer;
  return {
    ok: true,
    artifact,
    artifactDigest: result.artifactDigest,
    mediaType: result.mediaType,
    content: result.content,
    signer:
      s.kind === 'certificate'
        ? { kind: s.kind, subjectAlternativeNames: s.subjectAlternativeNames, issuer: s.issuer, extensions: s.extensions, notBefore: s.notBefore, notAfter: s.notAfter }
        : s,
    integratedTime: result.integratedTime,
    timestamps: result.timestamps,
    tlogEntries: result.tlogEntries,
    ...(result.dsse ? { payloadType: result.dsse.payloadType, statement: result.dsse.statement } : {}),
  };
}

/**
 * Verifies one artifact against one Sigstore bundle: exit 0 when valid, 3 when verification fails,
 * 1/2 when the inputs themselves cannot be used.
 */
export async function runBundleVerification(artifactArg: string, args: BundleVerifyArgs & GlobalArgs, io: CliIO): Promise<ExitCode> {
  try {
    if (args.bundle === undefined) throw new ProvenantError('USAGE', '--bundle FILE is required');
    const policy = await policyFromArgs(args);
    // cosign's --insecure-ignore-tlog: a key signature needs no log entry, no signing time and no trusted root.
    const offlineKey = args.insecureIgnoreTlog === true && policy.kind === 'key' && args.trustedRoot === undefined && !process.env.PROVENANT_TRUSTED_ROOT;
    // Explicit trust material, or what `provenant trust update` cached: nothing is fetched, not even for --staging.
    const rootPath = offlineKey ? undefined : await trustedRootPath(args.trustedRoot);
    const [bundle, rootJson, artifact, verify] = await Promise.all([
      readInput(args.bundle, BUNDLE_LIMIT, 'bundle'),
      rootPath === undefined ? Promise.resolve(undefined) : readInput(rootPath, TRUSTED_ROOT_LIMIT, 'trusted root'),
      readArtifact(artifactArg),
      import('@provenant/core/verify'),
    ]);
    const trust = rootJson === undefined ? verify.trustMaterialFromKeys({}) : verify.loadTrustedRoot(rootJson);
    const thresholds = thresholdsFromArgs(args);
    if (args.insecureIgnoreTlog) {
      thresholds.tlogThreshold = 0;
      if (policy.kind === 'key') thresholds.timestampThreshold = 0;
    }
    const result = verify.verifyBundle(bundle, artifact, policy, trust, thresholds);
    if (args.json) io.out(JSON.stringify(report(result, artifactArg)) + '\n');
    else if (!args.quiet) io.err(`verified ${artifactArg} against ${args.bundle}\n`);
    return EXIT.OK;
  } catch (err) {
    if (err instanceof ProvenantError && !INPUT_ERRORS.has(err.code)) {
      if (args.json) io.out(JSON.stringify({ ok: false, error: err.toJSON() }) + '\n');
      io.err(`provenant: verification failed [${err.code}]: ${err.message}\n`);
      return EXIT.DENIED;
    }
    return reportError(io, err, args.json);
  }
}

/** The flags of the bundle flow, shared with `verify-bundle`. */
export const bundleOptions: Readonly<Record<string, Options>> = {
  bundle: { type: 'string', describe: 'Sigstore bundle to verify' },
  'certificate-identity': { type: 'string', describe: 'exact expected SAN of the signing certificate' },
  'certificate-identity-regexp': { type: 'string', describe: 'regular expression the whole SAN must match (anchored)' },
  'certificate-oidc-issuer': { type: 'string', describe: 'exact expected OIDC issuer of the signing certificate' },
  'certificate-github-workflow-repository': { type: 'string', describe: 'expected GitHub workflow repository (Fulcio extension)' },
  'certificate-github-workflow-ref': { type: 'string', describe: 'expected GitHub workflow ref (Fulcio extension)' },
  'certificate-github-workflow-trigger': { type: 'string', describe: 'expected GitHub workflow trigger (Fulcio extension)' },
  'certificate-github-workflow-sha': { type: 'string', describe: 'expected GitHub workflow commit (Fulcio extension)' },
  'certificate-github-workflow-name': { type: 'string', describe: 'expected GitHub workflow name (Fulcio extension)' },
  key: { type: 'string', describe: 'PEM public key for key-signed bundles' },
  'trusted-root': { type: 'string', describe: 'Sigstore TrustedRoot JSON (default: $PROVENANT_TRUSTED_ROOT, else the cache `provenant trust update` fills)' },
  'tlog-threshold': { type: 'number', describe: 'verified transparency-log entries required (default 1; --insecure-ignore-tlog sets 0)' },
  'timestamp-threshold': { type: 'number', describe: 'verified signing times required, SETs and RFC 3161 together (default 1)' },
  'ctlog-threshold': { type: 'number', describe: 'verified SCTs required on a signing certificate (default 1)' },
  'insecure-ignore-tlog': { type: 'boolean', describe: 'accept a signature with no transparency-log entry (as cosign); with --key also no signing time and no trusted root' },
};

interface VerifyArgs extends BundleVerifyArgs, PolicyArgs {
  target: string;
}

const mod: CommandModule<VerifyArgs> = {
  command: 'verify <target>',
  describe: 'verify a file against a Sigstore bundle, by key or by certificate identity',
  builder: (y) => y.positional('target', { type: 'string', demandOption: true, describe: 'the artifact file, or sha256:<hex>' }).options({ ...bundleOptions, ...policyOptions }) as never,
  handler: async (args, io) => {
    // One branch per way of deciding; a `--policy FILE` branch (verifier engineer) goes here, before the bundle flow.
    if (args.policy?.length) return runPolicyVerification(args.target, args, io);
    return runBundleVerification(args.target, args, io);
  },
};
export const { command, describe, builder, handler } = mod;
