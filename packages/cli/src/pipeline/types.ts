import type { EvidenceFile, Kpis, Subject } from './evidence.js';

/** What a stage sees: the project, the evidence being built, and the results of earlier stages. */
export interface PipelineContext {
  /** Absolute project directory. */
  readonly projectDir: string;
  /** Absolute temp directory the evidence is written into; renamed into place only on success. */
  readonly workDir: string;
  readonly subject: Subject;
  /** Mutable figures; stages increment what they produce. */
  readonly kpis: Kpis;
  /** Results stages hand to later stages, by stage name (e.g. outputs.get('sbom')). */
  readonly outputs: Map<string, unknown>;
  /** Writes a file into the evidence directory and records its digest and size in the index. */
  addFile(path: string, data: Uint8Array | string, meta: { kind: string; mediaType: string }): Promise<EvidenceFile>;
  /** Progress for a person, on stderr (silenced by --quiet). */
  log(message: string): void;
}

export interface StageResult {
  status?: 'ok' | 'skipped';
  detail?: string;
}

/**
 * One named step. Stages run in list order; a throw stops the pipeline and nothing is written.
 * Later steps (provenance, signatures, verification report) are added to PIPELINE_STAGES as stages.
 */
export interface PipelineStage {
  readonly name: string;
  readonly describe: string;
  run(ctx: PipelineContext): Promise<StageResult | void>;
}
