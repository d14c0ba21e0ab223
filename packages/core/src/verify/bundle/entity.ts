import { ProvenantError } from '../../errors.js';
import { decodeBase64, parseInt64 } from '../encoding.js';
import { ShapeError } from '../shape.js';
import { BundleSchema, type TlogEntryJSON } from './schema.js';

/** What was signed: a message signature over an artifact digest, or a DSSE envelope. */
export type SignedContent =
  | {
      readonly kind: 'message';
      readonly signature: Buffer;
      /** messageDigest from the bundle (unauthenticated until the signature is checked). */
      readonly digest: { readonly algorithm: 'sha256' | 'sha384' | 'sha512'; readonly value: Buffer } | undefined;
    }
  | {
      readonly kind: 'dsse';
      readonly signature: Buffer;
      readonly payload: Buffer;
      readonly payloadType: string;
      /** The envelope as it appears in the bundle, to rebuild Rekor dsse/intoto bodies. */
      readonly keyid: string | undefined;
    };

export type SigningKeyMaterial =
  | { readonly kind: 'certificate'; readonly der: Buffer }
  | { readonly kind: 'publicKey'; readonly hint: string | undefined };

export interface TlogEntry {
  readonly index: number;
  readonly logIndex: bigint;
  readonly logId: Buffer;
  readonly kind: string;
  readonly version: string;
  readonly integratedTime: bigint | undefined;
  readonly signedEntryTimestamp: Buffer | undefined;
  readonly inclusionProof:
    | {
        readonly logIndex: bigint;
        readonly rootHash: Buffer;
        readonly treeSize: bigint;
        readonly hashes: readonly Buffer[];
        /** Signed checkpoint; only v0.1 bundles may lack it. */
        readonly checkpoint: string | undefined;
      }
    | undefined;
  readonly body: Buffer;
}

/** A bundle decoded and checked for shape: the input of every later verification stage. */
export interface SignedEntity {
  readonly mediaType: string;
  /** Minor version of the bundle format: 1, 2, 3 (and newer minors read as 3). */
  readonly version: number;
  readonly content: SignedContent;
  readonly key: SigningKeyMaterial;
  readonly tlogEntries: readonly TlogEntry[];
  readonly rfc3161Timestamps: readonly Buffer[];
}

const MEDIA_TYPE_OLD = /^application\/vnd\.dev\.sigstore\.bundle\+json;version=0\.([1-9][0-9]*)$/;
const MEDIA_TYPE_NEW = /^application\/vnd\.dev\.sigstore\.bundle\.v0\.([3-9]|[1-9][0-9]+)\+json$/;

const DIGEST_ALGORITHMS = { SHA2_256: 'sha256', SHA2_384: 'sha384', SHA2_512: 'sha512' } as const;

function invalid(message: string): never {
  throw new ProvenantError('BUNDLE_INVALID', message);
}

/** Parses bundle JSON (text, bytes or an already parsed value) into a SignedEntity. */
export function toSignedEntity(input: unknown): SignedEntity {
  let value = input;
  if (typeof input === 'string' || Buffer.isBuffer(input)) {
    try {
      value = JSON.parse(input.toString());
    } catch (cause) {
      throw new ProvenantError('BUNDLE_INVALID', 'bundle is not valid JSON', { cause });
    }
  }
  let b: ReturnType<typeof BundleSchema>;
  try {
    b = BundleSchema(value, '');
  } catch (err) {
    if (err instanceof ShapeError) invalid(`bundle does not match the Sigstore bundle schema: ${err.message}`);
    throw err;
  }
  const m = MEDIA_TYPE_OLD.exec(b.mediaType) ?? MEDIA_TYPE_NEW.exec(b.mediaType);
  if (!m) throw new ProvenantError('BUNDLE_UNSUPPORTED', `unsupported bundle mediaType ${b.mediaType}`);
  const version = Math.min(Number(m[1]), 3);

  const vm = b.verificationMaterial;
  const materials = [vm.publicKey, vm.x509CertificateChain, vm.certificate].filter((x) => x != null);
  if (materials.length !== 1) invalid('verificationMaterial must hold exactly one of publicKey, x509CertificateChain, certificate');
  let key: SigningKeyMaterial;
  if (vm.publicKey) key = { kind: 'publicKey', hint: vm.publicKey.hint ?? undefined };
  else if (vm.x509CertificateChain) {
    if (version >= 3) invalid('bundle v0.3 must carry a single certificate, not x509CertificateChain');
    // Only the leaf is used: trust comes from the TrustedRoot, never from certs the bundle carries.
    const leaf = vm.x509CertificateChain.certificates[0];
    if (!leaf) invalid('x509CertificateChain is empty');
    key = { kind: 'certificate', der: decodeBase64(leaf.rawBytes, 'BUNDLE_INVALID', 'certificate') };
  } else key = { kind: 'certificate', der: decodeBase64(vm.certificate!.rawBytes, 'BUNDLE_INVALID', 'certificate') };
  if (key.kind === 'certificate' && key.der.length === 0) invalid('certificate is empty');

  if ((b.messageSignature == null) === (b.dsseEnvelope == null)) invalid('bundle must hold exactly one of messageSignature, dsseEnvelope');
  let content: SignedContent;
  if (b.messageSignature) {
    const md = b.messageSignature.messageDigest;
    let digest: Extract<SignedContent, { kind: 'message' }>['digest'];
    if (md) {
      const algorithm = DIGEST_ALGORITHMS[md.algorithm as keyof typeof DIGEST_ALGORITHMS];
      if (!algorithm) throw new ProvenantError('BUNDLE_UNSUPPORTED', `unsupported messageDigest algorithm ${md.algorithm}`);
      digest = { algorithm, value: decodeBase64(md.digest, 'BUNDLE_INVALID', 'messageDigest') };
    }
    content = { kind: 'message', signature: decodeBase64(b.messageSignature.signature, 'BUNDLE_INVALID', 'signature'), digest };
  } else {
    const env = b.dsseEnvelope!;
    if (env.signatures.length !== 1) invalid(`DSSE envelope must carry exactly one signature, found ${env.signatures.length}`);
    const sig = env.signatures[0]!;
    content = {
      kind: 'dsse',
      signature: decodeBase64(sig.sig, 'BUNDLE_INVALID', 'DSSE signature'),
      payload: decodeBase64(env.payload, 'BUNDLE_INVALID', 'DSSE payload'),
      payloadType: env.payloadType,
      keyid: sig.keyid ?? undefined,
    };
  }
  if (content.signature.length === 0) throw new ProvenantError('BUNDLE_SIGNATURE_INVALID', 'signature is empty');

  const tlogEntries = (vm.tlogEntries ?? []).map((e, i) => toTlogEntry(e, i, version));
  const rfc3161Timestamps = (vm.timestampVerificationData?.rfc3161Timestamps ?? []).map((t, i) =>
    decodeBase64(t.signedTimestamp, 'BUNDLE_INVALID', `rfc3161Timestamps[${i}]`),
  );
  return { mediaType: b.mediaType, version, content, key, tlogEntries, rfc3161Timestamps };
}

