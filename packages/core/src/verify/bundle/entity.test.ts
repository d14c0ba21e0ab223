import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProvenantError } from '../../errors.js';
import { toSignedEntity } from './entity.js';

const VECTORS = process.env.PROVENANT_VECTORS ?? join(import.meta.dirname, '../../../../../fixtures/vectors');
const read = (name: string): Record<string, unknown> & { verificationMaterial: Record<string, unknown> } =>
  JSON.parse(readFileSync(join(VECTORS, 'sigstore-conformance/test/assets/bundle-verify', name, 'bundle.sigstore.json'), 'utf8'));
const code = (v: unknown): string => {
  try {
    toSignedEntity(v);
    return 'OK';
  } catch (e) {
    return e instanceof ProvenantError ? e.code : 'THROWN';
  }
};

describe('toSignedEntity', () => {
  it('reads v0.1, v0.2, v0.3 and the v0.3 media type, newer minors as v0.3', () => {
    expect(toSignedEntity(read('happy-path-v0.1')).version).toBe(1);
    expect(toSignedEntity(read('happy-path-v0.2')).version).toBe(2);
    expect(toSignedEntity(read('happy-path-v0.3')).version).toBe(3);
    expect(toSignedEntity(read('happy-path-v0.3-new-mediaType')).version).toBe(3);
    const b = read('happy-path-v0.3');
    b.mediaType = 'application/vnd.dev.sigstore.bundle+json;version=0.4';
    expect(toSignedEntity(b).version).toBe(3);
  });

  it('decodes content, key material and log entries', () => {
    const e = toSignedEntity(read('happy-path-intoto-in-dsse-v3'));
    expect(e.content.kind).toBe('dsse');
    expect(e.key.kind).toBe('certificate');
    expect(e.tlogEntries[0]).toMatchObject({ kind: 'dsse', version: '0.0.1' });
    expect(e.tlogEntries[0]!.inclusionProof!.checkpoint).toContain('\u2014 ');
  });

  it('enforces the rules of each version', () => {
    const v1 = read('happy-path-v0.1');
    delete (v1.verificationMaterial.tlogEntries as Record<string, unknown>[])[0]!.inclusionPromise;
    expect(code(v1)).toBe('TLOG_SET_INVALID');
    const v2 = read('happy-path-v0.2');
    delete ((v2.verificationMaterial.tlogEntries as Record<string, unknown>[])[0]!.inclusionProof as Record<string, unknown>).checkpoint;
    expect(code(v2)).toBe('TLOG_CHECKPOINT_INVALID');
    const v3 = read('happy-path-v0.3');
    v3.verificationMaterial.x509CertificateChain = { certificates: [v3.verificationMaterial.certificate] };
    delete v3.verificationMaterial.certificate;
    expect(code(v3)).toBe('BUNDLE_INVALID');
  });

  it('reads omitted protobuf defaults (log index 0, no audit-path hashes) as their zero values', () => {
    const b = read('happy-path-v0.3');
    const entry = (b.verificationMaterial.tlogEntries as Record<string, unknown>[])[0]!;
    const proof = entry.inclusionProof as Record<string, unknown>;
    delete entry.logIndex;
    delete proof.logIndex;
    delete proof.hashes;
    const e = toSignedEntity(b);
    expect(e.tlogEntries[0]!.logIndex).toBe(0n);
    expect(e.tlogEntries[0]!.inclusionProof).toMatchObject({ logIndex: 0n, hashes: [] });
  });

  it('rejects ambiguous or malformed bundles', () => {
    const two = read('happy-path-v0.3');
    two.verificationMaterial.publicKey = { hint: 'x' };
    expect(code(two)).toBe('BUNDLE_INVALID');
    const dsse = read('happy-path-intoto-in-dsse-v3') as unknown as Record<string, unknown> & { dsseEnvelope: { signatures: unknown[] } };
    dsse.dsseEnvelope.signatures.push(dsse.dsseEnvelope.signatures[0]);
    expect(code(dsse)).toBe('BUNDLE_INVALID');
    const neg = read('happy-path-v0.3');
    (neg.verificationMaterial.tlogEntries as Record<string, unknown>[])[0]!.logIndex = '-1';
    expect(code(neg)).toBe('TLOG_ENTRY_INVALID');
    const b64 = read('happy-path-v0.3');
    (b64.messageSignature as Record<string, unknown>).signature = 'not base64!';
    expect(code(b64)).toBe('BUNDLE_INVALID');
    expect(code('not json')).toBe('BUNDLE_INVALID');
    expect(code({ ...read('happy-path-v0.3'), mediaType: 'application/json' })).toBe('BUNDLE_UNSUPPORTED');
  });
});
