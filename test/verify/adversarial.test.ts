import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProvenantError, type ProvenantErrorCode } from '@provenant/core/errors';
import { loadTrustedRoot, verifyBundle, type ArtifactInput, type TrustMaterial, type VerificationPolicy } from '@provenant/core/verify';
import { vectorsDir } from '../vectors.js';
import { GITHUB_WORKFLOW_REF_OID, GITHUB_WORKFLOW_REPOSITORY_OID, GITHUB_WORKFLOW_TRIGGER_OID, ISSUER, miniSigstore, SAN, type MiniSigstore } from './fixtures.js';

// Each test changes exactly one part of a valid bundle (or of the trust, artifact or policy around it)
// and asserts the specific denial code, so a check that silently stops running shows up as a wrong code.

// Mutable parsed bundle JSON: tests reach into arbitrary fields to change one at a time.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const clone = (v: unknown): Json => structuredClone(v);
const VEC = vectorsDir();
const asset = (p: string): string => join(VEC, 'sigstore-conformance/test/assets/bundle-verify', p);
const PROD_ROOT = join(VEC, 'sigstore-js/packages/tuf/seeds.decoded/tuf-repo-cdn.sigstore.dev/trusted_root.json');
const BEACON_SAN = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const BEACON_ISSUER = 'https://token.actions.githubusercontent.com';
const beacon: VerificationPolicy = { kind: 'identity', subjectAlternativeName: BEACON_SAN, issuer: BEACON_ISSUER };

function codeOf(fn: () => unknown): ProvenantErrorCode | 'VALID' {
  try {
    fn();
    return 'VALID';
  } catch (err) {
    if (err instanceof ProvenantError) return err.code;
    throw err;
  }
}

/** Flips one bit of a base64 field's bytes, at `at` (negative counts from the end). */
function flipB64(value: string, at: number, bit = 0x01): string {
  const b = Buffer.from(value, 'base64');
  const i = at < 0 ? b.length + at : at;
  b[i] = b[i]! ^ bit;
  return b.toString('base64');
}

