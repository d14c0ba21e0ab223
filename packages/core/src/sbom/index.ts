// Public API of core/sbom. Other modules import only this file.
export {};
// OS package databases (dpkg, apk, python, os-release): sbom/os, owned by the image-SBOM work.
export * from './os/index.js';
// Image SBOMs (squash + catalog of OCI layouts, docker-archives, registry images): sbom/image.
export * from './image/index.js';
// CycloneDX JSON schema validation (ajv loaded lazily on first call).
export { validateCycloneDxJson, assertValidCycloneDxJson, CYCLONEDX_SCHEMA_VERSIONS } from './validate.js';
export type { CycloneDxValidationResult, CycloneDxSchemaVersion } from './validate.js';
