import { DerReader, TAG } from '../der.js';
import { identityKind, type Certificate, type SubjectAltName } from './x509.js';

export type { SanKind, SubjectAltName } from './x509.js';

const FULCIO = '1.3.6.1.4.1.57264.1.';

/** Fulcio certificate extensions (https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md), by name. */
export const FULCIO_EXTENSIONS = {
  issuer: '8',
  buildSignerURI: '9',
  buildSignerDigest: '10',
  runnerEnvironment: '11',
  sourceRepositoryURI: '12',
  sourceRepositoryDigest: '13',
  sourceRepositoryRef: '14',
  sourceRepositoryIdentifier: '15',
  sourceRepositoryOwnerURI: '16',
  sourceRepositoryOwnerIdentifier: '17',
  buildConfigURI: '18',
  buildConfigDigest: '19',
  buildTrigger: '20',
  runInvocationURI: '21',
  sourceRepositoryVisibilityAtSigning: '22',
  // Deprecated GitHub-specific extensions: raw strings, not DER.
  githubWorkflowTrigger: '2',
  githubWorkflowSha: '3',
  githubWorkflowName: '4',
  githubWorkflowRepository: '5',
  githubWorkflowRef: '6',
} as const;
export type FulcioExtensionName = keyof typeof FULCIO_EXTENSIONS;
export type FulcioExtensions = Partial<Record<FulcioExtensionName, string>>;

export interface CertificateIdentity {
  /** Subject alternative names (URI, email, or Fulcio otherName username). */
  readonly subjectAlternativeNames: readonly string[];
  /** The same names with their kind: what an expected identity is matched against. */
  readonly subjectAlternativeNameEntries: readonly SubjectAltName[];
  /** OIDC issuer: Fulcio extension .1.8 when present, else the older .1.1. */
  readonly issuer: string | undefined;
  readonly extensions: FulcioExtensions;
}

function extensionString(cert: Certificate, arc: string): string | undefined {
  const ext = cert.extension(FULCIO + arc);
  if (!ext) return undefined;
  if (Number(arc) <= 6) return ext.value.toString('utf8');
  const r = new DerReader(ext.value, 'CERTIFICATE_INVALID', `Fulcio extension ${arc}`);
  return r.content(r.expect(r.root(), TAG.UTF8_STRING, 'UTF8String')).toString('utf8');
}

/** Reads the signer identity out of a Fulcio-issued certificate. */
export function certificateIdentity(cert: Certificate): CertificateIdentity {
  const extensions: FulcioExtensions = {};
  for (const [name, arc] of Object.entries(FULCIO_EXTENSIONS) as [FulcioExtensionName, string][]) {
    const v = extensionString(cert, arc);
    if (v !== undefined) extensions[name] = v;
  }
  const entries = cert.subjectAltNameEntries;
  return {
    subjectAlternativeNames: entries.map((e) => e.value),
    subjectAlternativeNameEntries: entries,
    issuer: extensions.issuer ?? extensionString(cert, '1'),
    extensions,
  };
}

/**
 * An exact identity names one SAN of the same kind and spelling: a URI identity never matches an email or
 * username SAN that happens to be spelled the same, nor the reverse.
 */
export function hasSubjectAlternativeName(entries: readonly SubjectAltName[], expected: string): boolean {
  const kind = identityKind(expected);
  return entries.some((e) => e.kind === kind && e.value === expected);
}
