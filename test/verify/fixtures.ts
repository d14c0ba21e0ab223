import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { initializeCA, initializeCTLog, initializeTLog, initializeTSA } from '@sigstore/mock';

// A private Sigstore for tests: Fulcio CA + CT log, Rekor, TSA from @sigstore/mock run in process, with a
// TrustedRoot naming them. Bundles are assembled here piece by piece so a test can swap any one piece for
// a validly signed but wrong one (the pieces a byte flip cannot reach).

export const FULCIO_ISSUER_OID = '1.3.6.1.4.1.57264.1.8';
export const FULCIO_ISSUER_V1_OID = '1.3.6.1.4.1.57264.1.1';
export const GITHUB_WORKFLOW_REPOSITORY_OID = '1.3.6.1.4.1.57264.1.5';
export const GITHUB_WORKFLOW_REF_OID = '1.3.6.1.4.1.57264.1.6';
export const GITHUB_WORKFLOW_TRIGGER_OID = '1.3.6.1.4.1.57264.1.2';

export const SAN = 'https://github.com/example-org/example-repo/.github/workflows/release.yml@refs/heads/main';
export const ISSUER = 'https://token.actions.githubusercontent.com';

type Json = Record<string, unknown>;
const b64 = (b: Uint8Array | ArrayBufferView): string => Buffer.from(b as Uint8Array).toString('base64');

