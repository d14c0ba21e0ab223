import { ProvenantError } from '../../errors.js';
import {
  ImageConfigSchema,
  ImageIndexSchema,
  ImageManifestSchema,
  isIndexMediaType,
  type Descriptor,
  type ImageConfig,
  type ImageIndex,
  type ImageManifest,
  type Platform,
} from './schema.js';

/** One layer of a resolved image; `open()` yields its stored bytes, digest-verified while streaming. */
export interface ImageLayer {
  /** Digest of the stored blob (compressed for registry/OCI layouts, the diff_id for docker-archive). */
  digest: string;
  /** sha256 of the uncompressed tar, from the config's rootfs.diff_ids. */
  diffId: string | undefined;
  mediaType: string;
  size: number | undefined;
  open(): AsyncIterable<Buffer>;
}

/** A single-platform image with its config parsed and its layers ready to stream. */
export interface ResolvedImage {
  /** What the user named (`oci:dir:tag`, `docker-archive:file`, `registry/repo:tag`). */
  reference: string;
  /** Manifest digest; for a docker-archive (which has no manifest) the config digest, i.e. the image ID. */
  digest: string;
  digestKind: 'manifest' | 'config';
  /** The index digest when the image was picked from an index. */
  indexDigest?: string;
  /** Repository tags known for it (docker-archive RepoTags, OCI ref.name). */
  tags: string[];
  platform: Platform;
  manifest: ImageManifest | undefined;
  configDigest: string;
  config: ImageConfig;
  layers: ImageLayer[];
}

/** Reads digest-verified manifests and blobs by descriptor: what layouts and registries have in common. */
export interface BlobSource {
  /** Manifest or index bytes, verified against desc.digest and desc.size. */
  readManifest(desc: Descriptor): Promise<Buffer>;
  /** A small blob (configs), verified. */
  readBlob(desc: Descriptor): Promise<Buffer>;
  /** A large blob as a verified stream. */
  openBlob(desc: Descriptor): AsyncIterable<Buffer>;
}

/** `os/arch[/variant]`, or 'all'. */
export type PlatformChoice = Platform | 'all';

const ARCH_BY_NODE: Record<string, { architecture: string; variant?: string }> = {
  x64: { architecture: 'amd64' },
  arm64: { architecture: 'arm64' },
  arm: { architecture: 'arm', variant: 'v7' },
  ia32: { architecture: '386' },
  ppc64: { architecture: 'ppc64le' },
  s390x: { architecture: 's390x' },
  riscv64: { architecture: 'riscv64' },
  loong64: { architecture: 'loong64' },
};

/** The platform of this host as OCI names it (images are linux even on macOS hosts). */
export function hostPlatform(): Platform {
  const a = ARCH_BY_NODE[process.arch] ?? { architecture: process.arch };
  return { os: 'linux', ...a };
}

