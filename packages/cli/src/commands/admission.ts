import { readFile } from 'node:fs/promises';
import { EXIT, reportError } from '../io.js';
import type { CommandModule } from './types.js';
import { optionalTrustedRootPath } from '../trust/cache.js';

interface AdmissionArgs {
  action: string;
  policy?: string[] | undefined;
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
  address: string;
  port: number;
  trustedRoot?: string | undefined;
  noMatch?: 'deny' | 'allow' | undefined;
  insecureRegistry?: boolean | undefined;
}

const mod: CommandModule<AdmissionArgs> = {
  command: 'admission <action>',
  describe: 'Kubernetes validating admission webhook (action: serve)',
  builder: (y) =>
    y
      .positional('action', { type: 'string', choices: ['serve'], demandOption: true, describe: 'serve: answer AdmissionReview v1 requests over HTTPS' })
      .option('policy', { type: 'string', array: true, demandOption: true, describe: 'policy file(s)' })
      .option('tls-cert', { type: 'string', demandOption: true, describe: 'PEM certificate (chain) the webhook serves' })
      .option('tls-key', { type: 'string', demandOption: true, describe: 'PEM private key of the certificate' })
      .option('address', { type: 'string', default: '127.0.0.1', describe: 'address to listen on' })
      .option('port', { type: 'number', default: 8443, describe: 'port to listen on (0: any free port)' })
      .option('trusted-root', { type: 'string', describe: 'Sigstore TrustedRoot JSON for authorities that name none' })
      .option('no-match', { type: 'string', choices: ['deny', 'allow'] as const, describe: 'when no policy matches an image (default deny)' })
      .option('insecure-registry', { type: 'boolean', describe: 'plain HTTP to registries (loopback ones get TLS only when they speak it)' }) as never,
  handler: async (args, io) => {
    try {
      const verifier = await import('@provenant/verifier');
      const policies = await verifier.loadPolicy(args.policy ?? [], args.noMatch ? { noMatch: args.noMatch } : {});
      const trustedRoot = await optionalTrustedRootPath(args.trustedRoot);
      const trust = trustedRoot === undefined ? undefined : (await import('@provenant/core/verify')).loadTrustedRoot(await readFile(trustedRoot));
      const [tlsCert, tlsKey] = await Promise.all([readFile(args.tlsCert!), readFile(args.tlsKey!)]);
      const server = await verifier.serveAdmission(policies, { tlsCert, tlsKey, host: args.address, port: args.port, trust, registry: { insecure: args.insecureRegistry ?? false } });
      if (args.json) io.out(JSON.stringify({ ok: true, url: server.url }) + '\n');
      io.err(`provenant admission: listening on ${server.url} (${policies.policies.length} policies)\n`);
      // Serve until SIGINT/SIGTERM, then close and exit 0.
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await server.close();
      io.err('provenant admission: stopped\n');
      return EXIT.OK;
    } catch (err) {
      return reportError(io, err, args.json);
    }
  },
};
export const { command, describe, builder, handler } = mod;