describe('mutations of a valid v0.1 production bundle (happy-path-v0.1)', () => {
  const bundle = JSON.parse(readFileSync(asset('happy-path-v0.1/bundle.sigstore.json'), 'utf8'));
  const data = readFileSync(asset('a.txt'));
  const rootJson = JSON.parse(readFileSync(PROD_ROOT, 'utf8'));
  const trust = loadTrustedRoot(rootJson);
  const entry = (b: Json): Json => b.verificationMaterial.tlogEntries[0];
  const leafPath = (b: Json): Json => b.verificationMaterial.x509CertificateChain.certificates[0];
  const run = (b: unknown, artifact: ArtifactInput = { data }, policy: VerificationPolicy = beacon, t: TrustMaterial = trust) => codeOf(() => verifyBundle(b, artifact, policy, t));

  it('verifies unmodified, by artifact and by digest', () => {
    expect(run(bundle)).toBe('VALID');
    expect(run(bundle, { digest: `sha256:${createHash('sha256').update(data).digest('hex')}` })).toBe('VALID');
  });

  it('signature', () => {
    const b = clone(bundle);
    b.messageSignature.signature = flipB64(b.messageSignature.signature, -3);
    expect(run(b)).toBe('BUNDLE_SIGNATURE_INVALID');
    expect(run(b, { digest: `sha256:${createHash('sha256').update(data).digest('hex')}` })).toBe('BUNDLE_SIGNATURE_INVALID');
  });

  it('certificate: its signature, and a byte inside the SAN', () => {
    const b = clone(bundle);
    leafPath(b).rawBytes = flipB64(leafPath(b).rawBytes, -5);
    expect(run(b)).toBe('CERTIFICATE_CHAIN_INVALID');
    const c = clone(bundle);
    const der = Buffer.from(leafPath(c).rawBytes, 'base64');
    const at = der.indexOf('extremely-dangerous-oidc-beacon.yml');
    der[at] = 'X'.charCodeAt(0);
    leafPath(c).rawBytes = der.toString('base64');
    expect(run(c)).toBe('CERTIFICATE_CHAIN_INVALID');
  });

  it('chain: CA missing from the trusted root, or its window not covering the signing time', () => {
    const noCa = clone(rootJson);
    noCa.certificateAuthorities = [];
    expect(run(bundle, { data }, beacon, loadTrustedRoot(noCa))).toBe('CERTIFICATE_CHAIN_INVALID');
    const early = clone(rootJson);
    for (const ca of early.certificateAuthorities) ca.validFor = { start: '2020-01-01T00:00:00Z', end: '2023-07-01T00:00:00Z' };
    expect(run(bundle, { data }, beacon, loadTrustedRoot(early))).toBe('CERTIFICATE_CHAIN_INVALID');
  });

  it('a chain in the bundle is never trusted: an extra certificate there changes nothing', () => {
    const b = clone(bundle);
    b.verificationMaterial.x509CertificateChain.certificates.push({ rawBytes: leafPath(b).rawBytes });
    expect(run(b)).toBe('VALID');
  });

  it('SCT: the CT log key replaced, or no CT logs trusted', () => {
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    const swapped = clone(rootJson);
    for (const l of swapped.ctlogs) l.publicKey = { ...l.publicKey, rawBytes: otherKey, keyDetails: 'PKIX_ECDSA_P256_SHA_256' };
    expect(run(bundle, { data }, beacon, loadTrustedRoot(swapped))).toBe('SCT_INVALID');
    const none = clone(rootJson);
    none.ctlogs = [];
    expect(run(bundle, { data }, beacon, loadTrustedRoot(none))).toBe('SCT_MISSING');
  });

  it('tlog body: any change breaks the SET that signs it', () => {
    const b = clone(bundle);
    const body = JSON.parse(Buffer.from(entry(b).canonicalizedBody, 'base64').toString());
    body.spec.data.hash.value = createHash('sha256').update('other').digest('hex');
    entry(b).canonicalizedBody = Buffer.from(JSON.stringify(body)).toString('base64');
    expect(run(b)).toBe('TLOG_SET_INVALID');
  });

  it('tlog body: kindVersion that disagrees with the body', () => {
    const b = clone(bundle);
    entry(b).kindVersion.kind = 'dsse';
    expect(run(b)).toBe('TLOG_BODY_MISMATCH');
  });

  it('inclusion proof: a hash, the tree size, the root hash', () => {
    const b = clone(bundle);
    entry(b).inclusionProof.hashes[3] = flipB64(entry(b).inclusionProof.hashes[3], 7);
    expect(run(b)).toBe('TLOG_INCLUSION_PROOF_INVALID');
    const c = clone(bundle);
    entry(c).inclusionProof.treeSize = String(Number(entry(c).inclusionProof.treeSize) + 1);
    expect(run(c)).toBe('TLOG_INCLUSION_PROOF_INVALID');
    const d = clone(bundle);
    entry(d).inclusionProof.rootHash = flipB64(entry(d).inclusionProof.rootHash, 0);
    expect(run(d)).toBe('TLOG_INCLUSION_PROOF_INVALID');
    const e = clone(bundle);
    entry(e).inclusionProof.hashes.pop();
    expect(run(e)).toBe('TLOG_INCLUSION_PROOF_INVALID');
  });

  it('checkpoint: its signature, its root hash line, its origin', () => {
    const env: string = entry(bundle).inclusionProof.checkpoint.envelope;
    const [note, sigs] = env.split('\n\n') as [string, string];
    const sigLine = sigs.trimEnd().split(' ');
    const flipped = `${note}\n\n${sigLine.slice(0, -1).join(' ')} ${flipB64(sigLine.at(-1)!, -2)}\n`;
    const b = clone(bundle);
    entry(b).inclusionProof.checkpoint.envelope = flipped;
    expect(run(b)).toBe('TLOG_CHECKPOINT_INVALID');
    const lines = note.split('\n');
    const c = clone(bundle);
    entry(c).inclusionProof.checkpoint.envelope = [lines[0], lines[1], flipB64(lines[2]!, 0), ...lines.slice(3)].join('\n') + '\n\n' + sigs;
    expect(run(c)).toBe('TLOG_CHECKPOINT_INVALID');
    const d = clone(bundle);
    entry(d).inclusionProof.checkpoint.envelope = env.replace('rekor.sigstore.dev - ', 'rekor.example.test - ');
    expect(run(d)).toBe('TLOG_CHECKPOINT_INVALID');
  });

  it('SET: flipped, or removed from a v0.1 bundle', () => {
    const b = clone(bundle);
    entry(b).inclusionPromise.signedEntryTimestamp = flipB64(entry(b).inclusionPromise.signedEntryTimestamp, -4);
    expect(run(b)).toBe('TLOG_SET_INVALID');
    const c = clone(bundle);
    delete entry(c).inclusionPromise;
    expect(run(c)).toBe('TLOG_SET_INVALID');
  });

  it('integratedTime and logIndex are covered by the SET', () => {
    for (const delta of [-1, 1, 3600]) {
      const b = clone(bundle);
      entry(b).integratedTime = String(Number(entry(b).integratedTime) + delta);
      expect(run(b)).toBe('TLOG_SET_INVALID');
    }
    const c = clone(bundle);
    entry(c).logIndex = String(Number(entry(c).logIndex) + 1);
    expect(run(c)).toBe('TLOG_SET_INVALID');
  });

  it('log id of a log the trusted root does not list', () => {
    const b = clone(bundle);
    entry(b).logId.keyId = flipB64(entry(b).logId.keyId, 0);
    expect(run(b)).toBe('TLOG_KEY_UNKNOWN');
  });

  it('no tlog entry at all', () => {
    const b = clone(bundle);
    b.verificationMaterial.tlogEntries = [];
    expect(run(b)).toBe('TLOG_THRESHOLD_NOT_MET');
  });

  it('artifact: other bytes, other digest, tampered messageDigest', () => {
    expect(run(bundle, { data: Buffer.from('not the artifact') })).toBe('ARTIFACT_MISMATCH');
    expect(run(bundle, { digest: `sha256:${'0'.repeat(64)}` })).toBe('ARTIFACT_MISMATCH');
    const b = clone(bundle);
    b.messageSignature.messageDigest.digest = flipB64(b.messageSignature.messageDigest.digest, 0);
    expect(run(b)).toBe('ARTIFACT_MISMATCH');
    expect(run(bundle, null)).toBe('ARTIFACT_MISMATCH');
  });

  it('identity near misses: prefix, suffix, substring, case, other ref', () => {
    const variants = [
      BEACON_SAN.slice(0, -1),
      BEACON_SAN.slice(0, BEACON_SAN.indexOf('@')),
      BEACON_SAN + 'x',
      BEACON_SAN + '/',
      BEACON_SAN.slice(8),
      'https://github.com/sigstore-conformance/',
      BEACON_SAN.toUpperCase(),
      BEACON_SAN.replace('refs/heads/main', 'refs/heads/mainline'),
      BEACON_SAN.replace('refs/heads/main', 'refs/heads/dev'),
      '',
    ];
    for (const san of variants) expect(run(bundle, { data }, { kind: 'identity', subjectAlternativeName: san, issuer: BEACON_ISSUER }), san).toBe('IDENTITY_MISMATCH');
  });

  it('identity regex is anchored: substring patterns do not match, full patterns do', () => {
    for (const re of ['extremely-dangerous', 'https://github\\.com/sigstore-conformance/', '.*beacon\\.yml', 'https://github.com/sigstore-conformance/.*@refs/heads/dev']) {
      expect(run(bundle, { data }, { kind: 'identity', subjectAlternativeNameRegExp: re, issuer: BEACON_ISSUER }), re).toBe('IDENTITY_MISMATCH');
    }
    expect(run(bundle, { data }, { kind: 'identity', subjectAlternativeNameRegExp: 'https://github\\.com/sigstore-conformance/.*@refs/heads/main', issuer: BEACON_ISSUER })).toBe('VALID');
    expect(run(bundle, { data }, { kind: 'identity', subjectAlternativeNameRegExp: '(', issuer: BEACON_ISSUER })).toBe('POLICY_REGEX_INVALID');
  });

  it('issuer variants', () => {
    for (const issuer of [BEACON_ISSUER + '/', BEACON_ISSUER.replace('https', 'http'), BEACON_ISSUER.toUpperCase(), 'https://token.actions.githubusercontent.com.evil.example', 'https://accounts.google.com', '']) {
      expect(run(bundle, { data }, { kind: 'identity', subjectAlternativeName: BEACON_SAN, issuer }), issuer).toBe('ISSUER_MISMATCH');
    }
  });

  it('Fulcio extension policy: match passes, any other value is a denial', () => {
    const ok: VerificationPolicy = { ...beacon, extensions: { githubWorkflowRepository: 'sigstore-conformance/extremely-dangerous-public-oidc-beacon', githubWorkflowRef: 'refs/heads/main', githubWorkflowTrigger: 'workflow_dispatch', buildTrigger: 'workflow_dispatch' } };
    expect(run(bundle, { data }, ok)).toBe('VALID');
    expect(run(bundle, { data }, { ...beacon, extensions: { githubWorkflowRepository: 'sigstore-conformance/extremely-dangerous-public-oidc' } })).toBe('EXTENSION_MISMATCH');
    expect(run(bundle, { data }, { ...beacon, extensions: { githubWorkflowRef: 'refs/heads/mai' } })).toBe('EXTENSION_MISMATCH');
    expect(run(bundle, { data }, { ...beacon, extensions: { githubWorkflowTrigger: 'push' } })).toBe('EXTENSION_MISMATCH');
    expect(run(bundle, { data }, { ...beacon, extensions: { runInvocationURI: 'https://example.test' } })).toBe('EXTENSION_MISMATCH');
  });

  it('a key policy never accepts a certificate bundle', () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    expect(run(bundle, { data }, { kind: 'key', publicKey: key })).toBe('PUBLIC_KEY_MISMATCH');
  });

  it('bundle envelope: unknown mediaType, unknown field, both contents, no content', () => {
    const a = clone(bundle);
    a.mediaType = 'application/vnd.dev.sigstore.bundle+json;version=1.0';
    expect(run(a)).toBe('BUNDLE_UNSUPPORTED');
    const b = clone(bundle);
    b.extra = true;
    expect(run(b)).toBe('BUNDLE_INVALID');
    const c = clone(bundle);
    c.dsseEnvelope = { payload: '', payloadType: 'x', signatures: [{ sig: 'AA==' }] };
    expect(run(c)).toBe('BUNDLE_INVALID');
    const d = clone(bundle);
    delete d.messageSignature;
    expect(run(d)).toBe('BUNDLE_INVALID');
    expect(run('{"mediaType":')).toBe('BUNDLE_INVALID');
  });
});

