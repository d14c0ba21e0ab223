// Public API of core/oci. Other modules import only this file.
// References, the distribution client (auth chain, manifests, blobs, uploads, tags), referrers, copy.
//
//   const client = await createClient({ caFile, authFile, insecure });   // or new RegistryClient(opts)
//   const ref = parseReference('ghcr.io/org/app:v1');                    // docker.io/library/ defaults
//   const m = await client.getManifest(ref);                             // digest-verified, zod-parsed
//   for await (const chunk of client.openBlob(ref, layerDescriptor)) ... // verified while streaming
//   await client.pushBlob(ref, bytes); await client.putManifest(ref, manifestBytes);
//   await client.listReferrers(ref, m.digest, { artifactType });         // API, else sha256-<hex> tag
//   await copyImage(client, 'src:tag', 'dst:tag');                       // by digest, referrers too, tag last
//   client.close();
//
// Errors are ProvenantError with REGISTRY_* / MANIFEST_* / BLOB_* / DIGEST_* / TIMEOUT / TLS_ERROR codes.
export {
  DOCKER_HUB,
  DOCKER_HUB_API_HOST,
  formatReference,
  isLoopbackRegistry,
  isRegistryHost,
  looksLikeRegistry,
  manifestReference,
  normalizeRegistry,
  parseReference,
  registryApiHost,
  withReference,
  type ImageReference,
  type RepositoryRef,
} from './reference.js';
export {
  createClient,
  parseRetryAfter,
  RegistryClient,
  type BlobInput,
  type FetchedManifest,
  type ParsedManifest,
  type PushedManifest,
  type RegistryClientFileOptions,
  type RegistryClientOptions,
} from './client.js';
export { defaultCertsDirs, type TransportOptions } from './http.js';
export { DEFAULT_READ_LIMITS, DEFAULT_REGISTRY_WORK, readLimits, RegistryWork, type BlobKind, type ManifestKind, type ReadKind, type ReadLimits, type RegistryWorkOptions } from './limits.js';
export { MANIFEST_ACCEPT, OCI_EMPTY_DIGEST, OCI_EMPTY_JSON, OCI_EMPTY_MEDIA_TYPE } from './media-types.js';
export { addToReferrersFallback, listFallbackReferrers, listReferrers, referrersFallbackTag, removeFromReferrersFallback } from './referrers.js';
export { copyImage, inRepository, type CopyImageOptions, type CopyImageResult } from './copy.js';
export { parseWwwAuthenticate, type AuthChallenge } from './auth/challenge.js';
export {
  chainCredentials,
  configKeyRegistry,
  credentialsFromDockerConfig,
  defaultCredentials,
  dockerConfigPaths,
  parseDockerConfig,
  runCredentialHelper,
  staticCredentials,
  type CredentialResolver,
  type Credentials,
  type DefaultCredentialOptions,
  type DockerConfig,
} from './auth/credentials.js';
// Image layouts (OCI dirs, docker-archive) and streaming tar/gzip: oci/layout and oci/tar (image-SBOM work).
export * from './layout/index.js';
export * from './tar/index.js';
