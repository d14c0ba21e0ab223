import { readFile } from 'node:fs/promises';
import { SLSA_PROVENANCE_V1, parsePredicate, type SlsaProvenanceV1 } from '@provenant/core/intoto';
import type { KindHandler } from '../types.js';

/** `slsa-provenance-predicate`: a bare SLSA v1 provenance predicate (no statement wrapper). */
export const handler: KindHandler = async (_c, file) => {
  const p = parsePredicate<SlsaProvenanceV1>(SLSA_PROVENANCE_V1, await readFile(file('document')));
  return { verdict: 'valid', detail: `buildType ${p.buildDefinition?.buildType}, builder ${p.runDetails?.builder?.id}` };
};
export default handler;
