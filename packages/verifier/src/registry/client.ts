// A small OCI distribution client: the local adapter the verifier uses until core/oci's client is
// wired in. Anonymous access, plain HTTP only when asked or on loopback, every read size-limited and
// digest-checked, every request under a timeout.
import { createHash } from 'node:crypto';
import { ProvenantError, type ProvenantErrorCode } from '@provenant/core/errors';

export const MEDIA = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  emptyConfig: 'application/vnd.oci.empty.v1+json',
} as const;
const ACCEPT = [MEDIA.ociManifest, MEDIA.ociIndex, MEDIA.dockerManifest, MEDIA.dockerList].join(', ');
const MANIFEST_LIMIT = 4 * 1024 * 1024;
const BLOB_LIMIT = 64 * 1024 * 1024;
const TIMEOUT_MS = 30_000;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

export interface ImageReference {
  readonly registry: string;
  readonly repository: string;
  readonly tag: string | undefined;
  readonly digest: string | undefined;
}

/** Parses `registry/repo[:tag][@sha256:…]`; Docker Hub names are normalized. */
export function parseImageReference(ref: string): ImageReference {
  const m = /^(?<name>[^@]+?)(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9._-]{0,127}))?(?:@(?<digest>sha256:[0-9a-f]{64}))?$/.exec(ref);
  const name = m?.groups?.name;
  if (!m || !name || /\s/.test(ref)) throw new ProvenantError('REFERENCE_INVALID', `image reference ${JSON.stringify(ref)} is not registry/repository[:tag][@sha256:digest]`);
  const parts = name.split('/');
  const first = parts[0]!;
  const hasRegistry = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = hasRegistry ? (first === 'index.docker.io' ? 'docker.io' : first) : 'docker.io';
  let repository = hasRegistry ? parts.slice(1).join('/') : name;
  if (registry === 'docker.io' && !repository.includes('/')) repository = `library/${repository}`;
  if (!/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(repository)) {
    throw new ProvenantError('REFERENCE_INVALID', `image repository ${JSON.stringify(repository)} is not valid`);
  }
  return { registry, repository, tag: m.groups?.tag, digest: m.groups?.digest };
}

export function formatReference(r: { registry: string; repository: string }, suffix: { tag?: string | undefined; digest?: string | undefined } = {}): string {
  return `${r.registry}/${r.repository}${suffix.tag ? `:${suffix.tag}` : ''}${suffix.digest ? `@${suffix.digest}` : ''}`;
}

