import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Argv } from 'yargs';
import { ProvenantError, type ProvenantErrorCode } from '@provenant/core/errors';
import { EXIT, reportError, type CliIO, type ExitCode, type GlobalArgs } from '../io.js';
import { readSmallFile } from '../files.js';
import type { CommandModule } from './types.js';
import { trustedRootPath } from '../trust/cache.js';

interface Args {
  artifact: string[];
  provenancePath: string;
  sourceUri?: string | undefined;
  key?: string | undefined;
  insecureIgnoreTlog?: boolean | undefined;
  printProvenance?: boolean | undefined;
  sourceBranch?: string | undefined;
  sourceTag?: string | undefined;
  sourceVersionedTag?: string | undefined;
  builderId?: string | undefined;
  trustedRoot?: string | undefined;
  artifactDigest?: string | undefined;
  buildWorkflowInput?: string[] | undefined;
  githubAttestation: boolean;
}

// Codes meaning "the inputs could not be used" (exit 1/2) rather than "verification denied" (exit 3).
export const INPUT_ERRORS: ReadonlySet<ProvenantErrorCode> = new Set<ProvenantErrorCode>(['USAGE', 'INVALID_ARGUMENT', 'FILE_NOT_FOUND', 'FILE_UNREADABLE', 'FILE_TOO_LARGE', 'IO_ERROR', 'TRUSTED_ROOT_INVALID', 'TRUST_NOT_CACHED', 'KEY_INVALID', 'INTERNAL', 'REGISTRY_UNREACHABLE', 'REFERENCE_INVALID']);

/** Denials exit 3 with their code; unusable inputs exit 1/2. */
export function reportDenial(io: CliIO, err: unknown, json: boolean): ExitCode {
  if (err instanceof ProvenantError && !INPUT_ERRORS.has(err.code)) {
    if (json) io.out(JSON.stringify({ ok: false, error: err.toJSON() }) + '\n');
    io.err(`provenant: verification FAILED [${err.code}]: ${err.message}\n`);
    return EXIT.DENIED;
  }
  return reportError(io, err, json);
}

export async function loadTrustFromArgs(path: string | undefined): Promise<import('@provenant/core/verify').TrustMaterial> {
  const p = await trustedRootPath(path);
  const { loadTrustedRoot } = await import('@provenant/core/verify');
  let json: unknown;
  try {
    json = JSON.parse((await readSmallFile(p, 'trusted root')).toString('utf8'));
  } catch (err) {
    if (err instanceof ProvenantError) throw err;
    throw new ProvenantError('TRUSTED_ROOT_INVALID', `trusted root ${p} is not JSON`, { cause: err });
  }
  return loadTrustedRoot(json);
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  } catch (cause) {
    throw new ProvenantError('FILE_NOT_FOUND', `cannot read artifact ${path}`, { cause });
  }
  return h.digest('hex');
}

