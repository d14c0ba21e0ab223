import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { simpleSigningPayload, verifySimpleSigning } from '@provenant/core/cosign';
import { loadTrustedRoot, verifyBundle, verifyDsseWithKey, type ArtifactInput, type VerifyOptions } from '@provenant/core/verify';
import { integer, seq } from '../helpers/pki.js';
import { miniSigstore, type MiniSigstore } from '../verify/fixtures.js';
import { codeOf, type Json } from './helpers.js';

// Bypass class "malleability". The rule (README, "ECDSA signatures"): an ECDSA signature is one strict-DER
// ECDSA-Sig-Value with 0 < r, s < n; s and n - s are both accepted, as sigstore-go, cosign, sigstore-js and
// OpenSSL accept them, on every path. Other encodings of the same (r, s) are refused on every path, and a
// logged signature must be the bytes the log recorded, so a twin is refused there by the log binding.

const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const data = Buffer.from('malleability artifact\n');
const digest = createHash('sha256').update(data).digest();
const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const publicPem = keys.publicKey.export({ format: 'pem', type: 'spki' }).toString();

function rs(sig: Buffer): [bigint, bigint] {
  const rl = sig[3]!;
  const r = BigInt('0x' + sig.subarray(4, 4 + rl).toString('hex'));
  const sl = sig[5 + rl]!;
  return [r, BigInt('0x' + sig.subarray(6 + rl, 6 + rl + sl).toString('hex'))];
}
const der = (r: bigint, s: bigint): Buffer => seq(integer(r), integer(s));
/** The same (r, s) with s replaced by n - s: the twin every ECDSA signature has. */
const twin = (sig: Buffer): Buffer => {
  const [r, s] = rs(sig);
  return der(r, N - s);
};
const hex32 = (v: bigint): string => v.toString(16).padStart(64, '0');

/** Encodings of a signature's (r, s) other than strict DER, and out-of-range values: refused everywhere. */
function nonCanonical(sig: Buffer): Record<string, Buffer> {
  const [r, s] = rs(sig);
  const ri = integer(r);
  const padded = Buffer.concat([Buffer.from([0x02, ri[1]! + 1, 0x00]), ri.subarray(2)]);
  const body = Buffer.concat([padded, integer(s)]);
  return {
    'r with a leading zero byte': Buffer.concat([Buffer.from([0x30, body.length]), body]),
    'long-form length': Buffer.concat([Buffer.from([0x30, 0x81, sig.length - 2]), sig.subarray(2)]),
    'a trailing byte': Buffer.concat([sig, Buffer.from([0x00])]),
    'raw r||s (IEEE P1363)': Buffer.from(hex32(r) + hex32(s), 'hex'),
    'r = 0': der(0n, s),
    's = 0': der(r, 0n),
    's = n': der(r, N),
    's + n': der(r, s + N),
    'a third INTEGER': seq(integer(r), integer(s), integer(1n)),
  };
}

const offline: VerifyOptions = { tlogThreshold: 0, timestampThreshold: 0 };
const keyPolicy = { kind: 'key' as const, publicKey: publicPem };

function messageBundle(signature: Buffer, tlogEntries: Json[] = []): Json {
  return {
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    verificationMaterial: { publicKey: { hint: 'k' }, tlogEntries },
    messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: digest.toString('base64') }, signature: signature.toString('base64') },
  };
}

const payloadType = 'application/vnd.in-toto+json';
const statement = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'a', digest: { sha256: digest.toString('hex') } }], predicateType: 'https://example.test/p', predicate: {} }));
const pae = Buffer.concat([Buffer.from(`DSSEv1 ${payloadType.length} ${payloadType} ${statement.length} `), statement]);
const envelope = (signature: Buffer): Json => ({ payload: statement.toString('base64'), payloadType, signatures: [{ sig: signature.toString('base64') }] });

/** A signature whose s is in the upper half (so its twin is low-S), and one in the lower half. */
function signWithS(message: Buffer, high: boolean, key: KeyObject = keys.privateKey): Buffer {
  for (;;) {
    const s = sign('sha256', message, key);
    if (rs(s)[1] > N / 2n === high) return s;
  }
}

