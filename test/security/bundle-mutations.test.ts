import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTrustedRoot, verifyBundle, type TrustMaterial, type VerificationPolicy } from '@provenant/core/verify';
import { ISSUER, miniSigstore, SAN, type MiniSigstore } from '../verify/fixtures.js';
import { codeOf, type Json } from './helpers.js';

// Properties over bundle mutations: every byte a bundle's verdict rests on is covered by a signature or a
// proof, so no single-bit flip of a signed field, and no change of a signed number, leaves a bundle that
// verifies; and whatever the mutation, the only thing thrown is a coded ProvenantError (codeOf rethrows
// anything else, failing the property).

const data = Buffer.from('mutation artifact\n');
const policy: VerificationPolicy = { kind: 'identity', subjectAlternativeName: SAN, issuer: ISSUER };

let sig: MiniSigstore;
let trust: TrustMaterial;
const bundles: Record<string, Json> = {};

beforeAll(async () => {
  sig = await miniSigstore();
  trust = loadTrustedRoot(sig.trustedRoot);
  bundles.message = await sig.signBlob(data);
  bundles.dsse = await sig.attest(createHash('sha256').update(data).digest('hex'));
});

type Path = readonly (string | number)[];
const get = (o: Json, p: Path): Json => p.reduce((v, k) => v[k], o);
const put = (o: Json, p: Path, value: unknown): void => {
  get(o, p.slice(0, -1))[p[p.length - 1]!] = value;
};

const entry = ['verificationMaterial', 'tlogEntries', 0];
/** Base64 fields whose decoded bytes are signed, proven or compared. */
const BYTES: Record<string, Path[]> = {
  message: [
    ['messageSignature', 'signature'],
    ['messageSignature', 'messageDigest', 'digest'],
    ['verificationMaterial', 'certificate', 'rawBytes'],
    [...entry, 'canonicalizedBody'],
    [...entry, 'inclusionPromise', 'signedEntryTimestamp'],
    [...entry, 'inclusionProof', 'rootHash'],
    [...entry, 'logId', 'keyId'],
  ],
  dsse: [
    ['dsseEnvelope', 'payload'],
    ['dsseEnvelope', 'signatures', 0, 'sig'],
    ['verificationMaterial', 'certificate', 'rawBytes'],
    [...entry, 'canonicalizedBody'],
    [...entry, 'inclusionPromise', 'signedEntryTimestamp'],
    [...entry, 'inclusionProof', 'rootHash'],
  ],
};
/** Text and number fields covered by a signature (the checkpoint note, SET-covered and proven numbers). */
const TEXT: Path[] = [[...entry, 'inclusionProof', 'checkpoint', 'envelope']];
const NUMBERS: Path[] = [
  [...entry, 'logIndex'],
  [...entry, 'integratedTime'],
  [...entry, 'inclusionProof', 'logIndex'],
  [...entry, 'inclusionProof', 'treeSize'],
];

/**
 * Protobuf JSON spellings of one value: an int64 as a number or a string, and null for a field's default
 * (0, "", false). Replacing a field by another spelling of its value is the one mutation that may verify.
 */
function sameMeaning(original: unknown, value: unknown): boolean {
  if (JSON.stringify(value) === JSON.stringify(original)) return true;
  if (typeof value === 'number' && typeof original === 'string' && String(value) === original) return true;
  return value === null && (original === '0' || original === 0 || original === '' || original === false);
}

const run = (b: Json): string => codeOf(() => verifyBundle(b, { data }, policy, trust));

describe.each(['message', 'dsse'])('%s bundle', (kind) => {
  it('verifies unmutated', () => {
    expect(run(bundles[kind])).toBe('VALID');
  });

  it('no single-bit flip of a signed base64 field verifies', () => {
    fc.assert(
      fc.property(fc.constantFrom(...BYTES[kind]!), fc.nat(), fc.integer({ min: 0, max: 7 }), (path, at, bit) => {
        const b = structuredClone(bundles[kind]);
        const bytes = Buffer.from(get(b, path), 'base64');
        bytes[at % bytes.length]! ^= 1 << bit;
        put(b, path, bytes.toString('base64'));
        return run(b) !== 'VALID';
      }),
      { numRuns: 150 },
    );
  });

  it('no single-bit flip of the signed checkpoint text verifies', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TEXT), fc.nat(), fc.integer({ min: 0, max: 6 }), (path, at, bit) => {
        const b = structuredClone(bundles[kind]);
        const text = Buffer.from(get(b, path), 'utf8');
        text[at % text.length]! ^= 1 << bit;
        put(b, path, text.toString('utf8'));
        return run(b) !== 'VALID';
      }),
      { numRuns: 100 },
    );
  });

  it('no other value of a signed or proven number verifies', () => {
    fc.assert(
      fc.property(fc.constantFrom(...NUMBERS), fc.bigInt({ min: -(1n << 40n), max: 1n << 40n }).filter((d) => d !== 0n), (path, delta) => {
        const b = structuredClone(bundles[kind]);
        put(b, path, String(BigInt(get(b, path)) + delta));
        return run(b) !== 'VALID';
      }),
      { numRuns: 100 },
    );
  });

  it('any JSON value in any field is refused with a code, never a crash', () => {
    const leaves: Path[] = [];
    const walk = (v: Json, p: Path): void => {
      if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) walk(v[k], [...p, Array.isArray(v) ? Number(k) : k]);
      else leaves.push(p);
    };
    walk(bundles[kind], []);
    fc.assert(
      fc.property(fc.constantFrom(...leaves), fc.jsonValue(), (path, value) => {
        const b = structuredClone(bundles[kind]);
        put(b, path, value);
        return run(b) !== 'VALID' || sameMeaning(get(bundles[kind], path), value);
      }),
      { numRuns: 200 },
    );
  });
});
