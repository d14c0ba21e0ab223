import { ProvenantError } from '../../errors.js';
import { verifyBundle, type TrustMaterial, type VerificationResult, type VerifyOptions } from '../../verify/index.js';
import type { CertificateFacts } from './identity.js';

const INTOTO = 'application/vnd.in-toto+json';

/** A provenance whose signature, log entry and certificate chain have been verified. */
export interface SignedProvenance {
  readonly payload: Buffer;
  readonly certificate: CertificateFacts;
  readonly verification: VerificationResult;
}

function parseJson(bytes: Buffer | string, what: string): unknown {
  try {
    return JSON.parse(bytes.toString());
  } catch (cause) {
    throw new ProvenantError('PROVENANCE_INVALID', `${what} is not JSON`, { cause });
  }
}

const isBundle = (v: unknown): boolean => typeof v === 'object' && v !== null && 'mediaType' in v && 'verificationMaterial' in v;

/**
 * Verifies a Sigstore bundle carrying a DSSE in-toto statement offline against the trusted root.
 * A bare DSSE envelope (legacy `.intoto.jsonl` with an embedded certificate and no log entry) is denied:
 * without a transparency-log entry nothing proves the signature was made while the short-lived
 * certificate was valid, and provenant never looks entries up online (slsa-verifier does).
 */
export function verifySignedProvenance(input: Buffer | string | unknown, trust: TrustMaterial, options: VerifyOptions = {}): SignedProvenance {
  const value = typeof input === 'string' || Buffer.isBuffer(input) ? parseJson(input, 'provenance') : input;
  if (!isBundle(value)) {
    const sigs = (value as { signatures?: unknown } | null)?.signatures;
    if (Array.isArray(sigs)) {
      throw new ProvenantError('TLOG_THRESHOLD_NOT_MET', 'provenance is a bare DSSE envelope with no transparency-log entry; its signing time cannot be verified offline (slsa-verifier searches Rekor online; provenant does not)', {
        details: { slsaVerifierNeeds: 'online Rekor lookup' },
      });
    }
    throw new ProvenantError('PROVENANCE_INVALID', 'provenance is neither a Sigstore bundle nor a DSSE envelope');
  }
  const result = verifyBundle(value, null, { kind: 'any' }, trust, options);
  if (result.signer.kind !== 'certificate') throw new ProvenantError('CERTIFICATE_INVALID', 'provenance must be signed with a Fulcio certificate, not a key');
  if (!result.dsse) throw new ProvenantError('PROVENANCE_INVALID', 'provenance bundle carries a message signature, not a DSSE envelope');
  if (result.dsse.payloadType !== INTOTO) throw new ProvenantError('PROVENANCE_INVALID', `DSSE payload type ${result.dsse.payloadType} is not ${INTOTO}`);
  return {
    payload: result.dsse.payload,
    certificate: { subjectAlternativeNames: result.signer.subjectAlternativeNames, subjectAlternativeNameEntries: result.signer.subjectAlternativeNameEntries, issuer: result.signer.issuer, extensions: result.signer.extensions },
    verification: result,
  };
}
