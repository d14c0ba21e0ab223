import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { ProvenantError } from '@provenant/core/errors';
import { kindHandlers } from './kinds/index.js';
import { ConformanceCaseSchema, type CaseResult, type ConformanceCase } from './types.js';

export type { CaseResult, ConformanceCase, Verdict } from './types.js';

export async function loadManifest(path: string): Promise<ConformanceCase[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new ProvenantError('JSON_INVALID', `cannot read conformance manifest ${path}: ${(err as Error).message}`, { cause: err });
  }
  const parsed = z.array(ConformanceCaseSchema).safeParse(raw);
  if (!parsed.success) throw new ProvenantError('SCHEMA_INVALID', `conformance manifest ${path} is not an array of cases: ${parsed.error.message}`);
  return parsed.data;
}

/** Runs one case; a ProvenantError from the API is an `invalid` verdict, anything else is a bug and shows as such. */
export async function runCase(c: ConformanceCase, root: string): Promise<CaseResult> {
  const load = kindHandlers[c.kind];
  if (!load) return { id: c.id, verdict: 'unsupported', detail: `kind ${c.kind} is not supported yet` };
  const file = (role: string): string => {
    const rel = c.files[role];
    if (rel === undefined) throw new ProvenantError('INVALID_ARGUMENT', `case ${c.id} has no file with role ${role}`);
    return isAbsolute(rel) ? rel : resolve(root, rel);
  };
  try {
    const handler = await load();
    const { verdict, detail } = await handler(c, file);
    return { id: c.id, verdict, detail };
  } catch (err) {
    if (err instanceof ProvenantError) return { id: c.id, verdict: 'invalid', detail: `${err.code}: ${err.message}` };
    return { id: c.id, verdict: 'invalid', detail: `UNEXPECTED: ${err instanceof Error ? err.stack ?? err.message : String(err)}` };
  }
}

export async function runManifest(cases: readonly ConformanceCase[], root: string, only?: (c: ConformanceCase) => boolean): Promise<CaseResult[]> {
  const out: CaseResult[] = [];
  for (const c of cases) if (!only || only(c)) out.push(await runCase(c, root));
  return out;
}