describe('mutations of a Rekor v2 bundle with an RFC 3161 timestamp (rekor2-happy-path)', () => {
  const bundle = JSON.parse(readFileSync(asset('rekor2-happy-path/bundle.sigstore.json'), 'utf8'));
  const rootJson = JSON.parse(readFileSync(asset('rekor2-happy-path/trusted_root.json'), 'utf8'));
  const trust = loadTrustedRoot(rootJson);
  const data = readFileSync(asset('a.txt'));
  const ts = (b: Json): Json => b.verificationMaterial.timestampVerificationData.rfc3161Timestamps[0];
  const run = (b: unknown, t: TrustMaterial = trust) => codeOf(() => verifyBundle(b, { data }, beacon, t));

  it('verifies unmodified', () => expect(run(bundle)).toBe('VALID'));

  it('timestamp token: its signature, its TSTInfo, or the TSA missing from the trusted root', () => {
    const b = clone(bundle);
    ts(b).signedTimestamp = flipB64(ts(b).signedTimestamp, -3);
    expect(run(b)).toBe('TIMESTAMP_INVALID');
    const c = clone(bundle);
    const der = Buffer.from(ts(c).signedTimestamp, 'base64');
    const genTime = der.indexOf(Buffer.from('2025'));
    der[genTime + 3] = '6'.charCodeAt(0);
    ts(c).signedTimestamp = der.toString('base64');
    expect(run(c)).toBe('TIMESTAMP_INVALID');
    const noTsa = clone(rootJson);
    noTsa.timestampAuthorities = [];
    expect(run(bundle, loadTrustedRoot(noTsa))).toBe('TIMESTAMP_INVALID');
  });

  it('without its timestamp there is no signing time', () => {
    const b = clone(bundle);
    delete b.verificationMaterial.timestampVerificationData;
    expect(run(b)).toBe('TIMESTAMP_THRESHOLD_NOT_MET');
  });

  it('the signature is bound by the timestamp imprint', () => {
    const b = clone(bundle);
    b.messageSignature.signature = flipB64(b.messageSignature.signature, -3);
    expect(run(b)).toBe('TIMESTAMP_INVALID');
  });

  it('checkpoint signature and missing inclusion proof', () => {
    const b = clone(bundle);
    const e = b.verificationMaterial.tlogEntries[0];
    const [note, sigs] = (e.inclusionProof.checkpoint.envelope as string).split('\n\n') as [string, string];
    const parts = sigs.trimEnd().split(' ');
    e.inclusionProof.checkpoint.envelope = `${note}\n\n${parts.slice(0, -1).join(' ')} ${flipB64(parts.at(-1)!, -2)}\n`;
    expect(run(b)).toBe('TLOG_CHECKPOINT_INVALID');
    const c = clone(bundle);
    delete c.verificationMaterial.tlogEntries[0].inclusionProof;
    expect(run(c)).toBe('TLOG_INCLUSION_PROOF_INVALID');
  });
});

