import type { Platform } from '../../oci/index.js';

export type ImageComponentKind = 'os-package' | 'library' | 'operating-system';

/** One package found in an image, with where it was found. */
export interface ImageComponent {
  kind: ImageComponentKind;
  /** dpkg, apk, python, npm, os-release */
  cataloger: string;
  name: string;
  version: string;
  purl?: string;
  licenses: string[];
  /** Digest of the layer that last wrote the file it was read from. */
  layerDigest: string;
  /** Root-relative path of that file (the database, METADATA, package.json...). */
  path: string;
  /** Extra facts (architecture, source package, origin, ...), written as properties. */
  properties: Record<string, string>;
  /** Names (component keys) of components this one depends on, when the database says so. */
  dependsOn?: string[];
}

/** The image itself: the SBOM's root component. */
export interface ImageSubject {
  /** Repository-ish name for the root component (`registry/repo`, layout dir, archive file). */
  name: string;
  reference: string;
  /** Manifest digest (or, for docker-archive, the config digest/image ID, see digestKind). */
  digest: string;
  digestKind: 'manifest' | 'config';
  indexDigest?: string;
  configDigest: string;
  tags: string[];
  platform: Platform;
  layers: Array<{ digest: string; diffId?: string; mediaType: string; size?: number }>;
}

export interface ImageInventory {
  subject: ImageSubject;
  os?: { id: string; versionId?: string; prettyName?: string; layerDigest: string; path: string };
  components: ImageComponent[];
  stats: { files: number; layers: number };
}
