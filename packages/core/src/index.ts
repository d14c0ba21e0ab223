// @provenant/core: import a module's surface from its own entry point (e.g. '@provenant/core/digest');
// this root re-exports the error type and the module namespaces.
export * from './errors.js';
export * as digest from './digest/index.js';
export * as oci from './oci/index.js';
export * as sbom from './sbom/index.js';
export * as intoto from './intoto/index.js';
export * as slsa from './slsa/index.js';
export * as sign from './sign/index.js';
export * as verify from './verify/index.js';
export * as cosign from './cosign/index.js';
export { PROVENANT_VERSION } from './version.js';
