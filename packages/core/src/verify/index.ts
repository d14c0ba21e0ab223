// Public API of core/verify. Other modules import only this file.
// Pipeline (as sigstore-js's verifier): trust material -> signed entity -> checks -> identity policy.
//
//   const trust = loadTrustedRoot(await readFile('trusted_root.json'));          // once, reuse for every bundle
//   const result = verifyBundle(bundleJson, { data: artifactBytes },            // or { digest: 'sha256:<hex>' }
//     { kind: 'identity', subjectAlternativeName: 'https://github.com/o/r/.github/workflows/release.yml@refs/heads/main',
//       issuer: 'https://token.actions.githubusercontent.com' }, trust);
//   // -> result.signer (SAN, issuer, Fulcio extensions), result.timestamps, result.dsse?.statement
//
// Every failure is a ProvenantError with its own code (BUNDLE_SIGNATURE_INVALID, CERTIFICATE_CHAIN_INVALID,
// TLOG_SET_INVALID, IDENTITY_MISMATCH, ...). Nothing is fetched; the wall clock is never used.
export { loadTrustedRoot, loadPublicKey, trustMaterialFromKeys } from './trust/material.js';
export type { TrustMaterial, LoadTrustedRootOptions, PublicKeyInput, WindowedKeyInput, CertAuthority, LogAuthority, TimeRange } from './trust/material.js';
export { keyValidAt, parseValidFor } from './trust/window.js';
export type { ValidForJSON } from './trust/window.js';
export { toSignedEntity } from './bundle/entity.js';
export type { SignedEntity, SignedContent, TlogEntry } from './bundle/entity.js';
export { verifyBundle } from './verifier.js';
export type { ArtifactInput, VerifyOptions, VerificationResult, VerifiedSigner, VerifiedTimestamp } from './verifier.js';
export type { VerificationPolicy, IdentityPolicy } from './policy.js';
export { FULCIO_EXTENSIONS, hasSubjectAlternativeName } from './key/identity.js';
export type { CertificateIdentity, FulcioExtensions, FulcioExtensionName, SanKind, SubjectAltName } from './key/identity.js';
export { verifyDsseWithKey, preAuthEncoding } from './dsse/index.js';
export { verifySignature } from './crypto.js';
export type { VerifiedEnvelope } from './dsse/index.js';
