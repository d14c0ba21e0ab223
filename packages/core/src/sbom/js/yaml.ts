import { createRequire } from 'node:module';
import { ProvenantError } from '../../errors.js';
import { isRecord, malformed } from './common.js';
import { parseYamlSubset } from './yaml-subset.js';

/** Alias expansions allowed per document; lockfiles use none, so a small bound stops alias bombs early. */
export const YAML_MAX_ALIAS_COUNT = 100;

const require = createRequire(import.meta.url);
let yaml: typeof import('yaml') | undefined;

/** Parses a YAML lockfile to an object, mapping alias bombs to YAML_ALIAS_LIMIT and syntax errors to LOCKFILE_MALFORMED. */
export function parseYamlLockfile(file: string, text: string): Record<string, unknown> {
  // The lockfile subset parses ~10x faster by hand; anything unusual goes to the full parser.
  const fast = parseYamlSubset(text);
  if (isRecord(fast)) return fast;
  let doc: unknown;
  try {
    // uniqueKeys off: yarn berry lockfiles in the wild repeat entries; the last one wins.
    // yaml loads on first use: npm lockfiles never need it.
    yaml ??= require('yaml') as typeof import('yaml');
    doc = yaml.parse(text, { maxAliasCount: YAML_MAX_ALIAS_COUNT, uniqueKeys: false, prettyErrors: false, merge: false });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (/alias count/iu.test(msg)) {
      throw new ProvenantError('YAML_ALIAS_LIMIT', `${file} expands more than ${YAML_MAX_ALIAS_COUNT} YAML aliases (an alias bomb?)`, { cause: err });
    }
    throw malformed(file, `not valid YAML (${msg.split('\n')[0] ?? msg})`, err);
  }
  if (!isRecord(doc)) throw malformed(file, 'the top level is not a mapping');
  return doc;
}
