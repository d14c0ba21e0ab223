import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { ProvenantError } from '../errors.js';

/** CycloneDX JSON spec versions whose schemas @cyclonedx/cyclonedx-library ships under res/schema. */
export const CYCLONEDX_SCHEMA_VERSIONS = ['1.2', '1.3', '1.4', '1.5', '1.6', '1.7'] as const;
export type CycloneDxSchemaVersion = (typeof CYCLONEDX_SCHEMA_VERSIONS)[number];

export interface CycloneDxValidationResult {
  valid: boolean;
  /** The specVersion the document was checked against (undefined when it names none we know). */
  specVersion: string | undefined;
  /** Human-readable schema errors (`/path: message`), empty when valid. */
  errors: string[];
}

const require = createRequire(import.meta.url);

function schemaDir(): string {
  return join(dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json')), 'res', 'schema');
}

// The library ships its schemas as `*.SNAPSHOT.schema.json` with refs to those names; the official files
// (and their $ids) drop `.SNAPSHOT`, so refs are rewritten to resolve against the registered $ids.
function loadSchema(file: string): Record<string, unknown> {
  const text = readFileSync(join(schemaDir(), file), 'utf8').replaceAll('.SNAPSHOT.schema.json', '.schema.json');
  return JSON.parse(text) as Record<string, unknown>;
}

interface AjvLike {
  compile(schema: object): ValidateFunction;
  addSchema(schema: object): unknown;
  addFormat(name: string, check: (value: string) => boolean): unknown;
}

const IRI_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/u;
// RFC 3987 excludes spaces, controls and these delimiters everywhere; percent signs must start a %XX escape.
const IRI_FORBIDDEN = /[\u0000-\u0020\u007f-\u009f<>"{}|\\^`]|%(?![0-9A-Fa-f]{2})/u;

/** A lenient RFC 3987 IRI-reference check: what any IRI parser would accept, without a scheme registry. */
function isIriReference(value: string): boolean {
  if (IRI_FORBIDDEN.test(value)) return false;
  const colon = value.indexOf(':');
  const firstDelimiter = value.search(/[/?#]/u);
  // A colon before any '/', '?' or '#' introduces a scheme, which must then be well formed.
  if (colon > -1 && (firstDelimiter === -1 || colon < firstDelimiter)) return IRI_SCHEME.test(value);
  return true;
}

function isIdnEmail(value: string): boolean {
  const at = value.lastIndexOf('@');
  return at > 0 && at < value.length - 1 && !/\s/u.test(value);
}

let ajvInstance: AjvLike | undefined;
const validators = new Map<CycloneDxSchemaVersion, ValidateFunction>();

// ajv and the formats are loaded on first use so that commands not validating never pay for them.
function getAjv(): AjvLike {
  if (ajvInstance) return ajvInstance;
  const AjvCtor = require('ajv') as { default: new (opts: object) => AjvLike };
  const addFormats = require('ajv-formats') as { default: (ajv: AjvLike) => void };
  // Draft-07 with format assertion, as the CycloneDX tooling validates; strict off for the schemas' extra keywords.
  const ajv = new AjvCtor.default({ strict: false, allErrors: false, validateFormats: true, allowUnionTypes: true });
  addFormats.default(ajv);
  ajv.addFormat('iri-reference', isIriReference);
  ajv.addFormat('iri', (v: string) => isIriReference(v) && IRI_SCHEME.test(v));
  ajv.addFormat('idn-email', isIdnEmail);
  ajv.addFormat('idn-hostname', (v: string) => v.length > 0 && v.length <= 253 && !/[\s@/:]/u.test(v));
  ajv.addSchema(loadSchema('spdx.SNAPSHOT.schema.json'));
  ajv.addSchema(loadSchema('jsf-0.82.SNAPSHOT.schema.json'));
  ajv.addSchema(loadSchema('cryptography-defs.SNAPSHOT.schema.json'));
  ajvInstance = ajv;
  return ajv;
}

function validatorFor(version: CycloneDxSchemaVersion): ValidateFunction {
  const cached = validators.get(version);
  if (cached) return cached;
  const file = version === '1.2' || version === '1.3' ? `bom-${version}-strict.SNAPSHOT.schema.json` : `bom-${version}.SNAPSHOT.schema.json`;
  const validate = getAjv().compile(loadSchema(file));
  validators.set(version, validate);
  return validate;
}

function formatError(e: ErrorObject): string {
  return `${e.instancePath || '/'}: ${e.message ?? e.keyword}`;
}

function isSchemaVersion(v: unknown): v is CycloneDxSchemaVersion {
  return typeof v === 'string' && (CYCLONEDX_SCHEMA_VERSIONS as readonly string[]).includes(v);
}

/**
 * Validates a parsed CycloneDX JSON document against the official schema of its own `specVersion`
 * (draft-07, formats asserted, SPDX/JSF schemas registered offline). A document that is not a BOM
 * object or names an unknown specVersion is invalid, not an exception.
 */
export function validateCycloneDxJson(doc: unknown): CycloneDxValidationResult {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return { valid: false, specVersion: undefined, errors: ['/: document is not a JSON object'] };
  }
  const specVersion = (doc as Record<string, unknown>)['specVersion'];
  if (!isSchemaVersion(specVersion)) {
    return { valid: false, specVersion: undefined, errors: [`/specVersion: unsupported or missing CycloneDX specVersion ${JSON.stringify(specVersion)}`] };
  }
  let validate: ValidateFunction;
  try {
    validate = validatorFor(specVersion);
  } catch (err) {
    throw new ProvenantError('INTERNAL', `cannot load the CycloneDX ${specVersion} JSON schema`, { cause: err });
  }
  const valid = validate(doc);
  return { valid, specVersion, errors: valid ? [] : (validate.errors ?? []).map(formatError) };
}

/** Like validateCycloneDxJson, but throws SBOM_INVALID with the first errors when the document is invalid. */
export function assertValidCycloneDxJson(doc: unknown): void {
  const result = validateCycloneDxJson(doc);
  if (!result.valid) {
    throw new ProvenantError('SBOM_INVALID', `CycloneDX document is not valid: ${result.errors.slice(0, 5).join('; ')}`, {
      details: { specVersion: result.specVersion, errors: result.errors.slice(0, 20) },
    });
  }
}