describe('validly signed but wrong parts (private Sigstore)', () => {
  let fx: MiniSigstore;
  let other: MiniSigstore;
  let trust: TrustMaterial;
  const data = Buffer.from('release artifact\n');
  const digestHex = createHash('sha256').update(data).digest('hex');
  const policy: VerificationPolicy = { kind: 'identity', subjectAlternativeName: SAN, issuer: ISSUER };
  const run = (b: unknown, artifact: ArtifactInput = { data }, p: VerificationPolicy = policy) => codeOf(() => verifyBundle(b, artifact, p, trust));

  beforeAll(async () => {
    fx = await miniSigstore();
    other = await miniSigstore();
    trust = loadTrustedRoot(fx.trustedRoot);
  });

  it('a fresh bundle verifies (message signature and DSSE)', async () => {
    expect(run(await fx.signBlob(data))).toBe('VALID');
    expect(run(await fx.attest(digestHex))).toBe('VALID');
    expect(run(await fx.attest(digestHex), null)).toBe('VALID');
  });

  it('tlog entry validly logged for a different signature', async () => {
    const b: Json = await fx.signBlob(data, { tsa: false });
    const elsewhere: Json = await fx.signBlob(Buffer.from('other artifact'), { tsa: false });
    b.verificationMaterial.tlogEntries = elsewhere.verificationMaterial.tlogEntries;
    // The logged entry is genuine, so inclusion holds; the chain is checked at its (genuine) time.
    expect(run(b)).toBe('TLOG_BODY_MISMATCH');
  });

  it('tlog entry logging the right signature under a different certificate', async () => {
    const signer = await fx.issue();
    const b: Json = await fx.signBlob(data, { signer, tsa: false });
    const otherCert = await fx.issue();
    const sig = Buffer.from(b.messageSignature.signature, 'base64');
    b.verificationMaterial.tlogEntries = [await fx.log(fx.hashedrekordBody(sig, Buffer.from(digestHex, 'hex'), otherCert.certificate), 'hashedrekord')];
    expect(run(b)).toBe('TLOG_BODY_MISMATCH');
  });

  it('DSSE: subject is not the artifact; envelope logged for another payload', async () => {
    expect(run(await fx.attest('0'.repeat(64)))).toBe('ARTIFACT_MISMATCH');
    const b: Json = await fx.attest(digestHex);
    const c: Json = await fx.attest(digestHex);
    b.verificationMaterial.tlogEntries = c.verificationMaterial.tlogEntries;
    expect(run(b)).toBe('TLOG_BODY_MISMATCH');
  });

  it('certificate from a CA the trusted root does not list', async () => {
    const b: Json = await other.signBlob(data, { tsa: false });
    // Logged in the trusted log, so only the chain is wrong.
    const sig = Buffer.from(b.messageSignature.signature, 'base64');
    const cert = Buffer.from(b.verificationMaterial.certificate.rawBytes, 'base64');
    b.verificationMaterial.tlogEntries = [await fx.log(fx.hashedrekordBody(sig, Buffer.from(digestHex, 'hex'), cert), 'hashedrekord')];
    expect(run(b)).toBe('CERTIFICATE_CHAIN_INVALID');
  });

  it('timestamp from a TSA the trusted root does not list', async () => {
    const b: Json = await fx.signBlob(data);
    const sig = Buffer.from(b.messageSignature.signature, 'base64');
    b.verificationMaterial.timestampVerificationData.rfc3161Timestamps = [{ signedTimestamp: await other.timestamp(sig) }];
    expect(run(b)).toBe('TIMESTAMP_INVALID');
    const c: Json = await fx.signBlob(data);
    c.verificationMaterial.timestampVerificationData.rfc3161Timestamps = [{ signedTimestamp: await fx.timestamp(Buffer.from('another signature')) }];
    expect(run(c)).toBe('TIMESTAMP_INVALID');
  });

  it('GitHub workflow extensions: repository, ref and trigger must match exactly', async () => {
    const signer = await fx.issue({
      extensions: [
        { oid: GITHUB_WORKFLOW_REPOSITORY_OID, value: 'example-org/example-repo', legacy: true },
        { oid: GITHUB_WORKFLOW_REF_OID, value: 'refs/heads/main', legacy: true },
        { oid: GITHUB_WORKFLOW_TRIGGER_OID, value: 'push', legacy: true },
      ],
    });
    const b = await fx.signBlob(data, { signer });
    const ext = { githubWorkflowRepository: 'example-org/example-repo', githubWorkflowRef: 'refs/heads/main', githubWorkflowTrigger: 'push' };
    expect(run(b, { data }, { ...policy, extensions: ext })).toBe('VALID');
    for (const [k, v] of [['githubWorkflowRepository', 'example-org/example'], ['githubWorkflowRepository', 'example-org/example-repo2'], ['githubWorkflowRef', 'refs/heads/main2'], ['githubWorkflowTrigger', 'pull_request']] as const) {
      expect(run(b, { data }, { ...policy, extensions: { ...ext, [k]: v } }), `${k}=${v}`).toBe('EXTENSION_MISMATCH');
    }
  });

  it('identity from another issuer with the same SAN', async () => {
    const b = await fx.signBlob(data, { signer: await fx.issue({ issuer: 'https://accounts.example.test' }) });
    expect(run(b)).toBe('ISSUER_MISMATCH');
  });
});