export function parsePlatform(text: string): PlatformChoice {
  if (text === 'all') return 'all';
  const m = /^([a-z0-9]+)\/([a-z0-9_]+)(?:\/([a-z0-9]+))?$/.exec(text);
  if (!m) throw new ProvenantError('INVALID_ARGUMENT', `platform ${JSON.stringify(text)} is not os/arch[/variant] or "all"`);
  return m[3] ? { os: m[1]!, architecture: m[2]!, variant: m[3] } : { os: m[1]!, architecture: m[2]! };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

function platformMatches(have: Platform | undefined, want: Platform): boolean {
  if (!have) return false;
  if (have.os !== want.os || have.architecture !== want.architecture) return false;
  // arm64 images commonly say v8 or nothing; a wanted variant must match when both name one.
  return want.variant === undefined || have.variant === undefined || have.variant === want.variant;
}

function parseJson(bytes: Buffer, what: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (cause) {
    throw new ProvenantError('MANIFEST_INVALID', `${what} is not JSON`, { cause });
  }
}

/** Classifies manifest bytes as an index or an image manifest (by mediaType, else by shape). */
export function parseManifestBytes(bytes: Buffer, declaredMediaType: string | undefined): { kind: 'index'; index: ImageIndex } | { kind: 'manifest'; manifest: ImageManifest } {
  const json = parseJson(bytes, 'manifest');
  const mt = (typeof json === 'object' && json !== null && 'mediaType' in json && typeof json.mediaType === 'string' ? json.mediaType : undefined) ?? declaredMediaType;
  const looksLikeIndex = isIndexMediaType(mt) || (mt === undefined && typeof json === 'object' && json !== null && 'manifests' in json);
  if (looksLikeIndex) {
    const r = ImageIndexSchema.safeParse(json);
    if (!r.success) throw new ProvenantError('MANIFEST_INVALID', `image index is invalid: ${r.error.issues[0]?.message ?? ''}`, { cause: r.error });
    return { kind: 'index', index: r.data };
  }
  const r = ImageManifestSchema.safeParse(json);
  if (!r.success) throw new ProvenantError('MANIFEST_INVALID', `image manifest is invalid: ${r.error.issues[0]?.path.join('.') ?? ''} ${r.error.issues[0]?.message ?? ''}`, { cause: r.error });
  return { kind: 'manifest', manifest: r.data };
}

export function parseImageConfig(bytes: Buffer): ImageConfig {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (cause) {
    throw new ProvenantError('MANIFEST_INVALID', 'image config is not JSON', { cause });
  }
  const r = ImageConfigSchema.safeParse(json);
  if (!r.success) throw new ProvenantError('MANIFEST_INVALID', `image config is invalid: ${r.error.issues[0]?.path.join('.') ?? ''} ${r.error.issues[0]?.message ?? ''}`, { cause: r.error });
  return r.data;
}

async function imageFromManifest(src: BlobSource, reference: string, desc: Descriptor, manifest: ImageManifest, tags: string[], indexDigest?: string): Promise<ResolvedImage> {
  const configBytes = await src.readBlob(manifest.config);
  const config = parseImageConfig(configBytes);
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== manifest.layers.length) {
    throw new ProvenantError('MANIFEST_INVALID', `manifest has ${manifest.layers.length} layers but the config lists ${diffIds.length} diff_ids`);
  }
  const platform: Platform = desc.platform ?? { os: config.os ?? 'unknown', architecture: config.architecture ?? 'unknown', ...(config.variant ? { variant: config.variant } : {}) };
  const image: ResolvedImage = {
    reference,
    digest: desc.digest,
    digestKind: 'manifest',
    tags,
    platform,
    manifest,
    configDigest: manifest.config.digest,
    config,
    layers: manifest.layers.map((l, i) => ({ digest: l.digest, diffId: diffIds[i], mediaType: l.mediaType, size: l.size, open: () => src.openBlob(l) })),
  };
  if (indexDigest !== undefined) image.indexDigest = indexDigest;
  return image;
}

/**
 * Resolves a manifest or index descriptor to the images for the chosen platform (one, or every
 * image manifest of the index for 'all'). Nested indexes are followed up to a small depth.
 */
export async function resolveImages(src: BlobSource, reference: string, root: Descriptor, choice: PlatformChoice, tags: string[] = []): Promise<ResolvedImage[]> {
  const walk = async (desc: Descriptor, depth: number, indexDigest: string | undefined): Promise<ResolvedImage[]> => {
    const parsed = parseManifestBytes(await src.readManifest(desc), desc.mediaType);
    if (parsed.kind === 'manifest') return [await imageFromManifest(src, reference, desc, parsed.manifest, tags, indexDigest)];
    if (depth > 3) throw new ProvenantError('MANIFEST_INVALID', 'image indexes are nested too deeply');
    const candidates = parsed.index.manifests.filter((m) => !isAttestation(m));
    const top = indexDigest ?? desc.digest;
    if (choice === 'all') {
      const out: ResolvedImage[] = [];
      for (const m of candidates) out.push(...(await walk(m, depth + 1, top)));
      return out;
    }
    const pick = candidates.find((m) => platformMatches(m.platform, choice)) ?? candidates.find((m) => m.platform === undefined && isIndexMediaType(m.mediaType));
    if (!pick) {
      const have = candidates.map((m) => (m.platform ? formatPlatform(m.platform) : '?')).join(', ');
      throw new ProvenantError('PLATFORM_NOT_FOUND', `no image for ${formatPlatform(choice)} in the index (has: ${have || 'nothing'}); pass --platform`, { details: { platforms: have } });
    }
    return walk(pick, depth + 1, top);
  };
  return walk(root, 0, undefined);
}

/** BuildKit stores attestation manifests in the index with platform unknown/unknown. */
function isAttestation(d: Descriptor): boolean {
  return d.platform?.os === 'unknown' || d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest';
}
