// Official schemas the SBOM tests validate against, which the public vectors lack: the SPDX 2.3 JSON
// schema (fixtures/spdx) and the CycloneDX XML schemas (fixtures/cyclonedx-xsd, checked with xmllint).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { vectorsDir } from '../vectors.js';

const require = createRequire(import.meta.url);
export const SPDX_FIXTURES = join(import.meta.dirname, '../../fixtures/spdx');

/** The official CycloneDX JSON schemas, from the CycloneDX specification repository in the vectors (not the library's copies). */
export function cyclonedxJsonValidator(version: '1.5' | '1.6'): ValidateFunction {
  const Ajv = (require('ajv') as { default: new (o: object) => { addSchema(s: object): void; addFormat(n: string, f: (v: string) => boolean): void; compile(s: object): ValidateFunction } }).default;
  const addFormats = (require('ajv-formats') as { default: (a: unknown) => void }).default;
  const ajv = new Ajv({ strict: false, allowUnionTypes: true });
  addFormats(ajv);
  ajv.addFormat('iri-reference', (v) => !/\s/u.test(v));
  ajv.addFormat('idn-email', (v) => /^[^\s@]+@[^\s@]+$/u.test(v));
  const dir = join(vectorsDir(), 'cyclonedx-specification/schema');
  const load = (f: string): object => JSON.parse(readFileSync(join(dir, f), 'utf8')) as object;
  ajv.addSchema(load('spdx.schema.json'));
  ajv.addSchema(load('jsf-0.82.schema.json'));
  return ajv.compile(load(`bom-${version}.schema.json`));
}

/** An ajv validator for the official SPDX 2.3 JSON schema (JSON Schema 2019-09, formats checked). */
export function spdxValidator(): ValidateFunction {
  const Ajv2019 = (require('ajv/dist/2019') as { default: new (o: object) => { compile(s: object): ValidateFunction } }).default;
  const addFormats = (require('ajv-formats') as { default: (a: unknown) => void }).default;
  const ajv = new Ajv2019({ strict: false, allowUnionTypes: true });
  addFormats(ajv);
  return ajv.compile(JSON.parse(readFileSync(join(SPDX_FIXTURES, 'spdx-schema-2.3.json'), 'utf8')) as object);
}

const XSD_DIR = join(import.meta.dirname, '../../fixtures/cyclonedx-xsd');

/**
 * xmllint's complaints about `xml` against the official CycloneDX XSD, or '' when it validates. The
 * catalog maps the schema's SPDX import to the local copy, and --nonet keeps xmllint off the network.
 */
export function cyclonedxXsdErrors(xml: string, specVersion: '1.5' | '1.6'): string {
  // The document goes in on stdin ('-').
  const r = spawnSync('xmllint', ['--nonet', '--noout', '--schema', join(XSD_DIR, `bom-${specVersion}.xsd`), '-'], {
    input: xml,
    encoding: 'utf8',
    env: { ...process.env, XML_CATALOG_FILES: join(XSD_DIR, 'catalog.xml') },
  });
  if (r.error) throw new Error(`xmllint (Debian libxml2-utils) is needed: scripts/install-test-deps.sh installs it (${r.error.message})`);
  return r.status === 0 ? '' : r.stderr.slice(0, 2000);
}
