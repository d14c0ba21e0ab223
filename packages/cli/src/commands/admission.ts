import { EXIT, reportError } from '../io.js';
import type { CommandModule } from './types.js';
import { optionalTrustedRootPath } from '../trust/cache.js';
import { AUTHFILE_DESCRIBE, registryOptions } from '../registry-options.js';

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
  authfile?: string | undefined;
  timeout: number;
  kind?: string[] | undefined;
  cacheSize: number;
  cacheTtl: number;
  tagTtl: number;
  maxConcurrentVerifications: number;
  reloadInterval: number;
  logLevel: string;
}

const mod: CommandModule<AdmissionArgs> = {
  command: 'admission <action>',
  describe: 'Kubernetes admission webhook: /mutate pins tags to verified digests, /validate decides (action: serve)',
  builder: (y) =>
    y
      .positional('action', { type: 'string', choices: ['serve'], demandOption: true, describe: 'serve: answer AdmissionReview v1 requests over HTTPS' })
      .option('policy', { type: 'string', array: true, demandOption: true, describe: 'policy file(s), or directories of *.yaml files (reloaded when they change)' })
      .option('tls-cert', { type: 'string', demandOption: true, describe: 'PEM certificate (chain) the webhook serves (reloaded when it changes)' })
      .option('tls-key', { type: 'string', demandOption: true, describe: 'PEM private key of the certificate' })
      .option('address', { type: 'string', default: '127.0.0.1', describe: 'address to listen on (0.0.0.0 in a cluster)' })
      .option('port', { type: 'number', default: 8443, describe: 'port to listen on (0: any free port)' })
      .option('trusted-root', { type: 'string', describe: 'Sigstore TrustedRoot JSON for authorities that name none (reloaded when it changes)' })
      .option('no-match', { type: 'string', choices: ['deny', 'allow'] as const, describe: 'when no policy matches an image (default deny); decided before any registry read' })
      .option('insecure-registry', { type: 'boolean', describe: 'plain HTTP to registries (loopback ones get TLS only when they speak it)' })
      .option('authfile', { type: 'string', describe: AUTHFILE_DESCRIBE })
      .option('timeout', { type: 'number', default: 8, describe: 'seconds to decide one review, registry reads included; keep it below the webhook timeoutSeconds' })
      .option('kind', { type: 'string', array: true, describe: 'another pod-bearing kind: group/Kind=path.of.pod.template (e.g. argoproj.io/Rollout=spec.template)' })
      .option('cache-size', { type: 'number', default: 10000, describe: 'verified decisions kept' })
      .option('cache-ttl', { type: 'number', default: 300, describe: 'seconds a verified decision is reused' })
      .option('tag-ttl', { type: 'number', default: 10, describe: 'seconds a tag resolved to a digest is reused (0: resolve every time)' })
      .option('max-concurrent-verifications', { type: 'number', default: 16, describe: 'registry reads at once; more wait, within the deadline' })
      .option('reload-interval', { type: 'number', default: 2, describe: 'seconds between checks of the policy, trust and TLS files (0: never reload)' })
      .option('log-level', { type: 'string', default: 'info', choices: ['debug', 'info', 'warn', 'error'], describe: 'decision lines are info' }) as never,
  handler: async (args, io) => {
    try {
      const { ProvenantError } = await import('@provenant/core/errors');
      const positive = (name: string, v: number, max = Infinity) => {
        if (!Number.isFinite(v) || v < 0 || v > max) throw new ProvenantError('USAGE', `--${name} must be a number from 0 to ${max}, got ${v}`);
        return v;
      };
      const timeout = positive('timeout', args.timeout, 30);
      if (timeout === 0) throw new ProvenantError('USAGE', '--timeout must be above 0 seconds');
      const admission = await import('@provenant/verifier/admission');
      const kinds = (args.kind ?? []).map(admission.parseKindSpec);
      const { pino } = await import('pino');
      const logger = pino({ level: args.logLevel, base: { component: 'provenant-admission' }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2));
      const server = await admission.serveAdmission({
        policyFiles: args.policy ?? [],
        noMatch: args.noMatch,
        trustedRootFile: await optionalTrustedRootPath(args.trustedRoot),
        tlsCertFile: args.tlsCert!,
        tlsKeyFile: args.tlsKey!,
        host: args.address,
        port: args.port,
        deadlineMs: Math.round(timeout * 1000),
        kinds,
        registry: await registryOptions(args),
        cacheSize: positive('cache-size', args.cacheSize),
        cacheTtlMs: positive('cache-ttl', args.cacheTtl) * 1000,
        tagTtlMs: positive('tag-ttl', args.tagTtl) * 1000,
        maxConcurrentVerifications: Math.max(1, positive('max-concurrent-verifications', args.maxConcurrentVerifications)),
        reloadIntervalMs: positive('reload-interval', args.reloadInterval) * 1000,
        logger,
      });
      if (args.json) io.out(JSON.stringify({ ok: true, url: server.url }) + '\n');
      io.err(`provenant admission: listening on ${server.url} (${server.handler.decider.policies.policies.length} policies)\n`);
      // Serve until SIGINT/SIGTERM; then stop taking connections, answer the reviews in flight, exit 0.
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      io.err('provenant admission: draining\n');
      await server.close();
      logger.flush();
      io.err('provenant admission: stopped\n');
      return EXIT.OK;
    } catch (err) {
      return reportError(io, err, args.json);
    }
  },
};
export const { command, describe, builder, handler } = mod;
