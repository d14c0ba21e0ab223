import { createRequire } from 'node:module';
import { ProvenantError } from '../../errors.js';
import { isRecord, malformed } from './common.js';
import { parseYamlSubset } from './yaml-subset.js';

/** Alias expansions allowed per document; lockfiles use none, so a small bound stops alias bombs early. */
export const YAML_MAX_ALIAS_COUNT = 100;

const require = createRequire(import.meta.url);
let yaml: typeof import('yaml') | undefined;

function fullParse(file: string, text: string): unknown[] {
  try {
    // uniqueKeys off: yarn berry lockfiles in the wild repeat entries; the last one wins.
    // yaml loads on first use: npm lockfiles never need it.
    yaml ??= require('yaml') as typeof import('yaml');
    const options = { maxAliasCount: YAML_MAX_ALIAS_COUNT, uniqueKeys: false, prettyErrors: false, merge: false } as const;
    const docs = yaml.parseAllDocuments(text, options);
    if (!Array.isArray(docs)) throw (docs as { errors?: Error[] }).errors?.[0] ?? new Error('not a YAML stream');
    return docs.map((d) => {
      const err = d.errors[0];
      if (err) throw err;
      return d.toJS(options) as unknown;
    });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (/alias count/iu.test(msg)) {
      throw new ProvenantError('YAML_ALIAS_LIMIT', `${file} expands more than ${YAML_MAX_ALIAS_COUNT} YAML aliases (an alias bomb?)`, { cause: err });
    }
    throw malformed(file, `not valid YAML (${msg.split('\n')[0] ?? msg})`, err);
  }
}

// A line that is only `---` (a document start marker; pnpm writes no block scalars it could sit in).
const DOCUMENT_START = /^---[ ]*\r?$/mu;

/**
 * Parses a YAML lockfile into its documents, each a mapping: one for yarn and most pnpm lockfiles, two for
 * the pnpm lockfiles that start with the package manager's own (`packageManagerDependencies`). Alias
 * bombs are YAML_ALIAS_LIMIT, anything else unreadable LOCKFILE_MALFORMED.
 */
export function parseYamlLockfileDocuments(file: string, text: string): Record<string, unknown>[] {
  // The lockfile subset parses ~10x faster by hand; anything unusual goes to the full parser.
  const parts = DOCUMENT_START.test(text) ? text.split(DOCUMENT_START).filter((p) => p.trim() !== '') : [text];
  const fast = parts.map((p) => parseYamlSubset(p));
  let docs: unknown[] = fast.every(isRecord) ? fast : fullParse(file, text);
  docs = docs.filter((d) => d !== null && d !== undefined);
  if (docs.length === 0 || !docs.every(isRecord)) throw malformed(file, 'the top level is not a mapping');
  return docs as Record<string, unknown>[];
}

/** Parses a single-document YAML lockfile (yarn berry) to an object. */
export function parseYamlLockfile(file: string, text: string): Record<string, unknown> {
  const docs = parseYamlLockfileDocuments(file, text);
  if (docs.length > 1) throw malformed(file, `${docs.length} YAML documents where one is expected`);
  return docs[0] as Record<string, unknown>;
}
