// OCI image layout directories and docker-archive tars, read (digest-verified) and written.
export { OciLayout, OciLayoutWriter } from './oci-dir.js';
export { DockerArchive, writeDockerArchive } from './docker-archive.js';
export type { DockerArchiveImageInput } from './docker-archive.js';
export { resolveImages, parseManifestBytes, parseImageConfig, hostPlatform, parsePlatform, formatPlatform } from './image.js';
export type { BlobSource, ImageLayer, PlatformChoice, ResolvedImage } from './image.js';
export * from './schema.js';
