import { z } from 'zod';
import { ProvenantError } from '../../errors.js';
import { parseValidFor, verifyBundle, type TimeRange, type TrustMaterial, type VerifyOptions } from '../../verify/index.js';
import { BuilderId } from './builder-id.js';
import { TRUSTED_BUILDERS, verifyBuilderIdentity, verifyCertificateSource, verifyCommonExpectations } from './checks.js';
import { slsaError } from './errors.js';
import { workflowIdentity, type WorkflowIdentity } from './identity.js';
import { BUILDERS, ProvenanceView } from './provenance.js';
import { verifySignedProvenance } from './signed.js';

export const NPM_PUBLISH_PREDICATE_PREFIX = 'https://github.com/npm/attestation/tree/main/specs/publish/';
const PROVENANCE_TYPES = ['https://slsa.dev/provenance/v0.2', 'https://slsa.dev/provenance/v1'];
const STATEMENT_TYPES = ['https://in-toto.io/Statement/v0.1', 'https://in-toto.io/Statement/v1'];
const INTOTO = 'application/vnd.in-toto+json';

const AttestationSet = z.object({ attestations: z.array(z.object({ predicateType: z.string(), bundle: z.unknown() })) });

/** The npm registry's signing keys (the Sigstore TUF target `<npm registry>/keys.json` shape). */
const NpmKeys = z.object({
  keys: z.array(
    z
      .object({
        keyId: z.string(),
        keyUsage: z.string(),
        publicKey: z.object({ rawBytes: z.string(), validFor: z.object({ start: z.string().optional(), end: z.string().optional() }).optional() }).passthrough(),
      })
      .passthrough(),
  ),
});
export type NpmRegistryKeys = z.infer<typeof NpmKeys>;

export function parseNpmRegistryKeys(json: unknown): NpmRegistryKeys {
  const r = NpmKeys.safeParse(json);
  if (!r.success) throw new ProvenantError('KEY_INVALID', `npm registry keys file is malformed: ${r.error.issues[0]?.message ?? ''}`);
  // Read every window now, so a malformed one is an error at load, not at the first attestation it signed.
  r.data.keys.forEach((k, i) => registryKeyWindow(k, `keys[${i}]`));
  return r.data;
}

/** The window a registry key may sign in (keys.json `publicKey.validFor`); npm rotates keys by ending it. */
function registryKeyWindow(key: NpmRegistryKeys['keys'][number], where: string): TimeRange {
  return parseValidFor(key.publicKey.validFor, `npm registry key ${key.keyId} (${where})`, 'KEY_INVALID', false);
}

export interface VerifyNpmPackageOptions {
  /** sha512 of the package tarball, hex (what the publish attestation's subject carries). */
  tarballSha512: string;
  sourceUri: string;
  /** Required: `https://github.com/actions/runner/github-hosted` (or `/self-hosted`, or the legacy short form), or a BYOB builder. */
  builderId?: string | undefined;
  packageName?: string | undefined;
  packageVersion?: string | undefined;
  sourceBranch?: string | undefined;
  sourceTag?: string | undefined;
  sourceVersionedTag?: string | undefined;
  verify?: VerifyOptions;
}

export interface VerifiedNpmPackage {
  readonly builderId: string;
  readonly packageName: string;
  readonly packageVersion: string;
}

interface Signed {
  payloadType: string;
  payload: Buffer;
}

function statementOf(s: Signed): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(s.payload.toString('utf8'));
    if (typeof v !== 'object' || v === null) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch (cause) {
    throw Object.assign(slsaError('ErrorInvalidDssePayload', 'attestation payload is not a JSON statement'), { cause });
  }
}

/** `@scope/name@1.2.3` -> [name, version]. */
function nameAndVersion(s: string): [string, string] {
  const scoped = s.startsWith('@');
  const parts = (scoped ? s.slice(1) : s).split('@');
  if (parts.length > 2) throw slsaError('ErrorInvalidPackageName', `package ${s} is malformed`);
  return [(scoped ? '@' : '') + parts[0]!, parts[1] ?? ''];
}

