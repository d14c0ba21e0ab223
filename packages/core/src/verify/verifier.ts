import { createHash, type KeyObject } from 'node:crypto';
import { ProvenantError } from '../errors.js';
import { toSignedEntity, type SignedContent, type SignedEntity } from './bundle/entity.js';
import { defaultHashFor, verifySignature } from './crypto.js';
import { preAuthEncoding } from './dsse/pae.js';
import { bytesEqual } from './encoding.js';
import { verifyCertificateChain } from './key/chain.js';
import { certificateIdentity, type CertificateIdentity } from './key/identity.js';
import { verifyPrehashed } from './key/prehash.js';
import { verifyScts } from './key/sct.js';
import { Certificate, OID } from './key/x509.js';
import { checkIdentityPolicyShape, matchIdentity, type VerificationPolicy } from './policy.js';
import { verifyTimestamp } from './timestamp/tsa.js';
import { verifyTlogBodies, verifyTlogInclusion, type VerifiedTlogEntry } from './tlog/index.js';
import { checkedWindow, loadPublicKey, type TrustMaterial } from './trust/material.js';
import { keyValidAt, UNBOUNDED } from './trust/window.js';

/** The artifact a bundle is checked against: its bytes, or its digest as `sha256:<hex>`; null for DSSE bundles checked on their own. */
export type ArtifactInput = { data: Buffer | Uint8Array } | { digest: string } | null;

/** Thresholds, as options with safe defaults (the same as sigstore-js and cosign). */
export interface VerifyOptions {
  /** Verified transparency-log entries required (default 1). */
  tlogThreshold?: number;
  /** Verified SCTs required on a signing certificate (default 1). */
  ctlogThreshold?: number;
  /** Verified signing times required, from SETs and RFC 3161 timestamps together (default 1). */
  timestampThreshold?: number;
  /** Verified RFC 3161 timestamps required (default 0). */
  tsaThreshold?: number;
  /**
   * Remember signing-certificate signature checks by exact certificate bytes (bounded, default true):
   * the same bundle is verified again and again by deploy gates. Off re-checks every time.
   */
  memoizeCertificateChecks?: boolean;
}

export interface VerifiedTimestamp {
  readonly source: 'tlog' | 'tsa';
  readonly time: Date;
}

export type VerifiedSigner =
  | ({ readonly kind: 'certificate'; readonly certificate: Buffer; readonly notBefore: Date; readonly notAfter: Date } & CertificateIdentity)
  | { readonly kind: 'publicKey'; readonly hint: string | undefined };

export interface VerificationResult {
  readonly mediaType: string;
  readonly content: 'messageSignature' | 'dsseEnvelope';
  readonly signer: VerifiedSigner;
  readonly timestamps: readonly VerifiedTimestamp[];
  /** Earliest integrated time a verified SET vouches for. */
  readonly integratedTime: Date | undefined;
  readonly tlogEntries: readonly { logIndex: string; logId: string; kind: string; version: string; log: string }[];
  /** `sha256:<hex>` of the artifact, when one was given. */
  readonly artifactDigest: string | undefined;
  /** DSSE bundles: the verified payload, and the parsed in-toto Statement when the payload is one. */
  readonly dsse: { readonly payloadType: string; readonly payload: Buffer; readonly statement: unknown } | undefined;
}

const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
const DIGEST_INPUT = /^sha256:([0-9a-f]{64})$/;

interface Artifact {
  readonly data: Buffer | undefined;
  readonly sha256: Buffer;
}

function readArtifact(input: ArtifactInput): Artifact | undefined {
  if (input === null) return undefined;
  if ('data' in input) {
    const data = Buffer.isBuffer(input.data) ? input.data : Buffer.from(input.data);
    return { data, sha256: createHash('sha256').update(data).digest() };
  }
  const m = DIGEST_INPUT.exec(input.digest);
  if (!m) throw new ProvenantError('DIGEST_INVALID', `artifact digest must be sha256:<64 lowercase hex>, got ${input.digest}`);
  return { data: undefined, sha256: Buffer.from(m[1]!, 'hex') };
}

function messageDigestOf(artifact: Artifact, algorithm: string): Buffer {
  if (algorithm === 'sha256') return artifact.sha256;
  if (!artifact.data) throw new ProvenantError('ARTIFACT_MISMATCH', `bundle signs a ${algorithm} digest; pass the artifact itself, not its sha256`);
  return createHash(algorithm).update(artifact.data).digest();
}

