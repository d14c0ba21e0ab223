// The webhook's HTTPS server: /mutate, /validate, the Gatekeeper provider, /healthz, /readyz, /metrics;
// one JSON log line per decision; files reloaded when they change; drained on close.
import { createHash } from 'node:crypto';
import { watchFile, unwatchFile } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { pino, type Logger } from 'pino';
import { isProvenantError, ProvenantError } from '@provenant/core/errors';
import { RegistryClient, type RegistryClientOptions } from '@provenant/core/oci';
import { loadTrustedRoot, type TrustMaterial } from '@provenant/core/verify';
import { loadPolicy } from '../policy/load.js';
import type { PolicySet, TrustRef } from '../policy/compile.js';
import { ImageDecider, type ImageVerdict } from './decide.js';
import type { PodTemplateKind } from './kinds.js';
import { createAdmissionMetrics, type AdmissionMetrics } from './metrics.js';
import { createReviewer, DEFAULT_DEADLINE_MS, provide, type ReviewEndpoint, type ReviewOutcome } from './reviewer.js';

/** The API server's own limit on a request body; a larger review is refused before it is read. */
export const REVIEW_LIMIT = 3 * 1024 * 1024;
export const PATHS = { mutate: '/mutate', validate: '/validate', gatekeeper: '/gatekeeper', healthz: '/healthz', readyz: '/readyz', metrics: '/metrics' } as const;

