// The OCI distribution client: manifests, blobs, uploads, tags, deletes and referrers against any
// registry, through the auth chain, with retries only for requests that are safe to repeat.
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Readable } from 'node:stream';
import { DigestCheck, digestOf, isDigest, type Digest } from '../digest/index.js';
import { ProvenantError, type ProvenantErrorCode } from '../errors.js';
import { parseManifestBytes, type Descriptor, type ImageIndex, type ImageManifest, type BlobSource } from './layout/index.js';
import { AuthSession } from './auth/session.js';
import { parseWwwAuthenticate } from './auth/challenge.js';
import { defaultCredentials, type CredentialResolver } from './auth/credentials.js';
import { bodyError, discard, HttpTransport, readBody, redactUrl, responseHeader, type HttpResponse, type RequestBody, type TransportOptions } from './http.js';
import { MANIFEST_ACCEPT, MEDIA_TYPES as MEDIA_TYPE } from './media-types.js';
import { addToReferrersFallback, listReferrers } from './referrers.js';
import { readLimits, type BlobKind, type ManifestKind, type ReadKind, type ReadLimits } from './limits.js';
import { assertRepository, formatReference, isLoopbackRegistry, manifestReference, parseReference, registryApiHost, type ImageReference, type RepositoryRef } from './reference.js';

export interface RegistryClientOptions extends TransportOptions {
  /** Where credentials come from; default: env, then docker/podman config files and helpers. */
  credentials?: CredentialResolver;
  /** Plain HTTP: for every registry (`true`) or the listed ones. Loopback registries may always fall back to it. */
  insecure?: boolean | string[];
  /** Attempts after the first for idempotent requests answered 429/5xx or failing to connect. */
  retries?: number;
  /** First backoff delay; doubles per attempt, with jitter. */
  retryBaseDelayMs?: number;
  /** Longest wait between attempts; a longer Retry-After gives up at once (REGISTRY_RATE_LIMITED). */
  maxRetryDelayMs?: number;
  /** Per-kind read limits (core/oci/limits: DEFAULT_READ_LIMITS); a declared size never raises them. */
  limits?: Partial<Record<ReadKind, number>>;
  /** Shorthand for limits.manifest. */
  maxManifestBytes?: number;
  /** Shorthand for limits.blob: a blob read into memory with no kind named. */
  maxBlobBytes?: number;
  /** Upload in PATCH chunks of this many bytes; default one monolithic PUT. */
  chunkSize?: number;
  /** Read-modify-write attempts for the referrers fallback index (default 5). */
  referrersFallbackAttempts?: number;
  /** Pause before re-checking the fallback index after writing it (default 100 ms; 0 skips the re-check). */
  referrersFallbackSettleMs?: number;
}

/** Paths to PEM files, read once by createClient. */
export interface RegistryClientFileOptions extends RegistryClientOptions {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** A docker-format auth file consulted before the default locations. */
  authFile?: string;
}

export type ParsedManifest = { kind: 'index'; index: ImageIndex } | { kind: 'manifest'; manifest: ImageManifest };

export interface FetchedManifest {
  digest: Digest;
  mediaType: string;
  size: number;
  bytes: Buffer;
  parsed: ParsedManifest;
  /** A descriptor for it (mediaType, digest, size, and artifactType when it has one). */
  descriptor: Descriptor;
}

export interface PushedManifest {
  digest: Digest;
  size: number;
  mediaType: string;
  /** How the registry learnt of the subject: it said so (OCI-Subject), we updated the tag fallback, or no subject. */
  referrers: 'registry' | 'fallback' | 'none';
}

export interface BlobInput {
  digest?: Digest;
  /** Bytes in memory, or a stream factory (called once per attempt) with its exact size and digest. */
  data: Buffer | { open: () => Readable | AsyncIterable<Uint8Array>; size: number; digest: Digest };
}

const ERROR_BODY_LIMIT = 64 * 1024;
const MAX_PAGES = 1000;
const RETRYABLE = new Set([429, 500, 502, 503, 504]);

type Scope = 'pull' | 'push' | 'delete';

interface RegistryRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  repo: RepositoryRef;
  /** Path under /v2/<repository>/, or an absolute URL (upload locations, pagination links). */
  path?: string;
  url?: URL;
  headers?: Record<string, string>;
  body?: RequestBody;
  scope: Scope;
  /** Extra token scopes (cross-repository mount needs pull on the source). */
  extraScopes?: string[];
  /** Safe to send again after 429/5xx or a failed connection. */
  idempotent: boolean;
  what: string;
}

function scopeString(repository: string, scope: Scope): string {
  const actions = scope === 'pull' ? 'pull' : scope === 'push' ? 'pull,push' : 'delete';
  return `repository:${repository}:${actions}`;
}

