import { ProvenantError } from '../../errors.js';

export interface Stanza {
  fields: Map<string, string>;
  /** 1-based line of the stanza's first field, for error messages. */
  line: number;
}

/**
 * Splits Debian control-style text (`Key: value`, continuation lines starting with a space or tab,
 * stanzas separated by blank lines). A line that is neither is PKGDB_MALFORMED.
 */
export function parseControlStanzas(text: string, what: string): Stanza[] {
  const out: Stanza[] = [];
  let cur: Stanza | undefined;
  let lastKey: string | undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') {
      if (cur) out.push(cur);
      cur = undefined;
      lastKey = undefined;
      continue;
    }
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (!cur || lastKey === undefined) throw new ProvenantError('PKGDB_MALFORMED', `${what}: line ${i + 1} continues nothing`, { details: { line: i + 1 } });
      cur.fields.set(lastKey, `${cur.fields.get(lastKey) ?? ''}\n${line.slice(1)}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0 || /\s/.test(line.slice(0, colon))) {
      throw new ProvenantError('PKGDB_MALFORMED', `${what}: line ${i + 1} is not "Field: value"`, { details: { line: i + 1 } });
    }
    cur ??= { fields: new Map(), line: i + 1 };
    lastKey = line.slice(0, colon);
    cur.fields.set(lastKey, line.slice(colon + 1).trim());
  }
  if (cur) out.push(cur);
  return out;
}
