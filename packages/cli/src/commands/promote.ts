import { readFile } from 'node:fs/promises';
import { EXIT, reportError } from '../io.js';
import type { CommandModule } from './types.js';
import { optionalTrustedRootPath } from '../trust/cache.js';
import { AUTHFILE_DESCRIBE, registryOptions } from '../registry-options.js';

interface PromoteArgs {
  source: string;
  destination: string;
  policy?: string[] | undefined;
  trustedRoot?: string | undefined;
  vsaKey?: string | undefined;
  vsa?: string | undefined;
  noMatch?: 'deny' | 'allow' | undefined;
  insecureRegistry?: boolean | undefined;
  authfile?: string | undefined;
}

const mod: CommandModule<PromoteArgs> = {
  command: 'promote <source> <destination>',
  describe: 'copy an image with its signatures, attestations and a new VSA, by digest, only if the policy allows',
  builder: (y) =>
    y
      .positional('source', { type: 'string', demandOption: true, describe: 'source image (a tag is resolved to a digest once)' })
      .positional('destination', { type: 'string', demandOption: true, describe: 'destination repository[:tag] (tagged last)' })
      .option('policy', { type: 'string', array: true, demandOption: true, describe: 'policy file(s)' })
      .option('trusted-root', { type: 'string', describe: 'Sigstore TrustedRoot JSON for authorities that name none' })
      .option('vsa-key', { type: 'string', describe: 'PEM private key: sign a VSA and attach it to the promoted image' })
      .option('vsa', { type: 'string', describe: 'also write the signed VSA bundle to FILE' })
      .option('no-match', { type: 'string', choices: ['deny', 'allow'] as const, describe: 'when no policy matches (default deny)' })
      .option('insecure-registry', { type: 'boolean', describe: 'plain HTTP to both registries (loopback ones get TLS only when they speak it)' })
      .option('authfile', { type: 'string', describe: AUTHFILE_DESCRIBE })
      .example('provenant promote registry.example.test/staging/app:1.0 registry.example.test/prod/app:1.0 --policy policy.yaml', 'copy by digest, with signatures and attestations, if the policy allows')
      .example('provenant promote SRC DST --policy policy.yaml --vsa-key vsa.key --authfile auth.json', 'also attach a signed VSA; credentials from auth.json') as never,
  handler: async (args, io) => {
    try {
      const verifier = await import('@provenant/verifier');
      const { ProvenantError } = await import('@provenant/core/errors');
      if (args.vsa !== undefined && args.vsaKey === undefined) throw new ProvenantError('USAGE', '--vsa needs --vsa-key to sign it');
      const policies = await verifier.loadPolicy(args.policy ?? [], args.noMatch ? { noMatch: args.noMatch } : {});
      const trustedRoot = await optionalTrustedRootPath(args.trustedRoot);
      const trust = trustedRoot === undefined ? undefined : (await import('@provenant/core/verify')).loadTrustedRoot(await readFile(trustedRoot));
      const registry = await registryOptions(args);
      const vsaSigner = args.vsaKey === undefined ? undefined : await verifier.keyStatementSigner(await readFile(args.vsaKey));
      const result = await verifier.promote(args.source, args.destination, policies, { trust, registry, vsaSigner });
      if (result.promoted?.vsa && args.vsa !== undefined) await verifier.writeFileAtomic(args.vsa, result.promoted.vsa.bundle);
      const d = result.decision;
      if (args.json) {
        const promoted = result.promoted ? { ...result.promoted, vsa: result.promoted.vsa ? { referrer: result.promoted.vsa.referrer } : undefined } : undefined;
        io.out(JSON.stringify({ ok: d.allowed, promoted, decision: verifier.decisionToJSON(d) }) + '\n');
      } else {
        io.out(verifier.formatDecision(d));
        if (result.promoted) io.out(`promoted ${args.source} -> ${result.promoted.reference} (${result.promoted.digestReference})\n`);
        else io.out(`not promoted: ${args.destination} is unchanged\n`);
      }
      return d.allowed ? EXIT.OK : EXIT.DENIED;
    } catch (err) {
      // Unreadable source evidence denies (exit 3); a failed copy is PROMOTION_FAILED (exit 1), with no tag written.
      const { denyForUnreadableEvidence } = await import('../policy-decision.js');
      return (await denyForUnreadableEvidence(err, args.source, args.json, io)) ?? reportError(io, err, args.json);
    }
  },
};
export const { command, describe, builder, handler } = mod;