/** Retry-After in milliseconds (seconds or an HTTP date), undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

const REGISTRY_ERROR_BODY = /"errors"\s*:/;

/** Registry text goes into error messages and terminals: no control characters, one line. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]+/g, ' ').replace(/\s+/g, ' ').trim();
}

async function describeErrorBody(res: HttpResponse): Promise<string> {
  try {
    const body = await readBody(res, ERROR_BODY_LIMIT, 'error body');
    const text = body.toString('utf8');
    if (REGISTRY_ERROR_BODY.test(text)) {
      const json = JSON.parse(text) as { errors?: Array<{ code?: unknown; message?: unknown }> };
      const first = json.errors?.[0];
      if (first) return printable(`${String(first.code ?? '')}: ${String(first.message ?? '')}`.slice(0, 300));
    }
    return printable(text.slice(0, 200));
  } catch {
    return '';
  }
}

/** Maps a final non-success status to a ProvenantError. */
export async function responseError(res: HttpResponse, what: string, notFound: ProvenantErrorCode): Promise<ProvenantError> {
  const detail = res.status === 404 && res.body.readableEnded ? '' : await describeErrorBody(res);
  const code: ProvenantErrorCode =
    res.status === 401
      ? 'REGISTRY_UNAUTHORIZED'
      : res.status === 403
        ? 'REGISTRY_DENIED'
        : res.status === 404
          ? notFound
          : res.status === 429
            ? 'REGISTRY_RATE_LIMITED'
            : res.status >= 500
              ? 'REGISTRY_ERROR'
              : 'REGISTRY_PROTOCOL_ERROR';
  return new ProvenantError(code, `${what}: the registry answered HTTP ${res.status}${detail ? ` (${detail})` : ''}`, { details: { status: res.status, url: redactUrl(res.url) } });
}

function contentType(res: HttpResponse): string | undefined {
  return responseHeader(res.headers, 'content-type')?.split(';')[0]?.trim();
}

function toBuffer(chunk: Uint8Array | string): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

export class RegistryClient {
  private readonly transport: HttpTransport;
  private readonly auth: AuthSession;
  private readonly schemes = new Map<string, Promise<'http' | 'https'>>();
  readonly options: RegistryClientOptions;
  /** The size policy every read goes through (limits.ts), with this client's overrides. */
  readonly limits: ReadLimits;

  constructor(options: RegistryClientOptions = {}) {
    this.options = options;
    this.limits = readLimits({
      ...(options.maxManifestBytes !== undefined ? { manifest: options.maxManifestBytes } : {}),
      ...(options.maxBlobBytes !== undefined ? { blob: options.maxBlobBytes } : {}),
      ...options.limits,
    });
    this.transport = new HttpTransport(options);
    this.auth = new AuthSession(this.transport, {
      credentials: options.credentials ?? defaultCredentials(),
      allowPlainHttp: (url) => this.plainHttpAllowed(url.host),
    });
  }

  /** The most bytes one read of this kind may return. */
  readLimit(kind: ReadKind): number {
    return this.limits[kind];
  }

  /** Frees pooled connections. */
  close(): void {
    this.transport.close();
  }

  private plainHttpAllowed(registry: string): boolean {
    const insecure = this.options.insecure;
    return insecure === true || (Array.isArray(insecure) && insecure.includes(registry)) || isLoopbackRegistry(registry);
  }

  /** https, except plain http when asked for, or on loopback when the server does not speak TLS. */
  private scheme(registry: string): Promise<'http' | 'https'> {
    const insecure = this.options.insecure;
    if (insecure === true || (Array.isArray(insecure) && insecure.includes(registry))) return Promise.resolve('http');
    if (!isLoopbackRegistry(registry)) return Promise.resolve('https');
    let known = this.schemes.get(registry);
    if (!known) {
      known = this.probeLoopbackScheme(registry);
      this.schemes.set(registry, known);
      known.catch(() => this.schemes.delete(registry));
    }
    return known;
  }

  // Like docker for localhost registries: TLS if the server speaks it; plain http only when it does not.
  // A registry that answers the ping in the clear as a registry does speaks plain http, and then no TLS is
  // loaded at all; any other answer is settled by a TLS handshake (a TLS registry is never downgraded).
  private async probeLoopbackScheme(registry: string): Promise<'http' | 'https'> {
    const host = registryApiHost(registry);
    if (await this.transport.answersPlainHttpPing(host)) return 'http';
    return (await this.transport.speaksTls(host)) ? 'https' : 'http';
  }

  private async url(repo: RepositoryRef, path: string): Promise<URL> {
    assertRepository(repo.repository);
    const scheme = await this.scheme(repo.registry);
    return new URL(`${scheme}://${registryApiHost(repo.registry)}/v2/${repo.repository}/${path}`);
  }

