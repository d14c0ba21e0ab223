// The official SPDX 2.3 JSON schema (fixtures/spdx, copied from the SPDX specification repository).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';

const require = createRequire(import.meta.url);
export const SPDX_FIXTURES = join(import.meta.dirname, '../../fixtures/spdx');

/** An ajv validator for the official SPDX 2.3 JSON schema (JSON Schema 2019-09, formats checked). */
export function spdxValidator(): ValidateFunction {
  const Ajv2019 = (require('ajv/dist/2019') as { default: new (o: object) => { compile(s: object): ValidateFunction } }).default;
  const addFormats = (require('ajv-formats') as { default: (a: unknown) => void }).default;
  const ajv = new Ajv2019({ strict: false, allowUnionTypes: true });
  addFormats(ajv);
  return ajv.compile(JSON.parse(readFileSync(join(SPDX_FIXTURES, 'spdx-schema-2.3.json'), 'utf8')) as object);
}
