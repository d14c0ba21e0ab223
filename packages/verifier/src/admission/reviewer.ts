// The decisions behind /mutate, /validate and the Gatekeeper provider: images out of the object, one
// deadline for the whole review, each distinct image decided once (decide.ts), one answer.
import { z } from 'zod';
import { isProvenantError, ProvenantError } from '@provenant/core/errors';
import { containerImages, kindName, kindTable, type ContainerImage, type PodTemplateKind } from './kinds.js';
import type { ImageDecider, ImageVerdict } from './decide.js';
import { admissionResponse, parseAdmissionReview, type AdmissionRequest, type AdmissionResponse } from './review.js';

export type ReviewEndpoint = 'mutate' | 'validate';

/** What one review decided, for the response, the log line and the metrics. */
export interface ReviewOutcome {
  readonly response: AdmissionResponse;
  readonly request: AdmissionRequest;
  readonly allowed: boolean;
  readonly reason: string;
  readonly verdicts: readonly ImageVerdict[];
}

export interface ReviewerOptions {
  decider: ImageDecider;
  /** Pod-bearing kinds beyond the built-in ones. */
  kinds?: readonly PodTemplateKind[] | undefined;
  /** One deadline for a whole review (default 8,000 ms); keep it below the webhook's timeoutSeconds. */
  deadlineMs?: number | undefined;
}

export const DEFAULT_DEADLINE_MS = 8_000;

/** Runs `fn` with a signal that aborts at the deadline, and clears the timer when it settles. */
export async function withDeadline<T>(ms: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), ms);
  try {
    return await fn(ac.signal);
  } finally {
    clearTimeout(timer);
  }
}

const describe = (v: ImageVerdict) => `image ${v.image}: ${v.code ? `[${v.code}] ` : ''}${v.reason}`;

export function createReviewer(options: ReviewerOptions) {
  const kinds = kindTable(options.kinds);
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const decider = options.decider;

  const decideAll = (images: readonly string[]): Promise<ImageVerdict[]> =>
    withDeadline(deadlineMs, (signal) => Promise.all([...new Set(images)].map((image) => decider.decide(image, signal))));

  /** Decides an AdmissionReview; throws ADMISSION_ERROR for what is not one (the caller answers 400). */
  async function review(body: unknown, endpoint: ReviewEndpoint): Promise<ReviewOutcome> {
    const request = parseAdmissionReview(body);
    const answer = (allowed: boolean, reason: string, extra: Omit<Parameters<typeof admissionResponse>[1], 'allowed'> = {}, verdicts: ImageVerdict[] = []): ReviewOutcome => ({
      response: admissionResponse(request.uid, { allowed, message: reason, ...extra }),
      request,
      allowed,
      reason,
      verdicts,
    });
    // Nothing runs on delete or connect.
    if (request.operation === 'DELETE' || request.operation === 'CONNECT') return answer(true, `${request.operation} runs no containers`);
    const kind = kinds.get(kindName(request.kind));
    if (!kind) {
      const name = kindName(request.kind);
      return answer(
        false,
        `provenant does not know where ${name} keeps its pod template, so it cannot check its images: ` +
          `if ${name} runs containers, configure it (provenant admission serve --kind ${name}=<path of its pod template, e.g. spec.template>); otherwise remove it from the webhook's rules`,
      );
    }
    let containers: ContainerImage[];
    try {
      containers = containerImages(kind, request.object);
    } catch (err) {
      return answer(false, isProvenantError(err) ? err.message : String(err));
    }
    if (containers.length === 0) return answer(true, `${kindName(kind)} has no container images`);
    const verdicts = await decideAll(containers.map((c) => c.image));
    const byImage = new Map(verdicts.map((v) => [v.image, v]));
    const warnings = verdicts.flatMap((v) => v.warnings);
    const auditAnnotations: Record<string, string> = {
      policies: [...new Set(verdicts.flatMap((v) => v.policies))].join(',') || '(none)',
      digests: verdicts.filter((v) => v.digest).map((v) => `${v.image}=${v.digest}`).join(','),
    };
    if (!auditAnnotations.digests) delete auditAnnotations.digests;
    const denied = verdicts.filter((v) => !v.allowed);
    if (denied.length > 0) {
      auditAnnotations.denied = denied.map((v) => `${v.image}=${v.code ?? 'DENIED'}`).join(',');
      return answer(false, `provenant denied ${denied.map(describe).join('; ')}`, { warnings, auditAnnotations }, verdicts);
    }
    const patch = endpoint === 'mutate' ? pinPatch(containers, byImage, request) : [];
    const reason = verdicts.map((v) => (v.digest ? `${v.image}@${v.digest}: ${v.reason}` : `${v.image}: ${v.reason}`)).join('; ');
    return answer(true, reason, { patch, warnings, auditAnnotations }, verdicts);
  }

  return { review, decideAll, deadlineMs };
}

