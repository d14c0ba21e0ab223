import { z } from 'zod';
import { SLSA_PROVENANCE_V02, SLSA_PROVENANCE_V1 } from '../../intoto/index.js';
import { slsaError } from './errors.js';

// Statements are decoded the way slsa-verifier decodes them (Go structs with unknown fields disallowed):
// an unknown field anywhere outside the free-form parameter/environment objects is a denial.
const Digest = z.record(z.string(), z.string());
const Subject = z.strictObject({ name: z.string().optional(), digest: Digest.optional() });
const Header = { _type: z.string().optional(), predicateType: z.string().optional(), subject: z.array(Subject).nullish() };
const Time = z.string().nullish();
const Free = z.unknown().optional();

const V02Predicate = z.strictObject({
  builder: z.strictObject({ id: z.string().optional() }).optional(),
  buildType: z.string().optional(),
  invocation: z
    .strictObject({
      configSource: z.strictObject({ uri: z.string().optional(), digest: Digest.nullish(), entryPoint: z.string().optional() }).optional(),
      parameters: Free,
      environment: Free,
    })
    .optional(),
  buildConfig: Free,
  metadata: z
    .strictObject({
      buildInvocationId: z.string().optional(),
      buildStartedOn: Time,
      buildFinishedOn: Time,
      completeness: z.strictObject({ parameters: z.boolean().optional(), environment: z.boolean().optional(), materials: z.boolean().optional() }).optional(),
      reproducible: z.boolean().optional(),
    })
    .nullish(),
  materials: z.array(z.strictObject({ uri: z.string().optional(), digest: Digest.nullish() })).nullish(),
});

const Descriptor = z.strictObject({
  uri: z.string().optional(),
  digest: Digest.nullish(),
  name: z.string().optional(),
  downloadLocation: z.string().optional(),
  mediaType: z.string().optional(),
  content: z.string().optional(),
  annotations: z.record(z.string(), z.unknown()).nullish(),
});

const V1Predicate = z.strictObject({
  buildDefinition: z
    .strictObject({
      buildType: z.string().optional(),
      externalParameters: Free,
      internalParameters: Free,
      resolvedDependencies: z.array(Descriptor).nullish(),
    })
    .optional(),
  runDetails: z
    .strictObject({
      builder: z.strictObject({ id: z.string().optional(), version: z.record(z.string(), z.string()).nullish(), builderDependencies: z.array(Descriptor).nullish() }).optional(),
      metadata: z.strictObject({ invocationId: z.string().optional(), startedOn: Time, finishedOn: Time }).optional(),
      byproducts: z.array(Descriptor).nullish(),
    })
    .optional(),
});

const V02Statement = z.strictObject({ ...Header, predicate: V02Predicate.optional() });
const V1Statement = z.strictObject({ ...Header, predicate: V1Predicate.optional() });

/** Which builder wrote the provenance decides where branch, tag and trigger are read from. */
export type ProvenanceFlavor = 'v02' | 'v02-byob' | 'v1-byob' | 'v1-container-based' | 'v1-npm-cli' | 'v1-github-attest';

export const TRUSTED_BUILDER_REPOSITORY = 'https://github.com/slsa-framework/slsa-github-generator';
export const BUILDERS = {
  genericGenerator: `${TRUSTED_BUILDER_REPOSITORY}/.github/workflows/generator_generic_slsa3.yml`,
  containerGenerator: `${TRUSTED_BUILDER_REPOSITORY}/.github/workflows/generator_container_slsa3.yml`,
  go: `${TRUSTED_BUILDER_REPOSITORY}/.github/workflows/builder_go_slsa3.yml`,
  containerBased: `${TRUSTED_BUILDER_REPOSITORY}/.github/workflows/builder_container-based_slsa3.yml`,
  genericDelegator: `${TRUSTED_BUILDER_REPOSITORY}/.github/workflows/delegator_generic_slsa3.yml`,
  lowPermsDelegator: `${TRUSTED_BUILDER_REPOSITORY}/.github/workflows/delegator_lowperms-generic_slsa3.yml`,
  npmCliLegacy: 'https://github.com/actions/runner',
  npmCliHosted: 'https://github.com/actions/runner/github-hosted',
  npmCliSelfHosted: 'https://github.com/actions/runner/self-hosted',
  bcrReleaser: 'https://github.com/bazel-contrib/.github/.github/workflows/release_ruleset.yaml',
  bcrPublisher: 'https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml',
} as const;

