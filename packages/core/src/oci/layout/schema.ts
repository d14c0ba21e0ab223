import { z } from 'zod';

export const MEDIA_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

export const DigestString = z.string().regex(/^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/, 'not a sha256:/sha512: digest');

export const PlatformSchema = z
  .object({
    architecture: z.string(),
    os: z.string(),
    variant: z.string().optional(),
    'os.version': z.string().optional(),
    'os.features': z.array(z.string()).optional(),
  })
  .passthrough();
export type Platform = z.infer<typeof PlatformSchema>;

export const DescriptorSchema = z
  .object({
    mediaType: z.string(),
    digest: DigestString,
    size: z.number().int().nonnegative(),
    annotations: z.record(z.string(), z.string()).optional(),
    platform: PlatformSchema.optional(),
    urls: z.array(z.string()).optional(),
    artifactType: z.string().optional(),
  })
  .passthrough();
export type Descriptor = z.infer<typeof DescriptorSchema>;

/** OCI image manifest or Docker schema2 manifest; `mediaType` is optional (umoci omits it). */
export const ImageManifestSchema = z
  .object({
    schemaVersion: z.literal(2),
    mediaType: z.string().optional(),
    artifactType: z.string().optional(),
    config: DescriptorSchema,
    layers: z.array(DescriptorSchema),
    subject: DescriptorSchema.optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  })
  .passthrough();
export type ImageManifest = z.infer<typeof ImageManifestSchema>;

/** OCI image index or Docker manifest list. */
export const ImageIndexSchema = z
  .object({
    schemaVersion: z.literal(2),
    mediaType: z.string().optional(),
    artifactType: z.string().optional(),
    manifests: z.array(DescriptorSchema),
    subject: DescriptorSchema.optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  })
  .passthrough();
export type ImageIndex = z.infer<typeof ImageIndexSchema>;

export const ImageConfigSchema = z
  .object({
    architecture: z.string().optional(),
    os: z.string().optional(),
    variant: z.string().optional(),
    created: z.string().optional(),
    author: z.string().optional(),
    config: z.object({}).passthrough().nullable().optional(),
    rootfs: z.object({ type: z.string(), diff_ids: z.array(DigestString) }),
    history: z.array(z.object({}).passthrough()).optional(),
  })
  .passthrough();
export type ImageConfig = z.infer<typeof ImageConfigSchema>;

export const OciLayoutFileSchema = z.object({ imageLayoutVersion: z.string() }).passthrough();

/** manifest.json of a `docker save` archive. */
export const DockerArchiveManifestSchema = z.array(
  z
    .object({
      Config: z.string(),
      RepoTags: z.array(z.string()).nullable().optional(),
      Layers: z.array(z.string()),
    })
    .passthrough(),
);
export type DockerArchiveManifest = z.infer<typeof DockerArchiveManifestSchema>;

export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType === MEDIA_TYPES.ociIndex || mediaType === MEDIA_TYPES.dockerManifestList;
}

export function isManifestMediaType(mediaType: string | undefined): boolean {
  return mediaType === MEDIA_TYPES.ociManifest || mediaType === MEDIA_TYPES.dockerManifest;
}
