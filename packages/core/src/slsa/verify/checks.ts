import { ProvenantError } from '../../errors.js';
import { BuilderId, checkBuilderTag, checkJreleaserTag, checkVersionedTag, refName } from './builder-id.js';
import { slsaError } from './errors.js';
import { GITHUB_OIDC_ISSUER, subjectWorkflowName, subjectWorkflowRef, type WorkflowIdentity } from './identity.js';
import { BUILDERS, BUILD_TYPES, TRUSTED_BUILDER_REPOSITORY, normalizeGitUri, parseGitUri, type ProvenanceView } from './provenance.js';

/** What the provenance must say, as slsa-verifier's flags. */
export interface ProvenanceExpectations {
  /** Artifact digest as hex (sha256: 64, sha512: 128) or `sha256:<hex>`. */
  artifactDigest: string;
  /** `github.com/org/repo` or `git+https://github.com/org/repo`. */
  sourceUri: string;
  sourceBranch?: string | undefined;
  sourceTag?: string | undefined;
  sourceVersionedTag?: string | undefined;
  workflowInputs?: Record<string, string> | undefined;
}

/** The reusable workflows trusted without --builder-id, per command (slsa-verifier's defaults). */
export const TRUSTED_BUILDERS = {
  artifact: [BUILDERS.genericGenerator, BUILDERS.go, BUILDERS.containerBased],
  container: [BUILDERS.containerGenerator],
  byob: [BUILDERS.genericDelegator, BUILDERS.lowPermsDelegator],
} as const;

const E2E_REPOSITORY = 'slsa-framework/example-package';
const BUILDER_REPOSITORY = 'slsa-framework/slsa-github-generator';
const JRELEASER = 'https://github.com/jreleaser/release-action';

export interface IdentityOptions {
  /** --builder-id: with or without `@version`; undefined or '' means "any default trusted builder". */
  builderId?: string | undefined;
  /** Builder names trusted without --builder-id. */
  trustedBuilders: readonly string[];
  /** slsa-verifier's SLSA_VERIFIER_TESTING: builders at refs/heads/main for its own e2e repositories. */
  testing?: boolean;
}

function isTrustedDelegator(cert: BuilderId, trusted: readonly string[]): boolean {
  for (const byob of TRUSTED_BUILDERS.byob) {
    try {
      cert.matchesLoose(byob, true);
    } catch {
      continue;
    }
    return trusted.includes(byob);
  }
  return false;
}

/** The signing workflow must be a trusted builder (or the one named), at a release tag. Returns it and whether it is a BYOB delegator. */
export function verifyBuilderIdentity(id: WorkflowIdentity, options: IdentityOptions): { builder: BuilderId; byob: boolean } {
  if (id.issuer !== GITHUB_OIDC_ISSUER) throw slsaError('ErrorInvalidOIDCIssuer', `certificate issuer ${id.issuer} is not GitHub Actions`);
  const name = subjectWorkflowName(id);
  const ref = subjectWorkflowRef(id);
  if (!name || !ref) throw slsaError('ErrorMalformedURI', `workflow URI ${id.subjectWorkflow.href} has no ref`);
  const cert = BuilderId.parse(`${name}@${ref}`, true);
  let byob: boolean;
  if (!options.builderId) {
    if (!options.trustedBuilders.includes(name)) throw slsaError('ErrorUntrustedReusableWorkflow', `${name} is not a trusted builder`);
    byob = isTrustedDelegator(cert, options.trustedBuilders);
  } else if (isTrustedDelegator(cert, options.trustedBuilders)) {
    byob = true;
  } else {
    try {
      cert.matchesLoose(options.builderId, true);
    } catch (err) {
      throw slsaError('ErrorUntrustedReusableWorkflow', `signing workflow ${cert} is not the expected builder: ${(err as Error).message}`);
    }
    byob = false;
  }
  const testingRepo = id.sourceRepository === BUILDER_REPOSITORY || id.sourceRepository === E2E_REPOSITORY;
  if (testingRepo && options.testing && ref === 'refs/heads/main') return { builder: cert, byob };
  checkBuilderTag(ref, Boolean(testingRepo && options.testing));
  return { builder: cert, byob };
}

