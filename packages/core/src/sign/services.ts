import { createHash } from 'node:crypto';
import type { TransparencyLogEntry } from '@sigstore/bundle';
import { z } from 'zod';
import { ProvenantError } from '../errors.js';
import { parseJsonBody, request, type HttpLimits } from './http.js';

// Thin clients of the three Sigstore services a signer talks to. Every answer is size-limited and
// checked with zod before use: these are trust boundaries.

const FULCIO_MAX_BYTES = 256 * 1024;
const REKOR_MAX_BYTES = 4 * 1024 * 1024;
const TSA_MAX_BYTES = 256 * 1024;

export interface ServiceOptions {
  timeoutMs: number;
  retries: number;
}

const trimSlash = (url: string): string => url.replace(/\/+$/, '');

// --- Fulcio (v2 API) -------------------------------------------------------------------------------

const Chain = z.object({ chain: z.object({ certificates: z.array(z.string().min(1)).min(1) }) });
const FulcioResponse = z.union([z.object({ signedCertificateEmbeddedSct: Chain }), z.object({ signedCertificateDetachedSct: Chain })]);

export interface CertificateRequest {
  identityToken: string;
  /** PEM PKIX public key to certify. */
  publicKeyPem: string;
  /** Signature over the token's subject, proving possession of the private key. */
  proofOfPossession: Buffer;
}

/** Asks Fulcio for a certificate chain (PEM, leaf first) for the key and identity. */
export async function requestSigningCertificate(fulcioURL: string, req: CertificateRequest, options: ServiceOptions): Promise<string[]> {
  const limits: HttpLimits = { ...options, maxBytes: FULCIO_MAX_BYTES };
  const res = await request(
    {
      method: 'POST',
      url: `${trimSlash(fulcioURL)}/api/v2/signingCert`,
      accept: 'application/json',
      code: 'FULCIO_ERROR',
      json: {
        credentials: { oidcIdentityToken: req.identityToken },
        publicKeyRequest: { publicKey: { algorithm: 'ECDSA', content: req.publicKeyPem }, proofOfPossession: req.proofOfPossession.toString('base64') },
      },
    },
    limits,
  );
  const parsed = FulcioResponse.safeParse(parseJsonBody(res.body, 'FULCIO_ERROR', 'Fulcio response'));
  if (!parsed.success) throw new ProvenantError('FULCIO_ERROR', 'Fulcio response has no certificate chain', { cause: parsed.error });
  const signed = 'signedCertificateEmbeddedSct' in parsed.data ? parsed.data.signedCertificateEmbeddedSct : parsed.data.signedCertificateDetachedSct;
  return signed.chain.certificates;
}

// --- Rekor (v1 API) --------------------------------------------------------------------------------

const HEX = /^[0-9a-f]+$/;
const RekorEntry = z.object({
  body: z.string().min(1),
  integratedTime: z.number().int().nonnegative(),
  logID: z.string().regex(HEX),
  logIndex: z.number().int().nonnegative(),
  verification: z
    .object({
      signedEntryTimestamp: z.string().min(1).optional(),
      inclusionProof: z
        .object({
          checkpoint: z.string().min(1),
          hashes: z.array(z.string().regex(HEX)),
          logIndex: z.number().int().nonnegative(),
          rootHash: z.string().regex(HEX),
          treeSize: z.number().int().positive(),
        })
        .optional(),
    })
    .optional(),
});
const RekorResponse = z.record(z.string(), RekorEntry).refine((r) => Object.keys(r).length === 1, 'expected exactly one entry');
const LoggedBody = z.object({ kind: z.string().min(1), apiVersion: z.string().min(1) });

