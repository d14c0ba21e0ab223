import { DOCKER_HUB, looksLikeRegistry, normalizeRegistry } from '@provenant/core/oci';

/**
 * Compiles a glob to an anchored RegExp: `*` and `?` stay within one path segment, `**` crosses `/`,
 * and a whole-segment `**` followed by `/` also matches no directory at all (so a glob for every .tgz
 * in any directory matches `app.tgz` too, as gitignore and minimatch read it). Everything else is
 * literal, so a glob can never smuggle in regex syntax.
 */
export function compileGlob(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const wholeSegment = (i === 0 || glob[i - 1] === '/') && glob[i + 2] === '/';
        re += wholeSegment ? '(?:.*/)?' : '.*';
        i += wholeSegment ? 2 : 1;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^(?:${re})$`, 'u');
}

const WILDCARD = /[*?]/;
// Docker's repository path component, the form every name a glob is matched against has.
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const REPOSITORY_CHAR = /[a-z0-9._\-/*?]/;

/**
 * Why a normalized image glob can never match a normalized image name, or undefined. Names are
 * `registry/repository` with a lowercase repository of docker's path components, so a glob whose
 * repository part has an upper-case letter (`ghcr.io/MyOrg/**`), a character no repository has, or a
 * literal part that is not a path component (an empty one, `-app`) never matches: it would leave its
 * images to the other policies and to `noMatch` without a word.
 */
export function impossibleImageGlob(glob: string): string | undefined {
  const slash = glob.indexOf('/');
  if (slash < 0 || glob.slice(0, slash).includes('**')) return undefined;
  const repository = glob.slice(slash + 1);
  for (const c of repository) {
    if (REPOSITORY_CHAR.test(c)) continue;
    if (c !== c.toLowerCase()) return `${glob} can never match: repository names are lower case (write ${glob.slice(0, slash + 1)}${repository.toLowerCase()})`;
    return `${glob} can never match: ${JSON.stringify(c)} cannot appear in a repository name`;
  }
  for (const part of repository.split('/')) {
    if (!WILDCARD.test(part) && !PATH_COMPONENT.test(part)) return `${glob} can never match: ${JSON.stringify(part)} is not a repository path component ([a-z0-9]+ separated by '.', '_', '__' or '-')`;
  }
  return undefined;
}

/** A URI scheme of two or more letters (one letter is a Windows drive). */
const URI_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]+:/;

/**
 * Why an artifact glob can never match a canonical artifact name (decide/subject.ts), or undefined:
 * names of files have no `.` or `..` parts, no empty parts and no trailing `/`, so `./dist/**`,
 * `dist/../x` or `dist//*.tgz` would silently match nothing. URI globs (`https://...`) are not checked.
 */
export function impossibleArtifactGlob(glob: string): string | undefined {
  if (URI_SCHEME.test(glob)) return undefined;
  const parts = glob.split('/');
  for (const [i, part] of parts.entries()) {
    if (part === '' && i === 0 && parts.length > 1) continue; // absolute: files outside the subject root
    if (part === '') return `${glob} can never match: artifact names have no empty path parts (no //, no trailing /)`;
    if (part === '.' || part === '..') return `${glob} can never match: artifact names are canonical paths, with no "${part}" parts (write it relative to the subject root, without ./ or ../)`;
  }
  return undefined;
}
const ALL_STARS = /^\*\*+$/;

/**
 * An image glob in the form image names take, so it is spelled as the names it is matched against
 * (`registry/repository`, normalized by core/oci: `alpine` is `docker.io/library/alpine`):
 * - a Docker Hub glob may be written as the reference would be (`nginx`, `myorg/*`) or with any of the
 *   hub's host names (`index.docker.io/...`, as sigstore policy-controller writes them); a registry
 *   written without wildcards is lowercased;
 * - policy-controller's shorthands `*` (all official images) and `* / *` written without spaces (all
 *   of Docker Hub's two-part names) mean what they mean there;
 * - a trailing any-tag part (`:*`, `:**`, policy-controller's "match any tag") is dropped: decisions are
 *   by digest, so every tag of a matched repository is matched.
 * A glob naming a particular tag or digest is refused (the returned reason): a tag cannot select a
 * policy, as the same image is reachable by its digest or any other tag, and a glob that silently
 * never matched would leave images to the no-match rule.
 */
export function normalizeImageGlob(glob: string): { glob: string } | { error: string } {
  const slash = glob.lastIndexOf('/');
  const last = glob.slice(slash + 1);
  if (last.includes('@')) return { error: `${glob} names a digest: image globs match registry/repository, and every digest of a matched repository is decided on` };
  let body = glob;
  const colon = last.indexOf(':');
  if (colon >= 0) {
    if (slash < 0 && looksLikeRegistry(glob.slice(0, colon))) return { error: `${glob} names a registry but no repository: write ${glob}/** for every image in it` };
    const tag = last.slice(colon + 1);
    if (tag !== '*' && tag !== '**') return { error: `${glob} names a tag (${tag}): image globs match registry/repository, since decisions are by digest; drop ":${tag}" (or write ":**" for any tag)` };
    body = glob.slice(0, slash + 1 + colon);
  }
  if (body === '*/*') return { glob: `${DOCKER_HUB}/*/*` };
  const firstSlash = body.indexOf('/');
  // One part: an official Docker Hub image (`nginx`, `node*`, and `*` for all of them); `**` is every image.
  if (firstSlash < 0) return { glob: ALL_STARS.test(body) ? body : hubRepository(body) };
  const first = body.slice(0, firstSlash);
  if (WILDCARD.test(first)) return { glob: body };
  if (!looksLikeRegistry(first)) return { glob: `${DOCKER_HUB}/${body}` };
  const registry = normalizeRegistry(first);
  const rest = body.slice(firstSlash + 1);
  // Docker Hub's official images are `library/<name>`: `docker.io/nginx` names `docker.io/library/nginx`.
  return { glob: registry === DOCKER_HUB && !rest.includes('/') ? hubRepository(rest) : `${registry}/${rest}` };
}

/** A one-part Docker Hub repository glob as a full name: `nginx` and `*` are official images (`library/`); `**` stays all of the hub. */
function hubRepository(part: string): string {
  return ALL_STARS.test(part) ? `${DOCKER_HUB}/${part}` : `${DOCKER_HUB}/library/${part}`;
}
