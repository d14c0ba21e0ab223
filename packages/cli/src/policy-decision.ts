// `provenant verify --policy`: the decision flow shared by verify, promote and admission. The handlers
// gather inputs and format results; deciding is @provenant/verifier's job.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import type { Options } from 'yargs';
import type { Decision, Evidence, PolicySet, RegistryEvidence, Subject } from '@provenant/verifier';
import { optionalTrustedRootPath } from './trust/cache.js';
import { EXIT, reportError, type CliIO, type ExitCode, type GlobalArgs } from './io.js';

export interface PolicyArgs {
  policy?: string[] | undefined;
  evidence?: string[] | undefined;
  bundle?: string | undefined;
  trustedRoot?: string | undefined;
  vsa?: string | undefined;
  vsaKey?: string | undefined;
  attachVsa?: boolean | undefined;
  noMatch?: 'deny' | 'allow' | undefined;
  insecureRegistry?: boolean | undefined;
  subjectRoot?: string | undefined;
}

/** The flags of the policy flow (verify adds them beside its bundle flags). */
export const policyOptions: Readonly<Record<string, Options>> = {
  policy: { type: 'string', array: true, describe: 'policy file(s) (YAML or JSON, apiVersion provenant.dev/v1): decide by policy' },
  evidence: { type: 'string', array: true, describe: 'Sigstore bundle file(s) offered as signatures/attestations (with --policy)' },
  vsa: { type: 'string', describe: 'write the decision as a signed SLSA VSA bundle to FILE (with --policy)' },
  'vsa-key': { type: 'string', describe: 'PEM private key that signs the VSA' },
  'attach-vsa': { type: 'boolean', describe: 'attach the signed VSA to the image in its registry as an OCI referrer' },
  'no-match': { type: 'string', choices: ['deny', 'allow'], describe: 'when no policy matches (default: the policy file, else deny)' },
  'insecure-registry': { type: 'boolean', describe: 'talk plain HTTP to the registry (loopback tests)' },
  'subject-root': { type: 'string', describe: 'directory artifact paths are named relative to for policy matching (default: the current directory)' },
};

const DIGEST_ARG = /^sha256:[0-9a-f]{64}$/;