  /** One registry request with auth and (for idempotent ones) retries; the caller checks the status. */
  private async request(req: RegistryRequest): Promise<HttpResponse> {
    const url = req.url ?? (await this.url(req.repo, req.path ?? ''));
    const scopes = [scopeString(req.repo.repository, req.scope), ...(req.extraScopes ?? [])];
    const retries = req.idempotent ? (this.options.retries ?? 3) : 0;
    const sameOrigin = req.url === undefined || url.host === registryApiHost(req.repo.registry);
    let authorization = sameOrigin ? await this.auth.headerFor(req.repo.registry, scopes) : undefined;
    let answeredChallenge = false;
    for (let attempt = 0; ; attempt++) {
      let res: HttpResponse;
      try {
        res = await this.transport.send({
          method: req.method,
          url,
          headers: { ...(req.headers ?? {}), ...(authorization ? { authorization } : {}) },
          ...(req.body !== undefined ? { body: req.body } : {}),
        });
      } catch (err) {
        const code = (err as ProvenantError).code;
        if (attempt < retries && (code === 'REGISTRY_UNREACHABLE' || code === 'TIMEOUT')) {
          await sleep(this.backoff(attempt, undefined));
          continue;
        }
        throw err;
      }
      if (res.status === 401 && sameOrigin && !answeredChallenge) {
        const challenges = parseWwwAuthenticate(res.headers['www-authenticate']);
        discard(res);
        if (authorization) this.auth.invalidate(req.repo.registry);
        authorization = await this.auth.answerChallenge(req.repo.registry, challenges, scopes, req.what);
        answeredChallenge = true;
        if (req.body !== undefined && !Buffer.isBuffer(req.body) && !req.body.replayable) {
          throw new ProvenantError('REGISTRY_UNAUTHORIZED', `${req.what}: authentication was needed but the streamed body cannot be sent twice`);
        }
        attempt--;
        continue;
      }
      if (RETRYABLE.has(res.status) && attempt < retries) {
        const retryAfter = parseRetryAfter(responseHeader(res.headers, 'retry-after'));
        const max = this.options.maxRetryDelayMs ?? 10_000;
        if (retryAfter !== undefined && retryAfter > max) {
          discard(res);
          throw new ProvenantError('REGISTRY_RATE_LIMITED', `${req.what}: the registry asked to wait ${Math.ceil(retryAfter / 1000)} s, longer than the ${max} ms allowed`, {
            details: { status: res.status, retryAfterMs: retryAfter },
          });
        }
        discard(res);
        await sleep(this.backoff(attempt, retryAfter));
        continue;
      }
      return res;
    }
  }

  private backoff(attempt: number, retryAfterMs: number | undefined): number {
    const max = this.options.maxRetryDelayMs ?? 10_000;
    if (retryAfterMs !== undefined) return Math.min(retryAfterMs, max);
    const base = (this.options.retryBaseDelayMs ?? 250) * 2 ** attempt;
    // Full jitter keeps many clients from retrying in step.
    return Math.min(max, Math.round(base / 2 + Math.random() * (base / 2)));
  }

  private async expect(res: HttpResponse, ok: number[], what: string, notFound: ProvenantErrorCode): Promise<void> {
    if (!ok.includes(res.status)) throw await responseError(res, what, notFound);
  }

  // ---- manifests ----------------------------------------------------------------------------

  /** GET a manifest or index (all four media types accepted); by digest the bytes must hash to it. */
  async getManifest(ref: ImageReference | string, options: { accept?: string[]; kind?: ManifestKind } = {}): Promise<FetchedManifest> {
    const r = typeof ref === 'string' ? parseReference(ref) : ref;
    const found = await this.fetchManifest(r, options);
    if (!found) throw new ProvenantError('MANIFEST_UNKNOWN', `manifest ${formatReference(r)} does not exist`, { details: { reference: formatReference(r) } });
    return found;
  }

  /** Like getManifest, but undefined when the registry answers 404. */
  async fetchManifest(ref: ImageReference, options: { accept?: string[]; kind?: ManifestKind } = {}): Promise<FetchedManifest | undefined> {
    const reference = manifestReference(ref);
    const what = `manifest ${formatReference(ref)}`;
    const res = await this.request({ method: 'GET', repo: ref, path: `manifests/${reference}`, headers: { accept: (options.accept ?? MANIFEST_ACCEPT).join(', ') }, scope: 'pull', idempotent: true, what });
    if (res.status === 404) {
      discard(res);
      return undefined;
    }
    await this.expect(res, [200], what, 'MANIFEST_UNKNOWN');
    const bytes = await readBody(res, this.readLimit(options.kind ?? 'manifest'), what, { tooLarge: 'MANIFEST_TOO_LARGE', truncated: 'BLOB_TRUNCATED' });
    const digest = digestOf(bytes);
    const expected = ref.digest ?? responseHeader(res.headers, 'docker-content-digest');
    if (expected !== undefined && isDigest(expected) && expected.startsWith('sha256:') && expected !== digest) {
      throw new ProvenantError('DIGEST_MISMATCH', `${what}: the content hashes to ${digest}, not ${expected}`, { details: { expected, actual: digest } });
    }
    if (ref.digest !== undefined && !ref.digest.startsWith('sha256:')) {
      const check = new DigestCheck({ digest: ref.digest, what });
      check.update(bytes);
      check.finish();
    }
    const parsed = parseManifestBytes(bytes, contentType(res)) as ParsedManifest;
    const doc = parsed.kind === 'index' ? parsed.index : parsed.manifest;
    const mediaType = doc.mediaType ?? contentType(res) ?? (parsed.kind === 'index' ? MEDIA_TYPE.ociIndex : MEDIA_TYPE.ociManifest);
    const artifactType = doc.artifactType ?? (parsed.kind === 'manifest' && parsed.manifest.config.mediaType !== MEDIA_TYPE.ociConfig && parsed.manifest.config.mediaType !== MEDIA_TYPE.dockerConfig ? parsed.manifest.config.mediaType : undefined);
    const finalDigest = ref.digest ?? digest;
    return {
      digest: finalDigest,
      mediaType,
      size: bytes.length,
      bytes,
      parsed,
      descriptor: { mediaType, digest: finalDigest, size: bytes.length, ...(artifactType ? { artifactType } : {}) },
    };
  }

