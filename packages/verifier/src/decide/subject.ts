import { isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProvenantError } from '@provenant/core/errors';
import { parseReference } from '@provenant/core/oci';

/** What is being decided on: always pinned by digest; the ref or URI is what policies match. */
export type Subject =
  | { readonly kind: 'image'; readonly ref: string; readonly digest: string }
  | { readonly kind: 'artifact'; readonly uri: string; readonly digest: string };

const DIGEST = /^sha256:[0-9a-f]{64}$/;
/** A URI scheme of two or more letters (one letter is a Windows drive: `C:\dist\app.tgz` is a path). */
const URI_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]+:/;
const UNPRINTABLE = /[\p{Cc}\p{Cf}]/u;

export function checkSubject(subject: Subject): void {
  if (!DIGEST.test(subject.digest)) throw new ProvenantError('DIGEST_INVALID', `subject digest must be sha256:<64 lowercase hex>, got ${subject.digest}`);
}

/**
 * The name an image policy glob matches: `registry/repository`, without tag or digest, normalized by
 * core/oci's reference parser (`alpine` → `docker.io/library/alpine`, `ghcr.io:443` → `ghcr.io`), so
 * a policy cannot be sidestepped by spelling.
 */
export function imageName(ref: string): string {
  const r = parseReference(ref);
  return `${r.registry}/${r.repository}`;
}

function subjectInvalid(uri: string, why: string): ProvenantError {
  return new ProvenantError('SUBJECT_INVALID', `artifact subject ${JSON.stringify(uri.length > 300 ? uri.slice(0, 300) + '...' : uri)}: ${why}`, { details: { subject: uri.slice(0, 1000) } });
}

/**
 * The one name an artifact subject is matched, reported and recorded (VSA) by:
 * - a path is made absolute against `root` (default: the current directory), its `.` and `..` parts
 *   resolved and its separators made `/`; inside the root it is the path relative to the root
 *   (`./release/evil.bin`, `release//evil.bin` and `/abs/root/release/evil.bin` are all
 *   `release/evil.bin`), outside it the absolute path (`/tmp/app.tgz`); the root itself is no artifact;
 * - a `file:` URI is that path; an `http(s):` URI is its WHATWG serialization (lowercase host, no
 *   default port, dot segments resolved); any other URI (`sha256:…`, `pkg:…`) is kept as written.
 * Only the spelling is normalized here (lexically); the CLI resolves symbolic links first (realpath),
 * so a link is named by the file it reaches. SUBJECT_INVALID for an empty name or control characters.
 */
export function artifactName(uri: string, root: string = process.cwd()): string {
  if (uri === '') throw subjectInvalid(uri, 'it is empty');
  if (UNPRINTABLE.test(uri)) throw subjectInvalid(uri, 'it contains control characters');
  let path = uri;
  if (URI_SCHEME.test(uri) && !(sep === '\\' && isAbsolute(uri))) {
    const scheme = uri.slice(0, uri.indexOf(':')).toLowerCase();
    if (scheme === 'http' || scheme === 'https') {
      try {
        return new URL(uri).href;
      } catch (cause) {
        throw new ProvenantError('SUBJECT_INVALID', `artifact subject ${JSON.stringify(uri.slice(0, 300))} is not a valid URL`, { cause });
      }
    }
    if (scheme !== 'file') return uri;
    try {
      path = fileURLToPath(uri);
    } catch (cause) {
      throw new ProvenantError('SUBJECT_INVALID', `artifact subject ${JSON.stringify(uri.slice(0, 300))} is not a valid file: URI`, { cause });
    }
  }
  const base = resolve(root);
  const absolute = resolve(base, path);
  const rel = relative(base, absolute);
  if (rel === '') throw subjectInvalid(uri, `it names the subject root ${base} itself, not a file in it`);
  const inside = rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
  return (inside ? rel : absolute).split(sep).join('/');
}

/** The same subject with its canonical name (artifactName) or image reference, as every decision step sees it. */
export function canonicalSubject(subject: Subject, root?: string): Subject {
  if (subject.kind === 'artifact') return { kind: 'artifact', uri: artifactName(subject.uri, root), digest: subject.digest };
  return subject;
}

/** The string a subject is matched and reported by. */
export function subjectName(subject: Subject): string {
  return subject.kind === 'image' ? imageName(subject.ref) : subject.uri;
}

