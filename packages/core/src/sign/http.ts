import { setTimeout as sleep } from 'node:timers/promises';
import { ProvenantError, type ProvenantErrorCode } from '../errors.js';

/** Limits of one call to a Sigstore service: each attempt has a timeout, each response a size limit. */
export interface HttpLimits {
  timeoutMs: number;
  maxBytes: number;
  retries: number;
}

export interface HttpResponse {
  status: number;
  body: Buffer;
  location: string | undefined;
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  json?: unknown;
  accept: string;
  /** Error code for failures of this service (FULCIO_ERROR, REKOR_ERROR, TSA_ERROR). */
  code: ProvenantErrorCode;
  /** Statuses returned to the caller instead of thrown (e.g. Rekor's 409 Conflict). */
  passStatuses?: readonly number[];
}

// 5xx, 408 and 429 are worth another try; 4xx otherwise are the request's fault.
const retryable = (status: number): boolean => status >= 500 || status === 408 || status === 429;

/** What went wrong under fetch's generic "fetch failed": the innermost cause (ECONNREFUSED, ENOTFOUND, a TLS error). */
function networkCause(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  if (!(e instanceof Error)) return String(e);
  const code = (e as NodeJS.ErrnoException).code;
  return code !== undefined && !e.message.includes(code) ? `${code}: ${e.message}` : e.message;
}

/** One request with retries (backoff 250 ms, doubling), a per-attempt timeout and a response size limit. */
export async function request(req: HttpRequest, limits: HttpLimits): Promise<HttpResponse> {
  let lastError: ProvenantError | undefined;
  for (let attempt = 0; attempt <= limits.retries; attempt++) {
    if (attempt > 0) await sleep(250 * 2 ** (attempt - 1));
    let res: Response;
    try {
      res = await fetch(req.url, {
        method: req.method,
        headers: { accept: req.accept, ...(req.json !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(req.json !== undefined ? { body: JSON.stringify(req.json) } : {}),
        redirect: 'manual',
        signal: AbortSignal.timeout(limits.timeoutMs),
      });
    } catch (cause) {
      const timedOut = cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError');
      lastError = new ProvenantError(req.code, `${req.method} ${req.url} ${timedOut ? `timed out after ${limits.timeoutMs} ms` : `failed: ${networkCause(cause)}`}`, { cause });
      continue;
    }
    const body = await readLimited(res, limits.maxBytes, req);
    if (res.ok || req.passStatuses?.includes(res.status)) return { status: res.status, body, location: res.headers.get('location') ?? undefined };
    lastError = new ProvenantError(req.code, `${req.method} ${req.url} answered HTTP ${res.status}: ${errorMessage(body)}`, { details: { status: res.status } });
    if (!retryable(res.status)) break;
  }
  throw lastError ?? new ProvenantError(req.code, `${req.method} ${req.url} failed`);
}

async function readLimited(res: Response, limit: number, req: HttpRequest): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > limit) {
    await res.body?.cancel();
    throw new ProvenantError('SIZE_LIMIT_EXCEEDED', `${req.url} answered ${declared} bytes, over the ${limit}-byte limit`);
  }
  if (!res.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel();
        throw new ProvenantError('SIZE_LIMIT_EXCEEDED', `${req.url} answered more than ${limit} bytes`);
      }
      chunks.push(Buffer.from(value));
    }
  } catch (err) {
    if (err instanceof ProvenantError) throw err;
    throw new ProvenantError(req.code, `reading the answer of ${req.url} failed`, { cause: err });
  }
  return Buffer.concat(chunks);
}

/** The `message` of a JSON error body, else the start of the text. */
function errorMessage(body: Buffer): string {
  const text = body.toString('utf8');
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON
  }
  return text.slice(0, 200) || '(empty body)';
}

/** Parses a JSON response body; a malformed one is the service's error code. */
export function parseJsonBody(body: Buffer, code: ProvenantErrorCode, what: string): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (cause) {
    throw new ProvenantError(code, `${what} is not JSON`, { cause });
  }
}
