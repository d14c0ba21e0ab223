import { createHash, X509Certificate } from 'node:crypto';
import { bundleToJSON, toDSSEBundle, toMessageSignatureBundle, type Bundle, type SerializedBundle } from '@sigstore/bundle';
import { ProvenantError, toProvenantError } from '../errors.js';
import { INTOTO_PAYLOAD_TYPE, pae, parseStatement, type Statement } from '../intoto/index.js';
import { createRekorEntry, dsseEntry, hashedRekordEntry, requestTimestamp } from './services.js';
import type { SignDataOptions, Signature, Signer } from './signer.js';

export type { SerializedBundle };

/** Where to get the witnesses of a signature: a Rekor entry and/or an RFC 3161 timestamp. */
export interface WitnessOptions {
  /** Rekor base URL; when set, the signature is logged there (Rekor v1 API). */
  rekorURL?: string | undefined;
  /** TSA URL (a bare origin gets /api/v1/timestamp appended); when set, the signature is timestamped there. */
  tsaURL?: string | undefined;
  /** Per-request timeout in ms (default 30 000). */
  timeoutMs?: number;
  /** Retries of a failed request (default 2; only 5xx, 408, 429 and network errors). */
  retries?: number;
}

export type SignOptions = WitnessOptions;

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_RETRIES = 2;

/** Signs a blob into a Sigstore bundle v0.3 with a message signature (sha256 digest + signature). */
export async function signBlob(data: Uint8Array, signer: Signer, options: SignOptions = {}): Promise<SerializedBundle> {
  const artifact = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  requireWitnessForKeyless(signer, options);
  const sig = await runSigner(signer, artifact, { hash: 'sha256' });
  const bundle = toMessageSignatureBundle({
    digest: createHash('sha256').update(artifact).digest(),
    signature: sig.signature,
    certificate: certificateDer(sig),
    keyHint: sig.key.$case === 'publicKey' ? sig.key.hint : undefined,
    certificateChain: false,
  });
  return serialize(await witness(bundle, sig, options));
}

/** Signs any payload as a DSSE envelope (signature over PAE(type, payload)) into a Sigstore bundle v0.3. */
export async function signDsse(payload: Uint8Array, payloadType: string, signer: Signer, options: SignOptions = {}): Promise<SerializedBundle> {
  const body = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  requireWitnessForKeyless(signer, options);
  const sig = await runSigner(signer, pae(payloadType, body));
  const bundle = toDSSEBundle({
    artifact: body,
    artifactType: payloadType,
    signature: sig.signature,
    certificate: certificateDer(sig),
    keyHint: sig.key.$case === 'publicKey' ? sig.key.hint : undefined,
    certificateChain: false,
  });
  return serialize(await witness(bundle, sig, options));
}

/** Signs an in-toto Statement (checked first) as DSSE `application/vnd.in-toto+json`. */
export async function signStatement(statement: Statement | Record<string, unknown>, signer: Signer, options: SignOptions = {}): Promise<SerializedBundle> {
  const checked = parseStatement(statement);
  return signDsse(Buffer.from(JSON.stringify(checked), 'utf8'), INTOTO_PAYLOAD_TYPE, signer, options);
}

function requireWitnessForKeyless(signer: Signer, options: SignOptions): void {
  if (signer.kind === 'keyless' && !options.rekorURL && !options.tsaURL) {
    throw new ProvenantError('INVALID_ARGUMENT', 'a keyless signature needs a Rekor URL or a TSA URL: its certificate expires in minutes, so verifiers need a witnessed signing time');
  }
}

async function runSigner(signer: Signer, data: Buffer, options?: SignDataOptions): Promise<Signature> {
  try {
    return await signer.sign(data, options);
  } catch (err) {
    throw toProvenantError(err, 'SIGNING_FAILED', 'signing failed');
  }
}

function certificateDer(sig: Signature): Buffer | undefined {
  if (sig.key.$case !== 'x509Certificate') return undefined;
  try {
    return new X509Certificate(sig.key.certificate).raw;
  } catch (cause) {
    throw new ProvenantError('FULCIO_ERROR', 'the signing certificate is not a valid X.509 certificate', { cause });
  }
}

/** Asks each configured witness (in parallel) and adds what they return to the bundle. */
async function witness<T extends Bundle>(bundle: T, sig: Signature, options: SignOptions): Promise<T> {
  const service = { timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, retries: options.retries ?? DEFAULT_RETRIES };
  const signerPem = sig.key.$case === 'publicKey' ? sig.key.publicKey : sig.key.certificate;
  const [tlogEntry, timestamp] = await Promise.all([
    options.rekorURL ? createRekorEntry(options.rekorURL, proposedEntry(bundle, signerPem), service) : undefined,
    options.tsaURL ? requestTimestamp(options.tsaURL, sig.signature, service) : undefined,
  ]);
  if (tlogEntry) bundle.verificationMaterial.tlogEntries.push(tlogEntry);
  if (timestamp) bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps.push({ signedTimestamp: timestamp });
  return bundle;
}

/** What Rekor logs: hashedrekord for a message signature, dsse for an envelope. */
function proposedEntry(bundle: Bundle, signerPem: string): object {
  const content = bundle.content;
  if (content.$case === 'messageSignature') {
    const { messageDigest, signature } = content.messageSignature;
    if (!messageDigest) throw new ProvenantError('INTERNAL', 'message signature without a digest');
    return hashedRekordEntry(messageDigest.digest, signature, signerPem);
  }
  const env = content.dsseEnvelope;
  return dsseEntry(
    { payload: env.payload.toString('base64'), payloadType: env.payloadType, signatures: env.signatures.map((s) => ({ sig: s.sig.toString('base64'), keyid: s.keyid })) },
    signerPem,
  );
}

/**
 * Protobuf JSON drops zero values, so a log's first leaf (logIndex 0) or a one-leaf tree (no hashes) would
 * lose fields the bundle spec marks REQUIRED; write them explicitly so strict verifiers accept the bundle.
 */
function serialize(bundle: Bundle): SerializedBundle {
  const json = bundleToJSON(bundle);
  for (const entry of json.verificationMaterial.tlogEntries ?? []) {
    const proof = entry.inclusionProof as (typeof entry.inclusionProof & { logIndex?: string; hashes?: string[] }) | undefined;
    if (proof) {
      proof.logIndex ??= '0';
      proof.hashes ??= [];
    }
    (entry as { logIndex?: string }).logIndex ??= '0';
  }
  return json;
}

