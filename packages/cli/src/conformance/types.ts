import { z } from 'zod';

/** One case of a vectors manifest (fixtures/vectors/manifest.json). `expect`, `why` and `observed` are never read. */
export const ConformanceCaseSchema = z
  .object({
    id: z.string(),
    source: z.string().optional(),
    kind: z.string(),
    files: z.record(z.string(), z.string()).default({}),
    params: z.record(z.string(), z.unknown()).default({}),
  })
  .passthrough();
export type ConformanceCase = z.infer<typeof ConformanceCaseSchema>;

export type Verdict = 'valid' | 'invalid' | 'unsupported';

export interface CaseResult {
  id: string;
  verdict: Verdict;
  detail: string;
}

/** Runs one case through the public API; `file(role)` resolves a file role against the manifest root. */
export type KindHandler = (c: ConformanceCase, file: (role: string) => string) => Promise<{ verdict: Verdict; detail: string }>;