/** Stage: the signature over the artifact (message) or over the DSSE PAE, with the artifact bound to it. */
function verifyContentSignature(content: SignedContent, artifact: Artifact | undefined, key: KeyObject): { digest?: { algorithm: string; value: Buffer }; statement?: unknown } {
  if (content.kind === 'message') {
    if (!artifact) throw new ProvenantError('ARTIFACT_MISMATCH', 'a message-signature bundle can only be verified against the artifact or its digest');
    const algorithm = content.digest?.algorithm ?? 'sha256';
    const digest = messageDigestOf(artifact, algorithm);
    if (content.digest && !bytesEqual(content.digest.value, digest)) throw new ProvenantError('ARTIFACT_MISMATCH', 'artifact digest differs from the digest the bundle signs');
    let ok: boolean;
    if (artifact.data) ok = verifySignature(artifact.data, key, content.signature, defaultHashFor(key) === null ? null : algorithm);
    else {
      if (defaultHashFor(key) === null) throw new ProvenantError('UNSUPPORTED', 'an Ed25519 message signature cannot be checked from a digest; pass the artifact');
      ok = verifyPrehashed(digest, algorithm, key, content.signature);
    }
    if (!ok) throw new ProvenantError('BUNDLE_SIGNATURE_INVALID', 'message signature does not verify under the signing key');
    return { digest: { algorithm, value: digest } };
  }
  if (!verifySignature(preAuthEncoding(content.payloadType, content.payload), key, content.signature)) {
    throw new ProvenantError('BUNDLE_SIGNATURE_INVALID', 'DSSE signature does not verify under the signing key');
  }
  let statement: unknown;
  if (content.payloadType === IN_TOTO_PAYLOAD_TYPE) {
    try {
      statement = JSON.parse(content.payload.toString('utf8'));
    } catch (cause) {
      throw new ProvenantError('STATEMENT_INVALID', 'DSSE payload is not JSON', { cause });
    }
  }
  if (artifact) {
    if (statement === undefined) {
      // A payload that is not an in-toto statement is itself the signed artifact.
      if (!bytesEqual(createHash('sha256').update(content.payload).digest(), artifact.sha256)) {
        throw new ProvenantError('ARTIFACT_MISMATCH', `artifact is not the DSSE payload (type ${content.payloadType})`);
      }
      return { statement };
    }
    const want = artifact.sha256.toString('hex');
    const subjects = (statement as { subject?: unknown }).subject;
    const matches =
      Array.isArray(subjects) &&
      subjects.some((s) => {
        const d = (s as { digest?: unknown } | null)?.digest;
        return d !== null && typeof d === 'object' && (d as Record<string, unknown>).sha256 === want;
      });
    if (!matches) throw new ProvenantError('ARTIFACT_MISMATCH', `no statement subject has sha256 ${want}`);
  }
  return { statement };
}

function checkLeafUsage(leaf: Certificate): void {
  const critical = leaf.unhandledCriticalExtension;
  if (critical) throw new ProvenantError('CERTIFICATE_INVALID', `signing certificate has a critical extension ${critical} this verifier does not process (RFC 5280 requires refusing it)`);
  if (leaf.basicConstraints.ca) throw new ProvenantError('CERTIFICATE_INVALID', 'signing certificate is a CA certificate');
  const ku = leaf.extension(OID.KEY_USAGE);
  // keyUsage BIT STRING: 03 len unused-bits first-byte; digitalSignature is the top bit of the first byte.
  if (ku && !(ku.value.length >= 4 && ku.value[0] === 0x03 && (ku.value[3]! & 0x80) !== 0)) {
    throw new ProvenantError('CERTIFICATE_INVALID', 'signing certificate key usage does not allow digital signatures');
  }
  const eku = leaf.extension(OID.EXT_KEY_USAGE);
  if (eku && !eku.value.includes(Buffer.from('06082b06010505070303', 'hex'))) {
    throw new ProvenantError('CERTIFICATE_INVALID', 'signing certificate is not for code signing (extended key usage)');
  }
}

/** The key that made the bundle's signature, chosen to fit the policy kind before anything is trusted. */
interface SigningKey {
  readonly key: KeyObject;
  readonly leaf: Certificate | undefined;
  /** Validity window of a trusted key (unbounded for a key the caller passed). */
  readonly window: { start: number; end: number };
}

