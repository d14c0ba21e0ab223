// Public API of core/sbom. Other modules import only this file.

// JavaScript catalogers (package-lock/shrinkwrap v1-v3, pnpm 5/6/9, yarn classic/berry, node_modules) and the inventory they produce.
export type { Inventory, InventoryPackage, InventoryRoot, InventoryDependency, InventoryHash, HashAlgorithm, CatalogOptions, InventorySourceKind, PackageSourceKind } from './inventory.js';
export { catalogJavaScriptProject, parseLockfile, LOCKFILE_NAMES, DEFAULT_MAX_LOCKFILE_BYTES } from './js/index.js';
export type { JavaScriptCatalogOptions } from './js/index.js';
export { parsePackageLock } from './js/package-lock.js';
export { parsePnpmLock } from './js/pnpm-lock.js';
export { parseYarnLock } from './js/yarn-lock.js';
export { catalogNodeModules } from './js/node-modules.js';
export { hashesFromIntegrity, npmPurl } from './js/common.js';
// Writers: CycloneDX through @cyclonedx/cyclonedx-library (its public entry points), SPDX 2.3 JSON.
export type { CycloneDxOptions, CycloneDxSpecVersion, CycloneDxFormat } from './cyclonedx.js';
export type { SpdxOptions, SpdxDocument } from './spdx.js';
export { toCycloneDx, inventoryToBom } from './cyclonedx.js';
export { toSpdxJson, spdxDocumentSchema } from './spdx.js';
// Where `provenant sbom` sends a target: project/lockfile here, images to sbom/image.
export { isImageTarget } from './target.js';
export type { ImageSbomWriter, SbomDocumentOptions } from './target.js';
// OS package databases (dpkg, apk, python, os-release): sbom/os, owned by the image-SBOM work.
export * from './os/index.js';
// Image SBOMs (squash + catalog of OCI layouts, docker-archives, registry images): sbom/image.
// It pulls in core/oci (~3x the load time of everything else here), so it loads on first use and
// `provenant sbom <project>` never pays for it. Types are free; the whole module is `loadImageSbom()`.
export type {
  CatalogImageOptions,
  ImageTarget,
  RegistryImageResolver,
  SquashOptions,
  FsNode,
  ImageInventory,
  ImageComponent,
  ImageSubject,
  ImageSbomOptions,
} from './image/index.js';
type ImageSbomModule = typeof import('./image/index.js');
export function loadImageSbom(): Promise<ImageSbomModule> {
  return import('./image/index.js');
}
export async function catalogImage(...args: Parameters<ImageSbomModule['catalogImage']>): ReturnType<ImageSbomModule['catalogImage']> {
  return (await loadImageSbom()).catalogImage(...args);
}
export async function catalogImageInventories(...args: Parameters<ImageSbomModule['catalogImageInventories']>): ReturnType<ImageSbomModule['catalogImageInventories']> {
  return (await loadImageSbom()).catalogImageInventories(...args);
}
export async function catalogResolvedImage(...args: Parameters<ImageSbomModule['catalogResolvedImage']>): ReturnType<ImageSbomModule['catalogResolvedImage']> {
  return (await loadImageSbom()).catalogResolvedImage(...args);
}
export async function squashLayers(...args: Parameters<ImageSbomModule['squashLayers']>): ReturnType<ImageSbomModule['squashLayers']> {
  return (await loadImageSbom()).squashLayers(...args);
}
export async function openImageTarget(...args: Parameters<ImageSbomModule['openImageTarget']>): ReturnType<ImageSbomModule['openImageTarget']> {
  return (await loadImageSbom()).openImageTarget(...args);
}
export async function writeImageSbom(...args: Parameters<ImageSbomModule['writeImageSbom']>): ReturnType<ImageSbomModule['writeImageSbom']> {
  return (await loadImageSbom()).writeImageSbom(...args);
}
// CycloneDX JSON schema validation (ajv loaded lazily on first call).
export { validateCycloneDxJson, assertValidCycloneDxJson, CYCLONEDX_SCHEMA_VERSIONS } from './validate.js';
export type { CycloneDxValidationResult, CycloneDxSchemaVersion } from './validate.js';