describe('key-signed bundle (managed-key-happy-path)', () => {
  const bundle = JSON.parse(readFileSync(asset('managed-key-happy-path/bundle.sigstore.json'), 'utf8'));
  const trust = loadTrustedRoot(readFileSync(PROD_ROOT));
  const key = readFileSync(asset('managed-key-happy-path/key.pub'), 'utf8');
  const data = readFileSync(asset('a.txt'));
  it('verifies with its key, not with another, not by identity', () => {
    expect(codeOf(() => verifyBundle(bundle, { data }, { kind: 'key', publicKey: key }, trust))).toBe('VALID');
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    expect(codeOf(() => verifyBundle(bundle, { data }, { kind: 'key', publicKey: otherKey }, trust))).toBe('BUNDLE_SIGNATURE_INVALID');
    expect(codeOf(() => verifyBundle(bundle, { data }, beacon, trust))).toBe('IDENTITY_MISMATCH');
    expect(codeOf(() => verifyBundle(bundle, { data }, { kind: 'any' }, trust))).toBe('PUBLIC_KEY_MISMATCH');
  });
});

// Mutations that reach signed bytes: flip one bit in a bytes field (decoded), or one character of a text
// field. Bundles without RFC 3161 tokens or witness cosignatures, whose every byte is covered by a check.
const BYTE_FIELDS = new Set(['rawBytes', 'signature', 'digest', 'signedEntryTimestamp', 'canonicalizedBody', 'rootHash', 'keyId', 'payload', 'sig']);

