/**
 * A fast reader for the YAML subset that pnpm and yarn berry write: block mappings and sequences,
 * plain / single- / double-quoted scalars, one-line flow collections. Anything else (anchors, aliases,
 * tags, block scalars, multi-line or nested flow values, tabs) makes it give up with `undefined`, and
 * the caller falls back to the full `yaml` parser, which is ~10x slower on a 1,000-package lockfile.
 */

class Unsupported extends Error {}

type Value = string | number | boolean | null | Value[] | { [k: string]: Value };

const NUMBER = /^[-+]?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$/;

function plainScalar(raw: string): Value {
  if (raw === '' || raw === '~' || raw === 'null' || raw === 'Null' || raw === 'NULL') return null;
  if (raw === 'true' || raw === 'True' || raw === 'TRUE') return true;
  if (raw === 'false' || raw === 'False' || raw === 'FALSE') return false;
  if (NUMBER.test(raw)) return Number(raw);
  // YAML indicators that would change the meaning of a plain scalar.
  if (/^[&*!|>%@`]/.test(raw) || raw.startsWith('- ') || raw.includes(' #')) throw new Unsupported();
  return raw;
}

function quoted(raw: string): string {
  if (raw.startsWith("'")) {
    if (!raw.endsWith("'") || raw.length < 2) throw new Unsupported();
    const body = raw.slice(1, -1);
    if (/'(?!')/.test(body.replaceAll("''", ''))) throw new Unsupported();
    return body.replaceAll("''", "'");
  }
  if (!raw.endsWith('"') || raw.length < 2) throw new Unsupported();
  const body = raw.slice(1, -1);
  if (/\\[^"\\/bfnrtu]/.test(body) || /(^|[^\\])"/.test(body.replaceAll('\\\\', ''))) throw new Unsupported();
  return JSON.parse(raw) as string;
}

function scalar(raw: string): Value {
  if (raw.startsWith("'") || raw.startsWith('"')) return quoted(raw);
  if (raw.startsWith('{') || raw.startsWith('[')) return flow(raw);
  return plainScalar(raw);
}

/** Splits `a, b, 'c, d'` at top-level commas. */
function splitFlow(body: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quote = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '{' || ch === '[') throw new Unsupported();
    else if (ch === ',') {
      parts.push(body.slice(start, i).trim());
      start = i + 1;
    }
  }
  if (quote) throw new Unsupported();
  const last = body.slice(start).trim();
  if (last !== '' || parts.length > 0) parts.push(last);
  return parts;
}

function flow(raw: string): Value {
  const close = raw.startsWith('{') ? '}' : ']';
  if (!raw.endsWith(close)) throw new Unsupported();
  const items = splitFlow(raw.slice(1, -1));
  if (close === ']') return items.map((i) => scalar(i));
  const obj = Object.create(null) as Record<string, Value>; // no prototype: a '__proto__' key is just a key
  for (const item of items) {
    const [k, v] = splitKeyValue(item);
    obj[k] = v === undefined ? null : scalar(v);
  }
  return obj;
}

/** `key: value` / `key:` -> [key, value?]; keys may be quoted. */
function splitKeyValue(text: string): [string, string | undefined] {
  let keyEnd: number;
  let key: string;
  if (text.startsWith("'") || text.startsWith('"')) {
    const q = text[0] as string;
    let i = 1;
    for (; i < text.length; i++) {
      if (text[i] === q) {
        if (q === "'" && text[i + 1] === "'") i++;
        else if (q === '"' && text[i - 1] === '\\') continue;
        else break;
      }
    }
    key = quoted(text.slice(0, i + 1));
    keyEnd = i + 1;
    if (text[keyEnd] !== ':') throw new Unsupported();
  } else {
    const sep = text.indexOf(': ');
    keyEnd = sep === -1 ? (text.endsWith(':') ? text.length - 1 : -1) : sep;
    if (keyEnd <= 0) throw new Unsupported();
    key = text.slice(0, keyEnd);
    if (/^[&*!|>%@`?\-[\]{},#]/.test(key) || key.includes(' #')) throw new Unsupported();
  }
  const rest = text.slice(keyEnd + 1).trim();
  return [key, rest === '' ? undefined : rest];
}

interface Line {
  indent: number;
  text: string;
}

function lines(src: string): Line[] {
  const out: Line[] = [];
  for (const raw of src.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const text = line.trimStart();
    if (text === '' || text.startsWith('#')) continue;
    if (line.includes('\t') || text === '---' || text === '...' || text.startsWith('%')) throw new Unsupported();
    out.push({ indent: line.length - text.length, text: text.trimEnd() });
  }
  return out;
}

/** Parses the subset, or returns undefined when the text uses anything outside it. */
export function parseYamlSubset(src: string): unknown {
  try {
    const ls = lines(src);
    let pos = 0;
    const block = (indent: number): Value => {
      const first = ls[pos];
      if (!first || first.indent < indent) return null;
      const at = first.indent;
      if (first.text === '-' || first.text.startsWith('- ')) {
        const arr: Value[] = [];
        while (pos < ls.length && (ls[pos] as Line).indent === at && ((ls[pos] as Line).text.startsWith('- ') || (ls[pos] as Line).text === '-')) {
          const item = (ls[pos] as Line).text.slice(2).trim();
          pos++;
          if (item === '' || /^[^'"{[].*?:( |$)/.test(item) || /^['"].*['"]:( |$)/.test(item)) throw new Unsupported(); // nested/mapping items: not written by these tools
          arr.push(scalar(item));
        }
        return arr;
      }
      const obj = Object.create(null) as Record<string, Value>; // no prototype: a '__proto__' key is just a key
      while (pos < ls.length) {
        const l = ls[pos] as Line;
        if (l.indent < at) break;
        if (l.indent > at) throw new Unsupported();
        if (l.text.startsWith('- ')) throw new Unsupported();
        const [key, value] = splitKeyValue(l.text);
        pos++;
        if (value !== undefined) {
          obj[key] = scalar(value);
        } else {
          const next = ls[pos];
          // A sequence may sit at the key's own indent; a mapping must be deeper.
          if (next && (next.indent > at || (next.indent === at && next.text.startsWith('- ')))) obj[key] = block(next.indent);
          else obj[key] = null;
        }
      }
      return obj;
    };
    const doc = block(0);
    if (pos !== ls.length) throw new Unsupported();
    return doc;
  } catch (err) {
    if (err instanceof Unsupported || err instanceof SyntaxError) return undefined;
    throw err;
  }
}
