// Kubernetes ValidatingAdmissionWebhook: AdmissionReview v1 in, a decision per container image out.
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { ProvenantError } from '@provenant/core/errors';
import type { TrustMaterial } from '@provenant/core/verify';
import { evaluate, type Decision } from './decide/evaluate.js';
import { VerificationCache } from './decide/verify.js';
import type { PolicySet, TrustRef } from './policy/compile.js';
import { RegistryClient, type RegistryClientOptions } from '@provenant/core/oci';
import { registryEvidence } from './registry/evidence.js';

const REVIEW_LIMIT = 3 * 1024 * 1024; // the API server's own request limit
const REQUEST_TIMEOUT_MS = 25_000; // under the API server's 30 s webhook timeout

// Only what we read is validated; Kubernetes objects carry many more fields, which are passed over.
const ContainerSchema = z.object({ name: z.string().optional(), image: z.string().min(1) });
const PodSpecSchema = z.object({
  containers: z.array(ContainerSchema).default([]),
  initContainers: z.array(ContainerSchema).optional(),
  ephemeralContainers: z.array(ContainerSchema).optional(),
});
const AdmissionReviewSchema = z.object({
  apiVersion: z.literal('admission.k8s.io/v1'),
  kind: z.literal('AdmissionReview'),
  request: z.object({
    uid: z.string().min(1),
    kind: z.object({ group: z.string(), version: z.string(), kind: z.string() }),
    operation: z.string().optional(),
    namespace: z.string().optional(),
    object: z.unknown(),
  }),
});

export interface AdmissionResponse {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  response: { uid: string; allowed: boolean; status?: { code: number; message: string }; warnings?: string[] };
}

/** The pod spec inside a Pod or a workload's template; undefined for kinds that run no containers. */
function podSpecOf(kind: string, object: unknown): unknown {
  const o = object as { spec?: { template?: { spec?: unknown }; jobTemplate?: { spec?: { template?: { spec?: unknown } } } } } | null;
  switch (kind) {
    case 'Pod':
      return o?.spec;
    case 'Deployment':
    case 'ReplicaSet':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'Job':
    case 'ReplicationController':
      return o?.spec?.template?.spec;
    case 'CronJob':
      return o?.spec?.jobTemplate?.spec?.template?.spec;
    default:
      return undefined;
  }
}

export function imagesOf(kind: string, object: unknown): string[] {
  const raw = podSpecOf(kind, object);
  if (raw === undefined) return [];
  const spec = PodSpecSchema.safeParse(raw);
  if (!spec.success) throw new ProvenantError('ADMISSION_ERROR', `${kind} has no readable pod spec: ${spec.error.issues[0]?.message ?? 'invalid'}`);
  const all = [...(spec.data.initContainers ?? []), ...spec.data.containers, ...(spec.data.ephemeralContainers ?? [])];
  return [...new Set(all.map((c) => c.image))];
}

export interface AdmissionOptions {
  trust?: TrustMaterial | TrustRef | undefined;
  registry?: RegistryClientOptions;
  cache?: VerificationCache;
}

export type AdmissionReviewer = (review: unknown) => Promise<AdmissionResponse>;

/** Decides an AdmissionReview: every container image must be allowed; the first denial is the reason. */
export function createAdmissionReviewer(policies: PolicySet, options: AdmissionOptions = {}): AdmissionReviewer {
  const cache = options.cache ?? new VerificationCache();
  // One client for all reviews: connections and registry tokens are reused.
  const client = new RegistryClient(options.registry);
  const decideImage = async (image: string): Promise<{ image: string; decision?: Decision; error?: string }> => {
    try {
      const { subject, evidence } = await registryEvidence(image, { client });
      return { image, decision: evaluate(subject, evidence, policies, { trust: options.trust, cache }) };
    } catch (err) {
      // A verifier that cannot reach a registry (or read a reference) denies, with the reason.
      return { image, error: err instanceof ProvenantError ? `[${err.code}] ${err.message}` : String(err) };
    }
  };
  return async (review) => {
    const parsed = AdmissionReviewSchema.safeParse(review);
    if (!parsed.success) throw new ProvenantError('ADMISSION_ERROR', `not an AdmissionReview v1: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    const { uid, kind, object } = parsed.data.request;
    const respond = (allowed: boolean, message?: string, warnings?: string[]): AdmissionResponse => ({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid, allowed, ...(message ? { status: { code: allowed ? 200 : 403, message } } : {}), ...(warnings?.length ? { warnings } : {}) },
    });
    let images: string[];
    try {
      images = imagesOf(kind.kind, object);
    } catch (err) {
      return respond(false, (err as Error).message);
    }
    if (images.length === 0) return respond(true, `no container images in ${kind.kind}`);
    const results = await Promise.all(images.map(decideImage));
    const warnings = results.flatMap((r) => r.decision?.warnings ?? []);
    const denied = results.find((r) => r.error !== undefined || !r.decision!.allowed);
    if (denied) return respond(false, `image ${denied.image} denied: ${denied.error ?? denied.decision!.reason}`, warnings);
    return respond(true, results.map((r) => `${r.image}@${r.decision!.subject.digest}: ${r.decision!.reason}`).join('; '), warnings);
  };
}

export interface AdmissionServerOptions extends AdmissionOptions {
  tlsCert: string | Buffer;
  tlsKey: string | Buffer;
  host?: string;
  port?: number;
}

export interface AdmissionServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** Serves the webhook over HTTPS: POST an AdmissionReview (any path), get one back. */
export async function serveAdmission(policies: PolicySet, options: AdmissionServerOptions): Promise<AdmissionServer> {
  const review = createAdmissionReviewer(policies, options);
  // node:https loads here, not with the package: `provenant verify` and library users that never serve skip it.
  const server = process.getBuiltinModule('node:https').createServer({ cert: options.tlsCert, key: options.tlsKey, requestTimeout: REQUEST_TIMEOUT_MS }, (req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST') return reply(405, { error: 'POST an AdmissionReview' });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > REVIEW_LIMIT) {
        reply(413, { error: `AdmissionReview over ${REVIEW_LIMIT} bytes` });
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (res.headersSent) return;
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return reply(400, { error: 'body is not JSON' });
      }
      review(body).then(
        (r) => reply(200, r),
        (err: unknown) => reply(400, { error: err instanceof Error ? err.message : String(err) }),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new ProvenantError('ADMISSION_ERROR', `cannot listen: ${err.message}`, { cause: err })));
    server.listen(options.port ?? 8443, options.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `https://${host}:${addr.port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
