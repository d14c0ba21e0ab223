import { existsSync } from 'node:fs';

const IMAGE_PREFIXES = ['oci:', 'docker-archive:', 'docker://', 'registry:'];

/**
 * True when `provenant sbom` should treat a target as an image (handled by sbom/image) rather than a
 * project directory or lockfile: an explicit transport prefix, or an image reference that names nothing on disk.
 */
export function isImageTarget(target: string): boolean {
  if (IMAGE_PREFIXES.some((p) => target.startsWith(p))) return true;
  if (existsSync(target)) return false;
  // `repo:tag`, `host/repo`, `repo@sha256:...`: only a reference, never a relative path, has these shapes.
  return /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._/-][a-z0-9]+)*)*(:[\w][\w.-]{0,127})?(@sha256:[0-9a-f]{64})?$/u.test(target) &&
    (target.includes(':') || target.includes('/') || target.includes('@'));
}

export interface SbomDocumentOptions {
  format: 'cyclonedx-json' | 'cyclonedx-xml' | 'spdx-json';
  specVersion: '1.5' | '1.6';
  reproducible: boolean;
  omitDev: boolean;
}

/**
 * The hook `provenant sbom` calls for image targets: sbom/image exports a function of this type named
 * `writeImageSbom`; until it does, image targets are UNSUPPORTED.
 */
export type ImageSbomWriter = (target: string, opts: SbomDocumentOptions) => Promise<{ document: string; components: number }>;
