import { ProvenantError, type ProvenantErrorCode } from '../../errors.js';

/** slsa-verifier's error names, kept in details so reports can be compared with it. */
export type UpstreamError =
  | 'ErrorMismatchHash'
  | 'ErrorMismatchBuilderID'
  | 'ErrorUntrustedReusableWorkflow'
  | 'ErrorInvalidBuilderID'
  | 'ErrorInvalidRef'
  | 'ErrorMismatchSource'
  | 'ErrorMalformedURI'
  | 'ErrorMismatchBranch'
  | 'ErrorMismatchTag'
  | 'ErrorMismatchVersionedTag'
  | 'ErrorInvalidSemver'
  | 'ErrorMismatchWorkflowInputs'
  | 'ErrorInvalidDssePayload'
  | 'ErrorInvalidBuildType'
  | 'ErrorInvalidFormat'
  | 'ErrorInvalidOIDCIssuer'
  | 'ErrorMismatchCertificate'
  | 'ErrorNonVerifiableClaim'
  | 'ErrorNotPresent'
  | 'ErrorNotSupported'
  | 'ErrorMismatchPackageName'
  | 'ErrorMismatchPackageVersion'
  | 'ErrorInvalidPackageName'
  | 'ErrorInvalidSubject'
  | 'ErrorInvalidHash'
  | 'ErrorNoValidSignature'
  | 'ErrorInvalidSignature';

const CODES: Record<UpstreamError, ProvenantErrorCode> = {
  ErrorMismatchHash: 'SUBJECT_MISMATCH',
  ErrorMismatchBuilderID: 'BUILDER_MISMATCH',
  ErrorUntrustedReusableWorkflow: 'BUILDER_MISMATCH',
  ErrorInvalidBuilderID: 'BUILDER_MISMATCH',
  ErrorInvalidRef: 'BUILDER_MISMATCH',
  ErrorMismatchSource: 'SOURCE_MISMATCH',
  ErrorMalformedURI: 'SOURCE_MISMATCH',
  ErrorMismatchBranch: 'SOURCE_BRANCH_MISMATCH',
  ErrorMismatchTag: 'SOURCE_TAG_MISMATCH',
  ErrorMismatchVersionedTag: 'SOURCE_VERSIONED_TAG_MISMATCH',
  ErrorInvalidSemver: 'SOURCE_VERSIONED_TAG_MISMATCH',
  ErrorMismatchWorkflowInputs: 'WORKFLOW_INPUTS_MISMATCH',
  ErrorInvalidDssePayload: 'PROVENANCE_INVALID',
  ErrorInvalidBuildType: 'PROVENANCE_INVALID',
  ErrorInvalidFormat: 'PROVENANCE_INVALID',
  ErrorInvalidOIDCIssuer: 'ISSUER_MISMATCH',
  ErrorMismatchCertificate: 'PROVENANCE_INVALID',
  ErrorNonVerifiableClaim: 'PROVENANCE_INVALID',
  ErrorNotPresent: 'PROVENANCE_INVALID',
  ErrorNotSupported: 'UNSUPPORTED',
  ErrorMismatchPackageName: 'PACKAGE_NAME_MISMATCH',
  ErrorMismatchPackageVersion: 'PACKAGE_VERSION_MISMATCH',
  ErrorInvalidPackageName: 'PACKAGE_NAME_MISMATCH',
  ErrorInvalidSubject: 'PROVENANCE_INVALID',
  ErrorInvalidHash: 'DIGEST_INVALID',
  ErrorNoValidSignature: 'DSSE_SIGNATURE_INVALID',
  ErrorInvalidSignature: 'DSSE_SIGNATURE_INVALID',
};

/** A ProvenantError carrying slsa-verifier's name for the same failure. */
export function slsaError(upstream: UpstreamError, message: string): ProvenantError {
  return new ProvenantError(CODES[upstream], message, { details: { slsaVerifierError: upstream } });
}