async function fileDigest(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * A file or `sha256:<hex>` is an artifact; anything else is an image reference. A file is named by its
 * real path (symbolic links resolved) relative to the real subject root (verifier artifactName), so
 * every spelling of one file, `./release/x`, its absolute path or a link to it, matches the same globs.
 */
export async function subjectFromTarget(target: string, subjectRoot?: string): Promise<Subject | { kind: 'image-ref'; ref: string }> {
  if (await isFile(target)) {
    const { artifactName } = await import('@provenant/verifier');
    return { kind: 'artifact', uri: artifactName(await realpath(target), await realSubjectRoot(subjectRoot)), digest: await fileDigest(target) };
  }
  if (DIGEST_ARG.test(target)) return { kind: 'artifact', uri: target, digest: target };
  const at = /@(sha256:[0-9a-f]{64})$/.exec(target);
  if (at) return { kind: 'image', ref: target, digest: at[1]! };
  return { kind: 'image-ref', ref: target };
}

/** The subject root as a real path: `--subject-root`, else the current directory. */
async function realSubjectRoot(given: string | undefined): Promise<string> {
  const root = given ?? process.cwd();
  try {
    if (!(await stat(root)).isDirectory()) throw new Error('not a directory');
    return await realpath(root);
  } catch (cause) {
    const { ProvenantError } = await import('@provenant/core/errors');
    throw new ProvenantError('USAGE', `--subject-root ${root} is not a readable directory`, { cause });
  }
}

export interface PreparedDecision {
  readonly subject: Subject;
  readonly evidence: Evidence;
  readonly policies: PolicySet;
  readonly decision: Decision;
  /** Set when the evidence came from a registry. */
  readonly registry?: RegistryEvidence | undefined;
}

/** Loads the policy and trust, gathers evidence for the subject, and decides. */
export async function decideTarget(target: string, args: PolicyArgs): Promise<PreparedDecision> {
  const { ProvenantError } = await import('@provenant/core/errors');
  const verifier = await import('@provenant/verifier');
  if (!args.policy?.length) throw new ProvenantError('USAGE', '--policy FILE is required');
  const files = [...(args.evidence ?? []), ...(args.bundle ? [args.bundle] : [])];
  const subjectRoot = await realSubjectRoot(args.subjectRoot);
  const resolved = await subjectFromTarget(target, subjectRoot);
  // Registry round trips overlap loading the policy (YAML, zod, CEL): start them first. A policy that
  // does not load is still the error reported: it is awaited first, and the fetch's failure is then moot.
  const fromRegistry =
    resolved.kind === 'image-ref' || (resolved.kind === 'image' && files.length === 0)
      ? verifier.registryEvidence(resolved.ref, { insecure: args.insecureRegistry ?? false })
      : undefined;
  fromRegistry?.catch(() => undefined);
  const policies = await verifier.loadPolicy(args.policy, args.noMatch ? { noMatch: args.noMatch } : {});
  const trustedRootPath = await optionalTrustedRootPath(args.trustedRoot);
  const trust = trustedRootPath === undefined ? undefined : (await import('@provenant/core/verify')).loadTrustedRoot(await readFile(trustedRootPath));
  const fromFiles = await verifier.evidenceFromFiles(files);
  let subject: Subject;
  let evidence: Evidence = fromFiles;
  let registry: RegistryEvidence | undefined;
  if (fromRegistry) {
    registry = await fromRegistry;
    subject = registry.subject;
    evidence = verifier.mergeEvidence(registry.evidence, fromFiles);
  } else subject = resolved as Subject;
  const decision = verifier.evaluate(subject, evidence, policies, { trust, subjectRoot });
  return { subject, evidence, policies, decision, registry };
}

/** Signs the decision as a VSA, writes it (temp + rename) and, when asked, attaches it to the image. */
export async function writeVsa(prepared: PreparedDecision, args: PolicyArgs): Promise<Uint8Array | undefined> {
  if (args.vsa === undefined && !args.attachVsa) return undefined;
  const { ProvenantError } = await import('@provenant/core/errors');
  const verifier = await import('@provenant/verifier');
  if (args.vsaKey === undefined) throw new ProvenantError('USAGE', '--vsa/--attach-vsa need --vsa-key PEM to sign the VSA');
  if (args.attachVsa && !prepared.registry) throw new ProvenantError('USAGE', '--attach-vsa needs an image read from its registry');
  const signer = await verifier.keyStatementSigner(await readFile(args.vsaKey));
  const bundle = await signer(verifier.buildVsa(prepared.decision, prepared.policies));
  if (args.vsa !== undefined) await verifier.writeFileAtomic(args.vsa, bundle);
  if (args.attachVsa && prepared.registry) {
    await verifier.attachBundle(prepared.registry.client, prepared.registry.image, prepared.registry.manifest, bundle, { 'dev.provenant.kind': 'vsa' });
  }
  return bundle;
}

// Failures to read the evidence from a registry: the verifier denies (exit 3) with the reason, fail closed.
const EVIDENCE_UNREADABLE: ReadonlySet<string> = new Set(['REGISTRY_UNREACHABLE', 'REGISTRY_UNAUTHORIZED', 'REGISTRY_DENIED', 'REGISTRY_NOT_FOUND', 'REGISTRY_ERROR', 'REGISTRY_PROTOCOL_ERROR', 'REGISTRY_TOO_MANY_REDIRECTS', 'REGISTRY_RATE_LIMITED', 'MANIFEST_UNKNOWN', 'MANIFEST_INVALID', 'MANIFEST_TOO_LARGE', 'BLOB_UNKNOWN', 'BLOB_TOO_LARGE', 'BLOB_TRUNCATED', 'DIGEST_MISMATCH', 'TIMEOUT', 'TLS_ERROR']);

/** When evidence could not be read, the decision is a denial (exit 3) with the reason; undefined for other errors. */
export async function denyForUnreadableEvidence(err: unknown, target: string, json: boolean, io: CliIO): Promise<ExitCode | undefined> {
  const { ProvenantError } = await import('@provenant/core/errors');
  if (!(err instanceof ProvenantError) || !EVIDENCE_UNREADABLE.has(err.code)) return undefined;
  if (json) io.out(JSON.stringify({ ok: false, decision: null, error: err.toJSON() }) + '\n');
  else io.out(`DENIED: ${target}\n  cannot read its signatures and attestations: [${err.code}] ${err.message}\n`);
  return EXIT.DENIED;
}

/** `provenant verify <target> --policy P`: report, optional VSA, exit 3 on deny. */
export async function runPolicyVerification(target: string, args: PolicyArgs & GlobalArgs, io: CliIO): Promise<ExitCode> {
  try {
    const verifier = await import('@provenant/verifier');
    const prepared = await decideTarget(target, args);
    const vsa = await writeVsa(prepared, args);
    const d = prepared.decision;
    // An allowed subject still gets a FAILED VSA unless an enforce-mode policy passed: say so, and why.
    const verdict = vsa === undefined ? undefined : verifier.vsaVerdict(d);
    if (verdict && verdict.result === 'FAILED' && d.allowed && !args.quiet) io.err(`provenant: the VSA records FAILED: ${verdict.why}\n`);
    const vsaJson = verdict ? { vsa: { verificationResult: verdict.result, verifiedLevels: verdict.verifiedLevels, why: verdict.why } } : {};
    if (args.json) io.out(JSON.stringify({ ok: d.allowed, decision: verifier.decisionToJSON(d), ...vsaJson }) + '\n');
    else io.out(verifier.formatDecision(d));
    return d.allowed ? EXIT.OK : EXIT.DENIED;
  } catch (err) {
    return (await denyForUnreadableEvidence(err, target, args.json, io)) ?? reportError(io, err, args.json);
  }
}
