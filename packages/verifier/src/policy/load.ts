import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ProvenantError } from '@provenant/core/errors';
import { compilePolicies, sha256Hex, type PolicySet } from './compile.js';
import { parsePolicyText } from './parse.js';

const POLICY_FILE_LIMIT = 4 * 1024 * 1024;

export interface LoadPolicyOptions {
  /** Overrides the files' `noMatch` (default: what the files say, else deny). */
  noMatch?: 'deny' | 'allow';
}

async function readPolicyFile(path: string): Promise<Buffer> {
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new ProvenantError('POLICY_NOT_FOUND', `policy ${path} is not a file`);
    if (s.size > POLICY_FILE_LIMIT) throw new ProvenantError('POLICY_INVALID', `policy ${path} is larger than ${POLICY_FILE_LIMIT} bytes`);
    return await readFile(path);
  } catch (err) {
    if (err instanceof ProvenantError) throw err;
    throw new ProvenantError('POLICY_NOT_FOUND', `cannot read policy ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** Reads, parses and compiles one or more policy files. Any problem is a load-time error, never an allow. */
export async function loadPolicy(paths: string | readonly string[], options: LoadPolicyOptions = {}): Promise<PolicySet> {
  const list = typeof paths === 'string' ? [paths] : paths;
  if (list.length === 0) throw new ProvenantError('POLICY_NOT_FOUND', 'no policy file given');
  const files = await Promise.all(
    list.map(async (p) => {
      const bytes = await readPolicyFile(p);
      return { parsed: parsePolicyText(bytes.toString('utf8'), p), baseDir: dirname(resolve(p)), digest: sha256Hex(bytes) };
    }),
  );
  return compilePolicies(files, options);
}

/** The same from text (tests, policies held in a ConfigMap); file references resolve against baseDir. */
export async function loadPolicyText(text: string, options: LoadPolicyOptions & { source?: string; baseDir?: string } = {}): Promise<PolicySet> {
  const source = options.source ?? '<policy>';
  return compilePolicies([{ parsed: parsePolicyText(text, source), baseDir: options.baseDir ?? process.cwd(), digest: sha256Hex(text) }], options);
}
