import type { PipelineStage } from '../types.js';
import { sbomStage } from './sbom.js';

// The pipeline, in order. Add a line per stage (provenance, sign, verify, report) as they land.
export const PIPELINE_STAGES: readonly PipelineStage[] = [sbomStage];
