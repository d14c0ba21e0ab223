// Test helpers: key-signed Sigstore bundles made offline (no transparency log), policies on disk.
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preAuthEncoding } from '@provenant/core/verify';
import type { EvidenceBundle } from '@provenant/verifier';

export interface TestKey {
  readonly privateKey: KeyObject;
  readonly publicKeyPem: string;
}

export function makeKey(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

export function sha256(data: string | Buffer | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function evidence(bundle: object, uri: string, payload?: Uint8Array): EvidenceBundle {
  const bytes = Buffer.from(JSON.stringify(bundle));
  return { bundle: JSON.parse(bytes.toString()), digest: `sha256:${sha256(bytes)}`, uri, ...(payload ? { payload } : {}) };
}

const BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';

export function statement(subjectDigest: string, predicateType: string, predicate: unknown, name = 'subject'): object {
  return { _type: 'https://in-toto.io/Statement/v1', subject: [{ name, digest: { sha256: subjectDigest.replace(/^sha256:/, '') } }], predicateType, predicate };
}

/** A key-signed DSSE bundle over an in-toto statement. */
export function attestationBundle(key: TestKey, stmt: object, uri = 'attestation.sigstore.json'): EvidenceBundle {
  const payload = Buffer.from(JSON.stringify(stmt));
  const payloadType = 'application/vnd.in-toto+json';
  const sig = sign('sha256', preAuthEncoding(payloadType, payload), key.privateKey);
  return evidence(
    {
      mediaType: BUNDLE_V03,
      verificationMaterial: { publicKey: { hint: 'test-key' }, tlogEntries: [], timestampVerificationData: { rfc3161Timestamps: [] } },
      dsseEnvelope: { payload: payload.toString('base64'), payloadType, signatures: [{ sig: sig.toString('base64'), keyid: '' }] },
    },
    uri,
  );
}

/** A key-signed message-signature bundle over bytes (a file artifact, or a cosign simple-signing payload). */
export function signatureBundle(key: TestKey, data: Buffer, uri = 'signature.sigstore.json', asPayload = false): EvidenceBundle {
  const sig = sign('sha256', data, key.privateKey);
  return evidence(
    {
      mediaType: BUNDLE_V03,
      verificationMaterial: { publicKey: { hint: 'test-key' }, tlogEntries: [], timestampVerificationData: { rfc3161Timestamps: [] } },
      messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: createHash('sha256').update(data).digest('base64') }, signature: sig.toString('base64') },
    },
    uri,
    asPayload ? data : undefined,
  );
}

/** A cosign simple-signing payload naming an image digest. */
export function simpleSigningPayload(imageRef: string, digest: string): Buffer {
  return Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': imageRef }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' }, optional: null }));
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'provenant-verifier-'));
}

export function writeFile(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
