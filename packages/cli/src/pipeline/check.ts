import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { verifyFile } from '@provenant/core/digest';
import { ProvenantError } from '@provenant/core/errors';
import { EVIDENCE_INDEX_FILE, EvidenceIndexSchema, type EvidenceIndex } from './evidence.js';

/**
 * Re-reads an evidence directory: the index must parse, every listed file must have its recorded
 * digest and size, and no file may be there that the index does not list.
 */
export async function checkEvidenceDir(dir: string): Promise<EvidenceIndex> {
  let index: EvidenceIndex;
  try {
    index = EvidenceIndexSchema.parse(JSON.parse(await readFile(join(dir, EVIDENCE_INDEX_FILE), 'utf8')));
  } catch (cause) {
    throw new ProvenantError('SCHEMA_INVALID', `${join(dir, EVIDENCE_INDEX_FILE)} is not a provenant evidence index`, { cause });
  }
  for (const f of index.files) {
    await verifyFile(join(dir, ...f.path.split('/')), { digest: f.digest, size: f.size, what: `evidence file ${f.path}` });
  }
  const listed = new Set([EVIDENCE_INDEX_FILE, ...index.files.map((f) => f.path)]);
  const present = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => !e.isDirectory()).map((e) => relative(dir, join(e.parentPath, e.name)).split(/[\\/]/).join('/'));
  const extra = present.filter((p) => !listed.has(p));
  if (extra.length > 0) throw new ProvenantError('VERIFICATION_FAILED', `evidence directory has files its index does not list: ${extra.join(', ')}`);
  return index;
}
