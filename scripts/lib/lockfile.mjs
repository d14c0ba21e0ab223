// The part of the repository's package-lock.json that a set of packages needs at run time: starting from
// their declared dependencies, each name is resolved from the requiring package's place in the tree as
// Node and npm resolve it (nearest node_modules first). Used to install the packed tarballs offline
// (npm ci from the npm cache, by integrity) and to copy the CLI's run-time packages into the image.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** @typedef {{ version?: string, integrity?: string, resolved?: string, link?: boolean, license?: string, dependencies?: Record<string,string>, optionalDependencies?: Record<string,string>, peerDependencies?: Record<string,string>, peerDependenciesMeta?: Record<string,{optional?: boolean}>, optional?: boolean, dev?: boolean }} LockEntry */

/** @param {string} root repository root */
export function readLock(root) {
  /** @type {{ lockfileVersion: number, packages: Record<string, LockEntry> }} */
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  if (lock.lockfileVersion !== 3) throw new Error(`package-lock.json: lockfileVersion ${lock.lockfileVersion}, expected 3`);
  return lock.packages;
}

/** `node_modules/a/node_modules/b` -> the lockfile key `name` resolves to from `from` ('' = the root), or undefined. */
function resolveFrom(packages, from, name) {
  let dir = from;
  for (;;) {
    const key = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
    if (packages[key]) return key;
    if (dir === '') return undefined;
    const i = dir.lastIndexOf('/node_modules/');
    dir = i === -1 ? '' : dir.slice(0, i);
  }
}

/**
 * Lockfile keys (`node_modules/...`) of every package reachable from `deps` (name -> range), resolved
 * from the root. Workspace links are refused: the caller names them in `skip` (they come as tarballs).
 * @param {Record<string, LockEntry>} packages
 * @param {Array<[from: string, name: string]>} deps each resolved from `from` (a workspace dir such as `packages/core`, or '')
 * @param {Set<string>} [skip] names not to follow
 */
export function closure(packages, deps, skip = new Set()) {
  /** @type {Set<string>} */
  const seen = new Set();
  /** @type {Array<[string, string, boolean]>} */
  const queue = deps.map(([from, d]) => [from, d, false]);
  while (queue.length > 0) {
    const [from, name, optional] = /** @type {[string, string, boolean]} */ (queue.shift());
    if (skip.has(name)) continue;
    const key = resolveFrom(packages, from, name);
    if (key === undefined) {
      if (optional) continue;
      throw new Error(`lockfile: ${name} (needed by ${from || 'the root'}) is not in package-lock.json`);
    }
    if (seen.has(key)) continue;
    const entry = /** @type {LockEntry} */ (packages[key]);
    if (entry.link) throw new Error(`lockfile: ${key} is a workspace link; pass it as a tarball`);
    if (!key.startsWith('node_modules/')) throw new Error(`lockfile: ${key} is nested in a workspace; not supported`);
    seen.add(key);
    for (const d of Object.keys(entry.dependencies ?? {})) queue.push([key, d, false]);
    for (const d of Object.keys(entry.optionalDependencies ?? {})) queue.push([key, d, true]);
    // npm installs a peer unless it is optional; an optional peer is there only if something else needs it.
    for (const d of Object.keys(entry.peerDependencies ?? {})) if (entry.peerDependenciesMeta?.[d]?.optional !== true) queue.push([key, d, false]);
  }
  return [...seen].sort();
}

/** Entries of the closure as a consumer's lockfile holds them: no dev/peer flags of this workspace. */
export function consumerEntry(/** @type {LockEntry} */ entry) {
  const { dev: _dev, devOptional: _devOptional, peer: _peer, ...rest } = /** @type {LockEntry & {devOptional?: boolean, peer?: boolean}} */ (entry);
  return rest;
}
