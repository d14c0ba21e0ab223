// Image SBOMs: open an image (OCI layout, docker-archive, registry), squash its layers, catalog the view.
import { createClient, hostPlatform, parsePlatform, type DecompressLimits, type PlatformChoice, type RegistryClient, type RegistryClientFileOptions, type ResolvedImage } from '../../oci/index.js';
import type { Inventory } from '../inventory.js';
import { toInventory } from './inventory.js';
import { registryImageResolver } from './registry.js';
import { catalogView } from './catalog.js';
import type { ImageInventory } from './model.js';
import { squashLayers } from './squash.js';
import { openImageTarget, parseImageTarget, subjectName, type ImageTarget, type RegistryImageResolver } from './target.js';

export interface CatalogImageOptions {
  /** `os/arch[/variant]`, 'all', or a Platform; default the host (linux/<arch>). */
  platform?: string | PlatformChoice;
  limits?: DecompressLimits;
  /** Layers read at once (default 2). */
  concurrency?: number;
  /** See SquashOptions.verifyDiffIds (default false: blob digests already bind the layers). */
  verifyDiffIds?: boolean;
  /** Memory budgets, see SquashOptions. */
  maxEntries?: number;
  maxContentBytes?: number;
  /** How registry references are fetched; default a core/oci client built from `client` options. */
  registry?: RegistryImageResolver;
  /** Options for the default registry client (CA file, auth file, insecure hosts, ...). */
  client?: RegistryClientFileOptions;
  onLayer?: (index: number, total: number, digest: string) => void;
}

/** Catalogs one resolved image. */
export async function catalogResolvedImage(image: ResolvedImage, name: string, opts: CatalogImageOptions = {}): Promise<ImageInventory> {
  const view = await squashLayers(image.layers, {
    ...(opts.limits ? { limits: opts.limits } : {}),
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
    ...(opts.maxEntries ? { maxEntries: opts.maxEntries } : {}),
    ...(opts.verifyDiffIds === true ? { verifyDiffIds: true } : {}),
    ...(opts.maxContentBytes ? { maxContentBytes: opts.maxContentBytes } : {}),
    onLayer: (i, l) => opts.onLayer?.(i, image.layers.length, l.digest),
  });
  const found = catalogView(view);
  const layerDigest = (i: number): string => image.layers[i]?.digest ?? '';
  const inv: ImageInventory = {
    subject: {
      name,
      reference: image.reference,
      digest: image.digest,
      digestKind: image.digestKind,
      configDigest: image.configDigest,
      tags: image.tags,
      platform: image.platform,
      layers: image.layers.map((l) => ({ digest: l.digest, ...(l.diffId ? { diffId: l.diffId } : {}), mediaType: l.mediaType, ...(l.size !== undefined ? { size: l.size } : {}) })),
    },
    components: found.components.map(({ layer, ...c }) => ({ ...c, layerDigest: layerDigest(layer) })),
    stats: { files: view.size, layers: image.layers.length },
  };
  if (image.indexDigest) inv.subject.indexDigest = image.indexDigest;
  if (found.os) {
    inv.os = { id: found.os.id, layerDigest: layerDigest(found.os.layer), path: found.os.path };
    if (found.os.versionId) inv.os.versionId = found.os.versionId;
    if (found.os.prettyName) inv.os.prettyName = found.os.prettyName;
  }
  return inv;
}

/**
 * Catalogs the image(s) a target names: `oci:DIR[:ref]`, `docker-archive:FILE[:tag]` or a registry
 * reference. One image inventory per platform image (several only with platform 'all').
 */
export async function catalogImageInventories(target: string | ImageTarget, opts: CatalogImageOptions = {}): Promise<ImageInventory[]> {
  const t = typeof target === 'string' ? parseImageTarget(target) : target;
  const platform = opts.platform === undefined ? hostPlatform() : typeof opts.platform === 'string' ? parsePlatform(opts.platform) : opts.platform;
  let client: RegistryClient | undefined;
  let registry = opts.registry;
  if (t.kind === 'registry' && !registry) {
    client = await createClient(opts.client ?? {});
    registry = registryImageResolver(client);
  }
  try {
    const images = await openImageTarget(t, { platform, ...(registry ? { registry } : {}) });
    const out: ImageInventory[] = [];
    for (const image of images) out.push(await catalogResolvedImage(image, subjectName(t, image), opts));
    return out;
  } finally {
    client?.close();
  }
}

/**
 * The SBOM of an image as an Inventory for the CycloneDX/SPDX writers: root = the image (or the
 * index, with platform 'all'), each package with `provenant:layer:digest` and `provenant:location:path`.
 */
export async function catalogImage(target: string | ImageTarget, opts: CatalogImageOptions = {}): Promise<Inventory> {
  return toInventory(await catalogImageInventories(target, opts));
}

export { parseImageTarget, openImageTarget } from './target.js';
export { registryImageResolver } from './registry.js';
export { toInventory as imageInventoryToInventory, imagePurl } from './inventory.js';
export type { ImageTarget, RegistryImageResolver } from './target.js';
export { squashLayers } from './squash.js';
export type { SquashOptions } from './squash.js';
export { SquashedView } from './view.js';
export type { FsNode } from './view.js';
export { isCatalogedFile } from './wanted.js';
export type { ImageInventory, ImageComponent, ImageSubject } from './model.js';
export { writeImageSbom } from './write.js';
export type { ImageSbomOptions } from './write.js';
