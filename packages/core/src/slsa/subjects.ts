import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { hashFile } from '../digest/index.js';
import { ProvenantError } from '../errors.js';

/** An in-toto subject: a name and its digests. */
export interface Subject {
  name: string;
  digest: Record<string, string>;
}

const GLOB_CHARS = /[*?[]/;
const MAX_CHECKSUMS_BYTES = 16 * 1024 * 1024;

function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      // `**/` matches zero or more directories; a trailing `**` matches everything below.
      re += pattern[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += pattern[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|\\[\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
    else if (e.isFile()) out.push(p);
  }
}

/** Expands file paths and globs (`*`, `**`, `?`) relative to `cwd`; sorted, without duplicates. */
export async function expandPaths(patterns: readonly string[], cwd: string = process.cwd()): Promise<string[]> {
  const found = new Set<string>();
  for (const pattern of patterns) {
    const p = pattern.split(sep).join('/');
    if (!GLOB_CHARS.test(p)) {
      const abs = resolve(cwd, p);
      const st = await stat(abs).catch((cause: unknown) => {
        throw new ProvenantError('FILE_NOT_FOUND', `subject ${pattern} does not exist`, { cause });
      });
      if (!st.isFile()) throw new ProvenantError('INVALID_ARGUMENT', `subject ${pattern} is not a regular file`);
      found.add(abs);
      continue;
    }
    // Walk only below the pattern's literal prefix.
    const parts = p.split('/');
    const firstGlob = parts.findIndex((s) => GLOB_CHARS.test(s));
    const base = resolve(cwd, parts.slice(0, firstGlob).join('/') || '.');
    const files: string[] = [];
    await walk(base, files).catch((cause: unknown) => {
      throw new ProvenantError('FILE_NOT_FOUND', `cannot read ${base} for ${pattern}`, { cause });
    });
    const re = globToRegExp(resolve(cwd, p).split(sep).join('/'));
    const matched = files.filter((f) => re.test(f.split(sep).join('/')));
    if (matched.length === 0) throw new ProvenantError('FILE_NOT_FOUND', `no file matches ${pattern}`);
    for (const f of matched) found.add(f);
  }
  return [...found].sort();
}

/** Subjects for files and globs: the name is the path relative to `cwd` with `/` separators. */
export async function subjectsFromFiles(patterns: readonly string[], cwd: string = process.cwd()): Promise<Subject[]> {
  const out: Subject[] = [];
  for (const file of await expandPaths(patterns, cwd)) {
    const { hex } = await hashFile(file, 'sha256');
    out.push({ name: relative(cwd, file).split(sep).join('/'), digest: { sha256: hex } });
  }
  return out;
}

/** Parses `sha256sum`/`sha512sum` output (`<hex>  <name>` or `<hex> *<name>`); blank lines and `#` comments are skipped. */
export function parseChecksums(text: string): Subject[] {
  const out: Subject[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const m = /^([0-9a-fA-F]+) [ *](.+)$/.exec(line);
    const alg = m ? ({ 64: 'sha256', 128: 'sha512' } as Record<number, string>)[m[1]!.length] : undefined;
    if (!m || !alg) throw new ProvenantError('INVALID_ARGUMENT', `checksums line ${i + 1} is not "<sha256 or sha512 hex>  <name>": ${line.slice(0, 80)}`);
    out.push({ name: m[2]!, digest: { [alg]: m[1]!.toLowerCase() } });
  });
  if (out.length === 0) throw new ProvenantError('INVALID_ARGUMENT', 'checksums file lists no subjects');
  return out;
}

export async function subjectsFromChecksumsFile(path: string): Promise<Subject[]> {
  const st = await stat(path).catch((cause: unknown) => {
    throw new ProvenantError('FILE_NOT_FOUND', `checksums file ${path} does not exist`, { cause });
  });
  if (st.size > MAX_CHECKSUMS_BYTES) throw new ProvenantError('FILE_TOO_LARGE', `checksums file ${path} is over ${MAX_CHECKSUMS_BYTES} bytes`);
  return parseChecksums(await readFile(path, 'utf8'));
}

const IMAGE_DIGEST_REF = /^([^@\s]+?)(?::[\w][\w.-]{0,127})?@(sha256|sha512):([0-9a-f]+)$/;

/** `repo[:tag]@sha256:<hex>` -> subject named by the repository (as GitHub and cosign name image subjects). */
export function subjectFromImageDigest(ref: string): Subject {
  const m = IMAGE_DIGEST_REF.exec(ref);
  const alg = m?.[2];
  const hex = m?.[3];
  if (!m || !alg || !hex || hex.length !== (alg === 'sha256' ? 64 : 128)) {
    throw new ProvenantError('REFERENCE_INVALID', `image subject must be pinned by digest (repo@sha256:<hex>), got ${ref}`);
  }
  return { name: m[1]!, digest: { [alg]: hex } };
}

export function isImageDigestRef(text: string): boolean {
  return IMAGE_DIGEST_REF.test(text);
}

/** Merges subjects with the same name and digest; the same name with different digests is an error. */
export function mergeSubjects(subjects: readonly Subject[]): Subject[] {
  const byName = new Map<string, Subject>();
  for (const s of subjects) {
    const prev = byName.get(s.name);
    if (!prev) byName.set(s.name, { name: s.name, digest: { ...s.digest } });
    else {
      for (const [alg, v] of Object.entries(s.digest)) {
        if (prev.digest[alg] !== undefined && prev.digest[alg] !== v) throw new ProvenantError('INVALID_ARGUMENT', `subject ${s.name} is listed with two different ${alg} digests`);
        prev.digest[alg] = v;
      }
    }
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