  /** HEAD a manifest: its descriptor, or undefined when absent. Falls back to GET when HEAD gives no digest. */
  async headManifest(ref: ImageReference | string): Promise<Descriptor | undefined> {
    const r = typeof ref === 'string' ? parseReference(ref) : ref;
    const what = `manifest ${formatReference(r)}`;
    const res = await this.request({ method: 'HEAD', repo: r, path: `manifests/${manifestReference(r)}`, headers: { accept: MANIFEST_ACCEPT.join(', ') }, scope: 'pull', idempotent: true, what });
    discard(res);
    if (res.status === 404) return undefined;
    await this.expect(res, [200], what, 'MANIFEST_UNKNOWN');
    const digest = responseHeader(res.headers, 'docker-content-digest');
    const size = Number(responseHeader(res.headers, 'content-length'));
    const mediaType = contentType(res);
    if (r.digest !== undefined && mediaType && Number.isFinite(size)) return { mediaType, digest: r.digest, size };
    if (digest !== undefined && isDigest(digest) && mediaType && Number.isFinite(size)) return { mediaType, digest, size };
    return (await this.fetchManifest(r))?.descriptor;
  }

  /** The digest descriptor a tag (or digest) currently names; MANIFEST_UNKNOWN when absent. */
  async resolve(ref: ImageReference | string): Promise<Descriptor> {
    const r = typeof ref === 'string' ? parseReference(ref) : ref;
    const d = await this.headManifest(r);
    if (!d) throw new ProvenantError('MANIFEST_UNKNOWN', `manifest ${formatReference(r)} does not exist`, { details: { reference: formatReference(r) } });
    return d;
  }

  /**
   * PUT a manifest at a tag or by its digest, with Content-Type = its media type. When it has a
   * `subject` and the registry does not answer `OCI-Subject`, the `sha256-<hex>` fallback index is updated.
   */
  async putManifest(ref: ImageReference | string, bytes: Buffer, options: { mediaType?: string; updateReferrersFallback?: boolean } = {}): Promise<PushedManifest> {
    const r = typeof ref === 'string' ? parseReference(ref) : ref;
    const limit = this.readLimit('manifest');
    if (bytes.length > limit) throw new ProvenantError('MANIFEST_TOO_LARGE', `manifest is ${bytes.length} bytes, over the ${limit} byte limit`);
    const digest = digestOf(bytes);
    if (r.digest !== undefined && r.digest !== digest) {
      throw new ProvenantError('DIGEST_MISMATCH', `manifest bytes hash to ${digest}, not the ${r.digest} they are pushed as`, { details: { expected: r.digest, actual: digest } });
    }
    const parsed = parseManifestBytes(bytes, options.mediaType) as ParsedManifest;
    const doc = parsed.kind === 'index' ? parsed.index : parsed.manifest;
    const mediaType = options.mediaType ?? doc.mediaType ?? (parsed.kind === 'index' ? MEDIA_TYPE.ociIndex : MEDIA_TYPE.ociManifest);
    if (doc.mediaType !== undefined && doc.mediaType !== mediaType) {
      throw new ProvenantError('MANIFEST_INVALID', `manifest says mediaType ${doc.mediaType} but is pushed as ${mediaType}`);
    }
    const reference = r.tag !== undefined ? manifestReference({ ...r, digest: undefined }) : (r.digest ?? digest);
    const what = `push manifest ${formatReference({ ...r, tag: r.tag, digest: r.tag ? undefined : digest })}`;
    const res = await this.request({ method: 'PUT', repo: r, path: `manifests/${reference}`, headers: { 'content-type': mediaType }, body: bytes, scope: 'push', idempotent: true, what });
    discard(res);
    await this.expect(res, [200, 201, 202], what, 'REGISTRY_NOT_FOUND');
    const returned = responseHeader(res.headers, 'docker-content-digest');
    if (returned !== undefined && returned !== digest && returned.startsWith('sha256:')) {
      throw new ProvenantError('DIGEST_MISMATCH', `${what}: the registry stored it as ${returned}, not ${digest}`, { details: { expected: digest, actual: returned } });
    }
    let referrers: PushedManifest['referrers'] = 'none';
    if (doc.subject) {
      if (responseHeader(res.headers, 'oci-subject') !== undefined) referrers = 'registry';
      else if (options.updateReferrersFallback !== false) {
        const artifactType = doc.artifactType ?? (parsed.kind === 'manifest' ? parsed.manifest.config.mediaType : undefined);
        await addToReferrersFallback(this, r, doc.subject.digest as Digest, {
          mediaType,
          digest,
          size: bytes.length,
          ...(artifactType ? { artifactType } : {}),
          ...(doc.annotations ? { annotations: doc.annotations } : {}),
        });
        referrers = 'fallback';
      }
    }
    return { digest, size: bytes.length, mediaType, referrers };
  }

  /** DELETE a manifest; only by digest (registries refuse tags). */
  async deleteManifest(ref: ImageReference | string): Promise<void> {
    const r = typeof ref === 'string' ? parseReference(ref) : ref;
    if (r.digest === undefined) throw new ProvenantError('INVALID_ARGUMENT', `delete needs a digest reference, not the tag in ${formatReference(r)}`);
    const what = `delete manifest ${formatReference(r)}`;
    const res = await this.request({ method: 'DELETE', repo: r, path: `manifests/${manifestReference(r)}`, scope: 'delete', idempotent: true, what });
    discard(res);
    await this.expect(res, [200, 202], what, 'MANIFEST_UNKNOWN');
  }