function ecKeyPair(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

function pem(der: Uint8Array, label: string): string {
  return `-----BEGIN ${label}-----\n${b64(der).replace(/.{1,64}/g, '$&\n')}-----END ${label}-----\n`;
}

export interface Signer {
  privateKey: KeyObject;
  certificate: Buffer;
}

export interface LoggedEntry {
  json: Json;
}

export async function miniSigstore() {
  const ctlogKeys = ecKeyPair();
  const ctlog = await initializeCTLog(ctlogKeys);
  const ca = await initializeCA(ecKeyPair(), ctlog);
  const tlog = await initializeTLog('https://rekor.example.test', ecKeyPair());
  // A second, independent log: distinct evidence for thresholds above 1.
  const tlog2 = await initializeTLog('https://rekor2.example.test', ecKeyPair());
  const tsaKeys = ecKeyPair();
  const tsa = await initializeTSA(tsaKeys);
  const start = '2000-01-01T00:00:00Z';

  const trustedRoot: Json = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: 'https://rekor.example.test',
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: b64(tlog.publicKey), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start } },
        logId: { keyId: createHash('sha256').update(tlog.publicKey).digest('base64') },
      },
      {
        baseUrl: 'https://rekor2.example.test',
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: b64(tlog2.publicKey), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start } },
        logId: { keyId: createHash('sha256').update(tlog2.publicKey).digest('base64') },
      },
    ],
    certificateAuthorities: [
      {
        subject: { organization: 'example', commonName: 'fulcio' },
        uri: 'https://fulcio.example.test',
        certChain: { certificates: [{ rawBytes: b64(ca.rootCertificate) }] },
        validFor: { start },
      },
    ],
    ctlogs: [
      {
        baseUrl: 'https://ctfe.example.test',
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: b64(ctlog.publicKey), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start } },
        logId: { keyId: b64(ctlog.logID) },
      },
    ],
    timestampAuthorities: [
      {
        subject: { organization: 'example', commonName: 'tsa' },
        uri: 'https://tsa.example.test',
        certChain: { certificates: [{ rawBytes: b64(tsa.intCertificate) }, { rawBytes: b64(tsa.rootCertificate) }] },
        validFor: { start },
      },
    ],
  };

  /** A Fulcio-style signing certificate for a fresh P-256 key. */
  async function issue(opts: { san?: string; issuer?: string; extensions?: { oid: string; value: string; legacy?: boolean }[] } = {}): Promise<Signer> {
    const { publicKey, privateKey } = ecKeyPair();
    const issuer = opts.issuer ?? ISSUER;
    const certificate = Buffer.from(
      (await ca.issueCertificate({
        publicKey: publicKey.export({ format: 'der', type: 'spki' }),
        subjectAltName: opts.san ?? SAN,
        extensions: [{ oid: FULCIO_ISSUER_V1_OID, value: issuer, legacy: true }, { oid: FULCIO_ISSUER_OID, value: issuer }, ...(opts.extensions ?? [])],
      })) as Uint8Array,
    );
    return { privateKey, certificate };
  }

  /** Logs a Rekor body and returns the bundle's TransparencyLogEntry for it (SET + inclusion proof + checkpoint). */
  async function log(body: Json, kind: string, opts: { secondLog?: boolean } = {}): Promise<Json> {
    const resp = (await (opts.secondLog ? tlog2 : tlog).log(body)) as Record<string, { body: string; integratedTime: number; logID: string; logIndex: number; verification: { signedEntryTimestamp: string; inclusionProof: { logIndex: number; treeSize: number; rootHash: string; hashes: string[]; checkpoint: string } } }>;
    const e = Object.values(resp)[0]!;
    const p = e.verification.inclusionProof;
    return {
      logIndex: String(e.logIndex),
      logId: { keyId: Buffer.from(e.logID, 'hex').toString('base64') },
      kindVersion: { kind, version: '0.0.1' },
      integratedTime: String(e.integratedTime),
      inclusionPromise: { signedEntryTimestamp: e.verification.signedEntryTimestamp },
      inclusionProof: {
        logIndex: String(p.logIndex),
        rootHash: Buffer.from(p.rootHash, 'hex').toString('base64'),
        treeSize: String(p.treeSize),
        hashes: p.hashes.map((h) => Buffer.from(h, 'hex').toString('base64')),
        checkpoint: { envelope: p.checkpoint },
      },
      canonicalizedBody: e.body,
    };
  }

  function hashedrekordBody(signature: Buffer, sha256: Buffer, certificate: Buffer): Json {
    return {
      apiVersion: '0.0.1',
      kind: 'hashedrekord',
      spec: {
        data: { hash: { algorithm: 'sha256', value: sha256.toString('hex') } },
        signature: { content: b64(signature), publicKey: { content: Buffer.from(pem(certificate, 'CERTIFICATE')).toString('base64') } },
      },
    };
  }

  function dsseBody(payload: Buffer, signature: Buffer, certificate: Buffer): Json {
    return {
      apiVersion: '0.0.1',
      kind: 'dsse',
      spec: {
        payloadHash: { algorithm: 'sha256', value: createHash('sha256').update(payload).digest('hex') },
        signatures: [{ signature: b64(signature), verifier: Buffer.from(pem(certificate, 'CERTIFICATE')).toString('base64') }],
      },
    };
  }

  async function timestamp(signature: Buffer, nonce = 42): Promise<string> {
    const token = await tsa.timestamp({
      artifactHash: createHash('sha256').update(signature).digest(),
      hashAlgorithmOID: '2.16.840.1.101.3.4.2.1',
      nonce,
      policyOID: '1.2.3.4.5',
    });
    return b64(token);
  }

  /** A v0.3 message-signature bundle for `data`, with one tlog entry and (by default) one RFC 3161 timestamp. */
  async function signBlob(data: Buffer, opts: { signer?: Signer; tsa?: boolean } = {}): Promise<Json> {
    const signer = opts.signer ?? (await issue());
    const digest = createHash('sha256').update(data).digest();
    const signature = sign('sha256', data, signer.privateKey);
    const entry = await log(hashedrekordBody(signature, digest, signer.certificate), 'hashedrekord');
    return {
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: {
        certificate: { rawBytes: b64(signer.certificate) },
        tlogEntries: [entry],
        ...(opts.tsa === false ? {} : { timestampVerificationData: { rfc3161Timestamps: [{ signedTimestamp: await timestamp(signature) }] } }),
      },
      messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: b64(digest) }, signature: b64(signature) },
    };
  }

  /** A v0.3 DSSE bundle over an in-toto statement naming `subjectDigest`. */
  async function attest(subjectSha256: string, opts: { signer?: Signer } = {}): Promise<Json> {
    const signer = opts.signer ?? (await issue());
    const payloadType = 'application/vnd.in-toto+json';
    const payload = Buffer.from(
      JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'artifact', digest: { sha256: subjectSha256 } }], predicateType: 'https://example.test/predicate/v1', predicate: {} }),
    );
    const pae = Buffer.concat([Buffer.from(`DSSEv1 ${payloadType.length} ${payloadType} ${payload.length} `), payload]);
    const signature = sign('sha256', pae, signer.privateKey);
    const entry = await log(dsseBody(payload, signature, signer.certificate), 'dsse');
    return {
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: { certificate: { rawBytes: b64(signer.certificate) }, tlogEntries: [entry] },
      dsseEnvelope: { payload: b64(payload), payloadType, signatures: [{ sig: b64(signature) }] },
    };
  }

  return { trustedRoot, issue, log, hashedrekordBody, dsseBody, timestamp, signBlob, attest };
}

export type MiniSigstore = Awaited<ReturnType<typeof miniSigstore>>;
