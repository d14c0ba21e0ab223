// Public API of core/oci. Other modules import only this file.
export {};
// Image layouts (OCI dirs, docker-archive) and streaming tar/gzip: oci/layout and oci/tar (image-SBOM work).
export * from './layout/index.js';
export * from './tar/index.js';
