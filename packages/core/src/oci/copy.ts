// Copies an image (a manifest, or an index with all its children) and its referrers between
// repositories, by digest: blobs first (mounted within a registry, streamed and verified across),
// then manifests bottom-up, the tag last so it never names an incomplete image.
import type { Digest } from '../digest/index.js';
import { ProvenantError } from '../errors.js';
import type { Descriptor } from './layout/index.js';
import type { FetchedManifest, RegistryClient } from './client.js';
import { formatReference, parseReference, type ImageReference, type RepositoryRef } from './reference.js';

export interface CopyImageOptions {
  /** Client for the destination when it needs other settings (credentials, CA); default the source client. */
  destinationClient?: RegistryClient;
  /** Copy referrers (signatures, attestations, SBOMs) of every copied manifest, recursively. Default true. */
  referrers?: boolean;
  /** Only referrers of this artifactType (their own referrers follow regardless). */
  referrersArtifactType?: string;
  /** Blobs copied at once. */
  concurrency?: number;
}

export interface CopyImageResult {
  /** Digest of the copied root manifest or index (the same at source and destination). */
  digest: Digest;
  mediaType: string;
  size: number;
  /** Destination reference, by digest. */
  reference: string;
  manifests: number;
  blobs: { copied: number; mounted: number; existed: number };
  referrers: Digest[];
}

// Layers that must not be redistributed (Windows base layers) are referenced by URL, never copied.
const FOREIGN_LAYER = /\.foreign\.|nondistributable/;

async function pool<T>(items: T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await run(item);
    }
  });
  await Promise.all(workers);
}

/** Copies `src` to `dst` (tag, digest, or repository only: then the source tag is reused). */
export async function copyImage(client: RegistryClient, src: ImageReference | string, dst: ImageReference | string, options: CopyImageOptions = {}): Promise<CopyImageResult> {
  const source = typeof src === 'string' ? parseReference(src) : src;
  const target = typeof dst === 'string' ? parseReference(dst) : dst;
  const dest = options.destinationClient ?? client;
  const sameRegistry = source.registry === target.registry && dest === client;
  const sameRepository = sameRegistry && source.repository === target.repository;
  const result: CopyImageResult = { digest: '' as Digest, mediaType: '', size: 0, reference: '', manifests: 0, blobs: { copied: 0, mounted: 0, existed: 0 }, referrers: [] };
  const done = new Set<string>();
  const blobsDone = new Map<string, Promise<void>>();

  const copyBlob = (desc: Descriptor): Promise<void> => {
    let p = blobsDone.get(desc.digest);
    if (!p) {
      p = (async () => {
        if (FOREIGN_LAYER.test(desc.mediaType) && desc.urls?.length) return;
        if (sameRepository) {
          result.blobs.existed++;
          return;
        }
        const digest = desc.digest as Digest;
        const pushed = await dest.pushBlob(
          target,
          { data: { open: () => client.openBlob(source, desc, { kind: 'layer' }), size: desc.size, digest } },
          sameRegistry ? { mountFrom: source.repository } : {},
        );
        if (pushed.existed) result.blobs.existed++;
        else if (pushed.mounted) result.blobs.mounted++;
        else result.blobs.copied++;
      })();
      blobsDone.set(desc.digest, p);
    }
    return p;
  };

  const copyManifest = async (m: FetchedManifest): Promise<void> => {
    if (done.has(m.digest)) return;
    done.add(m.digest);
    if (m.parsed.kind === 'index') {
      for (const child of m.parsed.index.manifests) {
        const fetched = await client.getManifest({ ...source, tag: undefined, digest: child.digest as Digest });
        await copyManifest(fetched);
      }
    } else {
      const blobs = [m.parsed.manifest.config, ...m.parsed.manifest.layers];
      await pool(blobs, options.concurrency ?? 4, copyBlob);
    }
    // Pushed by digest; the destination updates its own referrers fallback when it has a subject.
    await dest.putManifest({ ...target, tag: undefined, digest: m.digest }, m.bytes, { mediaType: m.mediaType });
    result.manifests++;
    if (options.referrers !== false) await copyReferrers(m.digest, options.referrersArtifactType);
  };

  const copyReferrers = async (subject: Digest, artifactType: string | undefined): Promise<void> => {
    const list = await client.listReferrers(source, subject, artifactType !== undefined ? { artifactType } : {});
    for (const d of list) {
      if (done.has(d.digest)) continue;
      const fetched = await client.getManifest({ ...source, tag: undefined, digest: d.digest as Digest }, { kind: 'referrerManifest' });
      const doc = fetched.parsed.kind === 'index' ? fetched.parsed.index : fetched.parsed.manifest;
      // A fallback index could list anything; only manifests that name this subject are its referrers.
      if (doc.subject?.digest !== subject) continue;
      await copyManifest(fetched);
      result.referrers.push(fetched.digest);
    }
  };

  const root = await client.getManifest(source);
  if (target.digest !== undefined && target.digest !== root.digest) {
    throw new ProvenantError('DIGEST_MISMATCH', `${formatReference(source)} is ${root.digest}, not the destination digest ${target.digest}`, { details: { expected: target.digest, actual: root.digest } });
  }
  await copyManifest(root);
  const tag = target.tag ?? (target.digest === undefined ? source.tag : undefined);
  if (tag !== undefined) await dest.putManifest({ ...target, tag, digest: undefined }, root.bytes, { mediaType: root.mediaType });
  result.digest = root.digest;
  result.mediaType = root.mediaType;
  result.size = root.size;
  result.reference = formatReference({ registry: target.registry, repository: target.repository, digest: root.digest });
  return result;
}

/** Same repository, other reference: a small helper for callers composing references. */
export function inRepository(repo: RepositoryRef, digest: Digest): ImageReference {
  return { registry: repo.registry, repository: repo.repository, tag: undefined, digest };
}