/**
 * JSONPatch `replace` ops pinning each tag to the digest that was verified (`name:tag@sha256:...`; the
 * tag stays for people, the digest is what runs). An UPDATE leaves an image the old object had at the
 * same place as it was (it is verified all the same): pinning it would change a workload's template and
 * roll it out.
 */
function pinPatch(containers: readonly ContainerImage[], verdicts: Map<string, ImageVerdict>, request: AdmissionRequest): object[] {
  const ops: object[] = [];
  for (const c of containers) {
    const v = verdicts.get(c.image);
    if (!v?.digest || c.image.includes('@')) continue;
    if (request.operation === 'UPDATE' && valueAt(request.oldObject, c.pointer) === c.image) continue;
    ops.push({ op: 'test', path: c.pointer, value: c.image }, { op: 'replace', path: c.pointer, value: `${c.image}@${v.digest}` });
  }
  return ops;
}

function valueAt(object: unknown, pointer: string): unknown {
  let node = object;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, seg)) return undefined;
    node = (node as Record<string, unknown>)[seg];
  }
  return node;
}

// ---- Gatekeeper external data provider ----------------------------------------------------------

const PROVIDER_API_VERSIONS = ['externaldata.gatekeeper.sh/v1beta1', 'externaldata.gatekeeper.sh/v1alpha1'] as const;
const MAX_KEYS = 1024;
const ProviderRequestSchema = z.object({
  apiVersion: z.enum(PROVIDER_API_VERSIONS),
  kind: z.literal('ProviderRequest'),
  request: z.object({ keys: z.array(z.string().min(1).max(4096)).max(MAX_KEYS) }),
});

export interface ProviderResponse {
  apiVersion: (typeof PROVIDER_API_VERSIONS)[number];
  kind: 'ProviderResponse';
  response: { idempotent: boolean; items: { key: string; value?: string; error?: string }[]; systemError?: string };
}

/**
 * Answers a Gatekeeper ProviderRequest (keys: image references): per key the image pinned to the
 * digest that was verified (the key itself for an image no policy covers, under noMatch: allow), or an
 * error naming why it was denied.
 */
export async function provide(body: unknown, decideAll: (images: readonly string[]) => Promise<ImageVerdict[]>): Promise<{ response: ProviderResponse; verdicts: ImageVerdict[] }> {
  const parsed = ProviderRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ProvenantError('ADMISSION_ERROR', `not an externaldata.gatekeeper.sh ProviderRequest: ${issue ? `${issue.path.join('.') || '(body)'}: ${issue.message}` : 'invalid'}`);
  }
  const keys = parsed.data.request.keys;
  const verdicts = await decideAll(keys);
  const byImage = new Map(verdicts.map((v) => [v.image, v]));
  const items = keys.map((key) => {
    const v = byImage.get(key)!;
    if (!v.allowed) return { key, error: describe(v) };
    return { key, value: v.digest && !key.includes('@') ? `${key}@${v.digest}` : key };
  });
  return { response: { apiVersion: parsed.data.apiVersion, kind: 'ProviderResponse', response: { idempotent: true, items } }, verdicts };
}
