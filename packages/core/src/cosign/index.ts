// Public API of core/cosign. Other modules import only this file.
// cosign's OCI conventions: simple-signing payloads, sha256-<hex>.sig/.att tags with annotations, and
// Sigstore bundle v0.3 referrers; images are addressed by digest only.
export {
  ANNOTATIONS,
  DSSE_MEDIA_TYPE,
  SIGSTORE_BUNDLE_ARTIFACT_TYPE,
  SIMPLE_SIGNING_MEDIA_TYPE,
  SIMPLE_SIGNING_TYPE,
  cosignTag,
  dockerReference,
  parseSimpleSigningPayload,
  simpleSigningPayload,
  type SimpleSigningClaims,
} from './conventions.js';
export { legacyLayerToBundle, type LegacyLayer } from './legacy.js';
export { readCosignLayout } from './layout.js';
export { verifyImageBundle, verifySimpleSigning, type ImageSignerPolicy, type VerifiedImageBundle } from './verify.js';
export { COSIGN_SIGN_PREDICATE_TYPE, attestImage, readImageSignatures, resolveImage, signImage, type AttachResult, type ImageSignatures, type StorageFormat } from './registry.js';
export { verifyImage, type VerifiedImage } from './image-verify.js';
