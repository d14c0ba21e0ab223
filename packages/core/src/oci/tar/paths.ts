import { ProvenantError } from '../../errors.js';

export const MAX_PATH_LENGTH = 4096;

/**
 * Normalizes an archive member name to a root-relative path without `.`/`..` segments or slashes at
 * either end ('' is the root). Names that climb above the root or are absolute are TAR_PATH_ESCAPE:
 * we never extract, but a path meaning "outside the image" has no place in a rootfs view.
 */
export function normalizeMemberPath(raw: string, what = 'entry'): string {
  if (raw.length > MAX_PATH_LENGTH) throw new ProvenantError('TAR_INVALID', `${what} name is longer than ${MAX_PATH_LENGTH} bytes`);
  if (raw.includes('\0')) throw new ProvenantError('TAR_INVALID', `${what} name contains a NUL byte`);
  if (raw.startsWith('/')) {
    throw new ProvenantError('TAR_PATH_ESCAPE', `${what} ${JSON.stringify(raw)} is an absolute path`, { details: { path: raw } });
  }
  const out: string[] = [];
  for (const seg of raw.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) {
        throw new ProvenantError('TAR_PATH_ESCAPE', `${what} ${JSON.stringify(raw)} climbs above the archive root`, { details: { path: raw } });
      }
      out.pop();
      continue;
    }
    out.push(seg);
  }
  return out.join('/');
}

/** Parent directories of a normalized path, shortest first ('a/b/c' -> ['a', 'a/b']). */
export function parentsOf(path: string): string[] {
  const out: string[] = [];
  let i = path.indexOf('/');
  while (i !== -1) {
    out.push(path.slice(0, i));
    i = path.indexOf('/', i + 1);
  }
  return out;
}

export function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i === -1 ? '' : path.slice(0, i);
}

export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * Resolves a symlink target as the image would see it: absolute targets start at the image root,
 * `..` stops at the root (chroot semantics), so the result is always inside the root.
 */
export function resolveLinkTarget(linkPath: string, target: string): string {
  const base = target.startsWith('/') ? [] : dirname(linkPath).split('/').filter(Boolean);
  for (const seg of target.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') base.pop();
    else base.push(seg);
  }
  return base.join('/');
}