function toTlogEntry(e: TlogEntryJSON, index: number, version: number): TlogEntry {
  const where = `tlogEntries[${index}]`;
  const logIndex = parseInt64(e.logIndex ?? '0', 'TLOG_ENTRY_INVALID', `${where}.logIndex`);
  if (logIndex < 0n) throw new ProvenantError('TLOG_ENTRY_INVALID', `${where}.logIndex is negative`);
  const integratedTime = e.integratedTime == null ? undefined : parseInt64(e.integratedTime, 'INTEGRATED_TIME_INVALID', `${where}.integratedTime`);
  if (integratedTime !== undefined && integratedTime < 0n) throw new ProvenantError('INTEGRATED_TIME_INVALID', `${where}.integratedTime is negative`);
  const p = e.inclusionProof;
  const inclusionProof = p ? {
    logIndex: parseInt64(p.logIndex ?? '0', 'TLOG_INCLUSION_PROOF_INVALID', `${where}.inclusionProof.logIndex`),
    rootHash: decodeBase64(p.rootHash, 'TLOG_INCLUSION_PROOF_INVALID', `${where}.inclusionProof.rootHash`),
    treeSize: parseInt64(p.treeSize, 'TLOG_INCLUSION_PROOF_INVALID', `${where}.inclusionProof.treeSize`),
    hashes: (p.hashes ?? []).map((h) => decodeBase64(h, 'TLOG_INCLUSION_PROOF_INVALID', `${where}.inclusionProof.hashes`)),
    checkpoint: p.checkpoint?.envelope,
  } : undefined;
  // v0.1 bundles prove inclusion by SET; v0.2 and later must carry an inclusion proof.
  if (version === 1 && !e.inclusionPromise) throw new ProvenantError('TLOG_SET_INVALID', `${where} has no inclusionPromise (required in bundle v0.1)`);
  if (version >= 2 && inclusionProof && inclusionProof.checkpoint === undefined) {
    throw new ProvenantError('TLOG_CHECKPOINT_INVALID', `${where} inclusion proof has no checkpoint (required since bundle v0.2)`);
  }
  if (version >= 2 && !inclusionProof) throw new ProvenantError('TLOG_INCLUSION_PROOF_INVALID', `${where} has no inclusionProof (required since bundle v0.2)`);
  return {
    index,
    logIndex,
    logId: decodeBase64(e.logId.keyId, 'TLOG_ENTRY_INVALID', `${where}.logId`),
    kind: e.kindVersion.kind,
    version: e.kindVersion.version,
    // Rekor v2 writes integratedTime 0: no time is claimed.
    integratedTime: integratedTime === 0n ? undefined : integratedTime,
    signedEntryTimestamp: e.inclusionPromise ? decodeBase64(e.inclusionPromise.signedEntryTimestamp, 'TLOG_SET_INVALID', `${where}.signedEntryTimestamp`) : undefined,
    inclusionProof,
    body: decodeBase64(e.canonicalizedBody, 'TLOG_ENTRY_INVALID', `${where}.canonicalizedBody`),
  };
}
