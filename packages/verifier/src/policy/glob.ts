import { DOCKER_HUB, looksLikeRegistry, normalizeRegistry } from '@provenant/core/oci';

/**
 * Compiles a glob to an anchored RegExp: `*` and `?` stay within one path segment, `**` crosses `/`.
 * Everything else is literal, so a glob can never smuggle in regex syntax.
 */
export function compileGlob(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        re += '.*';
        i++;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^(?:${re})$`, 'u');
}

const WILDCARD = /[*?]/;
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
