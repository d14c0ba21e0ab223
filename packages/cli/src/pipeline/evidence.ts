import { z } from 'zod';

/** Identifies the evidence index format; bump on incompatible changes. */
export const EVIDENCE_INDEX_TYPE = 'provenant/evidence-index/v1';
export const EVIDENCE_INDEX_FILE = 'evidence.json';

const DigestText = z.string().regex(/^sha256:[0-9a-f]{64}$/);

export const EvidenceFileSchema = z.strictObject({
  /** Relative to the evidence directory, `/`-separated. */
  path: z.string().min(1),
  /** What the file is: sbom, provenance, signature, bundle, report, ... */
  kind: z.string().min(1),
  mediaType: z.string().min(1),
  digest: DigestText,
  size: z.number().int().nonnegative(),
  /** The stage that wrote it. */
  stage: z.string().min(1),
});
export type EvidenceFile = z.infer<typeof EvidenceFileSchema>;

export const StageRecordSchema = z.strictObject({
  name: z.string(),
  status: z.enum(['ok', 'skipped']),
  startedAt: z.string(),
  finishedAt: z.string(),
  durationMs: z.number().nonnegative(),
  detail: z.string().optional(),
});
export type StageRecord = z.infer<typeof StageRecordSchema>;

/** Figures the pipeline reports; stages fill the parts they own, the rest stay at zero. */
export const KpisSchema = z.strictObject({
  artifacts: z.strictObject({ total: z.number().int(), signed: z.number().int(), verified: z.number().int() }),
  signatures: z.strictObject({ created: z.number().int(), verified: z.number().int() }),
  attestations: z.strictObject({ created: z.number().int(), verified: z.number().int() }),
  sbom: z.strictObject({
    components: z.number().int(),
    withPurl: z.number().int(),
    withHashes: z.number().int(),
    withLicenses: z.number().int(),
    /** Share of components that carry both a purl and a hash (0..1); null before an SBOM exists. */
    coverage: z.number().min(0).max(1).nullable(),
  }),
});
export type Kpis = z.infer<typeof KpisSchema>;

export const SubjectSchema = z.strictObject({
  name: z.string(),
  version: z.string(),
  /** The project directory as given (relative to the working directory when inside it). */
  dir: z.string(),
  /** Digest of the lockfile the SBOM was built from, when there is one. */
  lockfile: z.strictObject({ path: z.string(), digest: DigestText }).optional(),
});
export type Subject = z.infer<typeof SubjectSchema>;

export const EvidenceIndexSchema = z.strictObject({
  _type: z.literal(EVIDENCE_INDEX_TYPE),
  tool: z.strictObject({ name: z.literal('provenant'), version: z.string() }),
  subject: SubjectSchema,
  startedAt: z.string(),
  finishedAt: z.string(),
  stages: z.array(StageRecordSchema),
  files: z.array(EvidenceFileSchema),
  kpis: KpisSchema,
});
export type EvidenceIndex = z.infer<typeof EvidenceIndexSchema>;

export function emptyKpis(): Kpis {
  return {
    artifacts: { total: 0, signed: 0, verified: 0 },
    signatures: { created: 0, verified: 0 },
    attestations: { created: 0, verified: 0 },
    sbom: { components: 0, withPurl: 0, withHashes: 0, withLicenses: 0, coverage: null },
  };
}
