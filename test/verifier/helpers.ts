// Test helpers: key-signed Sigstore bundles made offline with core/sign (no transparency log), policies on disk.
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keySigner, signBlob, signDsse } from '@provenant/core/sign';
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

export function statement(subjectDigest: string, predicateType: string, predicate: unknown, name = 'subject'): Record<string, unknown> {
  return { _type: 'https://in-toto.io/Statement/v1', subject: [{ name, digest: { sha256: subjectDigest.replace(/^sha256:/, '') } }], predicateType, predicate };
}

/** A key-signed DSSE bundle over an in-toto statement (signDsse: the statement is signed as given, even a malformed one). */
export async function attestationBundle(key: TestKey, stmt: object, uri = 'attestation.sigstore.json'): Promise<EvidenceBundle> {
  return evidence(await signDsse(Buffer.from(JSON.stringify(stmt)), 'application/vnd.in-toto+json', keySigner(key.privateKey)), uri);
}

/** A key-signed message-signature bundle over bytes (a file artifact, or a cosign simple-signing payload). */
export async function signatureBundle(key: TestKey, data: Buffer, uri = 'signature.sigstore.json', asPayload = false): Promise<EvidenceBundle> {
  return evidence(await signBlob(data, keySigner(key.privateKey)), uri, asPayload ? data : undefined);
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