function selectSigningKey(entity: SignedEntity, policy: VerificationPolicy, trust: TrustMaterial): SigningKey {
  if (entity.key.kind === 'certificate') {
    if (policy.kind === 'key') throw new ProvenantError('PUBLIC_KEY_MISMATCH', 'bundle is signed with a certificate, but a public key was given to verify with');
    const leaf = new Certificate(entity.key.der);
    checkLeafUsage(leaf);
    return { key: leaf.publicKey, leaf, window: UNBOUNDED };
  }
  if (policy.kind === 'identity') throw new ProvenantError('IDENTITY_MISMATCH', 'bundle is signed with a key, not a certificate identity; verify it with the key');
  if (policy.kind === 'key') return { key: loadPublicKey(policy.publicKey), leaf: undefined, window: checkedWindow(policy.validFor, 'verification key') };
  const trusted = entity.key.hint === undefined ? undefined : trust.publicKeys.get(entity.key.hint);
  if (!trusted) throw new ProvenantError('PUBLIC_KEY_MISMATCH', `no trusted key for the bundle's key hint ${entity.key.hint ?? '(none)'}`);
  return { key: trusted.key, leaf: undefined, window: trusted.validFor };
}

/** At most this many RFC 3161 tokens are read from one bundle (as sigstore-go): each costs signature checks. */
const MAX_RFC3161_TIMESTAMPS = 32;

type Thresholds = Required<Omit<VerifyOptions, 'memoizeCertificateChecks'>>;

/** Stage 1: signing times from transparency-log inclusion (SET, or proof + signed checkpoint) and RFC 3161 tokens. */
function verifyTimestamps(entity: SignedEntity, trust: TrustMaterial, t: Thresholds): { entries: VerifiedTlogEntry[]; timestamps: VerifiedTimestamp[] } {
  const entries = verifyTlogInclusion(entity.tlogEntries, trust.tlogs);
  if (entries.length < t.tlogThreshold) {
    throw new ProvenantError('TLOG_THRESHOLD_NOT_MET', `${entries.length} verified transparency-log entries, ${t.tlogThreshold} required`);
  }
  const timestamps: VerifiedTimestamp[] = [];
  for (const v of entries) if (v.integratedTime) timestamps.push({ source: 'tlog', time: v.integratedTime });
  if (entity.rfc3161Timestamps.length > MAX_RFC3161_TIMESTAMPS) {
    throw new ProvenantError('TIMESTAMP_INVALID', `bundle has ${entity.rfc3161Timestamps.length} RFC 3161 timestamps, at most ${MAX_RFC3161_TIMESTAMPS} are read`);
  }
  // A token counts once however it is wrapped (TimeStampResp or bare token): it is identified by what the TSA signed.
  const seenTokens = new Set<string>();
  for (const der of entity.rfc3161Timestamps) {
    const verified = verifyTimestamp(der, entity.content.signature, trust.timestampAuthorities);
    if (seenTokens.has(verified.id)) throw new ProvenantError('TIMESTAMP_INVALID', 'the same RFC 3161 timestamp appears twice');
    seenTokens.add(verified.id);
    timestamps.push({ source: 'tsa', time: verified.time });
  }
  if (timestamps.length < t.timestampThreshold) {
    throw new ProvenantError('TIMESTAMP_THRESHOLD_NOT_MET', `${timestamps.length} verified signing times, ${t.timestampThreshold} required`);
  }
  const tsaCount = timestamps.filter((x) => x.source === 'tsa').length;
  if (tsaCount < t.tsaThreshold) throw new ProvenantError('TIMESTAMP_THRESHOLD_NOT_MET', `${tsaCount} verified RFC 3161 timestamps, ${t.tsaThreshold} required`);
  // Entries without a SET-backed time (Rekor v2) were checked with a log key that must be valid at the signing times.
  const timesMs = timestamps.map((x) => x.time.getTime());
  for (const v of entries) {
    if (!v.integratedTime && !keyValidAt(v.log.validFor, timesMs)) {
      throw new ProvenantError('TLOG_KEY_UNKNOWN', `log key ${v.log.baseUrl} was not valid at the signing time${timesMs.length ? '' : ' (no verified signing time to check it at)'}`);
    }
  }
  return { entries, timestamps };
}

