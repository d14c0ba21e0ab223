import { readFile } from 'node:fs/promises';
import { ProvenantError } from '@provenant/core/errors';
import { validateCycloneDxJson } from '@provenant/core/sbom';
import type { KindHandler } from '../types.js';

/** `cyclonedx-valid` / `cyclonedx-invalid`: the document is checked against the CycloneDX JSON schema of its specVersion. */
export const handler: KindHandler = async (_c, file) => {
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file('document'), 'utf8'));
  } catch (cause) {
    throw new ProvenantError('JSON_INVALID', 'CycloneDX document is not JSON', { cause });
  }
  const r = validateCycloneDxJson(doc);
  if (!r.valid) return { verdict: 'invalid', detail: `CycloneDX ${r.specVersion ?? '?'}: ${r.errors.slice(0, 3).join('; ')}` };
  return { verdict: 'valid', detail: `CycloneDX ${r.specVersion} document conforms to its schema` };
};
export default handler;