/** The certificate's source repository must be the expected one. */
export function verifyCertificateSource(id: WorkflowIdentity, sourceUri: string): void {
  const want = sourceUri.replace(/^git\+https:\/\//, '').replace(/^github\.com\//, '');
  if (id.sourceRepository !== want) throw slsaError('ErrorMismatchSource', `expected source ${want}, certificate says ${id.sourceRepository}`);
}

function verifySourceUri(prov: ProvenanceView, expected: string): void {
  const source = normalizeGitUri(expected);
  if (!source.startsWith('git+https://github.com/')) throw slsaError('ErrorMalformedURI', `expected source ${source} is not a github.com repository`);
  const fullTrigger = prov.triggerUri();
  const [triggerUri, triggerRef] = parseGitUri(fullTrigger);
  if (triggerUri !== source) throw slsaError('ErrorMismatchSource', `trigger ${fullTrigger} is not from ${source}`);
  if (triggerRef === '') throw slsaError('ErrorMalformedURI', `trigger ${fullTrigger} has no ref`);
  const fullSource = prov.sourceUri();
  const [sourceUri, sourceRef] = parseGitUri(fullSource);
  if (sourceUri !== source) throw slsaError('ErrorMismatchSource', `source ${fullSource} is not ${source}`);
  if (sourceRef === '') {
    // npm packages built before GA and BYOB builds from another commit name no ref in the source.
    if (prov.buildType() === BUILD_TYPES.npmCliV1 || prov.buildType() === BUILD_TYPES.byob) return;
    throw slsaError('ErrorMalformedURI', `source ${fullSource} has no ref`);
  }
  if (fullTrigger !== fullSource) throw slsaError('ErrorInvalidDssePayload', `source and trigger URIs differ: ${fullTrigger} != ${fullSource}`);
}

/** Normalizes `sha256:<hex>` / `<hex>` to [algorithm, hex] by length, as slsa-verifier does. */
export function digestAlgorithmOf(digest: string): [string, string] {
  const hex = digest.replace(/^sha(256|384|512):/, '').toLowerCase();
  const bits = hex.length * 4;
  if (bits < 256 || !/^[0-9a-f]+$/.test(hex)) throw slsaError('ErrorInvalidHash', `artifact digest ${digest} must be a hex digest of at least 256 bits`);
  return [`sha${bits}`, hex];
}

function verifySubjectDigest(prov: ProvenanceView, expected: string): void {
  const [alg, hex] = digestAlgorithmOf(expected);
  if (!prov.subjects().some((s) => s.digest[alg] === hex)) throw slsaError('ErrorMismatchHash', `no provenance subject has ${alg} ${hex}`);
}

/** The provenance's ref as a branch or tag name; a ref of the other kind is a source mismatch, not a builder one. */
function sourceRef(type: 'heads' | 'tags', ref: string, code: 'SOURCE_BRANCH_MISMATCH' | 'SOURCE_TAG_MISMATCH' | 'SOURCE_VERSIONED_TAG_MISMATCH'): string {
  try {
    return refName(type, ref);
  } catch (err) {
    throw new ProvenantError(code, `provenance ref ${JSON.stringify(ref)} is not a ${type === 'heads' ? 'branch' : 'tag'}`, { cause: err, details: { slsaVerifierError: 'ErrorInvalidRef' } });
  }
}

/** Source, subject digest, branch, tag, versioned tag and workflow inputs. */
export function verifyCommonExpectations(prov: ProvenanceView, e: ProvenanceExpectations): void {
  verifySourceUri(prov, e.sourceUri);
  verifySubjectDigest(prov, e.artifactDigest);
  if (e.sourceBranch !== undefined) {
    const branch = sourceRef('heads', prov.branch(), 'SOURCE_BRANCH_MISMATCH');
    if (branch !== e.sourceBranch) throw slsaError('ErrorMismatchBranch', `expected branch ${e.sourceBranch}, provenance says ${branch}`);
  }
  if (e.sourceTag !== undefined) {
    const tag = sourceRef('tags', prov.tag(), 'SOURCE_TAG_MISMATCH');
    if (tag !== e.sourceTag) throw slsaError('ErrorMismatchTag', `expected tag ${e.sourceTag}, provenance says ${tag}`);
  }
  if (e.sourceVersionedTag !== undefined) checkVersionedTag(sourceRef('tags', prov.tag(), 'SOURCE_VERSIONED_TAG_MISMATCH'), e.sourceVersionedTag);
  if (e.workflowInputs && Object.keys(e.workflowInputs).length > 0) {
    const inputs = prov.workflowInputs();
    for (const [k, v] of Object.entries(e.workflowInputs)) {
      const got = inputs[k];
      if (typeof got !== 'string') throw slsaError('ErrorMismatchWorkflowInputs', `workflow input ${k} is missing`);
      if (got !== v) throw slsaError('ErrorMismatchWorkflowInputs', `workflow input ${k} is ${got}, expected ${v}`);
    }
  }
}

function checkDelegatorBuilderRef(prov: ProvenanceView, testing: boolean): void {
  const id = prov.builderId();
  const parts = id.split('@');
  if (parts.length !== 2) throw slsaError('ErrorInvalidBuilderID', `builder id ${id} has no version`);
  const ref = parts[1]!;
  if (parts[0]!.startsWith(JRELEASER)) return checkJreleaserTag(ref);
  const [uri] = parseGitUri(prov.sourceUri());
  if (testing && normalizeGitUri(uri) === normalizeGitUri(`https://github.com/${E2E_REPOSITORY}`) && ref === 'refs/heads/main') return;
  checkBuilderTag(ref, false);
}

/**
 * The provenance content, given the builder the certificate vouches for: a non-BYOB builder must be named
 * exactly (with its tag) in the provenance; a BYOB delegator records the real builder, which must be at a
 * release tag and match --builder-id (or sit in slsa-github-generator when none was given).
 */
export function verifyProvenanceContent(
  prov: ProvenanceView,
  certBuilder: BuilderId,
  byob: boolean,
  expectedBuilderId: string | undefined,
  e: ProvenanceExpectations,
  testing = false,
): BuilderId {
  const provBuilder = BuilderId.parse(prov.builderId(), false);
  if (byob) {
    checkDelegatorBuilderRef(prov, testing);
    let expected = expectedBuilderId;
    if (expected === undefined) {
      const prefix = `${TRUSTED_BUILDER_REPOSITORY}/.github/workflows/`;
      if (!provBuilder.name.startsWith(prefix)) throw slsaError('ErrorInvalidBuilderID', `builder ${provBuilder.name} is not under ${prefix}`);
      expected = provBuilder.name;
    }
    provBuilder.matchesLoose(expected, true);
  } else {
    provBuilder.matchesFull(certBuilder.toString(), true);
  }
  verifyCommonExpectations(prov, e);
  return byob ? BuilderId.parse(prov.builderId(), true) : certBuilder;
}