describe('the high-S twin: accepted on every unlogged path, as upstream verifiers accept it', () => {
  const sig = signWithS(data, false);
  const image = 'sha256:' + 'ab'.repeat(32);
  const payload = simpleSigningPayload('registry.example.test/app', image);
  const cosignSig = signWithS(payload, false);
  const dsseSig = signWithS(pae, false);
  const trust = loadTrustedRoot({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1' });
  const paths: Record<string, (s: Buffer) => string> = {
    'key bundle, by artifact': (s) => codeOf(() => verifyBundle(messageBundle(s), { data }, keyPolicy, trust, offline)),
    'key bundle, by digest (prehashed)': (s) => codeOf(() => verifyBundle(messageBundle(s), { digest: `sha256:${digest.toString('hex')}` }, keyPolicy, trust, offline)),
  };

  it('genuine and twin verify alike on message, digest, DSSE and cosign paths', () => {
    for (const [name, run] of Object.entries(paths)) {
      expect(run(sig), name).toBe('VALID');
      expect(run(twin(sig)), name).toBe('VALID');
    }
    for (const s of [dsseSig, twin(dsseSig)]) {
      expect(codeOf(() => verifyDsseWithKey(envelope(s), publicPem))).toBe('VALID');
      const bundle = { mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', verificationMaterial: { publicKey: { hint: 'k' }, tlogEntries: [] }, dsseEnvelope: envelope(s) };
      expect(codeOf(() => verifyBundle(bundle, { data }, keyPolicy, trust, offline))).toBe('VALID');
    }
    for (const s of [cosignSig, twin(cosignSig)]) expect(codeOf(() => verifySimpleSigning(payload, s.toString('base64'), image, publicPem))).toBe('VALID');
  });

  it('every other encoding of the same (r, s), and out-of-range values: refused on every path', () => {
    for (const [what, bad] of Object.entries(nonCanonical(sig))) {
      for (const [name, run] of Object.entries(paths)) expect(run(bad), `${name}: ${what}`).toBe('BUNDLE_SIGNATURE_INVALID');
    }
    for (const [what, bad] of Object.entries(nonCanonical(dsseSig))) expect(codeOf(() => verifyDsseWithKey(envelope(bad), publicPem)), what).toBe('DSSE_SIGNATURE_INVALID');
    for (const [what, bad] of Object.entries(nonCanonical(cosignSig))) {
      expect(codeOf(() => verifySimpleSigning(payload, bad.toString('base64'), image, publicPem)), what).toBe('IMAGE_SIGNATURE_INVALID');
    }
  });
});

describe('logged bundles: the log binds the exact signature bytes', () => {
  let sig: MiniSigstore;
  let trust: ReturnType<typeof loadTrustedRoot>;
  const logged = async (signature: Buffer): Promise<Json> => {
    const body = {
      apiVersion: '0.0.1',
      kind: 'hashedrekord',
      spec: { data: { hash: { algorithm: 'sha256', value: digest.toString('hex') } }, signature: { content: signature.toString('base64'), publicKey: { content: Buffer.from(publicPem).toString('base64') } } },
    };
    return messageBundle(signature, [await sig.log(body, 'hashedrekord')]);
  };
  const run = (b: Json, artifact: ArtifactInput = { data }): string => codeOf(() => verifyBundle(b, artifact, keyPolicy, trust));

  beforeAll(async () => {
    sig = await miniSigstore();
    trust = loadTrustedRoot(sig.trustedRoot);
  });

  it('a signature logged high-S or low-S verifies; the twin of a logged signature does not match the log', async () => {
    for (const high of [true, false]) {
      const s = signWithS(data, high);
      const b = await logged(s);
      expect(run(b)).toBe('VALID');
      b.messageSignature.signature = twin(s).toString('base64');
      expect(run(b)).toBe('TLOG_BODY_MISMATCH');
      expect(run(b, { digest: `sha256:${digest.toString('hex')}` })).toBe('TLOG_BODY_MISMATCH');
    }
  });

  it('a keyless bundle: the twin of its logged signature does not match the log', async () => {
    const b: Json = await sig.signBlob(data, { tsa: false });
    const certTrust = loadTrustedRoot(sig.trustedRoot);
    const policy = { kind: 'any' as const };
    expect(codeOf(() => verifyBundle(b, { data }, policy, certTrust))).toBe('VALID');
    b.messageSignature.signature = twin(Buffer.from(b.messageSignature.signature, 'base64')).toString('base64');
    expect(codeOf(() => verifyBundle(b, { data }, policy, certTrust))).toBe('TLOG_BODY_MISMATCH');
  });
});
