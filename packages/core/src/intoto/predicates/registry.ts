import type { z } from 'zod';
import { ProvenantError } from '../../errors.js';
import { parseJsonInput } from '../dsse.js';
import { describeIssues, ruleOf } from '../issues.js';
import { SLSA_PROVENANCE_V02, SlsaProvenanceV02Schema } from './slsa-provenance-v02.js';
import { SLSA_PROVENANCE_V1, SlsaProvenanceV1Schema } from './slsa-provenance-v1.js';
import { SLSA_VSA_V1, VsaV1Schema } from './vsa-v1.js';

/** predicateType URI -> the zod schema its predicate must satisfy. */
const registry = new Map<string, z.ZodType>([
  [SLSA_PROVENANCE_V1, SlsaProvenanceV1Schema],
  [SLSA_PROVENANCE_V02, SlsaProvenanceV02Schema],
  [SLSA_VSA_V1, VsaV1Schema],
]);

/** Adds (or replaces) the schema for a predicate type, e.g. a project-specific attestation. */
export function registerPredicateType(predicateType: string, schema: z.ZodType): void {
  registry.set(predicateType, schema);
}

export function isKnownPredicateType(predicateType: string): boolean {
  return registry.has(predicateType);
}

export function knownPredicateTypes(): string[] {
  return [...registry.keys()];
}

/**
 * Validates a predicate (JSON text, bytes or a parsed value) against its registered schema;
 * unknown types are PREDICATE_TYPE_UNSUPPORTED, bad predicates PREDICATE_INVALID.
 */
export function parsePredicate<T = unknown>(predicateType: string, predicate: string | Uint8Array | unknown): T {
  const schema = registry.get(predicateType);
  if (!schema) throw new ProvenantError('PREDICATE_TYPE_UNSUPPORTED', `predicate type ${predicateType} is not known to provenant`);
  const r = schema.safeParse(parseJsonInput(predicate, 16 * 1024 * 1024, 'PREDICATE_INVALID', `${predicateType} predicate`));
  if (!r.success) {
    throw new ProvenantError('PREDICATE_INVALID', `invalid ${predicateType} predicate: ${describeIssues(r.error)}`, {
      details: { predicateType, rule: ruleOf(r.error) ?? 'schema' },
    });
  }
  return r.data as T;
}
