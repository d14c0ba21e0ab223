import { isMap, isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml';
import type { z } from 'zod';
import { ProvenantError } from '@provenant/core/errors';
import { PolicyListSchema, PolicySchema, type PolicyDocument } from './schema.js';

/** A path into a policy document, as zod reports it. */
export type FieldPath = readonly PropertyKey[];

/** Maps a field path to `file:line:col` so every error names where to look. */
export type Locate = (path: FieldPath) => string;

export interface ParsedPolicy {
  readonly document: PolicyDocument;
  /** Where this policy sits in its file: `locate(['spec','authorities',0])` → `file:12:5`. */
  readonly locate: Locate;
}

export interface ParsedPolicyFile {
  readonly source: string;
  readonly policies: readonly ParsedPolicy[];
  readonly noMatch: 'deny' | 'allow' | undefined;
}

// A policy is small; anything larger (or alias-heavy) is an attack or a mistake.
const MAX_ALIAS_COUNT = 100;

export function formatPath(path: FieldPath): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(document)';
}

function locator(source: string, doc: Document, lines: LineCounter, prefix: FieldPath): Locate {
  return (path) => {
    const full = [...prefix, ...path];
    // Walk down as far as the document goes: a missing field is reported at its parent.
    for (let n = full.length; n >= 0; n--) {
      const node = doc.getIn(full.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === 'object' && node.range) {
        const pos = lines.linePos(node.range[0]);
        return `${source}:${pos.line}:${pos.col}`;
      }
    }
    return source;
  };
}

/** The key node of an unknown field, so `unknown field` errors point at the field itself. */
function locateKey(doc: Document, lines: LineCounter, source: string, objectPath: FieldPath, key: string): string | undefined {
  const node = objectPath.length === 0 ? doc.contents : doc.getIn(objectPath, true);
  if (!isMap(node)) return undefined;
  for (const pair of node.items) {
    const k = pair.key as { value?: unknown; range?: [number, number, number] } | null;
    if (k && k.value === key && k.range) {
      const pos = lines.linePos(k.range[0]);
      return `${source}:${pos.line}:${pos.col}`;
    }
  }
  return undefined;
}

function schemaError(source: string, doc: Document, lines: LineCounter, prefix: FieldPath, error: z.ZodError): ProvenantError {
  const messages = error.issues.slice(0, 5).map((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((k) => `${locateKey(doc, lines, source, path, k) ?? locator(source, doc, lines, [])(path)}: ${formatPath([...path, k])}: unknown field`);
      return keys.join('\n');
    }
    return `${locator(source, doc, lines, [])(path)}: ${formatPath(path)}: ${issue.message}`;
  });
  const first = error.issues[0];
  return new ProvenantError('POLICY_INVALID', `policy ${source} is invalid:\n${messages.join('\n')}`, {
    details: { file: source, field: first ? formatPath([...prefix, ...first.path]) : undefined },
  });
}

/**
 * Parses a policy file (YAML or JSON): one `Policy`, a `PolicyList`, a YAML stream of policies, or a
 * sequence of policies. Validates every document with zod; errors name the file, line and field.
 */
export function parsePolicyText(text: string, source: string): ParsedPolicyFile {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (!Array.isArray(docs)) throw new ProvenantError('POLICY_INVALID', `policy ${source} is empty`);
  const policies: ParsedPolicy[] = [];
  let noMatch: 'deny' | 'allow' | undefined;
  for (const doc of docs) {
    const bad = doc.errors[0];
    if (bad) {
      const pos = lines.linePos(bad.pos[0]);
      throw new ProvenantError('POLICY_INVALID', `policy ${source}:${pos.line}:${pos.col}: not valid YAML/JSON: ${bad.message.split('\n')[0]}`, { details: { file: source, line: pos.line } });
    }
    if (doc.contents === null) continue;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (cause) {
      throw new ProvenantError('POLICY_INVALID', `policy ${source}: cannot be read: ${(cause as Error).message}`, { cause, details: { file: source } });
    }
    const entries: { value: unknown; prefix: FieldPath }[] = isSeq(doc.contents)
      ? (value as unknown[]).map((v, i) => ({ value: v, prefix: [i] }))
      : [{ value, prefix: [] }];
    for (const entry of entries) {
      const kind = (entry.value as { kind?: unknown } | null)?.kind;
      if (kind === 'PolicyList') {
        const r = PolicyListSchema.safeParse(entry.value);
        if (!r.success) throw schemaError(source, doc, lines, entry.prefix, r.error);
        if (r.data.noMatch !== undefined) {
          if (noMatch !== undefined && noMatch !== r.data.noMatch) throw new ProvenantError('POLICY_INVALID', `policy ${source}: PolicyLists disagree on noMatch`);
          noMatch = r.data.noMatch;
        }
        r.data.items.forEach((item, i) => policies.push({ document: item, locate: locator(source, doc, lines, [...entry.prefix, 'items', i]) }));
      } else {
        const r = PolicySchema.safeParse(entry.value);
        if (!r.success) throw schemaError(source, doc, lines, entry.prefix, r.error);
        policies.push({ document: r.data, locate: locator(source, doc, lines, entry.prefix) });
      }
    }
  }
  if (policies.length === 0) throw new ProvenantError('POLICY_INVALID', `policy ${source} holds no policies`, { details: { file: source } });
  const names = new Set<string>();
  for (const p of policies) {
    if (names.has(p.document.metadata.name)) {
      throw new ProvenantError('POLICY_INVALID', `${p.locate(['metadata', 'name'])}: metadata.name: policy name ${p.document.metadata.name} is used twice`, { details: { file: source } });
    }
    names.add(p.document.metadata.name);
  }
  return { source, policies, noMatch };
}