export interface AdmissionHandlerOptions {
  policies: PolicySet;
  trust?: TrustMaterial | TrustRef | undefined;
  /** sha256 of the trust material (decision cache key); default 'none'. */
  trustDigest?: string | undefined;
  kinds?: readonly PodTemplateKind[] | undefined;
  /** One deadline per review, ms (default 8,000); below the webhook's timeoutSeconds. */
  deadlineMs?: number | undefined;
  registry?: RegistryClientOptions | undefined;
  /** Use this client instead of making one. */
  client?: RegistryClient | undefined;
  cacheSize?: number | undefined;
  cacheTtlMs?: number | undefined;
  tagTtlMs?: number | undefined;
  maxConcurrentVerifications?: number | undefined;
  /** Where decision lines go (default: JSON lines on stderr). */
  logger?: Logger | undefined;
  metrics?: AdmissionMetrics | undefined;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): HttpAnswer => ({ status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
const httpError = (status: number, code: string, message: string, headers: Record<string, string> = {}) => json(status, { error: { code, message } }, headers);

/** The webhook without a socket: routes a request (method, path, headers, body) to an answer. */
export class AdmissionHandler {
  readonly metrics: AdmissionMetrics;
  readonly logger: Logger;
  readonly decider: ImageDecider;
  private readonly reviewer: ReturnType<typeof createReviewer>;
  ready = true;
  draining = false;
  private inFlight = 0;
  private idle: Array<() => void> = [];

  constructor(options: AdmissionHandlerOptions) {
    const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.metrics = options.metrics ?? createAdmissionMetrics();
    this.logger = options.logger ?? pino({ base: { component: 'provenant-admission' }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2));
    // Registry reads never outlive a review by much: connect and idle timeouts within the deadline, one retry.
    const client =
      options.client ?? new RegistryClient({ retries: 1, retryBaseDelayMs: 100, maxRetryDelayMs: 1000, connectTimeoutMs: Math.min(deadlineMs, 3000), idleTimeoutMs: deadlineMs, ...options.registry });
    const m = this.metrics;
    this.decider = new ImageDecider(
      { policies: options.policies, trust: options.trust, trustDigest: options.trustDigest },
      {
        client,
        cacheSize: options.cacheSize,
        cacheTtlMs: options.cacheTtlMs,
        tagTtlMs: options.tagTtlMs,
        maxConcurrentVerifications: options.maxConcurrentVerifications,
        onRegistryError: (code) => m.registryErrors.inc({ code }),
        onCache: (hit) => (hit ? m.cacheHits : m.cacheMisses).inc(),
        onVerifying: (d) => m.verifying.inc(d),
      },
    );
    this.reviewer = createReviewer({ decider: this.decider, kinds: options.kinds, deadlineMs });
  }

  get deadlineMs(): number {
    return this.reviewer.deadlineMs;
  }

  /** Resolves once no review is being answered. */
  whenIdle(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((r) => this.idle.push(r));
  }

  async handle(method: string, rawPath: string, headers: Record<string, string | string[] | undefined>, body: Buffer | undefined): Promise<HttpAnswer> {
    const path = rawPath.split('?')[0]!;
    switch (path) {
      case PATHS.healthz:
        return method === 'GET' || method === 'HEAD' ? json(200, { status: 'ok' }) : httpError(405, 'METHOD_NOT_ALLOWED', `${path} answers GET`, { allow: 'GET, HEAD' });
      case PATHS.readyz:
        if (method !== 'GET' && method !== 'HEAD') return httpError(405, 'METHOD_NOT_ALLOWED', `${path} answers GET`, { allow: 'GET, HEAD' });
        return this.ready && !this.draining ? json(200, { status: 'ready' }) : json(503, { status: this.draining ? 'draining' : 'loading' });
      case PATHS.metrics:
        if (method !== 'GET' && method !== 'HEAD') return httpError(405, 'METHOD_NOT_ALLOWED', `${path} answers GET`, { allow: 'GET, HEAD' });
        this.metrics.cacheEntries.set(this.decider.cacheEntries);
        return { status: 200, headers: { 'content-type': this.metrics.registry.contentType }, body: await this.metrics.registry.metrics() };
      case PATHS.mutate:
      case PATHS.validate:
      case PATHS.gatekeeper:
        break;
      default:
        return httpError(404, 'NOT_FOUND', `no endpoint ${path}; POST AdmissionReviews to ${PATHS.mutate} or ${PATHS.validate}, ProviderRequests to ${PATHS.gatekeeper}`);
    }
    if (method !== 'POST') return httpError(405, 'METHOD_NOT_ALLOWED', `POST an ${path === PATHS.gatekeeper ? 'externaldata.gatekeeper.sh ProviderRequest' : 'AdmissionReview v1'} to ${path}`, { allow: 'POST' });
    const type = String(headers['content-type'] ?? '');
    if (!/^application\/json\s*(;|$)/i.test(type)) return httpError(415, 'UNSUPPORTED_MEDIA_TYPE', `send the body as application/json, not ${type || '(no content type)'}`);
    if (body === undefined || body.length > REVIEW_LIMIT) return httpError(413, 'PAYLOAD_TOO_LARGE', `request body over ${REVIEW_LIMIT} bytes`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (err) {
      return httpError(400, 'JSON_INVALID', `body is not JSON: ${(err as Error).message}`);
    }
    const endpoint = path.slice(1) as ReviewEndpoint | 'gatekeeper';
    const started = performance.now();
    this.inFlight++;
    this.metrics.inFlight.inc();
    try {
      if (endpoint === 'gatekeeper') {
        const { response, verdicts } = await provide(parsed, this.reviewer.decideAll);
        this.record(endpoint, started, verdicts, verdicts.every((v) => v.allowed), undefined);
        return json(200, response);
      }
      const outcome = await this.reviewer.review(parsed, endpoint);
      this.record(endpoint, started, outcome.verdicts, outcome.allowed, outcome);
      return json(200, outcome.response);
    } catch (err) {
      this.metrics.reviews.inc({ endpoint, result: 'invalid' });
      if (isProvenantError(err)) return httpError(400, err.code, err.message);
      this.logger.error({ endpoint, err: err instanceof Error ? err.message : String(err) }, 'review failed');
      return httpError(500, 'INTERNAL', 'the review could not be answered');
    } finally {
      this.metrics.inFlight.dec();
      if (--this.inFlight === 0) for (const r of this.idle.splice(0)) r();
    }
  }

  private record(endpoint: string, started: number, verdicts: readonly ImageVerdict[], allowed: boolean, outcome: ReviewOutcome | undefined): void {
    const seconds = (performance.now() - started) / 1000;
    const m = this.metrics;
    m.duration.observe({ endpoint }, seconds);
    m.reviews.inc({ endpoint, result: allowed ? 'allowed' : 'denied' });
    for (const v of verdicts) {
      const result = v.allowed ? 'allowed' : 'denied';
      if (v.policies.length === 0) m.decisions.inc({ result, policy: '(none)' });
      for (const policy of v.policies) m.decisions.inc({ result, policy });
    }
    const r = outcome?.request;
    this.logger.info(
      {
        endpoint,
        uid: r?.uid,
        namespace: r?.namespace,
        name: r?.name,
        kind: r ? [r.kind.group, r.kind.version, r.kind.kind].filter(Boolean).join('/') : undefined,
        operation: r?.operation,
        dryRun: r?.dryRun ?? false,
        user: r?.userInfo?.username,
        images: verdicts.map((v) => v.image),
        digests: verdicts.map((v) => v.digest ?? null),
        policies: [...new Set(verdicts.flatMap((v) => v.policies))],
        sources: verdicts.map((v) => v.source),
        result: allowed ? 'allowed' : 'denied',
        reason: outcome?.reason ?? verdicts.filter((v) => !v.allowed).map((v) => `${v.image}: ${v.reason}`).join('; '),
        durationMs: Math.round(seconds * 1e6) / 1e3,
      },
      'admission decision',
    );
  }
}

// ---- the server ---------------------------------------------------------------------------------

export interface AdmissionServerOptions extends Omit<AdmissionHandlerOptions, 'policies' | 'trust' | 'trustDigest'> {
  /** Policy files, or directories of *.yaml / *.yml files (a mounted ConfigMap). Reloaded when they change. */
  policyFiles: readonly string[];
  noMatch?: 'deny' | 'allow' | undefined;
  /** Sigstore TrustedRoot JSON for authorities that name none. Reloaded when it changes. */
  trustedRootFile?: string | undefined;
  /** PEM certificate (chain) and key the webhook serves. Reloaded when they change. */
  tlsCertFile: string;
  tlsKeyFile: string;
  host?: string | undefined;
  port?: number | undefined;
  /** How often the files are checked for changes, ms (default 2,000; 0: never). */
  reloadIntervalMs?: number | undefined;
}

export interface AdmissionServer {
  readonly url: string;
  readonly server: Server;
  readonly handler: AdmissionHandler;
  /** Stops accepting connections, answers the reviews in flight (up to the deadline), then closes. */
  close(): Promise<void>;
}

const POLICY_FILE = /\.ya?ml$/;

/** Policy paths with directories expanded to their *.yaml / *.yml files (not dotfiles: a ConfigMap's ..data). */
async function policyPaths(given: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of given) {
    const s = await stat(p).catch(() => undefined);
    if (s?.isDirectory()) {
      const names = (await readdir(p)).filter((n) => !n.startsWith('.') && POLICY_FILE.test(n)).sort();
      if (names.length === 0) throw new ProvenantError('POLICY_NOT_FOUND', `policy directory ${p} has no *.yaml or *.yml files`);
      out.push(...names.map((n) => join(p, n)));
    } else out.push(p);
  }
  return out;
}

async function readTrust(file: string | undefined): Promise<{ trust?: TrustMaterial; trustDigest: string }> {
  if (file === undefined) return { trustDigest: 'none' };
  const bytes = await readFile(file).catch((err: NodeJS.ErrnoException) => {
    throw new ProvenantError(err.code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE', `cannot read trusted root ${file}: ${err.message}`, { cause: err });
  });
  return { trust: loadTrustedRoot(bytes), trustDigest: createHash('sha256').update(bytes).digest('hex') };
}

async function readTls(certFile: string, keyFile: string): Promise<{ cert: Buffer; key: Buffer }> {
  const [cert, key] = await Promise.all([readFile(certFile), readFile(keyFile)]).catch((err: NodeJS.ErrnoException) => {
    throw new ProvenantError(err.code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE', `cannot read the TLS certificate or key: ${err.message}`, { cause: err });
  });
  try {
    createSecureContext({ cert, key }); // a key that is not the certificate's fails here, not at the first handshake
  } catch (err) {
    throw new ProvenantError('TLS_ERROR', `TLS certificate ${certFile} and key ${keyFile} do not make a usable pair: ${(err as Error).message}`, { cause: err });
  }
  return { cert, key };
}

const fingerprint = async (paths: readonly string[]): Promise<string> => {
  const h = createHash('sha256');
  for (const p of paths) h.update(p + '\0').update(await readFile(p).catch(() => Buffer.from('\0missing')));
  return h.digest('hex');
};

/** Loads policies, trust and the certificate, and serves the webhook over HTTPS until close(). */
export async function serveAdmission(options: AdmissionServerOptions): Promise<AdmissionServer> {
  const load = async () => loadPolicy(await policyPaths(options.policyFiles), options.noMatch ? { noMatch: options.noMatch } : {});
  const [policies, trust, tls] = await Promise.all([load(), readTrust(options.trustedRootFile), readTls(options.tlsCertFile, options.tlsKeyFile)]);
  const handler = new AdmissionHandler({ ...options, policies, trust: trust.trust, trustDigest: trust.trustDigest });
  const log = handler.logger;
  // node:https loads here, not with the package: library users that never serve skip it.
  const https = process.getBuiltinModule('node:https');
  const server = https.createServer({ cert: tls.cert, key: tls.key, requestTimeout: handler.deadlineMs + 10_000, headersTimeout: 10_000, keepAliveTimeout: 30_000 }, (req, res) => {
    void serveRequest(handler, req, res);
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new ProvenantError('ADMISSION_ERROR', `cannot listen on ${options.host ?? '127.0.0.1'}:${options.port ?? 8443}: ${err.message}`, { cause: err })));
    server.listen(options.port ?? 8443, options.host ?? '127.0.0.1', () => resolve());
  });

  // Reload on change: the files are polled (stat), which also sees a mounted ConfigMap or Secret swap its symlinks.
  const interval = options.reloadIntervalMs ?? 2000;
  const watched: string[] = [];
  const watch = (paths: readonly string[], what: 'policy' | 'trust' | 'tls', reload: () => Promise<void>) => {
    let last: Promise<string> = fingerprint(paths);
    let running = Promise.resolve();
    const check = () => {
      running = running.then(async () => {
        const now = await fingerprint(paths);
        if (now === (await last)) return;
        last = Promise.resolve(now);
        try {
          await reload();
          handler.metrics.reloads.inc({ what, result: 'success' });
          log.info({ what, files: paths }, 'reloaded');
        } catch (err) {
          // A broken new file keeps what was loaded before.
          handler.metrics.reloads.inc({ what, result: 'failure' });
          log.error({ what, files: paths, code: isProvenantError(err) ? err.code : 'INTERNAL', err: (err as Error).message }, 'reload failed; keeping the previous one');
        }
      });
    };
    for (const p of paths) {
      watchFile(p, { interval, persistent: false }, check);
      watched.push(p);
    }
  };
  if (interval > 0) {
    const policyWatch = [...options.policyFiles, ...(await policyPaths(options.policyFiles))];
    watch([...new Set(policyWatch)], 'policy', async () => handler.decider.update({ policies: await load() }));
    if (options.trustedRootFile) watch([options.trustedRootFile], 'trust', async () => handler.decider.update(await readTrust(options.trustedRootFile)));
    watch([options.tlsCertFile, options.tlsKeyFile], 'tls', async () => server.setSecureContext(await readTls(options.tlsCertFile, options.tlsKeyFile)));
  }

  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  let closing: Promise<void> | undefined;
  return {
    url: `https://${host}:${addr.port}`,
    server,
    handler,
    close: () =>
      (closing ??= (async () => {
        handler.draining = true;
        for (const p of watched) unwatchFile(p);
        const closed = new Promise<void>((r) => server.close(() => r()));
        server.closeIdleConnections();
        // In-flight reviews end by their deadline; wait a little past it, then cut what is left.
        await Promise.race([handler.whenIdle(), new Promise((r) => setTimeout(r, handler.deadlineMs + 1000).unref())]);
        server.closeAllConnections();
        await closed;
      })()),
  };
}

/** Reads a request body up to the limit, answers through the handler; a client that goes away is let go. */
async function serveRequest(handler: AdmissionHandler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const send = (a: HttpAnswer, close = false) => {
    if (res.headersSent || res.destroyed) return;
    const headers: Record<string, string> = { ...a.headers, 'content-length': String(Buffer.byteLength(a.body)) };
    if (handler.draining || close) headers.connection = 'close';
    res.writeHead(a.status, headers);
    res.end(req.method === 'HEAD' ? undefined : a.body);
  };
  const method = req.method ?? 'GET';
  const path = req.url ?? '/';
  try {
    if (method !== 'POST') {
      req.resume();
      return send(await handler.handle(method, path, req.headers, undefined));
    }
    const body = await readLimited(req, REVIEW_LIMIT);
    if (body === undefined) {
      // Over the limit: answer, then drop the connection rather than read the rest.
      res.once('finish', () => req.destroy());
      return send(await handler.handle(method, path, req.headers, undefined), true);
    }
    send(await handler.handle(method, path, req.headers, body));
  } catch (err) {
    // A client that resets mid-body ends up here; there is no one to answer.
    if (!res.headersSent && !res.destroyed) send(httpError(400, 'ADMISSION_ERROR', `request could not be read: ${(err as Error).message}`), true);
  }
}

/** The body, or undefined as soon as it is (or declares to be) over `limit` bytes. */
function readLimited(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.pause();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        resolve(undefined);
      } else chunks.push(c);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
    req.once('aborted', () => reject(new Error('client aborted the request')));
  });
}
