import { createHash } from 'node:crypto';
import { isProvenantError, ProvenantError, type ProvenantErrorCode } from '@provenant/core/errors';
import { parseSimpleSigningPayload } from '@provenant/core/cosign';
import { parseStatement } from '@provenant/core/intoto';
import { hasSubjectAlternativeName, trustMaterialFromKeys, verifyBundle, type ArtifactInput, type VerificationResult, type VerifyOptions } from '@provenant/core/verify';
import type { CompiledAuthority, TrustRef } from '../policy/compile.js';
import { isDsseBundle, type EvidenceBundle } from './evidence.js';
import type { Subject } from './subject.js';

/** How far a bundle got: used to report the most telling failure among many candidates. */
export const STAGE = { trust: 0, verify: 1, signer: 2, binding: 3, predicateType: 4, conditions: 5, passed: 6 } as const;
export type Stage = keyof typeof STAGE;

export type BundleOutcome =
  | { readonly ok: true; readonly result: VerificationResult; readonly statement: InTotoStatement | undefined }
  | { readonly ok: false; readonly stage: Stage; readonly code: ProvenantErrorCode | 'POLICY_CONDITION_FAILED'; readonly reason: string };

export interface InTotoStatement {
  readonly _type: string;
  readonly subject: readonly { name?: string; digest: Record<string, string> }[];
  readonly predicateType: string;
  readonly predicate: unknown;
}

type Verified = { ok: true; result: VerificationResult } | { ok: false; code: ProvenantErrorCode; reason: string };

/**
 * Verified results by (bundle digest, artifact, trust id, key): verification is the costly part of a
 * decision and its outcome depends only on these, so warm decisions reuse it. Failures are cached too.
 */
export class VerificationCache {
  private readonly entries = new Map<string, Verified>();
  constructor(private readonly maxEntries = 10_000) {}
  get(key: string): Verified | undefined {
    return this.entries.get(key);
  }
  set(key: string, value: Verified): void {
    // Bounded: drop the oldest entry (Map keeps insertion order).
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, value);
  }
  get size(): number {
    return this.entries.size;
  }
}

const EMPTY_TRUST: TrustRef = { material: trustMaterialFromKeys({}), id: 'empty' };
const IN_TOTO = 'application/vnd.in-toto+json';

function trustFor(authority: Exclude<CompiledAuthority, { kind: 'static' }>, fallback: TrustRef | undefined): TrustRef | undefined {
  if (authority.trust) return authority.trust;
  if (fallback) return fallback;
  // A key with no log to check needs no trusted root, but only when the policy says so.
  return authority.kind === 'key' && authority.ignoreTlog ? EMPTY_TRUST : undefined;
}

// Warm decisions see the same evidence objects again: hash and parse their payloads once.
const payloadHashes = new WeakMap<Uint8Array, string>();
function payloadHash(payload: Uint8Array): string {
  let h = payloadHashes.get(payload);
  if (h === undefined) payloadHashes.set(payload, (h = createHash('sha256').update(payload).digest('hex')));
  return h;
}

const signedDigests = new WeakMap<Uint8Array, string | ProvenantError>();
/** The image digest a cosign simple-signing payload names (or why it names none). */
function signedImageDigest(payload: Uint8Array): string | ProvenantError {
  let d = signedDigests.get(payload);
  if (d === undefined) {
    try {
      d = parseSimpleSigningPayload(Buffer.from(payload)).manifestDigest;
    } catch (err) {
      d = isProvenantError(err) ? err : new ProvenantError('IMAGE_SIGNATURE_INVALID', (err as Error).message);
    }
    signedDigests.set(payload, d);
  }
  return d;
}

function verifyCached(item: EvidenceBundle, subject: Subject, authority: Exclude<CompiledAuthority, { kind: 'static' }>, trust: TrustRef, cache: VerificationCache | undefined): Verified {
  const dsse = isDsseBundle(item.bundle);
  const artifact: ArtifactInput = item.payload ? { data: item.payload } : dsse ? null : { digest: subject.digest };
  // The payload is not inside the bundle bytes (a legacy cosign signature names no digest): key on its hash.
  const artifactKey = item.payload ? `payload:${payloadHash(item.payload)}` : dsse ? 'dsse' : subject.digest;
  const keyPart = authority.kind === 'key' ? `key:${authority.keyId}` : 'any';
  const cacheKey = `${item.digest}|${artifactKey}|${trust.id}|${keyPart}|${authority.ignoreTlog ? 'notlog' : 'tlog'}`;
  const hit = cache?.get(cacheKey);
  if (hit) return hit;
  const options: VerifyOptions = authority.ignoreTlog ? { tlogThreshold: 0, timestampThreshold: 0 } : {};
  let verified: Verified;
  try {
    const policy = authority.kind === 'key' ? { kind: 'key' as const, publicKey: authority.publicKey } : { kind: 'any' as const };
    verified = { ok: true, result: verifyBundle(item.bundle, artifact, policy, trust.material, options) };
  } catch (err) {
    verified = isProvenantError(err) ? { ok: false, code: err.code, reason: err.message } : { ok: false, code: 'VERIFICATION_FAILED', reason: (err as Error).message };
  }
  cache?.set(cacheKey, verified);
  return verified;
}

