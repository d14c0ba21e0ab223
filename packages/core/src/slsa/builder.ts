import { createStatement, SLSA_PROVENANCE_V1, type ResourceDescriptor, type SlsaProvenanceV1, type Statement } from '../intoto/index.js';
import { ProvenantError } from '../errors.js';
import type { BuildContext } from './ci.js';
import { mergeSubjects, type Subject } from './subjects.js';

export interface ProvenanceInput {
  subjects: readonly Subject[];
  context: BuildContext;
  startedOn?: Date;
  finishedOn?: Date;
  /** Dependencies beyond the source checkout (lockfile-resolved packages, base images). */
  resolvedDependencies?: readonly ResourceDescriptor[];
  /** Outputs that are not subjects (logs, SBOMs). */
  byproducts?: readonly ResourceDescriptor[];
  builderVersion?: Record<string, string>;
}

// Timestamps without milliseconds, as GitHub and slsa-github-generator write them.
const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Builds an in-toto Statement v1 with a SLSA provenance v1 predicate; validated before it is returned. */
export function buildProvenance(input: ProvenanceInput): Statement<SlsaProvenanceV1> {
  if (input.subjects.length === 0) throw new ProvenantError('INVALID_ARGUMENT', 'provenance needs at least one subject');
  const ctx = input.context;
  const deps: ResourceDescriptor[] = [];
  if (ctx.source) deps.push({ uri: ctx.source.uri, digest: ctx.source.digest });
  deps.push(...(input.resolvedDependencies ?? []));
  const metadata: Record<string, string> = {};
  if (ctx.invocationId) metadata.invocationId = ctx.invocationId;
  if (input.startedOn) metadata.startedOn = rfc3339(input.startedOn);
  if (input.finishedOn) metadata.finishedOn = rfc3339(input.finishedOn);
  const predicate = {
    buildDefinition: {
      buildType: ctx.buildType,
      externalParameters: ctx.externalParameters,
      ...(ctx.internalParameters ? { internalParameters: ctx.internalParameters } : {}),
      ...(deps.length ? { resolvedDependencies: deps } : {}),
    },
    runDetails: {
      builder: { id: ctx.builderId, ...(input.builderVersion ? { version: input.builderVersion } : {}) },
      ...(Object.keys(metadata).length ? { metadata } : {}),
      ...(input.byproducts?.length ? { byproducts: [...input.byproducts] } : {}),
    },
  };
  return createStatement<SlsaProvenanceV1 & Record<string, unknown>>(mergeSubjects(input.subjects), SLSA_PROVENANCE_V1, predicate);
}
