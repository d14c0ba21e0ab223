// Public API of core/verify. Other modules import only this file.
// Pipeline (as sigstore-js's verifier): trust material -> signed entity -> checks -> identity policy.
export { loadTrustedRoot, loadPublicKey, trustMaterialFromKeys } from './trust/material.js';
export type { TrustMaterial, LoadTrustedRootOptions, PublicKeyInput, CertAuthority, LogAuthority, TimeRange } from './trust/material.js';
export { toSignedEntity } from './bundle/entity.js';
export type { SignedEntity, SignedContent, TlogEntry } from './bundle/entity.js';
export { verifyBundle } from './verifier.js';
export type { ArtifactInput, VerifyOptions, VerificationResult, VerifiedSigner, VerifiedTimestamp } from './verifier.js';
export type { VerificationPolicy, IdentityPolicy } from './policy.js';
export { FULCIO_EXTENSIONS } from './key/identity.js';
export type { CertificateIdentity, FulcioExtensions, FulcioExtensionName } from './key/identity.js';
export { verifyDsseWithKey, preAuthEncoding } from './dsse/index.js';
export type { VerifiedEnvelope } from './dsse/index.js';
