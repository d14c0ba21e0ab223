import { PROVENANT_VERSION } from '@provenant/core/version';
import { EXIT } from '../io.js';
import type { CommandModule } from './types.js';

/** What `provenant version --json` (and `--version --json`) prints. */
export async function versionInfo(): Promise<Record<string, unknown>> {
  return {
    provenant: PROVENANT_VERSION,
    node: process.versions.node,
    platform: `${process.platform}/${process.arch}`,
    specifications: {
      sigstoreBundle: ['0.1', '0.2', '0.3'],
      sigstoreTrustedRoot: '0.1',
      inTotoStatement: 'v1',
      dsse: 'v1',
      slsaProvenance: ['v0.2', 'v1'],
      slsaVerificationSummary: 'v1',
      cycloneDx: ['1.5', '1.6'],
      spdx: '2.3',
      ociDistribution: '1.1',
      tuf: '1.0',
    },
  };
}

const mod: CommandModule<object> = {
  command: 'version',
  describe: "print provenant's, Node's and the supported specification versions",
  builder: (y) => y.example('provenant version', 'for people').example('provenant version --json', 'one JSON object (also `provenant --version --json`)') as never,
  handler: async (args, io) => {
    const info = await versionInfo();
    if (args.json) io.out(JSON.stringify(info) + '\n');
    else {
      const specs = info.specifications as Record<string, string | string[]>;
      io.out(
        [
          `provenant ${String(info.provenant)}`,
          `node      ${String(info.node)} (${String(info.platform)})`,
          ...Object.entries(specs).map(([k, v]) => `${k.padEnd(24)}${Array.isArray(v) ? v.join(', ') : v}`),
        ].join('\n') + '\n',
      );
    }
    return EXIT.OK;
  },
};
export const { command, describe, builder, handler } = mod;
