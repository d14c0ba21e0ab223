import { readFile } from 'node:fs/promises';
import { parseResourceDescriptor, parseStatement } from '@provenant/core/intoto';
import type { KindHandler } from '../types.js';

/** `intoto-statement`: the document must be a valid in-toto Statement (go/v1 Statement.Validate rules). */
export const statementHandler: KindHandler = async (_c, file) => {
  const s = parseStatement(await readFile(file('document')));
  return { verdict: 'valid', detail: `${s._type}, predicateType ${s.predicateType}, ${s.subject.length} subject(s)` };
};

/** `intoto-resource-descriptor`: the document must be a valid ResourceDescriptor. */
export const resourceDescriptorHandler: KindHandler = async (_c, file) => {
  const rd = parseResourceDescriptor(await readFile(file('document')));
  return { verdict: 'valid', detail: `digests: ${Object.keys(rd.digest ?? {}).join(', ') || 'none'}` };
};
