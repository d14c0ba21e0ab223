/**
 * The plain package inventory every cataloger produces and every SBOM writer consumes. It carries no
 * library model objects, so image catalogers and other callers can build, merge and inspect it freely.
 */

export type HashAlgorithm = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';

export interface InventoryHash {
  alg: HashAlgorithm;
  /** lowercase hex */
  content: string;
}

/** Where a package came from, as recorded by the lockfile. */
export type PackageSourceKind = 'registry' | 'git' | 'file' | 'link' | 'tarball' | 'workspace' | 'unknown';

export interface InventoryPackage {
  /** Unique within the inventory; used as CycloneDX bom-ref and SPDX element id seed. */
  ref: string;
  name: string;
  version: string;
  purl: string;
  hashes: InventoryHash[];
  /** SPDX license ids, expressions or free-text names, as declared. */
  licenses: string[];
  /** Only needed for development (npm `dev`, pnpm `dev`, reachable only from devDependencies). */
  dev: boolean;
  optional: boolean;
  source: PackageSourceKind;
  /** The resolved location when not a plain registry tarball (git URL, file path, tarball URL). */
  resolved?: string;
  /** Ecosystem of the purl ("npm", "deb", "apk", "pypi", ...); lets image catalogers share the type. */
  ecosystem: string;
  /** The CycloneDX component type when not `library`: `platform` for a runtime a lockfile pins (pnpm's `node@runtime:`). */
  componentType?: 'platform';
  /** Free-form facts (e.g. `npm:bundled`, `npm:peer`, `npm:alias`) written as CycloneDX properties. */
  properties?: Record<string, string>;
}

export interface InventoryRoot {
  ref: string;
  name: string;
  version: string;
  purl?: string;
  licenses: string[];
  description?: string;
  /** True when the lockfile itself records the root package (package-lock v2/v3 `""`, yarn berry workspace `.`). */
  fromLockfile: boolean;
}

export interface InventoryDependency {
  ref: string;
  dependsOn: string[];
}

export type InventorySourceKind =
  | 'package-lock'
  | 'npm-shrinkwrap'
  | 'pnpm-lock'
  | 'yarn-classic'
  | 'yarn-berry'
  | 'node_modules'
  | 'image';

export interface Inventory {
  root: InventoryRoot;
  packages: InventoryPackage[];
  /** Edges by ref, the root's direct dependencies included; every ref named exists in root or packages. */
  dependencies: InventoryDependency[];
  source: { kind: InventorySourceKind; lockfileVersion?: string; path?: string };
}

export interface CatalogOptions {
  /** Drop development-only packages instead of marking them (CycloneDX scope `excluded`). */
  omitDev?: boolean;
}