/** Signer stage: the verified signer is the one this authority names. */
function matchSigner(result: VerificationResult, authority: Exclude<CompiledAuthority, { kind: 'static' }>): BundleOutcome | undefined {
  if (authority.kind === 'key') return undefined; // verifyBundle checked the signature with exactly this key
  const s = result.signer;
  if (s.kind !== 'certificate') return { ok: false, stage: 'signer', code: 'IDENTITY_MISMATCH', reason: 'signed with a key, but this authority requires a keyless certificate identity' };
  const sans = s.subjectAlternativeNames;
  if (authority.subject !== undefined && !hasSubjectAlternativeName(s.subjectAlternativeNameEntries, authority.subject)) {
    return { ok: false, stage: 'signer', code: 'IDENTITY_MISMATCH', reason: `certificate identity ${JSON.stringify(sans)} is not ${authority.subject}` };
  }
  if (authority.subjectRegExp && !sans.some((san) => authority.subjectRegExp!.test(san))) {
    return { ok: false, stage: 'signer', code: 'IDENTITY_MISMATCH', reason: `certificate identity ${JSON.stringify(sans)} does not match ${authority.subjectRegExp.source}` };
  }
  if (s.issuer !== authority.issuer) return { ok: false, stage: 'signer', code: 'ISSUER_MISMATCH', reason: `certificate OIDC issuer ${s.issuer ?? '(none)'} is not ${authority.issuer}` };
  for (const [name, want] of Object.entries(authority.extensions)) {
    const got = s.extensions[name as keyof typeof s.extensions];
    if (got !== want) return { ok: false, stage: 'signer', code: 'EXTENSION_MISMATCH', reason: `certificate extension ${name} is ${got ?? '(absent)'}, policy requires ${want}` };
  }
  return undefined;
}

// Parsed statements by verified result: warm decisions reuse the parse along with the verification.
const statements = new WeakMap<VerificationResult, InTotoStatement | ProvenantError>();

/** The verified DSSE payload as a validated in-toto statement (known predicates validated too): strict, fail closed. */
function statementOf(result: VerificationResult & { dsse: NonNullable<VerificationResult['dsse']> }): InTotoStatement | ProvenantError {
  let s = statements.get(result);
  if (s === undefined) {
    try {
      if (result.dsse.payloadType !== IN_TOTO) throw new ProvenantError('STATEMENT_INVALID', `DSSE payload (${result.dsse.payloadType}) is not an in-toto statement, so it names no subject`);
      s = parseStatement(result.dsse.payload) as InTotoStatement;
    } catch (err) {
      s = isProvenantError(err) ? err : new ProvenantError('STATEMENT_INVALID', (err as Error).message);
    }
    statements.set(result, s);
  }
  return s;
}

/** Binding stage: what was signed names exactly the subject's digest. */
function bindToSubject(item: EvidenceBundle, result: VerificationResult, subject: Subject): { outcome?: BundleOutcome; statement?: InTotoStatement } {
  const want = subject.digest.slice('sha256:'.length);
  if (result.dsse) {
    const statement = statementOf(result as VerificationResult & { dsse: NonNullable<VerificationResult['dsse']> });
    if (statement instanceof ProvenantError) return { outcome: { ok: false, stage: 'binding', code: statement.code, reason: statement.message } };
    const bound = statement.subject.some((s) => s !== null && typeof s === 'object' && s.digest?.sha256 === want);
    if (!bound) return { outcome: { ok: false, stage: 'binding', code: 'SUBJECT_MISMATCH', reason: `no statement subject has sha256 ${want}` } };
    return { statement };
  }
  if (item.payload) {
    // A cosign simple-signing payload: the signed image digest is inside it.
    const signed = signedImageDigest(item.payload);
    if (signed instanceof ProvenantError) return { outcome: { ok: false, stage: 'binding', code: signed.code, reason: signed.message } };
    if (signed !== subject.digest) return { outcome: { ok: false, stage: 'binding', code: 'SUBJECT_MISMATCH', reason: `signature is for image ${signed}, not ${subject.digest}` } };
    return {};
  }
  if (result.artifactDigest !== subject.digest) return { outcome: { ok: false, stage: 'binding', code: 'ARTIFACT_MISMATCH', reason: `signature is over ${result.artifactDigest ?? '(nothing)'}, not ${subject.digest}` } };
  return {};
}

/** Verify -> signer -> binding for one bundle under one authority. */
export function checkBundle(item: EvidenceBundle, subject: Subject, authority: Exclude<CompiledAuthority, { kind: 'static' }>, fallbackTrust: TrustRef | undefined, cache: VerificationCache | undefined): BundleOutcome {
  const trust = trustFor(authority, fallbackTrust);
  if (!trust) {
    return { ok: false, stage: 'trust', code: 'TRUSTED_ROOT_INVALID', reason: `authority ${authority.name} has no trusted root (set trustedRoot in the policy or pass one${authority.kind === 'key' ? ', or ignoreTlog for offline key signatures' : ''})` };
  }
  const verified = verifyCached(item, subject, authority, trust, cache);
  if (!verified.ok) {
    // verifyBundle binds message signatures to the digest itself; report that as a binding failure.
    const stage: Stage = verified.code === 'ARTIFACT_MISMATCH' ? 'binding' : 'verify';
    return { ok: false, stage, code: verified.code, reason: verified.reason };
  }
  const signer = matchSigner(verified.result, authority);
  if (signer) return signer;
  const bound = bindToSubject(item, verified.result, subject);
  if (bound.outcome) return bound.outcome;
  return { ok: true, result: verified.result, statement: bound.statement };
}
