import { createHash } from 'node:crypto';
import { ProvenantError } from '../../errors.js';
import { bytesEqual } from '../encoding.js';
import type { SignedContent, TlogEntry } from '../bundle/entity.js';
import { preAuthEncoding } from '../dsse/pae.js';
import { Certificate } from '../key/x509.js';

/** What the tlog body must agree with: the bundle's signature and content, and the signing key. */
export interface BodyExpectations {
  readonly content: SignedContent;
  /** Digest of the artifact for message signatures (algorithm + bytes). */
  readonly artifactDigest: { algorithm: string; value: Buffer } | undefined;
  /** The signing certificate (DER) if any, and the SPKI DER of the signing key. */
  readonly signer: { certificate: Buffer | undefined; spki: Buffer };
}

function mismatch(entry: TlogEntry, what: string): never {
  throw new ProvenantError('TLOG_BODY_MISMATCH', `log entry ${entry.logIndex} (${entry.kind} ${entry.version}): ${what}`);
}

type Json = Record<string, unknown>;
function obj(v: unknown): Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
}
function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
function b64(v: unknown): Buffer {
  return Buffer.from(str(v), 'base64');
}

/** A key or certificate as Rekor v1 writes it: base64 of PEM text. */
function pemDer(v: unknown): { cert: boolean; der: Buffer } {
  const pem = b64(v).toString('utf8');
  const m = /-----BEGIN ([A-Z ]+)-----([\s\S]*?)-----END \1-----/.exec(pem);
  return m ? { cert: m[1] === 'CERTIFICATE', der: Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64') } : { cert: false, der: Buffer.alloc(0) };
}

/**
 * A certificate signer must be logged as exactly that certificate or as its key; a key signer as the key
 * or as a certificate for the same key.
 */
function checkSigner(entry: TlogEntry, exp: BodyExpectations, logged: { cert: boolean; der: Buffer }): void {
  let ok: boolean;
  if (logged.cert && exp.signer.certificate) ok = bytesEqual(logged.der, exp.signer.certificate);
  else if (logged.cert) {
    try {
      ok = bytesEqual(new Certificate(logged.der, 'TLOG_BODY_MISMATCH').spki, exp.signer.spki);
    } catch {
      ok = false;
    }
  } else ok = bytesEqual(logged.der, exp.signer.spki);
  if (!ok) mismatch(entry, `logged ${logged.cert ? 'certificate' : 'public key'} is not the bundle's signer`);
}

/** Rekor v2 verifier: {publicKey: {rawBytes}} or {x509Certificate: {rawBytes}}. */
function checkSignerV2(entry: TlogEntry, exp: BodyExpectations, verifier: unknown): void {
  const v = obj(verifier);
  const cert = v.x509Certificate !== undefined;
  checkSigner(entry, exp, { cert, der: b64(obj(cert ? v.x509Certificate : v.publicKey).rawBytes) });
}

function checkSignature(entry: TlogEntry, exp: BodyExpectations, logged: Buffer): void {
  if (!bytesEqual(logged, exp.content.signature)) mismatch(entry, 'logged signature is not the bundle signature');
}

function sha256(b: Buffer): Buffer {
  return createHash('sha256').update(b).digest();
}

function checkDsseEnvelope(entry: TlogEntry, content: SignedContent, alg: unknown, digest: Buffer): void {
  if (content.kind !== 'dsse') mismatch(entry, 'a DSSE entry logged for a message signature');
  if (alg !== 'sha256' && alg !== 'SHA2_256') mismatch(entry, `unsupported payload hash algorithm ${str(alg)}`);
  if (!bytesEqual(digest, sha256(content.payload))) mismatch(entry, 'logged payload hash is not the hash of the DSSE payload');
}

/** Checks that a log entry's canonicalized body records exactly this bundle's signature, content and signer. */
export function verifyTlogBody(entry: TlogEntry, exp: BodyExpectations): void {
  let body: Json;
  try {
    body = obj(JSON.parse(entry.body.toString('utf8')));
  } catch {
    return mismatch(entry, 'body is not JSON');
  }
  if (body.kind !== entry.kind || body.apiVersion !== entry.version) {
    mismatch(entry, `body is ${str(body.kind)} ${str(body.apiVersion)}, kindVersion says ${entry.kind} ${entry.version}`);
  }
  const spec = obj(body.spec);
  const content = exp.content;
  switch (`${entry.kind}/${entry.version}`) {
    case 'hashedrekord/0.0.1': {
      if (content.kind !== 'message') mismatch(entry, 'a hashedrekord 0.0.1 entry logged for a DSSE envelope');
      const sig = obj(spec.signature);
      checkSignature(entry, exp, b64(sig.content));
      checkSigner(entry, exp, pemDer(obj(sig.publicKey).content));
      const hash = obj(obj(spec.data).hash);
      const want = exp.artifactDigest;
      if (!want || str(hash.algorithm) !== want.algorithm || !bytesEqual(Buffer.from(str(hash.value), 'hex'), want.value)) {
        mismatch(entry, 'logged artifact digest is not the artifact digest');
      }
      return;
    }
    case 'hashedrekord/0.0.2': {
      const v = obj(spec.hashedRekordV002);
      const sig = obj(v.signature);
      checkSignature(entry, exp, b64(sig.content));
      checkSignerV2(entry, exp, sig.verifier);
      const data = obj(v.data);
      const algorithm = { SHA2_256: 'sha256', SHA2_384: 'sha384', SHA2_512: 'sha512' }[str(data.algorithm)];
      const digest = b64(data.digest);
      if (content.kind === 'message') {
        const want = exp.artifactDigest;
        if (!want || algorithm !== want.algorithm || !bytesEqual(digest, want.value)) mismatch(entry, 'logged artifact digest is not the artifact digest');
      } else {
        // DSSE logged as hashedrekord: the digest is over the envelope's PAE, which is what was signed.
        if (algorithm !== 'sha256' || !bytesEqual(digest, sha256(preAuthEncoding(content.payloadType, content.payload)))) {
          mismatch(entry, 'logged digest is not the digest of the DSSE pre-authentication encoding');
        }
      }
      return;
    }
    case 'dsse/0.0.1': {
      const sigs = Array.isArray(spec.signatures) ? spec.signatures : [];
      if (sigs.length !== 1) mismatch(entry, 'logged envelope must carry exactly one signature');
      const payloadHash = obj(spec.payloadHash);
      checkDsseEnvelope(entry, content, payloadHash.algorithm, Buffer.from(str(payloadHash.value), 'hex'));
      checkSignature(entry, exp, b64(obj(sigs[0]).signature));
      checkSigner(entry, exp, pemDer(obj(sigs[0]).verifier));
      return;
    }
    case 'dsse/0.0.2': {
      const v = obj(spec.dsseV002);
      const sigs = Array.isArray(v.signatures) ? v.signatures : [];
      if (sigs.length !== 1) mismatch(entry, 'logged envelope must carry exactly one signature');
      const payloadHash = obj(v.payloadHash);
      checkDsseEnvelope(entry, content, payloadHash.algorithm, b64(payloadHash.digest));
      checkSignature(entry, exp, b64(obj(sigs[0]).content));
      checkSignerV2(entry, exp, obj(sigs[0]).verifier);
      return;
    }
    case 'intoto/0.0.2': {
      const c = obj(spec.content);
      const env = obj(c.envelope);
      const sigs = Array.isArray(env.signatures) ? env.signatures : [];
      if (sigs.length !== 1) mismatch(entry, 'logged envelope must carry exactly one signature');
      const payloadHash = obj(c.payloadHash);
      checkDsseEnvelope(entry, content, payloadHash.algorithm, Buffer.from(str(payloadHash.value), 'hex'));
      // intoto 0.0.2 stores the signature base64-encoded twice.
      checkSignature(entry, exp, Buffer.from(b64(obj(sigs[0]).sig).toString('utf8'), 'base64'));
      checkSigner(entry, exp, pemDer(obj(sigs[0]).publicKey));
      if (content.kind === 'dsse' && str(env.payloadType) !== content.payloadType) mismatch(entry, 'logged payloadType differs');
      return;
    }
    default:
      throw new ProvenantError('TLOG_ENTRY_INVALID', `unsupported log entry type ${entry.kind} ${entry.version}`);
  }
}
