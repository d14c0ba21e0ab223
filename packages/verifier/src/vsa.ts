import { createHash } from 'node:crypto';
import type { Decision } from './decide/evaluate.js';
import { summarizeLevels } from '@provenant/core/slsa/levels';
import type { PolicySet } from './policy/compile.js';
import { imageName } from './decide/subject.js';

export const VSA_PREDICATE_TYPE = 'https://slsa.dev/verification_summary/v1';
export const DEFAULT_VERIFIER_ID = 'https://provenant.dev/verifier/v1';

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
  if (d.subject.kind === 'image') return `oci://${imageName(d.subject.ref)}@${d.subject.digest}`;
  return d.subject.uri;
}

/** The policy a VSA names: the one file, or for several, a digest over their digests. */
function policyDescriptor(policies: PolicySet): VsaStatement['predicate']['policy'] {
  const [only, ...more] = policies.sources;
  if (only && more.length === 0) return { uri: only.uri, digest: { sha256: only.digest.sha256 } };
  const list = policies.sources.map((s) => `${s.digest.sha256}  ${s.uri}\n`).join('');
  return { uri: policies.sources.map((s) => s.uri).join(','), digest: { sha256: createHash('sha256').update(list).digest('hex') } };
}

/**
 * What a VSA records for a decision. PASSED only when the subject was allowed and at least one matching
 * policy passed in enforce mode; its levels are the highest per track that those enforce-mode policies
 * vouch for. Everything else is FAILED with `verifiedLevels: ["FAILED"]` (as the VSA spec says), and
 * `why` says which case it is: a denial, an allow by `noMatch: allow` (nothing was verified), or an
 * allow where only warn-mode policies matched (a warn policy never gates, so it never vouches).
 */
export function vsaVerdict(d: Decision): { result: 'PASSED' | 'FAILED'; verifiedLevels: string[]; why: string } {
  if (!d.allowed) return { result: 'FAILED', verifiedLevels: ['FAILED'], why: d.reason };
  if (d.policies.length === 0) return { result: 'FAILED', verifiedLevels: ['FAILED'], why: `no policy matched, so nothing was verified (${d.reason})` };
  const enforced = d.policies.filter((p) => p.mode === 'enforce' && p.passed);
  if (enforced.length === 0) return { result: 'FAILED', verifiedLevels: ['FAILED'], why: 'only warn-mode policies matched; a warn-mode policy reports but never vouches' };
  return { result: 'PASSED', verifiedLevels: summarizeLevels(enforced.flatMap((p) => p.verifiedLevels)), why: d.reason };
}

/** Records a decision as a SLSA Verification Summary Attestation v1 statement about the subject (see vsaVerdict). */
export function buildVsa(d: Decision, policies: PolicySet, options: VsaOptions = {}): VsaStatement {
  const verdict = vsaVerdict(d);
  const name = d.subject.kind === 'image' ? imageName(d.subject.ref) : d.subject.uri;
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
      verificationResult: verdict.result,
      verifiedLevels: verdict.verifiedLevels,
    },
  };
}

/** Signs a statement into a Sigstore bundle (JSON bytes). */
export type StatementSigner = (statement: object) => Promise<Uint8Array>;

export interface KeyStatementSignerOptions {
  /** Password of a cosign-encrypted key (default: PROVENANT_PASSWORD, then COSIGN_PASSWORD). */
  password?: string | undefined;
}

/**
 * A signer from a PEM private key (PKCS#8, or cosign's encrypted format), through core/sign's
 * signStatement: a key-signed DSSE bundle v0.3, offline (no transparency log). The key is loaded here,
 * so a bad key fails before anything is copied or decided.
 */
export async function keyStatementSigner(privateKeyPem: string | Buffer, options: KeyStatementSignerOptions = {}): Promise<StatementSigner> {
  const sign = await import('@provenant/core/sign');
  const pem = typeof privateKeyPem === 'string' ? privateKeyPem : privateKeyPem.toString('utf8');
  const password = options.password ?? (await sign.resolveKeyPassword());
  const signer = sign.keySigner(await sign.loadPrivateKey(pem, password));
  return async (statement) => Buffer.from(JSON.stringify(await sign.signStatement(statement as Record<string, unknown>, signer)));
}