function windowText(w: { start: number; end: number }): string {
  const at = (t: number): string => (Number.isFinite(t) ? new Date(t).toISOString() : 'unbounded');
  return `${at(w.start)} to ${at(w.end)}`;
}

/** Stage 2: the signing key at every signing time: chain to a trusted CA plus SCTs, or a trusted key's window. */
function verifySigningKey(sk: SigningKey, entity: SignedEntity, times: readonly Date[], trust: TrustMaterial, t: Thresholds, memo: boolean): VerifiedSigner {
  const leaf = sk.leaf;
  if (!leaf) {
    if (!keyValidAt(sk.window, times.map((t) => t.getTime()))) {
      const at = times.length ? `the signing time ${times.map((t) => t.toISOString()).join(', ')}` : 'a verified signing time (the bundle has none)';
      throw new ProvenantError('PUBLIC_KEY_MISMATCH', `trusted key (valid ${windowText(sk.window)}) is not shown valid at ${at}`);
    }
    return { kind: 'publicKey', hint: entity.key.kind === 'publicKey' ? entity.key.hint : undefined };
  }
  if (times.length === 0) throw new ProvenantError('CERTIFICATE_CHAIN_INVALID', 'no verified signing time to check the certificate at (need a tlog SET or an RFC 3161 timestamp)');
  const chain = verifyCertificateChain(leaf, times, trust.certificateAuthorities, memo);
  const scts = verifyScts(leaf, chain.path[1]!, trust.ctlogs);
  if (scts < t.ctlogThreshold) throw new ProvenantError('SCT_MISSING', `${scts} verified SCTs, ${t.ctlogThreshold} required`);
  return { kind: 'certificate', certificate: leaf.der, notBefore: leaf.notBefore, notAfter: leaf.notAfter, ...certificateIdentity(leaf) };
}

/**
 * Verifies a Sigstore bundle (v0.1–v0.3) offline against explicit trust material, in the order
 * sigstore-js reads it: signing times, the signing key at those times, the signature over the artifact,
 * the log entries recording that signature, and last the identity policy. Throws a ProvenantError with
 * a specific code on any failure.
 */
export function verifyBundle(bundle: unknown, artifactInput: ArtifactInput, policy: VerificationPolicy, trust: TrustMaterial, options: VerifyOptions = {}): VerificationResult {
  const thresholds: Thresholds = {
    tlogThreshold: options.tlogThreshold ?? 1,
    ctlogThreshold: options.ctlogThreshold ?? 1,
    timestampThreshold: options.timestampThreshold ?? 1,
    tsaThreshold: options.tsaThreshold ?? 0,
  };
  if (policy.kind === 'identity') checkIdentityPolicyShape(policy);
  const entity = toSignedEntity(bundle);
  const artifact = readArtifact(artifactInput);
  const signingKey = selectSigningKey(entity, policy, trust);

  const { entries, timestamps } = verifyTimestamps(entity, trust, thresholds);
  const signer = verifySigningKey(signingKey, entity, timestamps.map((x) => x.time), trust, thresholds, options.memoizeCertificateChecks ?? true);
  const bound = verifyContentSignature(entity.content, artifact, signingKey.key);
  verifyTlogBodies(entries, {
    content: entity.content,
    artifactDigest: bound.digest,
    signer: { certificate: signingKey.leaf?.der, spki: signingKey.leaf ? signingKey.leaf.spki : signingKey.key.export({ format: 'der', type: 'spki' }) },
  });
  if (signer.kind === 'certificate' && policy.kind === 'identity') matchIdentity(signer, policy);

  const setTimes = entries.flatMap((v) => (v.integratedTime ? [v.integratedTime.getTime()] : []));
  return {
    mediaType: entity.mediaType,
    content: entity.content.kind === 'message' ? 'messageSignature' : 'dsseEnvelope',
    signer,
    timestamps,
    integratedTime: setTimes.length ? new Date(Math.min(...setTimes)) : undefined,
    tlogEntries: entries.map((v) => ({
      logIndex: v.entry.logIndex.toString(),
      logId: v.entry.logId.toString('hex'),
      kind: v.entry.kind,
      version: v.entry.version,
      log: v.log.baseUrl,
    })),
    artifactDigest: artifact ? `sha256:${artifact.sha256.toString('hex')}` : undefined,
    dsse: entity.content.kind === 'dsse' ? { payloadType: entity.content.payloadType, payload: entity.content.payload, statement: bound.statement } : undefined,
  };
}
