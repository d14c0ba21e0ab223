/**
 * A fast reader for the YAML subset that pnpm and yarn berry write: block mappings and sequences (of
 * scalars or mappings), plain / single- / double-quoted scalars, one-line flow collections. Anything else
 * (anchors, aliases, tags, block scalars, multi-line or nested flow values, tabs) makes it give up with `undefined`, and
 * the caller falls back to the full `yaml` parser, which is ~10x slower on a 1,000-package lockfile.
 */

class Unsupported extends Error {}

type Value = string | number | boolean | null | Value[] | { [k: string]: Value };

const NUMBER = /^[-+]?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$/;
// Everything YAML 1.2's core schema (the yaml package's default) reads as a number: NUMBER, and leading
// zeros, octal, hex, `.5`, `5.`, infinities and NaN, which are rare in lockfiles and left to the full parser.
const CORE_NUMBER = /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

// A plain scalar this reader would misread: one starting with an indicator (anchor, alias, tag, block
// scalar, comment, flow end or separator, reserved; `-`, `?` or `:` before a space), or holding a
// comment (` #`) or a mapping (`: `, or a `:` at the end), which the full parser reads or rejects.
const PLAIN_UNSAFE = /^(?:[&*!|>%@`#\]},]|[-?:](?: |$))| #|: |:$/;
// The same for a plain mapping key, which here also must not start with `-`, `?`, `:` or a flow indicator.
const KEY_UNSAFE = /^[&*!|>%@`?\-[\]{},#:]| #/;
// A double-quoted body JSON.parse must judge: escapes, or control characters it rejects.
const DOUBLE_QUOTED_SLOW = /[\\\x00-\x1f]/;

/** The value of a plain scalar as YAML 1.2's core schema reads it; Unsupported where this reader could differ from the yaml package. */
function plainScalar(raw: string): Value {
  const c = raw.charCodeAt(0);
  // Only words starting n/N/t/T/f/F/~ can be null or booleans; only digits, signs and dots can be numbers.
  if (raw === '' || c === 126 /* ~ */ || c === 110 || c === 78 || c === 116 || c === 84 || c === 102 || c === 70) {
    if (raw === '' || raw === '~' || raw === 'null' || raw === 'Null' || raw === 'NULL') return null;
    if (raw === 'true' || raw === 'True' || raw === 'TRUE') return true;
    if (raw === 'false' || raw === 'False' || raw === 'FALSE') return false;
  } else if (((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46) && CORE_NUMBER.test(raw)) {
    if (NUMBER.test(raw)) return Number(raw);
    throw new Unsupported();
  }
  if (PLAIN_UNSAFE.test(raw)) throw new Unsupported();
  return raw;
}

/** A plain mapping key; one the core schema would read as null, a boolean or a number is left to the full parser. */
function plainKey(raw: string): string {
  if (KEY_UNSAFE.test(raw) || typeof plainScalar(raw) !== 'string') throw new Unsupported();
  return raw;
}

function quoted(raw: string): string {
  const last = raw.length - 1;
  // Fast path: the only quote is the closing one (so nothing doubled) and, double-quoted, nothing escaped.
  if (last > 0 && raw.indexOf(raw.charAt(0), 1) === last) {
    const body = raw.slice(1, last);
    if (raw.charCodeAt(0) === 39 /* ' */ || !DOUBLE_QUOTED_SLOW.test(body)) return body;
  }
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

/** Splits `a, b, 'c, d'` at top-level commas; a trailing comma ends the list, as in YAML. */
function splitFlow(body: string): string[] {
  let parts: string[];
  if (!/['"{[]/.test(body)) {
    // No quotes or brackets: every comma separates.
    parts = body.split(',');
    for (let i = 0; i < parts.length; i++) parts[i] = (parts[i] as string).trim();
  } else {
    parts = [];
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
    parts.push(body.slice(start).trim());
  }
  // `[]` and `[a, b,]`: the empty text after the last comma (or of an empty body) is no item.
  if (parts[parts.length - 1] === '') parts.pop();
  // An empty item elsewhere (`[a,,b]`, `[,]`) is an error the full parser reports, as is a stray flow
  // indicator in a plain item (`[a]]`).
  for (const p of parts) if (p === '' || (p.charCodeAt(0) !== 39 && p.charCodeAt(0) !== 34 && /[\]}]/.test(p))) throw new Unsupported();
  return parts;
}

function flow(raw: string): Value {
  const close = raw.startsWith('{') ? '}' : ']';
  if (!raw.endsWith(close)) throw new Unsupported();
  const items = splitFlow(raw.slice(1, -1));
  if (close === ']') return items.map((i) => scalar(i));
  const obj = Object.create(null) as Record<string, Value>; // no prototype: a '__proto__' key is just a key
  for (const item of items) {
    const k = splitKeyValue(item);
    const v = splitValue;
    obj[k] = v === undefined ? null : scalar(v);
  }
  return obj;
}

// splitKeyValue's second result. Returning a pair costs a cold parse more than this: the interpreter
// destructures an array through the iterator protocol, once per lockfile line.
let splitValue: string | undefined;

/** `key: value` / `key:` -> key, with the value (or undefined) in splitValue; keys may be quoted. */
function splitKeyValue(text: string): string {
  let keyEnd: number;
  let key: string;
  const c0 = text.charCodeAt(0);
  if (c0 === 39 /* ' */ || c0 === 34 /* " */) {
    const q = text.charAt(0);
    // Fast path: `'key':` whose body holds no quote (so nothing doubled) and, double-quoted, nothing escaped.
    const close = text.indexOf(q, 1);
    if (close > 0 && text.charCodeAt(close + 1) === 58 /* : */) {
      const body = text.slice(1, close);
      if (q === "'" || !DOUBLE_QUOTED_SLOW.test(body)) {
        const rest = text.slice(close + 2).trim();
        splitValue = rest === '' ? undefined : rest;
        return body;
      }
    }
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
    key = plainKey(text.slice(0, keyEnd));
  }
  const rest = text.slice(keyEnd + 1).trim();
  splitValue = rest === '' ? undefined : rest;
  return key;
}

/** Whitespace other than the space: YAML does not indent with it, so a line that starts or ends with it goes to the full parser. */
function isOtherSpace(c: number): boolean {
  return c === 9 || c === 11 || c === 12 || c === 160 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** Non-blank, non-comment lines: indents and texts (trailing spaces and CR dropped) in two arrays. */
function lines(src: string): { indents: number[]; texts: string[] } {
  if (src.includes('\t')) throw new Unsupported();
  const indents: number[] = [];
  const texts: string[] = [];
  const n = src.length;
  for (let start = 0; start <= n; ) {
    let end = src.indexOf('\n', start);
    if (end === -1) end = n;
    let stop = end;
    while (stop > start && (src.charCodeAt(stop - 1) === 32 || src.charCodeAt(stop - 1) === 13)) stop--;
    let i = start;
    while (i < stop && src.charCodeAt(i) === 32) i++;
    if (i < stop) {
      const c = src.charCodeAt(i);
      const last = src.charCodeAt(stop - 1);
      // Printable ASCII (the usual first and last characters) is never other whitespace.
      if (((c < 33 || c > 126) && isOtherSpace(c)) || ((last < 33 || last > 126) && isOtherSpace(last))) throw new Unsupported();
      if (c !== 35 /* # */) {
        const text = src.slice(i, stop);
        if (c === 37 /* % */ || text === '---' || text === '...') throw new Unsupported();
        indents.push(i - start);
        texts.push(text);
      }
    }
    start = end + 1;
  }
  return { indents, texts };
}

/** Parses the subset, or returns undefined when the text uses anything outside it. */
export function parseYamlSubset(src: string): unknown {
  try {
    const { indents, texts } = lines(src);
    const count = texts.length;
    let pos = 0;
    const isItem = (text: string): boolean => text === '-' || text.startsWith('- ');
    const block = (indent: number): Value => {
      if (pos >= count || (indents[pos] as number) < indent) return null;
      const at = indents[pos] as number;
      if (isItem(texts[pos] as string)) {
        const arr: Value[] = [];
        while (pos < count && indents[pos] === at && isItem(texts[pos] as string)) {
          const text = texts[pos] as string;
          const item = text.slice(2).trim();
          if (item === '' || item.startsWith('- ')) throw new Unsupported(); // nested sequences: not written by these tools
          if (/^[^'"{[].*?:( |$)/.test(item) || /^['"].*['"]:( |$)/.test(item)) {
            // `- key: value` starts a mapping whose keys sit two columns right of the dash (pnpm's
            // runtime `variants`); this line becomes its first key and the block is read from there.
            if (text.charCodeAt(1) !== 32 || text.charCodeAt(2) === 32) throw new Unsupported();
            texts[pos] = item;
            indents[pos] = at + 2;
            arr.push(block(at + 2));
            continue;
          }
          pos++;
          arr.push(scalar(item));
        }
        return arr;
      }
      const obj = Object.create(null) as Record<string, Value>; // no prototype: a '__proto__' key is just a key
      while (pos < count) {
        const ind = indents[pos] as number;
        if (ind < at) break;
        if (ind > at) throw new Unsupported();
        const text = texts[pos] as string;
        if (text.startsWith('- ')) throw new Unsupported();
        const key = splitKeyValue(text);
        const value = splitValue;
        pos++;
        if (value !== undefined) {
          obj[key] = scalar(value);
        } else if (pos < count && ((indents[pos] as number) > at || (indents[pos] === at && (texts[pos] as string).startsWith('- ')))) {
          // A sequence may sit at the key's own indent; a mapping must be deeper.
          obj[key] = block(indents[pos] as number);
        } else obj[key] = null;
      }
      return obj;
    };
    const doc = block(0);
    if (pos !== count) throw new Unsupported();
    return doc;
  } catch (err) {
    if (err instanceof Unsupported || err instanceof SyntaxError) return undefined;
    throw err;
  }
}