export const BUILD_TYPES = {
  byob: 'https://github.com/slsa-framework/slsa-github-generator/delegator-generic@v0',
  containerBased: 'https://slsa.dev/container-based-build/v0.1?draft',
  go: 'https://github.com/slsa-framework/slsa-github-generator/go@v1',
  generic: 'https://github.com/slsa-framework/slsa-github-generator/generic@v1',
  container: 'https://github.com/slsa-framework/slsa-github-generator/container@v1',
  npmCliV1: 'https://github.com/npm/cli/gha@v1',
  npmCliV2: 'https://github.com/npm/cli/gha/v2',
  npmCliGithubActions: 'https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1',
  githubActions: 'https://actions.github.io/buildtypes/workflow/v1',
  legacyGo: 'https://github.com/slsa-framework/slsa-github-generator-go@v1',
  legacy: 'https://github.com/slsa-framework/slsa-github-generator@v1',
} as const;

// builder name (from the certificate) -> buildType -> flavor: a builder may only write its own build types.
const V02_BUILD_TYPES: Record<string, Record<string, ProvenanceFlavor>> = {
  [BUILDERS.genericDelegator]: { [BUILD_TYPES.byob]: 'v02-byob' },
  [BUILDERS.lowPermsDelegator]: { [BUILD_TYPES.byob]: 'v02-byob' },
  [BUILDERS.go]: { [BUILD_TYPES.go]: 'v02', [BUILD_TYPES.legacy]: 'v02', [BUILD_TYPES.legacyGo]: 'v02' },
  [BUILDERS.genericGenerator]: { [BUILD_TYPES.generic]: 'v02' },
  [BUILDERS.containerGenerator]: { [BUILD_TYPES.container]: 'v02' },
  [BUILDERS.npmCliLegacy]: { [BUILD_TYPES.npmCliV1]: 'v02', [BUILD_TYPES.npmCliV2]: 'v02' },
  [BUILDERS.npmCliHosted]: { [BUILD_TYPES.npmCliV1]: 'v02', [BUILD_TYPES.npmCliV2]: 'v02' },
};
const V1_BUILD_TYPES: Record<string, Record<string, ProvenanceFlavor>> = {
  [BUILDERS.genericDelegator]: { [BUILD_TYPES.byob]: 'v1-byob' },
  [BUILDERS.lowPermsDelegator]: { [BUILD_TYPES.byob]: 'v1-byob' },
  [BUILDERS.containerBased]: { [BUILD_TYPES.containerBased]: 'v1-container-based' },
  [BUILDERS.npmCliHosted]: { [BUILD_TYPES.npmCliGithubActions]: 'v1-npm-cli' },
  [BUILDERS.bcrReleaser]: { [BUILD_TYPES.githubActions]: 'v1-github-attest' },
  [BUILDERS.bcrPublisher]: { [BUILD_TYPES.githubActions]: 'v1-github-attest' },
};

type Obj = Record<string, unknown>;

// Go's encoding/json matches struct fields case-insensitively ("buildInvocationID" fills BuildInvocationId),
// so field names are folded to their canonical spelling first; maps and free-form objects keep their keys.
const FIELDS = [
  '_type', 'predicateType', 'subject', 'predicate', 'name', 'digest', 'builder', 'id', 'buildType', 'invocation', 'configSource', 'uri',
  'entryPoint', 'parameters', 'environment', 'buildConfig', 'metadata', 'buildInvocationId', 'buildStartedOn', 'buildFinishedOn',
  'completeness', 'materials', 'reproducible', 'buildDefinition', 'externalParameters', 'internalParameters', 'resolvedDependencies',
  'runDetails', 'version', 'builderDependencies', 'invocationId', 'startedOn', 'finishedOn', 'byproducts', 'downloadLocation',
  'mediaType', 'content', 'annotations',
];
const CANONICAL = new Map(FIELDS.map((f) => [f.toLowerCase(), f]));
const OPAQUE = new Set(['digest', 'parameters', 'environment', 'buildConfig', 'externalParameters', 'internalParameters', 'annotations', 'version']);