  // ---- blobs --------------------------------------------------------------------------------

  /** The size of a blob, or undefined when the repository does not have it. */
  async headBlob(repo: RepositoryRef, digest: Digest, options: { forPush?: boolean } = {}): Promise<number | undefined> {
    if (!isDigest(digest)) throw new ProvenantError('DIGEST_INVALID', `blob digest ${JSON.stringify(String(digest).slice(0, 200))} is not a sha256/sha512 digest`);
    const what = `blob ${digest} in ${formatReference(repo)}`;
    // Before a push, ask with the push scope so one token serves the whole upload.
    const res = await this.request({ method: 'HEAD', repo, path: `blobs/${digest}`, scope: options.forPush ? 'push' : 'pull', idempotent: true, what });
    discard(res);
    if (res.status === 404) return undefined;
    await this.expect(res, [200], what, 'BLOB_UNKNOWN');
    const size = Number(responseHeader(res.headers, 'content-length'));
    return Number.isFinite(size) ? size : 0;
  }

  /**
   * Streams a blob, verifying its digest (and declared size) while reading. The bound is the kind's
   * read limit (or `maxBytes`), never the declared size: a declared size over it is refused before the
   * request, and a smaller one is what the stream is held to. Iteration throws BLOB_TOO_LARGE past the
   * size or limit, BLOB_TRUNCATED when it ends short, DIGEST_MISMATCH at the end.
   */
  async *openBlob(repo: RepositoryRef, desc: { digest: string; size?: number | undefined }, options: { kind?: BlobKind; maxBytes?: number } = {}): AsyncGenerator<Buffer, void> {
    const kind = options.kind ?? 'blob';
    const what = `${kind === 'blob' ? 'blob' : `${kind} blob`} ${desc.digest} from ${formatReference(repo)}`;
    if (!isDigest(desc.digest)) throw new ProvenantError('DIGEST_INVALID', `${what}: not a supported digest`);
    const cap = options.maxBytes ?? this.readLimit(kind);
    if (desc.size !== undefined && (!Number.isSafeInteger(desc.size) || desc.size < 0 || desc.size > cap)) {
      throw new ProvenantError('BLOB_TOO_LARGE', `${what} declares ${desc.size} bytes, over the ${cap} byte limit for a ${kind}`, { details: { kind, limit: cap, declared: desc.size } });
    }
    const limit = desc.size ?? cap;
    let res = await this.request({ method: 'GET', repo, path: `blobs/${desc.digest}`, scope: 'pull', idempotent: true, what });
    await this.expect(res, [200], what, 'BLOB_UNKNOWN');
    this.checkDeclaredLength(res, 0, limit, what);
    const check = new DigestCheck({ digest: desc.digest, what });
    const maxResumes = this.options.retries ?? 3;
    let size = 0;
    let resumes = 0;
    // Bytes to drop at the start of a resumed response that ignored Range and began again at 0.
    let skip = 0;
    try {
      for (;;) {
        const body = (res.body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
        let failure: ProvenantError | undefined;
        for (;;) {
          let step: IteratorResult<Buffer>;
          try {
            step = await body.next();
          } catch (err) {
            res.body.destroy();
            failure = bodyError(err, what, 'BLOB_TRUNCATED');
            break;
          }
          if (step.done) break;
          let chunk = step.value;
          if (skip > 0) {
            const drop = Math.min(skip, chunk.length);
            chunk = chunk.subarray(drop);
            skip -= drop;
            if (chunk.length === 0) continue;
          }
          size += chunk.length;
          if (size > limit) {
            throw new ProvenantError('BLOB_TOO_LARGE', `${what} is larger than the ${limit} bytes ${desc.size !== undefined ? 'its descriptor declares' : 'allowed'}`, { details: { limit } });
          }
          check.update(chunk);
          yield chunk;
        }
        const short = desc.size !== undefined && size < desc.size;
        if (failure === undefined && !short) break;
        const resumable = failure === undefined || failure.code === 'BLOB_TRUNCATED' || failure.code === 'TIMEOUT';
        const fallback =
          failure ?? new ProvenantError('BLOB_TRUNCATED', `${what} ended after ${size} of ${desc.size ?? '?'} bytes`, { details: { size, expected: desc.size } });
        if (!resumable || resumes >= maxResumes) throw fallback;
        resumes++;
        // GET is safe to repeat: continue where the connection broke, hashing on from the same state.
        const next = await this.request({ method: 'GET', repo, path: `blobs/${desc.digest}`, headers: { range: `bytes=${size}-` }, scope: 'pull', idempotent: true, what });
        if (next.status === 206 && contentRangeStart(next) === size) {
          skip = 0;
          this.checkDeclaredLength(next, size, limit, what);
        } else if (next.status === 200) {
          skip = size;
          this.checkDeclaredLength(next, 0, limit, what);
        } else {
          discard(next);
          throw fallback;
        }
        res = next;
      }
    } finally {
      if (!res.body.readableEnded) res.body.destroy();
    }
    check.finish();
  }

  private checkDeclaredLength(res: HttpResponse, offset: number, limit: number, what: string): void {
    const declared = responseHeader(res.headers, 'content-length');
    if (declared !== undefined && offset + Number(declared) > limit) {
      res.body.destroy();
      throw new ProvenantError('BLOB_TOO_LARGE', `${what}: the registry sends ${offset + Number(declared)} bytes, more than the ${limit} expected`, {
        details: { limit, declared: offset + Number(declared) },
      });
    }
  }

  /** A whole blob in memory, digest-verified; for configs and other small blobs. */
  async getBlob(repo: RepositoryRef, desc: { digest: string; size?: number | undefined }, options: { kind?: Exclude<BlobKind, 'layer'>; maxBytes?: number } = {}): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const c of this.openBlob(repo, desc, options)) chunks.push(c);
    return Buffer.concat(chunks);
  }

  /** Asks the registry to link a blob from another repository; true when mounted (201). */
  async mountBlob(repo: RepositoryRef, digest: Digest, fromRepository: string): Promise<boolean> {
    const started = await this.startUpload(repo, { mount: digest, from: fromRepository });
    if (started.mounted) return true;
    // The registry opened an upload instead; cancel it so it does not linger.
    await this.cancelUpload(repo, started.location);
    return false;
  }

  private async startUpload(repo: RepositoryRef, mount?: { mount: Digest; from: string }): Promise<{ mounted: true } | { mounted: false; location: URL; minChunk: number }> {
    if (mount) assertRepository(mount.from);
    const what = mount ? `mount ${mount.mount} from ${mount.from} into ${formatReference(repo)}` : `start upload to ${formatReference(repo)}`;
    const query = mount ? `?mount=${encodeURIComponent(mount.mount)}&from=${encodeURIComponent(mount.from)}` : '';
    const res = await this.request({
      method: 'POST',
      repo,
      path: `blobs/uploads/${query}`,
      scope: 'push',
      ...(mount ? { extraScopes: [scopeString(mount.from, 'pull')] } : {}),
      // Opening an upload session twice is harmless: an unused one expires.
      idempotent: true,
      what,
    });
    discard(res);
    if (mount && res.status === 201) return { mounted: true };
    await this.expect(res, [202], what, 'REGISTRY_NOT_FOUND');
    // Distribution spec 1.1: chunks must be at least OCI-Chunk-Min-Length bytes when the registry says so.
    const minChunk = Number(responseHeader(res.headers, 'oci-chunk-min-length') ?? '0');
    return { mounted: false, location: this.location(res, what), minChunk: Number.isSafeInteger(minChunk) && minChunk > 0 ? minChunk : 0 };
  }

  private location(res: HttpResponse, what: string): URL {
    const loc = responseHeader(res.headers, 'location');
    if (!loc) throw new ProvenantError('REGISTRY_PROTOCOL_ERROR', `${what}: the registry answered ${res.status} without a Location`);
    try {
      return new URL(loc, res.url);
    } catch (cause) {
      throw new ProvenantError('REGISTRY_PROTOCOL_ERROR', `${what}: the registry sent an invalid Location`, { cause });
    }
  }

  private async cancelUpload(repo: RepositoryRef, location: URL): Promise<void> {
    try {
      const res = await this.request({ method: 'DELETE', repo, url: location, scope: 'push', idempotent: false, what: 'cancel upload' });
      discard(res);
    } catch {
      // Best effort: the registry purges abandoned uploads itself.
    }
  }

  /**
   * Pushes a blob unless the repository has it: optional cross-repository mount, then POST + PUT
   * (monolithic) or POST + PATCH chunks + PUT. In-memory blobs are retried whole on failure.
   */
  async pushBlob(repo: RepositoryRef, input: Buffer | BlobInput, options: { mountFrom?: string; chunkSize?: number } = {}): Promise<{ digest: Digest; size: number; mounted: boolean; existed: boolean }> {
    const blob: BlobInput = Buffer.isBuffer(input) ? { data: input } : input;
    const data = blob.data;
    const digest = Buffer.isBuffer(data) ? digestOf(data) : data.digest;
    const size = Buffer.isBuffer(data) ? data.length : data.size;
    if (blob.digest !== undefined && blob.digest !== digest) {
      throw new ProvenantError('DIGEST_MISMATCH', `blob bytes hash to ${digest}, not the declared ${blob.digest}`, { details: { expected: blob.digest, actual: digest } });
    }
    if ((await this.headBlob(repo, digest, { forPush: true })) !== undefined) return { digest, size, mounted: false, existed: true };
    if (options.mountFrom !== undefined && options.mountFrom !== repo.repository) {
      const started = await this.startUpload(repo, { mount: digest, from: options.mountFrom });
      if (started.mounted) return { digest, size, mounted: true, existed: false };
      await this.upload(repo, started.location, digest, size, data, chunkSizeFor(options.chunkSize ?? this.options.chunkSize, started.minChunk));
      return { digest, size, mounted: false, existed: false };
    }
    const attempts = Buffer.isBuffer(data) ? 1 + (this.options.retries ?? 3) : 1;
    for (let attempt = 0; ; attempt++) {
      try {
        const started = await this.startUpload(repo);
        if (started.mounted) return { digest, size, mounted: true, existed: false };
        await this.upload(repo, started.location, digest, size, data, chunkSizeFor(options.chunkSize ?? this.options.chunkSize, started.minChunk));
        return { digest, size, mounted: false, existed: false };
      } catch (err) {
        const code = (err as ProvenantError).code;
        const transient = code === 'REGISTRY_ERROR' || code === 'REGISTRY_UNREACHABLE' || code === 'TIMEOUT' || code === 'REGISTRY_RATE_LIMITED';
        // Content-addressed: uploading the same bytes again is safe, so the whole upload is retried.
        if (attempt + 1 < attempts && transient) {
          await sleep(this.backoff(attempt, undefined));
          continue;
        }
        throw err;
      }
    }
  }

  private async upload(repo: RepositoryRef, start: URL, digest: Digest, size: number, data: BlobInput['data'], chunkSize: number | undefined): Promise<void> {
    const what = `upload ${digest} to ${formatReference(repo)}`;
    let location = start;
    const octet = { 'content-type': 'application/octet-stream' };
    if (chunkSize !== undefined && chunkSize > 0 && size > chunkSize) {
      let offset = 0;
      for await (const chunk of this.chunks(data, chunkSize)) {
        const res = await this.request({
          method: 'PATCH',
          repo,
          url: location,
          headers: { ...octet, 'content-range': `${offset}-${offset + chunk.length - 1}` },
          body: chunk,
          scope: 'push',
          idempotent: false,
          what: `${what} (bytes ${offset}-${offset + chunk.length - 1})`,
        });
        discard(res);
        await this.expect(res, [202, 204], what, 'REGISTRY_NOT_FOUND');
        location = this.location(res, what);
        offset += chunk.length;
      }
      if (offset !== size) throw new ProvenantError('DIGEST_MISMATCH', `${what}: the source gave ${offset} bytes, not ${size}`);
      await this.finishUpload(repo, location, digest, undefined, what);
      return;
    }
    const body: RequestBody = Buffer.isBuffer(data) ? data : { stream: () => streamOf(holdLastChunk(data.open())), length: size };
    await this.finishUpload(repo, location, digest, body, what);
  }

  private async finishUpload(repo: RepositoryRef, location: URL, digest: Digest, body: RequestBody | undefined, what: string): Promise<void> {
    const url = new URL(location);
    // Append by hand: re-serializing the registry's opaque _state token could alter it.
    url.search = `${url.search ? `${url.search}&` : '?'}digest=${encodeURIComponent(digest)}`;
    const res = await this.request({
      method: 'PUT',
      repo,
      url,
      headers: { 'content-type': 'application/octet-stream' },
      ...(body !== undefined ? { body } : {}),
      scope: 'push',
      idempotent: false,
      what,
    });
    discard(res);
    await this.expect(res, [201, 204], what, 'REGISTRY_NOT_FOUND');
    const returned = responseHeader(res.headers, 'docker-content-digest');
    if (returned !== undefined && returned !== digest) throw new ProvenantError('DIGEST_MISMATCH', `${what}: the registry stored ${returned}`, { details: { expected: digest, actual: returned } });
  }

  private async *chunks(data: BlobInput['data'], chunkSize: number): AsyncGenerator<Buffer> {
    if (Buffer.isBuffer(data)) {
      for (let i = 0; i < data.length; i += chunkSize) yield data.subarray(i, i + chunkSize);
      return;
    }
    let pending: Buffer[] = [];
    let pendingSize = 0;
    for await (const c of data.open() as AsyncIterable<Uint8Array>) {
      let buf = toBuffer(c);
      while (pendingSize + buf.length >= chunkSize) {
        const take = chunkSize - pendingSize;
        pending.push(buf.subarray(0, take));
        yield Buffer.concat(pending, chunkSize);
        buf = buf.subarray(take);
        pending = [];
        pendingSize = 0;
      }
      if (buf.length) {
        pending.push(buf);
        pendingSize += buf.length;
      }
    }
    if (pendingSize) yield Buffer.concat(pending, pendingSize);
  }

  /** DELETE a blob by digest. */
  async deleteBlob(repo: RepositoryRef, digest: Digest): Promise<void> {
    if (!isDigest(digest)) throw new ProvenantError('DIGEST_INVALID', `blob digest ${JSON.stringify(String(digest).slice(0, 200))} is not a sha256/sha512 digest`);
    const what = `delete blob ${digest} from ${formatReference(repo)}`;
    const res = await this.request({ method: 'DELETE', repo, path: `blobs/${digest}`, scope: 'delete', idempotent: true, what });
    discard(res);
    await this.expect(res, [200, 202], what, 'BLOB_UNKNOWN');
  }

  // ---- tags ---------------------------------------------------------------------------------

  /** All tags of a repository, following `Link: <...>; rel="next"` pages. */
  async listTags(repo: RepositoryRef, options: { pageSize?: number; maxPages?: number } = {}): Promise<string[]> {
    const what = `list tags of ${formatReference(repo)}`;
    const tags: string[] = [];
    let url: URL | undefined = await this.url(repo, `tags/list${options.pageSize ? `?n=${options.pageSize}` : ''}`);
    const maxPages = options.maxPages ?? MAX_PAGES;
    for (let page = 0; url !== undefined; page++) {
      if (page >= maxPages) throw new ProvenantError('REGISTRY_PROTOCOL_ERROR', `${what}: more than ${maxPages} pages`);
      const res = await this.request({ method: 'GET', repo, url, scope: 'pull', idempotent: true, what });
      if (res.status === 404) {
        discard(res);
        return tags;
      }
      await this.expect(res, [200], what, 'REGISTRY_NOT_FOUND');
      const body = await readBody(res, this.readLimit('tagList'), what);
      let json: unknown;
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch (cause) {
        throw new ProvenantError('REGISTRY_PROTOCOL_ERROR', `${what}: the answer is not JSON`, { cause });
      }
      const list = (json as { tags?: unknown }).tags;
      if (list !== null && list !== undefined && (!Array.isArray(list) || !list.every((t) => typeof t === 'string'))) {
        throw new ProvenantError('REGISTRY_PROTOCOL_ERROR', `${what}: "tags" is not a list of strings`);
      }
      tags.push(...((list as string[] | null | undefined) ?? []));
      url = nextLink(res);
    }
    return tags;
  }

  /** Referrers of a subject digest (API, else the tag fallback), optionally only one artifactType. */
  async listReferrers(repo: RepositoryRef, subject: Digest, options: { artifactType?: string } = {}): Promise<Descriptor[]> {
    return listReferrers(this, repo, subject, options);
  }

  /** Low-level GET for modules beside the client (referrers); the caller reads the body. */
  async rawGet(repo: RepositoryRef, pathOrUrl: string | URL, headers: Record<string, string>, what: string): Promise<HttpResponse> {
    return this.request({ method: 'GET', repo, ...(typeof pathOrUrl === 'string' ? { path: pathOrUrl } : { url: pathOrUrl }), headers, scope: 'pull', idempotent: true, what });
  }

  /** A layout-style BlobSource over one repository, for image resolution and SBOM code. */
  blobSource(repo: RepositoryRef): BlobSource {
    return {
      readManifest: async (desc) => (await this.getManifest({ ...repo, tag: undefined, digest: desc.digest as Digest })).bytes,
      readBlob: (desc) => this.getBlob(repo, desc, { kind: 'config' }),
      openBlob: (desc) => this.openBlob(repo, desc, { kind: 'layer' }),
    };
  }
}