export function sha256Digest(data: Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function isLoopback(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return host === '127.0.0.1' || host === 'localhost' || host === '::1';
}

export interface Manifest {
  readonly mediaType: string;
  readonly digest: string;
  readonly bytes: Buffer;
  readonly json: {
    mediaType?: string;
    artifactType?: string;
    config?: Descriptor;
    layers?: Descriptor[];
    manifests?: Descriptor[];
    subject?: Descriptor;
    annotations?: Record<string, string>;
  };
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export interface RegistryClientOptions {
  /** Plain HTTP (always allowed on loopback). */
  insecure?: boolean;
  timeoutMs?: number;
}

function statusError(status: number, what: string): ProvenantError {
  const code: ProvenantErrorCode = status === 401 ? 'REGISTRY_UNAUTHORIZED' : status === 403 ? 'REGISTRY_DENIED' : status === 404 ? 'REGISTRY_NOT_FOUND' : status === 429 ? 'REGISTRY_RATE_LIMITED' : 'REGISTRY_ERROR';
  return new ProvenantError(code, `${what}: registry answered HTTP ${status}`);
}

export class RegistryClient {
  private readonly base: string;
  private readonly timeoutMs: number;

  constructor(
    readonly registry: string,
    options: RegistryClientOptions = {},
  ) {
    const scheme = options.insecure || isLoopback(registry) ? 'http' : 'https';
    this.base = `${scheme}://${registry === 'docker.io' ? 'registry-1.docker.io' : registry}/v2/`;
    this.timeoutMs = options.timeoutMs ?? TIMEOUT_MS;
  }

  private async request(path: string, init: RequestInit, what: string): Promise<Response> {
    try {
      return await fetch(this.base + path, { ...init, redirect: 'follow', signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (cause) {
      const timeout = (cause as Error).name === 'TimeoutError';
      throw new ProvenantError(timeout ? 'TIMEOUT' : 'REGISTRY_UNREACHABLE', `${what}: ${timeout ? `no answer within ${this.timeoutMs} ms` : `cannot reach ${this.registry}: ${(cause as Error).message}`}`, { cause });
    }
  }

  private static async readLimited(res: Response, limit: number, what: string): Promise<Buffer> {
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > limit) throw new ProvenantError('SIZE_LIMIT_EXCEEDED', `${what} is ${declared} bytes, over the ${limit} byte limit`);
    const chunks: Buffer[] = [];
    let size = 0;
    if (res.body) {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.length;
        if (size > limit) throw new ProvenantError('SIZE_LIMIT_EXCEEDED', `${what} is over the ${limit} byte limit`);
        chunks.push(Buffer.from(chunk));
      }
    }
    return Buffer.concat(chunks);
  }

  /** GET a manifest by tag or digest; by digest, the bytes must hash to it. Undefined when absent. */
  async getManifest(repository: string, reference: string): Promise<Manifest | undefined> {
    const what = `manifest ${this.registry}/${repository}:${reference}`;
    const res = await this.request(`${repository}/manifests/${reference}`, { headers: { accept: ACCEPT } }, what);
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    if (!res.ok) throw statusError(res.status, what);
    const bytes = await RegistryClient.readLimited(res, MANIFEST_LIMIT, what);
    const digest = sha256Digest(bytes);
    if (DIGEST.test(reference) && digest !== reference) throw new ProvenantError('DIGEST_MISMATCH', `${what}: content hashes to ${digest}`);
    let json: Manifest['json'];
    try {
      json = JSON.parse(bytes.toString('utf8')) as Manifest['json'];
    } catch (cause) {
      throw new ProvenantError('MANIFEST_INVALID', `${what} is not JSON`, { cause });
    }
    if (json === null || typeof json !== 'object') throw new ProvenantError('MANIFEST_INVALID', `${what} is not a JSON object`);
    const mediaType = json.mediaType ?? res.headers.get('content-type')?.split(';')[0] ?? MEDIA.ociManifest;
    return { mediaType, digest, bytes, json };
  }

  /** Resolves a tag (or digest) to the manifest digest, once. */
  async resolve(repository: string, reference: string): Promise<Manifest> {
    const m = await this.getManifest(repository, reference);
    if (!m) throw new ProvenantError('MANIFEST_UNKNOWN', `no manifest ${this.registry}/${repository}:${reference}`);
    return m;
  }

  async getBlob(repository: string, digest: string, limit = BLOB_LIMIT): Promise<Buffer> {
    const what = `blob ${this.registry}/${repository}@${digest}`;
    const res = await this.request(`${repository}/blobs/${digest}`, {}, what);
    if (!res.ok) {
      await res.body?.cancel();
      throw res.status === 404 ? new ProvenantError('BLOB_UNKNOWN', `${what} does not exist`) : statusError(res.status, what);
    }
    const bytes = await RegistryClient.readLimited(res, limit, what);
    if (sha256Digest(bytes) !== digest) throw new ProvenantError('DIGEST_MISMATCH', `${what}: content hashes to ${sha256Digest(bytes)}`);
    return bytes;
  }

  async hasBlob(repository: string, digest: string): Promise<boolean> {
    const res = await this.request(`${repository}/blobs/${digest}`, { method: 'HEAD' }, `blob ${digest}`);
    return res.ok;
  }

  /** Uploads a blob (POST for a location, then PUT with the digest), unless it is already there. */
  async putBlob(repository: string, data: Uint8Array, digest = sha256Digest(data)): Promise<string> {
    if (await this.hasBlob(repository, digest)) return digest;
    const what = `upload of ${digest} to ${this.registry}/${repository}`;
    const start = await this.request(`${repository}/blobs/uploads/`, { method: 'POST' }, what);
    await start.body?.cancel();
    const location = start.headers.get('location');
    if (start.status !== 202 || !location) throw statusError(start.status, what);
    const url = new URL(location, this.base);
    url.searchParams.set('digest', digest);
    let res: Response;
    try {
      res = await fetch(url, { method: 'PUT', body: data, headers: { 'content-type': 'application/octet-stream' }, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (cause) {
      throw new ProvenantError('REGISTRY_UNREACHABLE', `${what}: ${(cause as Error).message}`, { cause });
    }
    await res.body?.cancel();
    if (res.status !== 201) throw statusError(res.status, what);
    return digest;
  }

  /** PUT a manifest by digest or tag; returns its digest. */
  async putManifest(repository: string, reference: string, bytes: Uint8Array, mediaType: string): Promise<string> {
    const what = `push of manifest ${this.registry}/${repository}:${reference}`;
    const res = await this.request(`${repository}/manifests/${reference}`, { method: 'PUT', body: bytes, headers: { 'content-type': mediaType } }, what);
    await res.body?.cancel();
    if (res.status !== 201) throw statusError(res.status, what);
    return sha256Digest(bytes);
  }

  async listTags(repository: string): Promise<string[]> {
    const what = `tag list of ${this.registry}/${repository}`;
    const res = await this.request(`${repository}/tags/list`, {}, what);
    if (res.status === 404) {
      await res.body?.cancel();
      return [];
    }
    if (!res.ok) throw statusError(res.status, what);
    const body = JSON.parse((await RegistryClient.readLimited(res, MANIFEST_LIMIT, what)).toString('utf8')) as { tags?: unknown };
    return Array.isArray(body.tags) ? body.tags.filter((t): t is string => typeof t === 'string') : [];
  }

  /** Referrers of a digest: the referrers API, else the `sha256-<hex>` fallback tag index. */
  async referrers(repository: string, digest: string): Promise<Descriptor[]> {
    const what = `referrers of ${this.registry}/${repository}@${digest}`;
    const res = await this.request(`${repository}/referrers/${digest}`, { headers: { accept: MEDIA.ociIndex } }, what);
    if (res.ok && (res.headers.get('content-type') ?? '').startsWith(MEDIA.ociIndex)) {
      const index = JSON.parse((await RegistryClient.readLimited(res, MANIFEST_LIMIT, what)).toString('utf8')) as { manifests?: Descriptor[] };
      return index.manifests ?? [];
    }
    await res.body?.cancel();
    const fallback = await this.getManifest(repository, referrersTag(digest));
    return fallback?.json.manifests ?? [];
  }

  /** Adds a referrer to the fallback tag index (this registry has no referrers API). */
  async addReferrer(repository: string, subjectDigest: string, referrer: Descriptor): Promise<void> {
    const tag = referrersTag(subjectDigest);
    const current = await this.getManifest(repository, tag);
    const manifests = (current?.json.manifests ?? []).filter((d) => d.digest !== referrer.digest);
    manifests.push(referrer);
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests }));
    await this.putManifest(repository, tag, index, MEDIA.ociIndex);
  }
}

/** The referrers tag schema: `sha256-<hex>`. */
export function referrersTag(digest: string): string {
  return digest.replace(':', '-');
}
