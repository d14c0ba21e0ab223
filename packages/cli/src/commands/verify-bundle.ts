import { runBundleVerification, bundleOptions, type BundleVerifyArgs } from './verify.js';
import type { CommandModule } from './types.js';

interface VerifyBundleArgs extends BundleVerifyArgs {
  fileOrDigest: string;
}

// The sigstore-conformance client protocol's verify-bundle: exit 0 when valid, 3 (nonzero) when not.

const mod: CommandModule<VerifyBundleArgs> = {
  command: 'verify-bundle <file-or-digest>',
  describe: 'verify a Sigstore bundle (sigstore-conformance client protocol)',
  builder: (y) =>
    y
      .positional('file-or-digest', { type: 'string', demandOption: true, describe: 'the artifact, or sha256:<hex>' })
      .options({ ...bundleOptions, staging: { type: 'boolean', default: false, describe: 'accepted for the protocol; trust still comes from --trusted-root' } }) as never,
  handler: async (args, io) => runBundleVerification(args.fileOrDigest, args, io),
};
export const { command, describe, builder, handler } = mod;