function foldFieldNames(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(foldFieldNames);
  if (typeof v !== 'object' || v === null) return v;
  const out: Obj = {};
  for (const [k, val] of Object.entries(v)) {
    const key = CANONICAL.get(k.toLowerCase()) ?? k;
    out[key] = OPAQUE.has(key) ? val : foldFieldNames(val);
  }
  return out;
}
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(env: Obj, key: string): string {
  if (!(key in env)) throw slsaError('ErrorInvalidDssePayload', `provenance has no ${key}`);
  const v = env[key];
  if (typeof v !== 'string') throw slsaError('ErrorInvalidDssePayload', `provenance ${key} is not a string`);
  return v;
}

/** `git+https://host/org/repo@ref` -> [uri, ref]. */
export function parseGitUri(uri: string): [string, string] {
  if (uri === '') throw slsaError('ErrorMalformedURI', 'empty source URI');
  if (!uri.startsWith('git+')) throw slsaError('ErrorMalformedURI', `not a git URI: ${uri}`);
  const at = uri.indexOf('@');
  return at === -1 ? [uri, ''] : [uri.slice(0, at), uri.slice(at + 1)];
}

export function normalizeGitUri(s: string): string {
  if (s.startsWith('git+')) return s;
  return s.includes('://') ? `git+${s}` : `git+https://${s}`;
}

function refType(ref: string): string {
  const parts = ref.split('/');
  return parts.length >= 3 && parts[0] === 'refs' ? parts[1]! : '';
}

// GitHub context env (v0.2 lower-case keys `github_ref`, BYOB/v1 upper-case `GITHUB_REF`).
function envKey(key: string, upper: boolean): string {
  return upper ? key.toUpperCase() : key;
}

function eventPayload(env: Obj, upper: boolean): Obj {
  const k = envKey('github_event_payload', upper);
  const p = env[k];
  if (!isObj(p)) throw slsaError('ErrorInvalidDssePayload', 'provenance has no event payload');
  return p;
}

function tagFromEnv(env: Obj, upper: boolean): string {
  const t = str(env, envKey('github_ref_type', upper));
  if (t === 'branch') return '';
  if (t === 'tag') return str(env, envKey('github_ref', upper));
  throw slsaError('ErrorInvalidDssePayload', `unknown ref type ${t}`);
}

function branchFromEnv(env: Obj, upper: boolean): string {
  const t = str(env, envKey('github_ref_type', upper));
  if (t === 'branch') return str(env, envKey('github_ref', upper));
  if (t !== 'tag') throw slsaError('ErrorInvalidDssePayload', `unknown ref type ${t}`);
  // A tag build: the branch is only known from push (base_ref) or release (target_commitish) events.
  const baseRef = str(env, envKey('github_base_ref', upper));
  if (baseRef !== '') return baseRef;
  const event = str(env, envKey('github_event_name', upper));
  const payload = eventPayload(env, upper);
  if (event === 'push') {
    if (!('base_ref' in payload)) throw slsaError('ErrorInvalidDssePayload', 'push payload has no base_ref');
    return typeof payload.base_ref === 'string' ? payload.base_ref : '';
  }
  if (event === 'release') {
    const release = payload.release;
    if (!isObj(release)) throw slsaError('ErrorInvalidDssePayload', 'release payload has no release');
    return `refs/heads/${str(release, 'target_commitish')}`;
  }
  return '';
}

/** Uniform read access to v0.2 and v1 provenance, per builder flavor (as slsa-verifier's iface.Provenance). */
export class ProvenanceView {
  private constructor(
    readonly flavor: ProvenanceFlavor,
    readonly statement: Obj,
    private readonly v02: z.infer<typeof V02Predicate> | undefined,
    private readonly v1: z.infer<typeof V1Predicate> | undefined,
  ) {}