function chunkSizeFor(wanted: number | undefined, minimum: number): number | undefined {
  return wanted === undefined ? undefined : Math.max(wanted, minimum);
}

/** The first byte position of a 206 answer's `Content-Range: bytes START-END/TOTAL`. */
function contentRangeStart(res: HttpResponse): number | undefined {
  const m = /^bytes (\d+)-\d+\/(?:\d+|\*)$/.exec(responseHeader(res.headers, 'content-range') ?? '');
  return m ? Number(m[1]) : undefined;
}

/** The `rel="next"` target of a Link header, resolved against the request URL. */
export function nextLink(res: HttpResponse): URL | undefined {
  const link = responseHeader(res.headers, 'link');
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (m && /(?:^|;)\s*rel\s*=\s*"?next"?\s*(?:;|$)/i.test(m[2]!)) {
      try {
        const next = new URL(m[1]!, res.url);
        // Pagination stays on the registry that answered; a link elsewhere is not followed.
        if (next.origin !== res.url.origin) throw new ProvenantError('REGISTRY_PROTOCOL_ERROR', `pagination link to another origin ${next.origin}`);
        return next;
      } catch (err) {
        if (err instanceof ProvenantError) throw err;
        throw new ProvenantError('REGISTRY_PROTOCOL_ERROR', 'invalid pagination Link header', { cause: err });
      }
    }
  }
  return undefined;
}

