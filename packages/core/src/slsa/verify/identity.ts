import type { FulcioExtensions, SubjectAltName } from '../../verify/index.js';
import { slsaError } from './errors.js';

export const GITHUB_OIDC_ISSUER = 'https://token.actions.githubusercontent.com';

/** A GitHub Actions workflow identity read from a verified Fulcio certificate. */
export interface WorkflowIdentity {
  readonly issuer: string;
  /** The signing workflow (SAN URI): `https://github.com/org/repo/.github/workflows/x.yml@ref`. */
  readonly subjectWorkflow: URL;
  readonly subjectSha1: string | undefined;
  readonly hosted: 'github-hosted' | 'self-hosted' | undefined;
  /** `org/repo` of the caller. */
  readonly sourceRepository: string;
  readonly sourceSha1: string;
  readonly sourceRef: string | undefined;
  readonly sourceId: string | undefined;
  readonly sourceOwnerId: string | undefined;
  readonly buildTrigger: string;
  readonly buildConfigPath: string | undefined;
  /** `<run id>/attempts/<n>`. */
  readonly runId: string | undefined;
}

/** The certificate facts the identity is read from: SANs, OIDC issuer and Fulcio extensions. */
export interface CertificateFacts {
  readonly subjectAlternativeNames: readonly string[];
  /** The names with their kind: the workflow is read only from a URI name, never an email or username spelled like one. */
  readonly subjectAlternativeNameEntries: readonly SubjectAltName[];
  readonly issuer: string | undefined;
  readonly extensions: FulcioExtensions;
}

function equalClaims(deprecated: string | undefined, current: string | undefined, what: string): string {
  if (deprecated && current && deprecated !== current) throw slsaError('ErrorInvalidFormat', `certificate ${what} claims differ: ${deprecated} != ${current}`);
  const v = current || deprecated;
  if (!v) throw slsaError('ErrorInvalidFormat', `certificate has no ${what}`);
  return v;
}

export function workflowIdentity(cert: CertificateFacts): WorkflowIdentity {
  const ext = cert.extensions;
  const san = cert.subjectAlternativeNameEntries.find((e) => e.kind === 'uri' && /^[a-z][a-z0-9+.-]*:\/\//i.test(e.value))?.value;
  if (!san) throw slsaError('ErrorInvalidFormat', 'certificate has no URI subject alternative name');
  const buildTrigger = equalClaims(ext.githubWorkflowTrigger, ext.buildTrigger, 'build trigger');
  const sourceSha1 = equalClaims(ext.githubWorkflowSha, ext.sourceRepositoryDigest, 'source digest');
  if (ext.buildConfigDigest && sourceSha1 !== ext.buildConfigDigest) throw slsaError('ErrorInvalidFormat', 'certificate build config digest differs from the source digest');
  const issuer = cert.issuer;
  if (!issuer) throw slsaError('ErrorInvalidFormat', 'certificate has no OIDC issuer');
  const depRepo = ext.githubWorkflowRepository;
  const sourceUri = ext.sourceRepositoryURI;
  if (depRepo && sourceUri && `https://github.com/${depRepo}` !== sourceUri) throw slsaError('ErrorInvalidFormat', `certificate repository claims differ: ${depRepo} != ${sourceUri}`);
  const sourceRepository = (sourceUri ?? '').replace(/^https:\/\/github\.com\//, '') || depRepo || '';
  let buildConfigPath: string | undefined;
  if (ext.buildConfigURI) {
    const parts = ext.buildConfigURI.split('@');
    const prefix = `https://github.com/${sourceRepository}/`;
    if (parts.length !== 2 || !parts[0]!.startsWith(prefix)) throw slsaError('ErrorInvalidFormat', `certificate build config URI ${ext.buildConfigURI} is malformed`);
    buildConfigPath = parts[0]!.slice(prefix.length);
  }
  const runId = ext.runInvocationURI?.replace(`https://github.com/${sourceRepository}/actions/runs/`, '') || undefined;
  const subjectWorkflow = new URL(san);
  if (!subjectWorkflow.pathname.startsWith('/')) throw slsaError('ErrorInvalidFormat', `certificate SAN path ${subjectWorkflow.pathname} is malformed`);
  const env = ext.runnerEnvironment;
  return {
    issuer,
    subjectWorkflow,
    subjectSha1: ext.buildSignerDigest || undefined,
    hosted: env === 'github-hosted' || env === 'self-hosted' ? env : undefined,
    sourceRepository,
    sourceSha1,
    sourceRef: ext.sourceRepositoryRef || undefined,
    sourceId: ext.sourceRepositoryIdentifier || undefined,
    sourceOwnerId: ext.sourceRepositoryOwnerIdentifier || undefined,
    buildTrigger,
    buildConfigPath,
    runId,
  };
}

/** The workflow URI without its '@ref' (what users pass as --builder-id), and the ref. */
export function subjectWorkflowName(id: WorkflowIdentity): string {
  const path = decodeURIComponent(id.subjectWorkflow.pathname);
  const at = path.lastIndexOf('@');
  return `${id.subjectWorkflow.origin}${at === -1 ? path : path.slice(0, at)}`;
}

export function subjectWorkflowRef(id: WorkflowIdentity): string {
  const path = decodeURIComponent(id.subjectWorkflow.pathname);
  const at = path.lastIndexOf('@');
  return at === -1 ? '' : path.slice(at + 1);
}
