import type { Argv } from 'yargs';
import { ProvenantError } from '@provenant/core/errors';
import { EXIT, type CliIO, type ExitCode, type GlobalArgs } from '../io.js';
import { readSmallFile } from '../files.js';
import { registryClient } from './sign-image.js';
import type { CommandModule } from './types.js';
import { PREDICATE_TYPE_HELP, predicateTypeFor } from '../predicate-types.js';
import { loadTrustFromArgs, reportDenial } from './verify-artifact.js';

interface Args {
  image: string;
  key?: string | undefined;
  certificateIdentity?: string | undefined;
  certificateIdentityRegexp?: string | undefined;
  certificateOidcIssuer?: string | undefined;
  certificateOidcIssuerRegexp?: string | undefined;
  trustedRoot?: string | undefined;
  format: 'both' | 'legacy' | 'referrer';
  insecureIgnoreTlog: boolean;
  attestationType?: string | undefined;
  sourceUri?: string | undefined;
  sourceBranch?: string | undefined;
  sourceTag?: string | undefined;
  sourceVersionedTag?: string | undefined;
  builderId?: string | undefined;
  authfile?: string | undefined;
}

const EMPTY_ROOT = { mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1' };

const mod: CommandModule<Args> = {
  command: 'verify-image <image>',
  describe: 'verify an image digest: cosign signatures/attestations by key or identity; with --source-uri its SLSA provenance like slsa-verifier verify-image',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .positional('image', { type: 'string', demandOption: true })
      .option('key', { type: 'string', describe: 'public key the signatures must verify under' })
      .option('certificate-identity', { type: 'string' })
      .option('certificate-identity-regexp', { type: 'string' })
      .option('certificate-oidc-issuer', { type: 'string' })
      .option('certificate-oidc-issuer-regexp', { type: 'string' })
      .option('trusted-root', { type: 'string' })
      .option('format', { choices: ['both', 'legacy', 'referrer'] as const, default: 'both' as const })
      .option('insecure-ignore-tlog', { type: 'boolean', default: false, alias: 'ignore-tlog', describe: 'accept key-signed signatures with no transparency-log entry (offline keys), as cosign; --ignore-tlog is an alias' })
      .option('attestation-type', { type: 'string', alias: 'type', describe: `also require a verified attestation of this type (${PREDICATE_TYPE_HELP})` })
      .option('source-uri', { type: 'string', describe: 'verify SLSA provenance from slsa-github-generator (slsa-verifier semantics)' })
      .option('source-branch', { type: 'string' })
      .option('source-tag', { type: 'string' })
      .option('source-versioned-tag', { type: 'string' })
      .option('builder-id', { type: 'string' })
      .option('authfile', { type: 'string' }) as unknown as Argv<GlobalArgs & Args>,
  handler: async (args, io: CliIO): Promise<ExitCode> => {
    const client = await registryClient(args.authfile);
    try {
      const cosign = await import('@provenant/core/cosign');
      const { loadTrustedRoot } = await import('@provenant/core/verify');
      // The tag is resolved once; everything after uses the digest.
      const img = await cosign.resolveImage(client, args.image);
      const trust = args.key && !args.trustedRoot && !process.env.PROVENANT_TRUSTED_ROOT ? loadTrustedRoot(EMPTY_ROOT) : await loadTrustFromArgs(args.trustedRoot);
      const verifyOptions = args.insecureIgnoreTlog ? { tlogThreshold: 0, timestampThreshold: 0 } : {};
      if (args.sourceUri) {
        const slsa = await import('@provenant/core/slsa');
        const found = await cosign.readImageSignatures(client, img, args.format);
        const bundles = [...found.bundles.map((b) => b.bundle), ...found.attestationLayers.map(cosign.legacyLayerToBundle)];
        const r = slsa.verifyImageProvenance(bundles, img.digest, trust, { sourceUri: args.sourceUri, sourceBranch: args.sourceBranch, sourceTag: args.sourceTag, sourceVersionedTag: args.sourceVersionedTag, builderId: args.builderId, verify: verifyOptions });
        if (args.json) io.out(JSON.stringify({ ok: true, image: `${img.registry}/${img.repository}@${img.digest}`, builderId: r.builderId }) + '\n');
        if (!args.quiet) io.err(`PASSED: SLSA provenance for ${img.digest}, builder ${r.builderId}\n`);
        return EXIT.OK;
      }
      let policy: import('@provenant/core/cosign').ImageSignerPolicy;
      if (args.key) policy = { kind: 'key', publicKey: await readSmallFile(args.key, 'public key') };
      else {
        if (!args.certificateIdentity && !args.certificateIdentityRegexp) throw new ProvenantError('USAGE', 'pass --key, or --certificate-identity[-regexp] with --certificate-oidc-issuer[-regexp]');
        if (!args.certificateOidcIssuer && !args.certificateOidcIssuerRegexp) throw new ProvenantError('USAGE', 'pass --certificate-oidc-issuer or --certificate-oidc-issuer-regexp');
        policy = {
          kind: 'identity',
          ...(args.certificateIdentity ? { subjectAlternativeName: args.certificateIdentity } : {}),
          ...(args.certificateIdentityRegexp ? { subjectAlternativeNameRegExp: args.certificateIdentityRegexp } : {}),
          ...(args.certificateOidcIssuer ? { issuer: args.certificateOidcIssuer } : {}),
          ...(args.certificateOidcIssuerRegexp ? { issuerRegExp: args.certificateOidcIssuerRegexp } : {}),
        };
      }
      const r = await cosign.verifyImage(client, img, policy, trust, { format: args.format, verify: verifyOptions });
      const wantType = args.attestationType === undefined ? undefined : predicateTypeFor(args.attestationType, '--attestation-type');
      const report = { ok: false, image: `${img.registry}/${img.repository}@${img.digest}`, signatures: r.signatures.length, attestations: r.attestations.map((a) => ({ source: a.source, predicateType: a.predicateType })), rejected: r.rejected };
      if (r.signatures.length === 0) {
        const first = r.rejected[0];
        throw new ProvenantError(first ? (first.code as ProvenantError['code']) : 'IMAGE_SIGNATURE_MISSING', first ? `no signature of ${img.digest} verifies: ${first.message}` : `${img.digest} has no signatures`, { details: report });
      }
      if (wantType && !r.attestations.some((a) => a.predicateType === wantType)) throw new ProvenantError('ATTESTATION_MISSING', `no verified ${wantType} attestation for ${img.digest}`, { details: report });
      report.ok = true;
      if (args.json) io.out(JSON.stringify(report) + '\n');
      if (!args.quiet) io.err(`PASSED: ${r.signatures.length} signature(s), ${r.attestations.length} attestation(s) verified for ${img.digest}\n`);
      return EXIT.OK;
    } catch (err) {
      return reportDenial(io, err, args.json);
    } finally {
      client.close();
    }
  },
};
export const { command, describe, builder, handler } = mod;