/** Logs a proposed entry in Rekor and returns it as a bundle's TransparencyLogEntry. An existing entry (409) is fetched. */
export async function createRekorEntry(rekorURL: string, proposedEntry: object, options: ServiceOptions): Promise<TransparencyLogEntry> {
  const base = trimSlash(rekorURL);
  const limits: HttpLimits = { ...options, maxBytes: REKOR_MAX_BYTES };
  let res = await request({ method: 'POST', url: `${base}/api/v1/log/entries`, accept: 'application/json', code: 'REKOR_ERROR', json: proposedEntry, passStatuses: [409] }, limits);
  if (res.status === 409) {
    // Already logged (the same signature signed twice): Rekor says where.
    if (!res.location) throw new ProvenantError('REKOR_ERROR', 'Rekor reports the entry exists but not where');
    const existing = new URL(res.location, `${base}/`);
    if (existing.origin !== new URL(base).origin) throw new ProvenantError('REKOR_ERROR', `Rekor points the existing entry to another host (${existing.origin})`);
    res = await request({ method: 'GET', url: existing.toString(), accept: 'application/json', code: 'REKOR_ERROR' }, limits);
  }
  const parsed = RekorResponse.safeParse(parseJsonBody(res.body, 'REKOR_ERROR', 'Rekor response'));
  if (!parsed.success) throw new ProvenantError('REKOR_ERROR', 'Rekor response is not one log entry', { cause: parsed.error });
  const entry = Object.values(parsed.data)[0] as z.infer<typeof RekorEntry>;
  const body = Buffer.from(entry.body, 'base64');
  const logged = LoggedBody.safeParse(parseJsonBody(body, 'REKOR_ERROR', 'Rekor entry body'));
  if (!logged.success) throw new ProvenantError('REKOR_ERROR', 'Rekor entry body has no kind/apiVersion', { cause: logged.error });
  const proof = entry.verification?.inclusionProof;
  const set = entry.verification?.signedEntryTimestamp;
  return {
    logIndex: entry.logIndex.toString(),
    logId: { keyId: Buffer.from(entry.logID, 'hex') },
    kindVersion: { kind: logged.data.kind, version: logged.data.apiVersion },
    integratedTime: entry.integratedTime.toString(),
    inclusionPromise: set ? { signedEntryTimestamp: Buffer.from(set, 'base64') } : undefined,
    inclusionProof: proof
      ? {
          logIndex: proof.logIndex.toString(),
          treeSize: proof.treeSize.toString(),
          rootHash: Buffer.from(proof.rootHash, 'hex'),
          hashes: proof.hashes.map((h) => Buffer.from(h, 'hex')),
          checkpoint: { envelope: proof.checkpoint },
        }
      : undefined,
    canonicalizedBody: body,
  };
}

/** Rekor hashedrekord 0.0.1: the artifact's sha256, the signature and the signer's key or certificate (PEM). */
export function hashedRekordEntry(sha256: Buffer, signature: Buffer, signerPem: string): object {
  return {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: 'sha256', value: sha256.toString('hex') } },
      signature: { content: signature.toString('base64'), publicKey: { content: Buffer.from(signerPem, 'utf8').toString('base64') } },
    },
  };
}

/** Rekor dsse 0.0.1: the envelope as JSON and the signer's key or certificate (PEM). */
export function dsseEntry(envelope: { payload: string; payloadType: string; signatures: Array<{ sig: string; keyid: string }> }, signerPem: string): object {
  return {
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: { proposedContent: { envelope: JSON.stringify(envelope), verifiers: [Buffer.from(signerPem, 'utf8').toString('base64')] } },
  };
}

// --- RFC 3161 timestamp authority (sigstore timestamp-authority JSON API) -----------------------

/** Asks the TSA for an RFC 3161 timestamp over sha256(signature); returns the DER TimeStampResp. */
export async function requestTimestamp(tsaURL: string, signature: Buffer, options: ServiceOptions): Promise<Buffer> {
  const base = trimSlash(tsaURL);
  // A bare origin gets the standard path; a URL with a path is used as given (signing configs list full URLs).
  const url = new URL(base).pathname === '/' ? `${base}/api/v1/timestamp` : base;
  const res = await request(
    {
      method: 'POST',
      url,
      accept: 'application/timestamp-reply',
      code: 'TSA_ERROR',
      json: { artifactHash: createHash('sha256').update(signature).digest('base64'), hashAlgorithm: 'sha256' },
    },
    { ...options, maxBytes: TSA_MAX_BYTES },
  );
  // DER SEQUENCE: anything else is an error page, not a timestamp.
  if (res.body.length < 2 || res.body[0] !== 0x30) throw new ProvenantError('TSA_ERROR', `${url} did not answer with a DER timestamp response`);
  return res.body;
}
