/**
 * The one error class of provenant. `code` is a literal union so callers and tests branch on codes,
 * never on message text. Modules add their codes to the union below, grouped by module.
 */
export type ProvenantErrorCode =
  // generic
  | 'INTERNAL'
  | 'USAGE'
  | 'INVALID_ARGUMENT'
  | 'IO_ERROR'
  | 'FILE_NOT_FOUND'
  | 'FILE_UNREADABLE'
  | 'FILE_TOO_LARGE'
  | 'OUTPUT_WRITE_FAILED'
  | 'JSON_INVALID'
  | 'SCHEMA_INVALID'
  | 'UNSUPPORTED'
  | 'TIMEOUT'
  // digest
  | 'DIGEST_INVALID'
  | 'DIGEST_MISMATCH'
  | 'DIGEST_ALGORITHM_UNSUPPORTED'
  | 'SIZE_LIMIT_EXCEEDED'
  // sbom
  | 'LOCKFILE_NOT_FOUND'
  | 'LOCKFILE_UNSUPPORTED'
  | 'LOCKFILE_MALFORMED'
  | 'LOCKFILE_TOO_LARGE'
  | 'YAML_ALIAS_LIMIT'
  | 'SBOM_FORMAT_UNSUPPORTED'
  | 'SBOM_INVALID'
  | 'PKGDB_MALFORMED'
  // intoto / dsse
  | 'STATEMENT_INVALID'
  | 'RESOURCE_DESCRIPTOR_INVALID'
  | 'PREDICATE_INVALID'
  | 'PREDICATE_TYPE_UNSUPPORTED'
  | 'PREDICATE_TYPE_MISMATCH'
  | 'DSSE_INVALID'
  | 'DSSE_SIGNATURE_INVALID'
  | 'SUBJECT_MISMATCH'
  // oci
  | 'REFERENCE_INVALID'
  | 'REGISTRY_UNREACHABLE'
  | 'REGISTRY_UNAUTHORIZED'
  | 'REGISTRY_DENIED'
  | 'REGISTRY_NOT_FOUND'
  | 'REGISTRY_ERROR'
  | 'REGISTRY_PROTOCOL_ERROR'
  | 'REGISTRY_TOO_MANY_REDIRECTS'
  | 'REGISTRY_RATE_LIMITED'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'MANIFEST_TOO_LARGE'
  | 'BLOB_UNKNOWN'
  | 'BLOB_TOO_LARGE'
  | 'BLOB_TRUNCATED'
  | 'PLATFORM_NOT_FOUND'
  | 'LAYOUT_INVALID'
  | 'ARCHIVE_INVALID'
  | 'TAR_INVALID'
  | 'TAR_PATH_ESCAPE'
  | 'GZIP_BOMB'
  | 'CREDENTIALS_ERROR'
  | 'TLS_ERROR'
  // keys / sign
  | 'KEY_INVALID'
  | 'KEY_UNSUPPORTED'
  | 'KEY_PASSWORD_REQUIRED'
  | 'KEY_PASSWORD_INCORRECT'
  | 'KEY_ENCRYPTION_INVALID'
  | 'SIGNING_FAILED'
  | 'OIDC_TOKEN_MISSING'
  | 'OIDC_TOKEN_INVALID'
  | 'FULCIO_ERROR'
  | 'REKOR_ERROR'
  | 'TSA_ERROR'
  // verify
  | 'TRUSTED_ROOT_INVALID'
  | 'TRUST_NOT_CACHED'
  | 'TRUST_UPDATE_FAILED'
  | 'BUNDLE_INVALID'
  | 'BUNDLE_UNSUPPORTED'
  | 'BUNDLE_SIGNATURE_INVALID'
  | 'ARTIFACT_MISMATCH'
  | 'CERTIFICATE_INVALID'
  | 'CERTIFICATE_CHAIN_INVALID'
  | 'CERTIFICATE_EXPIRED'
  | 'SCT_INVALID'
  | 'SCT_MISSING'
  | 'TLOG_ENTRY_INVALID'
  | 'TLOG_BODY_MISMATCH'
  | 'TLOG_INCLUSION_PROOF_INVALID'
  | 'TLOG_CHECKPOINT_INVALID'
  | 'TLOG_SET_INVALID'
  | 'TLOG_KEY_UNKNOWN'
  | 'TLOG_THRESHOLD_NOT_MET'
  | 'TIMESTAMP_INVALID'
  | 'TIMESTAMP_THRESHOLD_NOT_MET'
  | 'INTEGRATED_TIME_INVALID'
  | 'IDENTITY_MISMATCH'
  | 'ISSUER_MISMATCH'
  | 'EXTENSION_MISMATCH'
  | 'PUBLIC_KEY_MISMATCH'
  | 'VERIFICATION_FAILED'
  // slsa / cosign
  | 'PROVENANCE_INVALID'
  | 'BUILDER_MISMATCH'
  | 'SOURCE_MISMATCH'
  | 'SOURCE_BRANCH_MISMATCH'
  | 'SOURCE_TAG_MISMATCH'
  | 'SOURCE_VERSIONED_TAG_MISMATCH'
  | 'PACKAGE_NAME_MISMATCH'
  | 'PACKAGE_VERSION_MISMATCH'
  | 'IMAGE_SIGNATURE_INVALID'
  | 'IMAGE_SIGNATURE_MISSING'
  | 'ATTESTATION_MISSING'
  | 'CI_ENV_UNDETECTED'
  | 'VSA_INVALID'
  | 'SLSA_LEVEL_INVALID'
  | 'WORKFLOW_INPUTS_MISMATCH'
  // verifier / policy
  | 'POLICY_INVALID'
  | 'POLICY_NOT_FOUND'
  | 'POLICY_CEL_INVALID'
  | 'POLICY_REGEX_INVALID'
  | 'POLICY_DENIED'
  | 'POLICY_CONDITION_FAILED'
  | 'POLICY_NO_MATCH'
  | 'SUBJECT_INVALID'
  | 'PROMOTION_FAILED'
  | 'ADMISSION_ERROR';

export interface ProvenantErrorOptions {
  cause?: unknown;
  /** Extra machine-readable facts (paths, digests, limits) for --json output. */
  details?: Record<string, unknown>;
}

export class ProvenantError extends Error {
  readonly code: ProvenantErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ProvenantErrorCode, message: string, options: ProvenantErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ProvenantError';
    this.code = code;
    this.details = options.details;
  }

  toJSON(): { code: ProvenantErrorCode; message: string; details?: Record<string, unknown> } {
    return this.details ? { code: this.code, message: this.message, details: this.details } : { code: this.code, message: this.message };
  }
}

export function isProvenantError(value: unknown): value is ProvenantError {
  return value instanceof ProvenantError;
}

/** Wraps an unknown thrown value so nothing but ProvenantError crosses a module boundary. */
export function toProvenantError(err: unknown, code: ProvenantErrorCode, message: string): ProvenantError {
  if (err instanceof ProvenantError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new ProvenantError(code, `${message}: ${detail}`, { cause: err });
}
