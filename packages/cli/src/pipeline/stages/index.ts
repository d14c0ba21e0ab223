import type { PipelineStage } from '../types.js';
import { provenanceStage } from './provenance.js';
import { sbomStage } from './sbom.js';
import { signingStage } from './signing.js';
import { verificationStage } from './verification.js';

// The pipeline, in order. Add a line per stage (provenance, sign, verify, report) as they land.
export const PIPELINE_STAGES: readonly PipelineStage[] = [sbomStage, provenanceStage, signingStage, verificationStage];
