import { ProvenantError } from '../errors.js';

/** Where a build ran, read from the CI environment: what SLSA provenance says about the build. */
export interface BuildContext {
  readonly platform: 'github-actions' | 'gitlab-ci' | 'generic';
  readonly buildType: string;
  readonly builderId: string;
  readonly externalParameters: Record<string, unknown>;
  readonly internalParameters: Record<string, unknown> | undefined;
  /** The source checkout, when the CI names it. */
  readonly source: { uri: string; digest: Record<string, string> } | undefined;
  readonly invocationId: string | undefined;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** GitHub's own build type for artifact attestations (actions/attest-build-provenance). */
export const GITHUB_ACTIONS_BUILD_TYPE = 'https://actions.github.io/buildtypes/workflow/v1';
/** The build type GitLab runners write in their SLSA provenance. */
export const GITLAB_CI_BUILD_TYPE = 'https://gitlab.com/gitlab-org/gitlab-runner/-/blob/main/PROVENANCE.md';
/** provenant's build type for builds outside a known CI: parameters are what the caller passed. */
export const GENERIC_BUILD_TYPE = 'https://provenant.dev/buildtypes/generic/v1';

export interface DetectOptions {
  /** Required outside GitHub Actions and GitLab CI; overrides the detected builder id inside them. */
  builderId?: string;
  /** Extra external parameters for the generic mode (what the caller asked the build to do). */
  externalParameters?: Record<string, unknown>;
  /**
   * The generic mode's source checkout: its repository (`https://...` or `git+https://...`), commit and
   * ref. Recorded in externalParameters.source and as the first resolved dependency.
   */
  source?: { repository: string; commit?: string | undefined; ref?: string | undefined };
  /** Force a platform instead of detecting it from the environment. */
  platform?: BuildContext['platform'];
  invocationId?: string;
}

function need(env: Env, name: string): string {
  const v = env[name];
  if (v === undefined || v === '') throw new ProvenantError('CI_ENV_UNDETECTED', `${name} is not set; the CI environment is incomplete`);
  return v;
}

function withoutUndefined(o: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
}

/** GitHub Actions, with the fields GitHub's own provenance attestations carry. */
export function githubActionsContext(env: Env, options: DetectOptions = {}): BuildContext {
  const server = env.GITHUB_SERVER_URL || 'https://github.com';
  const repository = need(env, 'GITHUB_REPOSITORY');
  const ref = need(env, 'GITHUB_REF');
  const sha = need(env, 'GITHUB_SHA');
  // GITHUB_WORKFLOW_REF is owner/repo/.github/workflows/file.yml@ref: the path is between the repo and '@'.
  const workflowRef = need(env, 'GITHUB_WORKFLOW_REF');
  const at = workflowRef.lastIndexOf('@');
  const workflowPath = (at === -1 ? workflowRef : workflowRef.slice(0, at)).slice(repository.length + 1);
  return {
    platform: 'github-actions',
    buildType: GITHUB_ACTIONS_BUILD_TYPE,
    builderId: options.builderId ?? `${server}/${workflowRef}`,
    externalParameters: { workflow: { ref, repository: `${server}/${repository}`, path: workflowPath } },
    internalParameters: {
      github: withoutUndefined({
        event_name: env.GITHUB_EVENT_NAME,
        repository_id: env.GITHUB_REPOSITORY_ID,
        repository_owner_id: env.GITHUB_REPOSITORY_OWNER_ID,
        runner_environment: env.RUNNER_ENVIRONMENT,
      }),
    },
    source: { uri: `git+${server}/${repository}@${ref}`, digest: { gitCommit: sha } },
    invocationId: options.invocationId ?? `${server}/${repository}/actions/runs/${need(env, 'GITHUB_RUN_ID')}/attempts/${env.GITHUB_RUN_ATTEMPT || '1'}`,
  };
}

/** GitLab CI: the project, ref and pipeline job from the CI_* variables. */
export function gitlabCiContext(env: Env, options: DetectOptions = {}): BuildContext {
  const projectUrl = need(env, 'CI_PROJECT_URL');
  const sha = need(env, 'CI_COMMIT_SHA');
  const refName = need(env, 'CI_COMMIT_REF_NAME');
  const ref = env.CI_COMMIT_TAG ? `refs/tags/${env.CI_COMMIT_TAG}` : `refs/heads/${refName}`;
  const server = env.CI_SERVER_URL || new URL(projectUrl).origin;
  const runner = env.CI_RUNNER_ID ? `/-/runners/${env.CI_RUNNER_ID}` : '';
  return {
    platform: 'gitlab-ci',
    buildType: GITLAB_CI_BUILD_TYPE,
    builderId: options.builderId ?? `${server}/${need(env, 'CI_PROJECT_PATH')}${runner}`,
    externalParameters: withoutUndefined({ source: projectUrl, ref, entryPoint: env.CI_JOB_NAME, pipelineSource: env.CI_PIPELINE_SOURCE }),
    internalParameters: withoutUndefined({
      CI_PIPELINE_ID: env.CI_PIPELINE_ID,
      CI_JOB_ID: env.CI_JOB_ID,
      CI_PROJECT_ID: env.CI_PROJECT_ID,
      CI_RUNNER_VERSION: env.CI_RUNNER_VERSION,
      CI_JOB_IMAGE: env.CI_JOB_IMAGE,
    }),
    source: { uri: `git+${projectUrl}@${ref}`, digest: { gitCommit: sha } },
    invocationId: options.invocationId ?? env.CI_JOB_URL,
  };
}

/** Anywhere else: the builder must be named, since nothing in the environment vouches for one. */
export function genericContext(options: DetectOptions = {}): BuildContext {
  if (!options.builderId) {
    throw new ProvenantError('CI_ENV_UNDETECTED', 'no GitHub Actions or GitLab CI environment found; pass an explicit builder id (--builder-id) for a generic build');
  }
  const s = options.source;
  if (s !== undefined && s.commit !== undefined && !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(s.commit)) {
    throw new ProvenantError('INVALID_ARGUMENT', `source commit ${s.commit} is not a full git commit id (40 or 64 lowercase hex digits)`);
  }
  const repository = s === undefined ? undefined : s.repository.replace(/^git\+/, '');
  return {
    platform: 'generic',
    buildType: GENERIC_BUILD_TYPE,
    builderId: options.builderId,
    externalParameters: {
      ...(options.externalParameters ?? {}),
      ...(s !== undefined ? { source: withoutUndefined({ repository, ref: s.ref, commit: s.commit }) } : {}),
    },
    internalParameters: undefined,
    // The checkout is a resolved dependency only when its commit is known.
    source: s?.commit === undefined ? undefined : { uri: `git+${repository}${s.ref !== undefined ? `@${s.ref}` : ''}`, digest: { gitCommit: s.commit } },
    invocationId: options.invocationId,
  };
}

/** Picks the platform from the environment (GITHUB_ACTIONS=true, GITLAB_CI=true), else the generic mode. */
export function detectBuildContext(env: Env = process.env, options: DetectOptions = {}): BuildContext {
  const platform = options.platform ?? (env.GITHUB_ACTIONS === 'true' ? 'github-actions' : env.GITLAB_CI === 'true' ? 'gitlab-ci' : 'generic');
  if (platform === 'github-actions') return githubActionsContext(env, options);
  if (platform === 'gitlab-ci') return gitlabCiContext(env, options);
  return genericContext(options);
}