function provenanceSubjectPackage(prov: ProvenanceView): string {
  const subjects = prov.subjects();
  if (subjects.length !== 1) throw slsaError('ErrorInvalidSubject', `expected 1 provenance subject, got ${subjects.length}`);
  const name = subjects[0]!.name;
  if (!name.startsWith('pkg:npm/')) throw slsaError('ErrorInvalidPackageName', `subject ${name} is not a pkg:npm/ purl`);
  try {
    return decodeURIComponent(name.slice('pkg:npm/'.length).replace(/\+/g, ' '));
  } catch {
    throw slsaError('ErrorInvalidPackageName', `subject ${name} is not URL-encoded correctly`);
  }
}

function publishPredicate(s: Signed): { name: string; version: string } {
  const p = statementOf(s).predicate as { name?: unknown; version?: unknown } | undefined;
  return { name: typeof p?.name === 'string' ? p.name : '', version: typeof p?.version === 'string' ? p.version : '' };
}

function checkRun(prov: ProvenanceView, id: WorkflowIdentity): void {
  const certRun = id.runId?.split('/');
  if (id.runId && certRun?.length !== 3) throw slsaError('ErrorInvalidFormat', `certificate run id ${id.runId} is malformed`);
  const [certRunId, , certAttempt] = certRun ?? ['', '', ''];
  const inv = prov.invocationId();
  if (inv) {
    let runId: string;
    let attempt: string;
    if (prov.flavor === 'v1-npm-cli') {
      const parts = inv.replace(/^https:\/\/github\.com\//, '').split('/');
      if (parts.length !== 7) throw slsaError('ErrorInvalidFormat', `invocation id ${inv} is malformed`);
      runId = parts[4]!;
      attempt = parts[6]!;
    } else {
      const parts = inv.split('-');
      if (parts.length !== 2) throw slsaError('ErrorInvalidFormat', `invocation id ${inv} is malformed`);
      [runId, attempt] = parts as [string, string];
    }
    if (runId !== certRunId || attempt !== certAttempt) throw slsaError('ErrorMismatchCertificate', `invocation ${inv} is not the certificate's run ${id.runId}`);
  }
  if (prov.startedOn()) throw slsaError('ErrorNonVerifiableClaim', 'build start time cannot be verified');
  if (prov.finishedOn()) throw slsaError('ErrorNonVerifiableClaim', 'build finish time cannot be verified');
}

function equalCert(cert: string | undefined, value: unknown, name: string): void {
  if (cert === undefined) throw slsaError('ErrorMismatchCertificate', `certificate has no value to check ${name} against`);
  if (typeof value !== 'string') throw slsaError('ErrorInvalidDssePayload', `${name} is not a string`);
  if (value !== cert) throw slsaError('ErrorMismatchCertificate', `${name} is ${value}, certificate says ${cert}`);
}

/** For builders that are not trusted reusable workflows, every claim must be backed by the certificate. */
function verifyProvenanceMatchesCertificate(prov: ProvenanceView, id: WorkflowIdentity): void {
  const sys = prov.systemParameters();
  if (prov.flavor === 'v1-npm-cli') {
    const gh = sys.github;
    if (typeof gh !== 'object' || gh === null) throw slsaError('ErrorInvalidFormat', 'internalParameters.github is missing');
    const supported: Record<string, string | undefined> = { event_name: id.buildTrigger, repository_id: id.sourceId, repository_owner_id: id.sourceOwnerId };
    for (const [k, v] of Object.entries(gh)) {
      if (!(k in supported)) throw slsaError('ErrorMismatchCertificate', `unknown ${k} parameter`);
      equalCert(supported[k], v, k);
    }
  } else {
    const runParts = id.runId?.split('/');
    const supported: Record<string, string | undefined> = {
      GITHUB_EVENT_NAME: id.buildTrigger,
      GITHUB_REPOSITORY: id.sourceRepository,
      GITHUB_REF: id.sourceRef,
      GITHUB_REPOSITORY_ID: id.sourceId,
      GITHUB_REPOSITORY_OWNER_ID: id.sourceOwnerId,
      GITHUB_SHA: id.sourceSha1,
      GITHUB_WORKFLOW_REF: decodeURIComponent(id.subjectWorkflow.pathname).replace(/^\/+/, ''),
      GITHUB_WORKFLOW_SHA: id.subjectSha1,
      GITHUB_RUN_ID: runParts?.[0],
      GITHUB_RUN_ATTEMPT: runParts?.[2],
    };
    for (const k of Object.keys(sys)) if (!(k in supported)) throw slsaError('ErrorMismatchCertificate', `unknown ${k} parameter`);
    for (const [k, v] of Object.entries(sys)) equalCert(supported[k], v, k);
  }
  const v02 = prov.v02Predicate();
  if (v02) {
    const params = v02.invocation?.parameters;
    if (params !== undefined && params !== null && (typeof params !== 'object' || Object.keys(params).length > 0)) throw slsaError('ErrorNonVerifiableClaim', 'invocation.parameters cannot be verified');
  }
  checkRun(prov, id);
  if (v02?.metadata) {
    const c = v02.metadata.completeness;
    if (v02.metadata.reproducible || c?.parameters || c?.materials || c?.environment) throw slsaError('ErrorNonVerifiableClaim', 'completeness/reproducible claims cannot be verified');
  }
  const subjects = prov.subjects();
  if (subjects.length !== 1 || subjects[0]!.digest.sha512 === undefined) throw slsaError('ErrorNonVerifiableClaim', 'provenance must have exactly one subject with a sha512 digest');
  let triggerPath: string | undefined;
  try {
    triggerPath = prov.buildTriggerPath();
  } catch (err) {
    if ((err as ProvenantError).details?.slsaVerifierError !== 'ErrorNotPresent') throw err;
  }
  if (triggerPath !== undefined) equalCert(id.buildConfigPath, triggerPath, 'trigger workflow');
  if (prov.resolvedDependencyCount() !== 1) throw slsaError('ErrorNonVerifiableClaim', `expected 1 resolved dependency, got ${prov.resolvedDependencyCount()}`);
  const bc = v02?.buildConfig;
  if (bc !== undefined && bc !== null && (typeof bc !== 'object' || Object.keys(bc).length > 0)) throw slsaError('ErrorNonVerifiableClaim', 'buildConfig cannot be verified');
}

function matchNpmBuilder(prov: ProvenanceView, expected: string): void {
  const got = BuilderId.parse(prov.builderId(), false);
  try {
    got.matchesLoose(expected, true);
  } catch (err) {
    // Older provenance names the runner without its hosting status; it means github-hosted.
    const alt = expected.endsWith('/github-hosted') ? expected.slice(0, -'/github-hosted'.length) : `${expected}/github-hosted`;
    try {
      got.matchesLoose(alt, true);
    } catch {
      throw err;
    }
  }
}

/**
 * An npm attestations file (provenance + publish attestation), verified in stages as slsa-verifier does.
 * `verifyNpmPackage` runs every stage; the stages are public for callers that check one property.
 */
export class NpmAttestations {
  private signedProv: ReturnType<typeof verifySignedProvenance> | undefined;
  private pub: Signed | undefined;
  private builderName: string = BUILDERS.npmCliHosted;

  private constructor(
    private readonly provAtt: unknown,
    private readonly pubAtt: unknown,
    private readonly trust: TrustMaterial,
    private readonly verifyOptions: VerifyOptions | undefined,
  ) {}

  static parse(attestationsJson: unknown, trust: TrustMaterial, verifyOptions?: VerifyOptions): NpmAttestations {
    const set = AttestationSet.safeParse(attestationsJson);
    if (!set.success) throw new ProvenantError('ATTESTATION_MISSING', 'npm attestations file is not {"attestations": [...]}');
    if (set.data.attestations.length < 2) throw new ProvenantError('ATTESTATION_MISSING', `expected a provenance and a publish attestation, got ${set.data.attestations.length}`);
    let provAtt: unknown;
    let pubAtt: unknown;
    for (const a of set.data.attestations) {
      if (PROVENANCE_TYPES.includes(a.predicateType)) provAtt = a.bundle;
      if (a.predicateType.startsWith(NPM_PUBLISH_PREDICATE_PREFIX)) pubAtt = a.bundle;
    }
    if (provAtt === undefined || pubAtt === undefined) throw new ProvenantError('ATTESTATION_MISSING', 'npm attestations lack a provenance or a publish attestation');
    return new NpmAttestations(provAtt, pubAtt, trust, verifyOptions);
  }

  /** Stage 1: the provenance bundle (Fulcio certificate, transparency log). */
  verifyProvenanceSignature(): void {
    this.signedProv = verifySignedProvenance(this.provAtt, this.trust, this.verifyOptions);
  }

  private provenance(): NonNullable<NpmAttestations['signedProv']> {
    if (!this.signedProv) this.verifyProvenanceSignature();
    return this.signedProv!;
  }

  private published(): Signed {
    if (!this.pub) throw new ProvenantError('INTERNAL', 'verify the publish attestation signature first');
    return this.pub;
  }

  /** Stage 2: who built it: npm CLI on a GitHub runner (claims checked against the certificate), or a BYOB delegator. */
  verifyBuilder(options: Pick<VerifyNpmPackageOptions, 'builderId' | 'sourceUri' | 'sourceBranch' | 'sourceTag' | 'sourceVersionedTag' | 'tarballSha512'>): string {
    const signedProv = this.provenance();
    const id = workflowIdentity(signedProv.certificate);
    let delegator: BuilderId | undefined;
    try {
      const r = verifyBuilderIdentity(id, { builderId: BUILDERS.lowPermsDelegator, trustedBuilders: TRUSTED_BUILDERS.byob });
      if (r.byob) delegator = r.builder;
    } catch (err) {
      if ((err as ProvenantError).details?.slsaVerifierError !== 'ErrorUntrustedReusableWorkflow') throw err;
    }
    verifyCertificateSource(id, options.sourceUri);
    if (!options.builderId) throw slsaError('ErrorInvalidBuilderID', 'verify-npm-package needs --builder-id');
    const expected = options.builderId;
    if (delegator) {
      if (id.hosted !== undefined && id.hosted !== 'github-hosted') throw slsaError('ErrorMismatchBuilderID', 'self-hosted reusable workflow');
    } else {
      if (id.hosted === undefined) throw slsaError('ErrorNotSupported', 'certificate does not say whether the runner is GitHub-hosted');
      if (expected === BUILDERS.npmCliLegacy || expected === BUILDERS.npmCliHosted) {
        if (id.hosted !== 'github-hosted') throw slsaError('ErrorMismatchBuilderID', 'the workflow ran on a self-hosted runner');
      } else if (expected === BUILDERS.npmCliSelfHosted) {
        if (id.hosted !== 'self-hosted') throw slsaError('ErrorMismatchBuilderID', 'the workflow ran on a GitHub-hosted runner');
      } else {
        throw slsaError('ErrorNotSupported', `builder ${expected} is not one of ${BUILDERS.npmCliSelfHosted}, ${BUILDERS.npmCliHosted}`);
      }
    }
    // A delegator vouches for the builder it records; otherwise the builder is the runner the user named.
    this.builderName = delegator ? delegator.name : BuilderId.parse(expected, false).name;
    const prov = ProvenanceView.from(this.builderName, signedProv.payload);
    matchNpmBuilder(prov, expected);
    verifyCommonExpectations(prov, {
      artifactDigest: options.tarballSha512,
      sourceUri: options.sourceUri,
      sourceBranch: options.sourceBranch,
      sourceTag: options.sourceTag,
      sourceVersionedTag: options.sourceVersionedTag,
    });
    if (!delegator) verifyProvenanceMatchesCertificate(prov, id);
    return delegator ? prov.builderId() : expected;
  }

  /** Stage 3: the publish attestation, signed by the registry key its hint names (usage npm:attestations). */
  verifyPublishSignature(registryKeys: NpmRegistryKeys): void {
    const hint = (this.pubAtt as { verificationMaterial?: { publicKey?: { hint?: unknown } } } | null)?.verificationMaterial?.publicKey?.hint;
    const key = registryKeys.keys.find((k) => k.keyId === hint && k.keyUsage === 'npm:attestations');
    if (typeof hint !== 'string' || !key) throw slsaError('ErrorInvalidSignature', `publish attestation key ${String(hint)} is not an npm registry attestation key`);
    // The registry key's validFor is enforced at the attestation's verified signing time (its SET).
    const policy = { kind: 'key' as const, publicKey: Buffer.from(key.publicKey.rawBytes, 'base64'), validFor: registryKeyWindow(key, hint) };
    const r = verifyBundle(this.pubAtt, null, policy, this.trust, this.verifyOptions);
    if (!r.dsse) throw slsaError('ErrorInvalidDssePayload', 'publish attestation is not a DSSE envelope');
    this.pub = r.dsse;
  }

  /** Stage 4: the tarball is the published subject. */
  verifyPublishSubjectDigest(tarballSha512: string): void {
    const bits = tarballSha512.length * 4;
    if (bits < 256) throw slsaError('ErrorInvalidHash', 'tarball digest must be at least 256 bits');
    const subjects = statementOf(this.published()).subject;
    if (!Array.isArray(subjects) || subjects.length === 0) throw slsaError('ErrorInvalidDssePayload', 'publish attestation has no subjects');
    const hex = tarballSha512.toLowerCase();
    if (!subjects.some((s) => (s as { digest?: Record<string, unknown> } | null)?.digest?.[`sha${bits}`] === hex)) throw slsaError('ErrorMismatchHash', `publish attestation does not name sha${bits} ${hex}`);
  }

  /** Stage 5: in-toto headers of both attestations. */
  verifyIntotoHeaders(): void {
    for (const [s, isPublish] of [[this.provenance().verification.dsse!, false], [this.published(), true]] as const) {
      const st = statementOf(s);
      if (s.payloadType !== INTOTO) throw slsaError('ErrorInvalidDssePayload', `payload type ${s.payloadType} is not ${INTOTO}`);
      if (!STATEMENT_TYPES.includes(String(st._type))) throw slsaError('ErrorInvalidDssePayload', `statement type ${String(st._type)} is not in-toto`);
      const pt = String(st.predicateType);
      if (isPublish ? !pt.startsWith(NPM_PUBLISH_PREDICATE_PREFIX) : !PROVENANCE_TYPES.includes(pt)) throw slsaError('ErrorInvalidDssePayload', `unexpected predicate type ${pt}`);
    }
  }

  private provenancePackage(): [string, string] {
    return nameAndVersion(provenanceSubjectPackage(ProvenanceView.from(this.builderName, this.provenance().payload)));
  }

  /** Stage 6: name and version agree across provenance subject, publish subject and publish predicate. */
  verifyPackageName(name: string): void {
    const [provName] = this.provenancePackage();
    if (provName !== name) throw slsaError('ErrorMismatchPackageName', `provenance names ${provName}, expected ${name}`);
    const published = publishPredicate(this.published());
    if (nameAndVersion(published.name)[0] !== name || published.name !== name) throw slsaError('ErrorMismatchPackageName', `publish attestation names ${published.name}, expected ${name}`);
  }

  verifyPackageVersion(version: string): void {
    const [, provVersion] = this.provenancePackage();
    if (provVersion !== version) throw slsaError('ErrorMismatchPackageVersion', `provenance version ${provVersion}, expected ${version}`);
    const published = publishPredicate(this.published());
    if (published.version !== version) throw slsaError('ErrorMismatchPackageVersion', `publish attestation version ${published.version}, expected ${version}`);
  }

  packageNameAndVersion(): [string, string] {
    return this.provenancePackage();
  }
}

/**
 * `provenant verify-npm-package`: the tarball's SLSA provenance (Fulcio-signed) and the registry's publish
 * attestation (signed with the npm registry key) must both verify and agree on digest, name and version.
 */
export function verifyNpmPackage(attestationsJson: unknown, trust: TrustMaterial, registryKeys: NpmRegistryKeys, options: VerifyNpmPackageOptions): VerifiedNpmPackage {
  const npm = NpmAttestations.parse(attestationsJson, trust, options.verify);
  npm.verifyProvenanceSignature();
  const builderId = npm.verifyBuilder(options);
  npm.verifyPublishSignature(registryKeys);
  npm.verifyPublishSubjectDigest(options.tarballSha512);
  npm.verifyIntotoHeaders();
  if (options.packageName !== undefined) npm.verifyPackageName(options.packageName);
  if (options.packageVersion !== undefined) npm.verifyPackageVersion(options.packageVersion);
  const [packageName, packageVersion] = npm.packageNameAndVersion();
  return { builderId, packageName, packageVersion };
}
