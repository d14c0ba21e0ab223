// Referrers (OCI distribution 1.1): the referrers API, and the `sha256-<hex>` tag schema for
// registries without it. Reading tries the API, then the tag; writing keeps the tag's index current.
//
// Concurrency of the fallback index (the spec offers no compare-and-swap): each writer reads the
// index, adds its descriptor, checks with HEAD that the tag still names the index it read, PUTs,
// then reads the tag back, and again after a pause (settleMs), starting over if its descriptor is
// missing. What remains: a writer whose HEAD-to-PUT takes longer than the other writers' settle pause
// can land an index read before their PUT after their last check, and their entries are lost. Only
// a registry with the referrers API (or a conditional PUT) closes that window.
import { setTimeout as sleep } from 'node:timers/promises';
import { parseDigest, type Digest } from '../digest/index.js';
import { ProvenantError } from '../errors.js';
import { ImageIndexSchema, type Descriptor } from './layout/index.js';
import { discard, readBody, responseHeader } from './http.js';
import { MEDIA_TYPES } from './media-types.js';
import { formatReference, type ImageReference, type RepositoryRef } from './reference.js';
import { nextLink, responseError, type RegistryClient } from './client.js';

const MAX_PAGES = 100;

/** The tag-schema tag for a subject: `<alg>-<hex>`, truncated as the spec says (alg 32, hex 64). */
export function referrersFallbackTag(subject: string): string {
  const { algorithm, hex } = parseDigest(subject);
  return `${algorithm.slice(0, 32)}-${hex.slice(0, 64)}`;
}

function matchesArtifactType(d: Descriptor, artifactType: string | undefined): boolean {
  return artifactType === undefined || d.artifactType === artifactType;
}

/**
 * Lists the referrers of `subject`: the registry's referrers API when it has one, otherwise the
 * fallback index at tag `sha256-<hex>`. `artifactType` filters both (client-side when the registry did not).
 */
export async function listReferrers(client: RegistryClient, repo: RepositoryRef, subject: Digest, options: { artifactType?: string } = {}): Promise<Descriptor[]> {
  parseDigest(subject);
  const what = `referrers of ${formatReference({ ...repo, digest: subject })}`;
  const query = options.artifactType !== undefined ? `?artifactType=${encodeURIComponent(options.artifactType)}` : '';
  let res = await client.rawGet(repo, `referrers/${subject}${query}`, { accept: MEDIA_TYPES.ociIndex }, what);
  // A registry without the API answers 404 (or 400/405 on old versions): use the tag schema.
  if (res.status === 404 || res.status === 400 || res.status === 405) {
    discard(res);
    return listFallbackReferrers(client, repo, subject, options);
  }
  const out: Descriptor[] = [];
  for (let page = 0; ; page++) {
    if (res.status !== 200) throw await responseError(res, what, 'REGISTRY_NOT_FOUND');
    const index = parseIndex(await readBody(res, client.readLimit('referrers'), what, { tooLarge: 'MANIFEST_TOO_LARGE', truncated: 'BLOB_TRUNCATED' }), what);
    const filtered = (responseHeader(res.headers, 'oci-filters-applied') ?? '').split(',').map((s) => s.trim()).includes('artifactType');
    out.push(...index.manifests.filter((d) => filtered || matchesArtifactType(d, options.artifactType)));
    const next = nextLink(res);
    if (next === undefined) return out;
    if (page + 1 >= MAX_PAGES) throw new ProvenantError('REGISTRY_PROTOCOL_ERROR', `${what}: more than ${MAX_PAGES} pages`);
    res = await client.rawGet(repo, next, { accept: MEDIA_TYPES.ociIndex }, what);
  }
}

/** Referrers from the `sha256-<hex>` tag only. */
export async function listFallbackReferrers(client: RegistryClient, repo: RepositoryRef, subject: Digest, options: { artifactType?: string } = {}): Promise<Descriptor[]> {
  const tag = referrersFallbackTag(subject);
  const found = await client.fetchManifest({ ...repo, tag, digest: undefined }, { kind: 'referrers' });
  if (!found) return [];
  if (found.parsed.kind !== 'index') throw new ProvenantError('MANIFEST_INVALID', `tag ${tag} in ${formatReference(repo)} should hold a referrers index but holds an image manifest`);
  return found.parsed.index.manifests.filter((d) => matchesArtifactType(d, options.artifactType));
}