function leafPaths(v: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof v === 'string') return [path];
  if (Array.isArray(v)) return v.flatMap((x, i) => leafPaths(x, [...path, i]));
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => leafPaths(x, [...path, k]));
  return [];
}

function mutate(bundle: unknown, pick: number, pos: number, bit: number): Json {
  const b = clone(bundle);
  const paths = leafPaths(b);
  const path = paths[pick % paths.length]!;
  let parent = b;
  for (const k of path.slice(0, -1)) parent = parent[k];
  const key = path.at(-1)!;
  const value: string = parent[key];
  const inHashes = path.includes('hashes');
  if (BYTE_FIELDS.has(String(key)) || inHashes) {
    const bytes = Buffer.from(value, 'base64');
    if (bytes.length === 0) parent[key] = 'AA==';
    else {
      bytes[pos % bytes.length] = bytes[pos % bytes.length]! ^ (1 << (bit % 8));
      parent[key] = bytes.toString('base64');
    }
  } else {
    const i = pos % Math.max(value.length, 1);
    const c = value.charCodeAt(i) || 0x41;
    parent[key] = value.slice(0, i) + String.fromCharCode(c === 0x41 ? 0x42 : 0x41) + value.slice(i + 1);
  }
  return b;
}

describe('property: random single mutations never verify, and only ProvenantError is thrown', () => {
  const data = readFileSync(asset('a.txt'));
  const cases = [
    { bundle: JSON.parse(readFileSync(asset('happy-path-v0.1/bundle.sigstore.json'), 'utf8')), trust: loadTrustedRoot(readFileSync(PROD_ROOT)) },
    { bundle: JSON.parse(readFileSync(asset('happy-path-v0.3/bundle.sigstore.json'), 'utf8')), trust: loadTrustedRoot(readFileSync(PROD_ROOT)) },
    { bundle: JSON.parse(readFileSync(asset('happy-path-intoto-in-dsse-v3/bundle.sigstore.json'), 'utf8')), trust: loadTrustedRoot(readFileSync(PROD_ROOT)) },
  ];

  for (const [i, c] of cases.entries()) {
    it(`bundle ${i}: field mutations`, () => {
      expect(codeOf(() => verifyBundle(c.bundle, { data }, beacon, c.trust))).toBe('VALID');
      fc.assert(
        fc.property(fc.nat(), fc.nat(), fc.nat(7), (pick, pos, bit) => {
          const m = mutate(c.bundle, pick, pos, bit);
          let thrown: unknown;
          try {
            verifyBundle(m, { data }, beacon, c.trust);
          } catch (err) {
            thrown = err;
          }
          expect(thrown).toBeInstanceOf(ProvenantError);
        }),
        { numRuns: 1000 },
      );
    });

    it(`bundle ${i}: raw JSON text byte flips`, () => {
      const text = Buffer.from(JSON.stringify(c.bundle));
      // mediaType is the one unsigned field a flip can turn into another accepted value (version=0.1 -> 0.2 when
      // the entry also meets v0.2 rules, 0.3 -> 0.4): a different but equally valid bundle, so it is left out.
      const mt = text.indexOf(Buffer.from(c.bundle.mediaType));
      fc.assert(
        fc.property(fc.nat(text.length - 1), fc.integer({ min: 1, max: 255 }), (pos, x) => {
          fc.pre(pos < mt || pos >= mt + c.bundle.mediaType.length);
          const t = Buffer.from(text);
          t[pos] = t[pos]! ^ x;
          let thrown: unknown;
          try {
            verifyBundle(t, { data }, beacon, c.trust);
          } catch (err) {
            thrown = err;
          }
          // A flip may leave JSON meaning unchanged only inside insignificant bytes; there are none in compact JSON.
          expect(thrown).toBeInstanceOf(ProvenantError);
        }),
        { numRuns: 1000 },
      );
    });
  }
});

