import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EXIT, reportError } from '../io.js';
import { writeFileAtomic } from '../files.js';
import type { CommandModule } from './types.js';

interface DevArgs {
  service: 'sigstore';
  dir?: string | undefined;
}

const shellQuote = (v: string): string => `'${v.replace(/'/g, `'\\''`)}'`;

// Keyless signing without the internet: the servers the test suite uses, for people to try.
const mod: CommandModule<DevArgs> = {
  command: 'dev <service>',
  describe: 'start Fulcio, Rekor and a TSA on loopback to try keyless signing offline (dev sigstore)',
  builder: (y) =>
    y
      .positional('service', { choices: ['sigstore'] as const, demandOption: true, describe: 'sigstore: Fulcio (with a CT log), Rekor and an RFC 3161 TSA on 127.0.0.1' })
      .option('dir', { type: 'string', describe: 'write trusted_root.json and an env file (shell variables for the URLs, token and identity) here; default: a temporary directory removed on exit' })
      .example('provenant dev sigstore --dir dev-sigstore', 'serve until Ctrl-C; `. dev-sigstore/env` in another shell gives $FULCIO_URL, $REKOR_URL, $TSA_URL, $SIGSTORE_ID_TOKEN, $TRUSTED_ROOT')
      .example('provenant dev sigstore --json', 'one JSON line with the URLs, the token and the trusted root path') as never,
  handler: async (args, io) => {
    try {
      const dir = args.dir === undefined ? undefined : resolve(args.dir);
      if (dir !== undefined) await mkdir(dir, { recursive: true });
      const { startSigstoreServers } = await import('../dev/sigstore.js');
      const { parts, stop } = await startSigstoreServers({ dir, tokenLifetimeSeconds: 8 * 3600 });
      const vars: Record<string, string> = {
        FULCIO_URL: parts.fulcioURL,
        REKOR_URL: parts.rekorURL,
        TSA_URL: parts.tsaURL,
        SIGSTORE_ID_TOKEN: parts.identityToken,
        TRUSTED_ROOT: parts.trustedRootPath,
        CERT_IDENTITY: parts.identity.subjectAlternativeName,
        CERT_OIDC_ISSUER: parts.identity.issuer,
      };
      const envFile = dir === undefined ? undefined : join(dir, 'env');
      // Written last: its presence means the servers are up.
      if (envFile !== undefined) await writeFileAtomic(envFile, Object.entries(vars).map(([k, v]) => `export ${k}=${shellQuote(v)}\n`).join(''), 0o600);
      if (args.json) io.out(JSON.stringify({ ok: true, ...parts, envFile }) + '\n');
      else {
        io.out(
          [
            `fulcio:        ${parts.fulcioURL}`,
            `rekor:         ${parts.rekorURL}`,
            `tsa:           ${parts.tsaURL}`,
            `trusted root:  ${parts.trustedRootPath}`,
            `identity:      ${parts.identity.subjectAlternativeName}`,
            `issuer:        ${parts.identity.issuer}`,
            `token:         ${parts.identityToken}`,
            ...(envFile !== undefined ? [`env file:      ${envFile}  (. it in a shell: ${Object.keys(vars).map((k) => '$' + k).join(' ')})`] : []),
          ].join('\n') + '\n',
        );
      }
      if (!args.quiet) io.err('provenant dev sigstore: serving on loopback; Ctrl-C stops\n');
      await new Promise<void>((done) => {
        const onSignal = () => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          done();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
      await stop();
      if (envFile !== undefined) await rm(envFile, { force: true });
      if (!args.quiet) io.err('provenant dev sigstore: stopped\n');
      return EXIT.OK;
    } catch (err) {
      return reportError(io, err, args.json);
    }
  },
};
export const { command, describe, builder, handler } = mod;
