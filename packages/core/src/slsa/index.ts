// Public API of core/slsa. Other modules import only this file.
// Generate: CI detectors -> subjects -> SLSA v1 statement. Verify: signed statement -> builder identity -> provenance content.
export { SLSA_PROVENANCE_V02, SLSA_PROVENANCE_V1, SLSA_VSA_V1, SlsaProvenanceV02Schema, SlsaProvenanceV1Schema, VsaV1Schema } from '../intoto/index.js';
export type { SlsaProvenanceV02, SlsaProvenanceV1, Statement, VsaV1 } from '../intoto/index.js';
export { GENERIC_BUILD_TYPE, GITHUB_ACTIONS_BUILD_TYPE, GITLAB_CI_BUILD_TYPE, detectBuildContext, genericContext, githubActionsContext, gitlabCiContext } from './ci.js';
export type { BuildContext, DetectOptions, Env } from './ci.js';
export { expandPaths, isImageDigestRef, mergeSubjects, parseChecksums, subjectFromImageDigest, subjectsFromChecksumsFile, subjectsFromFiles, type Subject } from './subjects.js';
export { SLSA_TRACK_LEVELS, highestLevels, parseClaimableLevel, parseSlsaResult, summarizeLevels, type SlsaResult, type SlsaTrack } from './levels.js';
export { buildProvenance, type ProvenanceInput } from './builder.js';
export * from './verify/index.js';
