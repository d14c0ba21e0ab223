import { join } from 'node:path';
import { EXIT, reportError } from '../io.js';
import { SIGSTORE_TUF_MIRROR, TRUSTED_ROOT_FILE, readTrustState, trustDir } from '../trust/cache.js';
import type { CommandModule } from './types.js';

interface TrustArgs {
  action: 'update' | 'show';
  mirror?: string | undefined;
  root?: string | undefined;
}

function age(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} days`;
}

// cosign initialize (update) and the TUF cache it keeps, as its own command.
const mod: CommandModule<TrustArgs> = {
  command: 'trust <action>',
  describe: "fetch Sigstore's trusted root and npm keys through TUF into a cache (update), or show the cache (show)",
  builder: (y) =>
    y
      .positional('action', { choices: ['update', 'show'] as const, demandOption: true, describe: 'update: run TUF and refresh the cache; show: print what is cached and how old' })
      .option('mirror', { type: 'string', describe: `TUF repository URL (default $PROVENANT_TUF_MIRROR, else ${SIGSTORE_TUF_MIRROR})` })
      .option('root', { type: 'string', describe: 'initial root.json of --mirror, used when the cache holds none for it yet (default $PROVENANT_TUF_ROOT, else the Sigstore root shipped with provenant)' })
      .example('provenant trust update', "refresh Sigstore's public-good trusted root and npm keys (cosign initialize)")
      .example('provenant trust show --json', 'what is cached, from which repository, and how old')
      .example('PROVENANT_TRUST_DIR=./trust provenant trust update --mirror https://tuf.example.test --root root.json', 'a private TUF repository into another cache') as never,
  handler: async (args, io) => {
    const dir = trustDir();
    try {
      if (args.action === 'update') {
        const { updateTrust } = await import('../trust/update.js');
        const state = await updateTrust({ mirror: args.mirror ?? process.env.PROVENANT_TUF_MIRROR, root: args.root ?? process.env.PROVENANT_TUF_ROOT, dir });
        if (args.json) io.out(JSON.stringify({ ok: true, dir, ...state }) + '\n');
        else if (!args.quiet) {
          io.err(`provenant: trust updated from ${state.mirror} (root v${state.rootVersion}, timestamp v${state.timestamp.version} expires ${state.timestamp.expires})\n`);
          for (const t of state.targets) io.err(`  ${join(dir, t.file)}  sha256:${t.sha256}\n`);
        }
        return EXIT.OK;
      }
      const state = await readTrustState(dir);
      if (state === undefined) {
        if (args.json) io.out(JSON.stringify({ ok: false, dir, cached: false }) + '\n');
        io.err(`provenant: nothing cached in ${dir}; run \`provenant trust update\`\n`);
        return EXIT.ERROR;
      }
      const expired = Date.parse(state.timestamp.expires) < Date.now();
      if (args.json) {
        io.out(JSON.stringify({ ok: true, dir, cached: true, ...state, ageSeconds: Math.round((Date.now() - Date.parse(state.updatedAt)) / 1000), timestampExpired: expired }) + '\n');
      } else {
        io.out(
          [
            `cache:       ${dir}`,
            `repository:  ${state.mirror}`,
            `updated:     ${state.updatedAt} (${age(state.updatedAt)} ago)`,
            `root:        version ${state.rootVersion}`,
            `timestamp:   version ${state.timestamp.version}, expires ${state.timestamp.expires}${expired ? ' (expired: run `provenant trust update`)' : ''}`,
            ...state.targets.map((t) => `target:      ${t.name} -> ${join(dir, t.file)} (${t.length} bytes, sha256:${t.sha256})`),
            `verify uses: ${join(dir, TRUSTED_ROOT_FILE)} when --trusted-root is not given`,
          ].join('\n') + '\n',
        );
      }
      return EXIT.OK;
    } catch (err) {
      return reportError(io, err, args.json);
    }
  },
};
export const { command, describe, builder, handler } = mod;