/**
 * Passes chunks on one step late, so the last one goes out only once the source has ended cleanly: a
 * source that fails its digest check at the end never lets the registry receive a complete body.
 */
async function* holdLastChunk(source: Readable | AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  let held: Buffer | undefined;
  for await (const chunk of source as AsyncIterable<Uint8Array>) {
    if (held) yield held;
    held = toBuffer(chunk);
  }
  if (held) yield held;
}

function streamOf(source: Readable | AsyncIterable<Uint8Array>): Readable {
  return source instanceof Readable ? source : Readable.from(source, { objectMode: false });
}

/** Builds a client, reading CA / client certificate / key files and an auth file when given. */
export async function createClient(options: RegistryClientFileOptions = {}): Promise<RegistryClient> {
  const read = async (path: string, what: string): Promise<Buffer> => {
    try {
      return await readFile(path);
    } catch (cause) {
      throw new ProvenantError('FILE_UNREADABLE', `cannot read the ${what} ${path}`, { cause });
    }
  };
  const { caFile, certFile, keyFile, authFile, ...rest } = options;
  if ((certFile === undefined) !== (keyFile === undefined)) throw new ProvenantError('INVALID_ARGUMENT', 'a client certificate needs both a certificate file and a key file');
  return new RegistryClient({
    ...rest,
    ...(caFile ? { ca: [...(rest.ca === undefined ? [] : Array.isArray(rest.ca) ? rest.ca : [rest.ca]), await read(caFile, 'CA file')] } : {}),
    ...(certFile ? { cert: await read(certFile, 'client certificate') } : {}),
    ...(keyFile ? { key: await read(keyFile, 'client key') } : {}),
    ...(rest.credentials === undefined && authFile !== undefined ? { credentials: defaultCredentials({ authFile }) } : {}),
  });
}
