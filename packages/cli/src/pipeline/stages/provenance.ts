import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { PipelineStage } from '../types.js';

export const PROVENANCE_FILE = 'provenance.intoto.json';
/** Outside GitHub Actions and GitLab CI the pipeline names itself as the builder. */
export const LOCAL_BUILDER_ID = 'https://provenant.dev/builders/local-pipeline/v1';
const PROJECT_FILES = ['package.json', 'npm-shrinkwrap.json', 'package-lock.json', 'pnpm-lock.yaml', 'yarn.lock'];

/** What later stages get (ctx.outputs.get('provenance')). */
export interface ProvenanceStageOutput {
  statement: Record<string, unknown>;
  /** The artifacts: project files that exist, as subjects, with their bytes' paths. */
  artifacts: { name: string; path: string; sha256: string }[];
}

export const provenanceStage: PipelineStage = {
  name: 'provenance',
  describe: 'SLSA v1 provenance for the project files (GitHub Actions, GitLab CI, or the local builder)',
  async run(ctx) {
    const slsa = await import('@provenant/core/slsa');
    const names = PROJECT_FILES.filter((f) => existsSync(join(ctx.projectDir, f)));
    const subjects = await slsa.subjectsFromFiles(names, ctx.projectDir);
    const env = process.env;
    const inCi = env.GITHUB_ACTIONS === 'true' || env.GITLAB_CI === 'true';
    const context = slsa.detectBuildContext(env, inCi ? {} : { builderId: LOCAL_BUILDER_ID, externalParameters: { project: ctx.subject.name, version: ctx.subject.version } });
    const sbom = ctx.outputs.get('sbom') as { path: string; bytes: Buffer } | undefined;
    const started = new Date();
    const statement = slsa.buildProvenance({
      subjects,
      context,
      startedOn: started,
      finishedOn: new Date(),
      ...(sbom ? { byproducts: [{ name: sbom.path, digest: { sha256: createHash('sha256').update(sbom.bytes).digest('hex') }, mediaType: 'application/vnd.cyclonedx+json' }] } : {}),
    }) as unknown as Record<string, unknown>;
    await ctx.addFile(PROVENANCE_FILE, JSON.stringify(statement, null, 2) + '\n', { kind: 'provenance', mediaType: 'application/vnd.in-toto+json' });
    const artifacts = subjects.map((s) => ({ name: s.name, path: join(ctx.projectDir, s.name), sha256: s.digest.sha256! }));
    ctx.kpis.artifacts.total = artifacts.length;
    ctx.outputs.set('provenance', { statement, artifacts } satisfies ProvenanceStageOutput);
    return { detail: `${artifacts.length} subject(s), builder ${context.builderId} (${context.platform})` };
  },
};