const mod: CommandModule<Args> = {
  command: 'verify-artifact [artifact..]',
  describe: 'verify SLSA provenance for artifacts with slsa-verifier semantics (builder, source, branch, tag)',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .positional('artifact', { type: 'string', array: true, default: [] })
      .option('provenance-path', { type: 'string', demandOption: true, describe: 'Sigstore bundle (or legacy .intoto.jsonl) with the provenance' })
      .option('source-uri', { type: 'string', describe: 'expected source repository, github.com/org/repo (required without --key)' })
      .option('key', { type: 'string', describe: "public key of a key-signed provenance (provenant provenance --sign --key); checks signature, subject, builder and source" })
      .option('insecure-ignore-tlog', { type: 'boolean', describe: 'with --key: accept a signature with no transparency-log entry, and need no trusted root' })
      .option('print-provenance', { type: 'boolean', describe: 'print the verified provenance statement (JSON) on stdout' })
      .option('source-branch', { type: 'string' })
      .option('source-tag', { type: 'string' })
      .option('source-versioned-tag', { type: 'string', describe: 'semver prefix: v1, v1.2 or v1.2.3' })
      .option('builder-id', { type: 'string', describe: 'expected builder (with or without @vX.Y.Z / @refs/tags/vX.Y.Z)' })
      .option('build-workflow-input', { type: 'string', array: true, describe: 'key=value the workflow_dispatch inputs must hold' })
      .option('trusted-root', { type: 'string', describe: 'Sigstore TrustedRoot JSON (or PROVENANT_TRUSTED_ROOT)' })
      .option('artifact-digest', { type: 'string', describe: 'sha256:<hex> instead of an artifact file' })
      .option('github-attestation', { type: 'boolean', default: false, describe: 'a GitHub artifact attestation (no default trusted builders; --builder-id required)' })
      .example('provenant verify-artifact app.tgz --provenance-path app.intoto.jsonl --source-uri github.com/org/app --source-tag v1.2.3', 'provenance from slsa-github-generator, as slsa-verifier verifies it')
      .example('provenant verify-artifact app.tgz --provenance-path app.intoto.sigstore.json --key build.pub --builder-id https://ci.example.test/builder --insecure-ignore-tlog', 'provenance provenant signed with a key')
      .example('provenant verify-artifact app.tgz --provenance-path p.json --source-uri github.com/org/app --print-provenance | jq .predicate', 'print what was verified') as unknown as Argv<GlobalArgs & Args>,
  handler: async (args, io: CliIO): Promise<ExitCode> => {
    try {
      const digests = [...(args.artifactDigest ? [args.artifactDigest] : []), ...(await Promise.all(args.artifact.map(sha256File)))];
      if (digests.length === 0) throw new ProvenantError('USAGE', 'name an artifact file or pass --artifact-digest sha256:<hex>');
      const inputs: Record<string, string> = {};
      for (const kv of args.buildWorkflowInput ?? []) {
        const i = kv.indexOf('=');
        if (i < 1) throw new ProvenantError('USAGE', `--build-workflow-input ${kv} is not key=value`);
        inputs[kv.slice(0, i)] = kv.slice(i + 1);
      }
      const provenance = await readSmallFile(args.provenancePath, 'provenance');
      if (args.key !== undefined) {
        const { verifyKeyProvenance } = await import('../provenance-key.js');
        const offline = args.insecureIgnoreTlog === true && args.trustedRoot === undefined && !process.env.PROVENANT_TRUSTED_ROOT;
        const trust = offline ? (await import('@provenant/core/verify')).trustMaterialFromKeys({}) : await loadTrustFromArgs(args.trustedRoot);
        const options = args.insecureIgnoreTlog ? { tlogThreshold: 0, timestampThreshold: 0 } : {};
        let bundle: unknown;
        try {
          bundle = JSON.parse(provenance.toString('utf8'));
        } catch (err) {
          throw new ProvenantError('BUNDLE_INVALID', `${args.provenancePath} is not a Sigstore bundle (JSON)`, { cause: err });
        }
        const expect = { publicKey: await readSmallFile(args.key, 'public key'), builderId: args.builderId, sourceUri: args.sourceUri, sourceBranch: args.sourceBranch, sourceTag: args.sourceTag };
        const results = [];
        for (const d of digests) results.push(await verifyKeyProvenance(bundle, d.startsWith('sha256:') ? d : `sha256:${d}`, expect, trust, options));
        const r = results[0]!;
        if (args.printProvenance) io.out(JSON.stringify(r.statement, null, 2) + '\n');
        else if (args.json) io.out(JSON.stringify({ ok: true, builderId: r.builderId, sourceCommit: r.sourceCommit, artifacts: digests }) + '\n');
        if (!args.quiet) io.err(`PASSED: verified SLSA provenance for ${digests.length} artifact(s), builder ${r.builderId}${r.sourceCommit ? ` at commit ${r.sourceCommit}` : ''}\n`);
        return EXIT.OK;
      }
      if (args.sourceUri === undefined) throw new ProvenantError('USAGE', 'pass --source-uri (the expected source repository), or --key for a key-signed provenance');
      const sourceUri = args.sourceUri;
      const trust = await loadTrustFromArgs(args.trustedRoot);
      const { verifyArtifactProvenance } = await import('@provenant/core/slsa');
      const results = digests.map((artifactDigest) =>
        verifyArtifactProvenance(provenance, trust, {
          artifactDigest,
          sourceUri,
          sourceBranch: args.sourceBranch,
          sourceTag: args.sourceTag,
          sourceVersionedTag: args.sourceVersionedTag,
          builderId: args.builderId,
          workflowInputs: inputs,
          mode: args.githubAttestation ? 'github-attestation' : 'artifact',
        }),
      );
      const r = results[0]!;
      if (args.printProvenance) io.out(JSON.stringify(r.statement, null, 2) + '\n');
      else if (args.json) io.out(JSON.stringify({ ok: true, builderId: r.builderId, sourceCommit: r.sourceCommit, artifacts: digests }) + '\n');
      if (!args.quiet) io.err(`PASSED: verified SLSA provenance for ${digests.length} artifact(s), builder ${r.builderId} at commit ${r.sourceCommit}\n`);
      return EXIT.OK;
    } catch (err) {
      return reportDenial(io, err, args.json);
    }
  },
};
export const { command, describe, builder, handler } = mod;