function parseIndex(bytes: Buffer, what: string): { manifests: Descriptor[] } {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (cause) {
    throw new ProvenantError('MANIFEST_INVALID', `${what}: the answer is not JSON`, { cause });
  }
  const r = ImageIndexSchema.safeParse(json);
  if (!r.success) throw new ProvenantError('MANIFEST_INVALID', `${what}: the answer is not an image index`, { cause: r.error });
  return r.data;
}

/**
 * Adds `descriptor` to the fallback index of `subject` (read, modify, check, write, read back),
 * retrying a bounded number of times when another writer changed the tag in between.
 */
export async function addToReferrersFallback(client: RegistryClient, repo: RepositoryRef, subject: Digest, descriptor: Descriptor, options: { attempts?: number; settleMs?: number } = {}): Promise<void> {
  const tag = referrersFallbackTag(subject);
  const ref = { ...repo, tag, digest: undefined };
  const attempts = options.attempts ?? client.options.referrersFallbackAttempts ?? 5;
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (attempt > 0) await sleep(Math.round(20 * 2 ** attempt * (0.5 + Math.random())));
    const current = await client.fetchManifest(ref);
    if (current && current.parsed.kind !== 'index') {
      throw new ProvenantError('MANIFEST_INVALID', `tag ${tag} in ${formatReference(repo)} holds an image manifest, not a referrers index; refusing to overwrite it`);
    }
    const existing = current?.parsed.kind === 'index' ? current.parsed.index.manifests : [];
    if (existing.some((d) => d.digest === descriptor.digest)) return;
    const index = { schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [...existing, descriptor] };
    const bytes = Buffer.from(JSON.stringify(index));
    // Narrow the lost-update window: write only if the tag still names what we read.
    const now = await client.headManifest(ref);
    if (now?.digest !== current?.digest) continue;
    await client.putManifest(ref, bytes, { mediaType: MEDIA_TYPES.ociIndex, updateReferrersFallback: false });
    if (await fallbackLists(client, ref, descriptor.digest)) {
      // A writer that read before our PUT may still land its stale index: look once more after a pause.
      const settle = options.settleMs ?? client.options.referrersFallbackSettleMs ?? 100;
      if (settle <= 0) return;
      await sleep(settle);
      if (await fallbackLists(client, ref, descriptor.digest)) return;
    }
  }
  throw new ProvenantError('REGISTRY_ERROR', `could not update the referrers index at tag ${tag} in ${formatReference(repo)}: it kept changing under concurrent writers (${attempts} attempts)`, {
    details: { tag, attempts },
  });
}

async function fallbackLists(client: RegistryClient, ref: ImageReference, digest: string): Promise<boolean> {
  const after = await client.fetchManifest(ref);
  return after?.parsed.kind === 'index' && after.parsed.index.manifests.some((d) => d.digest === digest);
}

/** Removes a descriptor from the fallback index (after deleting a referrer); no-op when absent. */
export async function removeFromReferrersFallback(client: RegistryClient, repo: RepositoryRef, subject: Digest, digest: Digest, options: { attempts?: number } = {}): Promise<void> {
  const tag = referrersFallbackTag(subject);
  const ref = { ...repo, tag, digest: undefined };
  const attempts = options.attempts ?? client.options.referrersFallbackAttempts ?? 5;
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (attempt > 0) await sleep(Math.round(20 * 2 ** attempt * (0.5 + Math.random())));
    const current = await client.fetchManifest(ref);
    if (!current || current.parsed.kind !== 'index') return;
    const kept = current.parsed.index.manifests.filter((d) => d.digest !== digest);
    if (kept.length === current.parsed.index.manifests.length) return;
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: kept }));
    const now = await client.headManifest(ref);
    if (now?.digest !== current.digest) continue;
    await client.putManifest(ref, bytes, { mediaType: MEDIA_TYPES.ociIndex, updateReferrersFallback: false });
    const after = await client.fetchManifest(ref);
    if (after?.parsed.kind === 'index' && !after.parsed.index.manifests.some((d) => d.digest === digest)) return;
  }
  throw new ProvenantError('REGISTRY_ERROR', `could not update the referrers index at tag ${tag} in ${formatReference(repo)} (${attempts} attempts)`, { details: { tag, attempts } });
}