describe('property: RFC 3161 token byte flips', () => {
  const bundle = JSON.parse(readFileSync(asset('rekor2-happy-path/bundle.sigstore.json'), 'utf8'));
  const trust = loadTrustedRoot(readFileSync(asset('rekor2-happy-path/trusted_root.json')));
  const data = readFileSync(asset('a.txt'));
  const token = Buffer.from(bundle.verificationMaterial.timestampVerificationData.rfc3161Timestamps[0].signedTimestamp, 'base64');

  it('throw only ProvenantError, and a token that still verifies still says the same time', () => {
    const original = verifyBundle(bundle, { data }, beacon, trust).timestamps.find((t) => t.source === 'tsa')!.time.getTime();
    fc.assert(
      fc.property(fc.nat(token.length - 1), fc.integer({ min: 1, max: 255 }), (pos, x) => {
        const t = Buffer.from(token);
        t[pos]! ^= x;
        const b = clone(bundle);
        b.verificationMaterial.timestampVerificationData.rfc3161Timestamps[0].signedTimestamp = t.toString('base64');
        try {
          // Unsigned CMS framing (version numbers, unused certificate slots) may change harmlessly;
          // the signed TSTInfo, and so the time and imprint, cannot.
          const r = verifyBundle(b, { data }, beacon, trust);
          expect(r.timestamps.find((x) => x.source === 'tsa')!.time.getTime()).toBe(original);
        } catch (err) {
          expect(err).toBeInstanceOf(ProvenantError);
        }
      }),
      { numRuns: 400 },
    );
  });
});

