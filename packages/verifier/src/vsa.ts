import { createHash, createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { ProvenantError } from '@provenant/core/errors';
import { preAuthEncoding } from '@provenant/core/verify';
import type { Decision } from './decide/evaluate.js';
import type { PolicySet } from './policy/compile.js';

export const VSA_PREDICATE_TYPE = 'https://slsa.dev/verification_summary/v1';
export const DEFAULT_VERIFIER_ID = 'https://provenant.dev/verifier/v1';
const IN_TOTO = 'application/vnd.in-toto+json';

export interface VsaStatement {
  readonly _type: 'https://in-toto.io/Statement/v1';
  readonly subject: readonly { name: string; digest: { sha256: string } }[];
  readonly predicateType: typeof VSA_PREDICATE_TYPE;
  readonly predicate: {
    readonly verifier: { readonly id: string; readonly version?: Record<string, string> };
    readonly timeVerified: string;
    readonly resourceUri: string;
    readonly policy: { readonly uri?: string; readonly digest: { readonly sha256: string } };
    readonly inputAttestations: readonly { readonly uri?: string; readonly digest: { readonly sha256: string } }[];
    readonly verificationResult: 'PASSED' | 'FAILED';
    readonly verifiedLevels: readonly string[];
  };
}

export interface VsaOptions {
  verifierId?: string;
  verifierVersion?: Record<string, string>;
}

/** The resource a VSA is about: `oci://registry/repo@sha256:…` for images, the URI (or path) for artifacts. */
export function resourceUri(d: Decision): string {
  if (d.subject.kind === 'image') return `oci://${d.subject.ref.split('@')[0]!.replace(/:[^/:]+$/, '')}@${d.subject.digest}`;
  return d.subject.uri;
}

/** The policy a VSA names: the one file, or for several, a digest over their digests. */
function policyDescriptor(policies: PolicySet): VsaStatement['predicate']['policy'] {
  const [only, ...more] = policies.sources;
  if (only && more.length === 0) return { uri: only.uri, digest: { sha256: only.digest.sha256 } };
  const list = policies.sources.map((s) => `${s.digest.sha256}  ${s.uri}\n`).join('');
  return { uri: policies.sources.map((s) => s.uri).join(','), digest: { sha256: createHash('sha256').update(list).digest('hex') } };
}

/** Records a decision as a SLSA Verification Summary Attestation v1 statement about the subject. */
export function buildVsa(d: Decision, policies: PolicySet, options: VsaOptions = {}): VsaStatement {
  const levels = d.allowed ? [...new Set(d.policies.filter((p) => p.passed).flatMap((p) => p.verifiedLevels))].sort() : [];
  const name = d.subject.kind === 'image' ? d.subject.ref.split('@')[0]!.replace(/:[^/:]+$/, '') : d.subject.uri;
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name, digest: { sha256: d.subject.digest.slice('sha256:'.length) } }],
    predicateType: VSA_PREDICATE_TYPE,
    predicate: {
      verifier: { id: options.verifierId ?? DEFAULT_VERIFIER_ID, ...(options.verifierVersion ? { version: options.verifierVersion } : {}) },
      timeVerified: d.timeVerified,
      resourceUri: resourceUri(d),
      policy: policyDescriptor(policies),
      inputAttestations: d.inputs.map((i) => ({ ...(i.uri ? { uri: i.uri } : {}), digest: { sha256: i.digest.slice('sha256:'.length) } })),
      verificationResult: d.allowed ? 'PASSED' : 'FAILED',
      verifiedLevels: levels,
    },
  };
}

/** Signs a statement into a Sigstore bundle (JSON bytes). */
export type StatementSigner = (statement: object) => Promise<Uint8Array>;

/**
 * A signer from a PEM private key: a key-signed DSSE bundle v0.3 with no transparency-log entry
 * (offline). Local adapter until core/sign's signStatement is used in its place.
 */
export function keyStatementSigner(privateKeyPem: string | Buffer, hint?: string): StatementSigner {
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch (cause) {
    throw new ProvenantError('KEY_INVALID', 'VSA signing key cannot be read (expected an unencrypted PEM private key)', { cause });
  }
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const keyHint = hint ?? createHash('sha256').update(spki).digest('hex');
  return async (statement) => {
    const payload = Buffer.from(JSON.stringify(statement));
    const signature = sign(key.asymmetricKeyType === 'ed25519' ? null : 'sha256', preAuthEncoding(IN_TOTO, payload), key);
    const bundle = {
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: { publicKey: { hint: keyHint }, tlogEntries: [], timestampVerificationData: { rfc3161Timestamps: [] } },
      dsseEnvelope: { payload: payload.toString('base64'), payloadType: IN_TOTO, signatures: [{ sig: signature.toString('base64'), keyid: '' }] },
    };
    return Buffer.from(JSON.stringify(bundle));
  };
}
