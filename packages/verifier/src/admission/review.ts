// AdmissionReview v1 as the API server sends it, validated at the trust boundary (zod), and the response.
import { z } from 'zod';
import { ProvenantError } from '@provenant/core/errors';

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';

const GroupVersionKind = z.object({ group: z.string().max(253), version: z.string().max(63), kind: z.string().min(1).max(63) });

// Only what is read is validated; the objects carry many more fields, which are passed over.
const AdmissionRequestSchema = z.object({
  uid: z.string().min(1).max(256),
  kind: GroupVersionKind,
  resource: z.object({ group: z.string(), version: z.string(), resource: z.string() }).optional(),
  subResource: z.string().optional(),
  name: z.string().optional(),
  namespace: z.string().optional(),
  operation: z.enum(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']),
  userInfo: z.object({ username: z.string().optional(), uid: z.string().optional(), groups: z.array(z.string()).optional() }).optional(),
  object: z.unknown().optional(),
  oldObject: z.unknown().optional(),
  dryRun: z.boolean().optional(),
  options: z.unknown().optional(),
});
export type AdmissionRequest = z.infer<typeof AdmissionRequestSchema>;

const AdmissionReviewSchema = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  request: AdmissionRequestSchema,
});

export interface AdmissionResponse {
  apiVersion: typeof ADMISSION_API_VERSION;
  kind: 'AdmissionReview';
  response: {
    uid: string;
    allowed: boolean;
    status?: { code: number; reason?: string; message: string };
    patchType?: 'JSONPatch';
    /** base64 of a JSON Patch (RFC 6902). */
    patch?: string;
    warnings?: string[];
    auditAnnotations?: Record<string, string>;
  };
}

/** Reads an AdmissionReview v1; anything else is ADMISSION_ERROR naming what is wrong (HTTP 400). */
export function parseAdmissionReview(body: unknown): AdmissionRequest {
  const head = body !== null && typeof body === 'object' ? (body as { apiVersion?: unknown; kind?: unknown }) : {};
  if (head.kind !== 'AdmissionReview') throw new ProvenantError('ADMISSION_ERROR', `not an AdmissionReview: kind is ${JSON.stringify(head.kind ?? null)}`);
  if (head.apiVersion !== ADMISSION_API_VERSION) {
    throw new ProvenantError('ADMISSION_ERROR', `AdmissionReview ${JSON.stringify(head.apiVersion ?? null)} is not supported: set admissionReviewVersions: ["v1"] in the webhook configuration`);
  }
  const parsed = AdmissionReviewSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ProvenantError('ADMISSION_ERROR', `not an AdmissionReview v1: ${issue ? `${issue.path.join('.') || '(body)'}: ${issue.message}` : 'invalid'}`);
  }
  return parsed.data.request;
}

const MAX_MESSAGE = 4096;
const MAX_WARNING = 256;
const clip = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + '…' : s);

export interface Answer {
  allowed: boolean;
  message?: string | undefined;
  patch?: readonly object[] | undefined;
  warnings?: readonly string[] | undefined;
  auditAnnotations?: Record<string, string> | undefined;
}

export function admissionResponse(uid: string, a: Answer): AdmissionResponse {
  const warnings = [...new Set(a.warnings ?? [])].map((w) => clip(w, MAX_WARNING));
  return {
    apiVersion: ADMISSION_API_VERSION,
    kind: 'AdmissionReview',
    response: {
      uid,
      allowed: a.allowed,
      ...(a.message !== undefined ? { status: a.allowed ? { code: 200, message: clip(a.message, MAX_MESSAGE) } : { code: 403, reason: 'Forbidden', message: clip(a.message, MAX_MESSAGE) } } : {}),
      ...(a.patch?.length ? { patchType: 'JSONPatch' as const, patch: Buffer.from(JSON.stringify(a.patch)).toString('base64') } : {}),
      ...(warnings.length ? { warnings } : {}),
      ...(a.auditAnnotations && Object.keys(a.auditAnnotations).length ? { auditAnnotations: a.auditAnnotations } : {}),
    },
  };
}