  /** Decodes a statement for the builder the certificate names; its buildType must be one that builder writes. */
  static from(builderName: string, payload: Buffer | string): ProvenanceView {
    let json: unknown;
    try {
      json = JSON.parse(payload.toString());
    } catch (cause) {
      throw Object.assign(slsaError('ErrorInvalidDssePayload', 'provenance payload is not JSON'), { cause });
    }
    json = foldFieldNames(json);
    const predicateType = isObj(json) ? json.predicateType : undefined;
    if (predicateType === SLSA_PROVENANCE_V02) {
      const r = V02Statement.safeParse(json);
      if (!r.success) throw slsaError('ErrorInvalidDssePayload', `provenance v0.2 statement: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      const bt = V02_BUILD_TYPES[builderName];
      if (!bt) throw slsaError('ErrorInvalidBuilderID', `${builderName} is not a builder that writes SLSA v0.2 provenance`);
      const flavor = bt[r.data.predicate?.buildType ?? ''];
      if (!flavor) throw slsaError('ErrorInvalidBuildType', `buildType ${r.data.predicate?.buildType} is not one ${builderName} writes`);
      return new ProvenanceView(flavor, json as Obj, r.data.predicate ?? {}, undefined);
    }
    if (predicateType === SLSA_PROVENANCE_V1) {
      const r = V1Statement.safeParse(json);
      if (!r.success) throw slsaError('ErrorInvalidDssePayload', `provenance v1 statement: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      const bt = V1_BUILD_TYPES[builderName];
      if (!bt) throw slsaError('ErrorInvalidBuilderID', `${builderName} is not a builder that writes SLSA v1 provenance`);
      const flavor = bt[r.data.predicate?.buildDefinition?.buildType ?? ''];
      if (!flavor) throw slsaError('ErrorInvalidBuildType', `buildType ${r.data.predicate?.buildDefinition?.buildType} is not one ${builderName} writes`);
      return new ProvenanceView(flavor, json as Obj, undefined, r.data.predicate ?? {});
    }
    throw slsaError('ErrorInvalidDssePayload', `unexpected predicate type ${String(predicateType)}`);
  }

  get isV02(): boolean {
    return this.v02 !== undefined;
  }

  builderId(): string {
    return (this.v02 ? this.v02.builder?.id : this.v1?.runDetails?.builder?.id) ?? '';
  }

  buildType(): string {
    return (this.v02 ? this.v02.buildType : this.v1?.buildDefinition?.buildType) ?? '';
  }

  subjects(): { name: string; digest: Record<string, string> }[] {
    const subj = (this.statement.subject as { name?: string; digest?: Record<string, string> | null }[] | null | undefined) ?? [];
    if (subj.length === 0) throw slsaError('ErrorInvalidDssePayload', 'provenance has no subjects');
    return subj.map((s) => ({ name: s.name ?? '', digest: s.digest ?? {} }));
  }

  sourceUri(): string {
    if (this.v02) {
      const m = this.v02.materials ?? [];
      if (m.length === 0) throw slsaError('ErrorInvalidDssePayload', 'provenance has no materials');
      if (!m[0]!.uri) throw slsaError('ErrorMalformedURI', 'first material has an empty uri');
      return m[0]!.uri;
    }
    const deps = this.v1?.buildDefinition?.resolvedDependencies ?? [];
    if (deps.length === 0) throw slsaError('ErrorInvalidDssePayload', 'provenance has no resolvedDependencies');
    if (!deps[0]!.uri) throw slsaError('ErrorMalformedURI', 'first resolved dependency has an empty uri');
    return deps[0]!.uri;
  }

  triggerUri(): string {
    if (this.v02) {
      const uri = this.v02.invocation?.configSource?.uri ?? '';
      if (!uri) throw slsaError('ErrorMalformedURI', 'invocation.configSource.uri is empty');
      return uri;
    }
    if (this.flavor === 'v1-npm-cli' || this.flavor === 'v1-github-attest') {
      const wf = this.externalParameters().workflow;
      if (!isObj(wf) || typeof wf.repository !== 'string' || typeof wf.ref !== 'string') throw slsaError('ErrorInvalidFormat', 'externalParameters.workflow needs repository and ref');
      return `git+${wf.repository}@${wf.ref}`;
    }
    const sys = this.internalParameters();
    if (!('GITHUB_WORKFLOW_REF' in sys)) throw slsaError('ErrorNotPresent', 'internalParameters has no GITHUB_WORKFLOW_REF');
    const parts = str(sys, 'GITHUB_WORKFLOW_REF').split('@');
    if (parts.length !== 2) throw slsaError('ErrorInvalidFormat', `GITHUB_WORKFLOW_REF ${parts.join('@')} is malformed`);
    const segs = parts[0]!.split('/');
    if (segs.length < 2) throw slsaError('ErrorInvalidFormat', `GITHUB_WORKFLOW_REF ${parts.join('@')} is malformed`);
    if (!segs[0] || !parts[1]) throw slsaError('ErrorMalformedURI', 'trigger repository or ref is empty');
    return `git+https://github.com/${segs.slice(0, 2).join('/')}@${parts[1]}`;
  }

  /** The GitHub context env: v0.2 invocation.environment, v1 internalParameters. */
  systemParameters(): Obj {
    if (this.v02) {
      const env = this.v02.invocation?.environment;
      if (!isObj(env)) throw slsaError('ErrorInvalidDssePayload', 'invocation.environment is not an object');
      return env;
    }
    return this.internalParameters();
  }

  private internalParameters(): Obj {
    const p = this.v1?.buildDefinition?.internalParameters;
    if (!isObj(p)) throw slsaError('ErrorInvalidDssePayload', 'internalParameters is not an object');
    return p;
  }

  externalParameters(): Obj {
    const p = this.v1?.buildDefinition?.externalParameters;
    if (!isObj(p)) throw slsaError('ErrorInvalidDssePayload', 'externalParameters is not an object');
    return p;
  }

  private byobRef(): string {
    const [, ref] = parseGitUri(this.sourceUri());
    if (ref === '') throw slsaError('ErrorInvalidDssePayload', 'source URI has no ref');
    return ref;
  }

  branch(): string {
    if (this.flavor === 'v02-byob' || this.flavor === 'v1-byob') {
      const ref = this.byobRef();
      const t = refType(ref);
      if (t === 'heads') return ref;
      if (t === 'tags') return branchFromEnv(this.systemParameters(), true);
      throw slsaError('ErrorInvalidDssePayload', `unknown ref type for ${ref}`);
    }
    return branchFromEnv(this.systemParameters(), !this.isV02);
  }

  tag(): string {
    if (this.flavor === 'v02-byob' || this.flavor === 'v1-byob') {
      const ref = this.byobRef();
      const t = refType(ref);
      if (t === 'heads') return '';
      if (t === 'tags') return ref;
      throw slsaError('ErrorInvalidDssePayload', `unknown ref type for ${ref}`);
    }
    return tagFromEnv(this.systemParameters(), !this.isV02);
  }

  workflowInputs(): Obj {
    const upper = this.flavor !== 'v02';
    const env = this.systemParameters();
    const event = str(env, envKey('github_event_name', upper));
    if (event !== 'workflow_dispatch') throw slsaError('ErrorMismatchWorkflowInputs', `expected a workflow_dispatch trigger, got ${event}`);
    const inputs = eventPayload(env, upper).inputs;
    if (!isObj(inputs)) throw slsaError('ErrorInvalidDssePayload', 'event payload has no inputs object');
    return inputs;
  }

  buildTriggerPath(): string | undefined {
    if (this.v02) return this.v02.invocation?.configSource?.entryPoint ?? '';
    const wf = this.externalParameters().workflow;
    if (wf === undefined) throw slsaError('ErrorInvalidDssePayload', 'externalParameters has no workflow');
    if (!isObj(wf)) throw slsaError('ErrorInvalidDssePayload', 'externalParameters.workflow is not an object');
    if (typeof wf.path !== 'string') throw slsaError('ErrorInvalidDssePayload', 'externalParameters.workflow has no path');
    return wf.path;
  }

  invocationId(): string {
    return (this.v02 ? this.v02.metadata?.buildInvocationId : this.v1?.runDetails?.metadata?.invocationId) ?? '';
  }

  startedOn(): string | undefined {
    return (this.v02 ? this.v02.metadata?.buildStartedOn : this.v1?.runDetails?.metadata?.startedOn) ?? undefined;
  }

  finishedOn(): string | undefined {
    return (this.v02 ? this.v02.metadata?.buildFinishedOn : this.v1?.runDetails?.metadata?.finishedOn) ?? undefined;
  }

  resolvedDependencyCount(): number {
    return this.v02 ? (this.v02.materials ?? []).length : (this.v1?.buildDefinition?.resolvedDependencies ?? []).length;
  }

  v02Predicate(): z.infer<typeof V02Predicate> | undefined {
    return this.v02;
  }
}
