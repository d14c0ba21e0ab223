import { existsSync, readFileSync, readdirSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ProvenantError } from '../../errors.js';
import type { CatalogOptions, Inventory } from '../inventory.js';
import { isRecord, licensesOf, npmPurl, strField, type ProjectFiles } from './common.js';
import { catalogNodeModules } from './node-modules.js';
import { parsePackageLock } from './package-lock.js';
import { parsePnpmLock } from './pnpm-lock.js';
import { parseYarnLock, type RootManifest } from './yarn-lock.js';

/** Lockfile names in the order a project directory is searched (npm's shrinkwrap wins over package-lock). */
export const LOCKFILE_NAMES = ['npm-shrinkwrap.json', 'package-lock.json', 'pnpm-lock.yaml', 'yarn.lock'] as const;

/** Lockfiles larger than this are refused before reading (override with `maxLockfileBytes`). */
export const DEFAULT_MAX_LOCKFILE_BYTES = 100 * 1024 * 1024;

export interface JavaScriptCatalogOptions extends CatalogOptions {
  /** See PackageLockOptions.isInstalled; set by catalogJavaScriptProject when node_modules exists. */
  isInstalled?: (lockPath: string) => boolean;
  maxLockfileBytes?: number;
  /** The project's package.json, parsed: names the root and tells dev from prod for yarn. */
  manifest?: Record<string, unknown>;
  /**
   * The package.json files beside the lockfile (catalogJavaScriptProject reads them from disk): workspace,
   * `file:` and `link:` packages get their names and versions from them, and yarn v1 its workspaces.
   */
  project?: ProjectFiles;
}

export type { ProjectFiles } from './common.js';

function toRootManifest(m: Record<string, unknown> | undefined): RootManifest | undefined {
  if (!m) return undefined;
  const deps = (v: unknown): Record<string, string> | undefined =>
    isRecord(v) ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string')) : undefined;
  const out: RootManifest = {};
  const name = strField(m['name']);
  const version = strField(m['version']);
  if (name !== undefined) out.name = name;
  if (version !== undefined) out.version = version;
  const d = deps(m['dependencies']);
  const dd = deps(m['devDependencies']);
  const od = deps(m['optionalDependencies']);
  if (d) out.dependencies = d;
  if (dd) out.devDependencies = dd;
  if (od) out.optionalDependencies = od;
  const ws = workspaceGlobs(m);
  if (ws.length > 0) out.workspaces = ws;
  return out;
}

/** `workspaces: [globs]` or `workspaces: { packages: [globs] }` (yarn v1's form). */
export function workspaceGlobs(m: Record<string, unknown> | undefined): string[] {
  const w = m?.['workspaces'];
  const list = Array.isArray(w) ? w : isRecord(w) && Array.isArray(w['packages']) ? w['packages'] : [];
  return list.filter((g): g is string => typeof g === 'string');
}

/** Which parser a file needs: by its name (variants like `package-lock-2.json` too), else by its first bytes. */
function lockfileKind(base: string, text: string): 'npm' | 'pnpm' | 'yarn' | undefined {
  if (/^(\.package-lock|package-lock|npm-shrinkwrap)([-.][\w.-]*)?\.json$/u.test(base)) return 'npm';
  if (/^pnpm-lock([-.][\w.-]*)?\.ya?ml$/u.test(base)) return 'pnpm';
  if (/^yarn([-.][\w.-]*)?\.lock$/u.test(base)) return 'yarn';
  const head = text.slice(0, 512);
  if (/^\s*\{[\s\S]*"lockfileVersion"/u.test(head)) return 'npm';
  if (/^lockfileVersion:/mu.test(head)) return 'pnpm';
  if (/^# yarn lockfile v1|^__metadata:/mu.test(head)) return 'yarn';
  return undefined;
}

/**
 * Parses one lockfile from its name and contents (no file system access), so image catalogers can run it
 * on files read from a layer. Recognized names: package-lock.json, npm-shrinkwrap.json,
 * node_modules/.package-lock.json, pnpm-lock.yaml, yarn.lock.
 */
export function parseLockfile(name: string, text: string, opts: JavaScriptCatalogOptions = {}): Inventory {
  const max = opts.maxLockfileBytes ?? DEFAULT_MAX_LOCKFILE_BYTES;
  if (text.length > max) {
    throw new ProvenantError('LOCKFILE_TOO_LARGE', `${name} is larger than the ${max}-byte limit`, { details: { limit: max } });
  }
  const kind = lockfileKind(basename(name), text);
  const manifest = toRootManifest(opts.manifest);
  let inv: Inventory;
  if (kind === 'npm') {
    inv = parsePackageLock(name, text, opts);
  } else if (kind === 'pnpm') {
    const o: NonNullable<Parameters<typeof parsePnpmLock>[2]> = { ...opts };
    if (manifest?.name !== undefined) o.rootName = manifest.name;
    if (manifest?.version !== undefined) o.rootVersion = manifest.version;
    inv = parsePnpmLock(name, text, o);
  } else if (kind === 'yarn') {
    inv = parseYarnLock(name, text, manifest ? { ...opts, manifest } : opts);
  } else {
    throw new ProvenantError('LOCKFILE_UNSUPPORTED', `${name} is not a lockfile provenant reads (${LOCKFILE_NAMES.join(', ')})`);
  }
  if (opts.manifest) enrichRoot(inv, opts.manifest);
  return inv;
}

// package.json knows the root better than a lockfile does: name, version, license, description.
function enrichRoot(inv: Inventory, manifest: Record<string, unknown>): void {
  const licenses = licensesOf(manifest['license'] ?? manifest['licenses']);
  if (inv.root.licenses.length === 0) inv.root.licenses = licenses;
  const description = strField(manifest['description']);
  if (description) inv.root.description = description;
  if (!inv.root.name && strField(manifest['name'])) {
    // Lockfiles without a root name (v1, pnpm) get it from package.json; edges follow the new ref.
    const name = strField(manifest['name']) as string;
    const version = strField(manifest['version']) ?? '';
    const oldRef = inv.root.ref;
    const ref = npmPurl(name, version);
    inv.root = { ...inv.root, name, version, ref, purl: ref };
    for (const d of inv.dependencies) {
      if (d.ref === oldRef) d.ref = ref;
      d.dependsOn = d.dependsOn.map((r) => (r === oldRef ? ref : r));
    }
  }
}

function statOrThrow(path: string): Stats {
  try {
    return statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new ProvenantError('FILE_NOT_FOUND', `${path} does not exist`, { cause: err });
    throw new ProvenantError('FILE_UNREADABLE', `cannot read ${path} (${code ?? 'error'})`, { cause: err });
  }
}

function readText(path: string, max: number): string {
  const st = statOrThrow(path);
  // Checked before reading: a huge lockfile must not be pulled into memory at all.
  if (st.size > max) {
    throw new ProvenantError('LOCKFILE_TOO_LARGE', `${path} is ${st.size} bytes, over the ${max}-byte limit`, { details: { size: st.size, limit: max } });
  }
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ProvenantError('FILE_UNREADABLE', `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
  }
}

/** Workspace and local package manifests are small; a bigger one is not read (its package is named from the lockfile). */
const MAX_PACKAGE_JSON_BYTES = 1024 * 1024;
/** At most this many package.json files are read for one lockfile (workspaces, `file:` and `link:` packages). */
const MAX_PACKAGE_JSON_FILES = 20_000;

/** The package.json files under `dir` (the lockfile's directory), read on demand and each once. */
export function projectFilesAt(dir: string): ProjectFiles {
  const cache = new Map<string, Record<string, unknown> | undefined>();
  return {
    packageJson(rel) {
      if (cache.has(rel)) return cache.get(rel);
      let doc: Record<string, unknown> | undefined;
      if (cache.size < MAX_PACKAGE_JSON_FILES && !rel.includes('\0')) {
        try {
          const path = join(dir, rel, 'package.json');
          if (statSync(path).size <= MAX_PACKAGE_JSON_BYTES) {
            const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
            if (isRecord(parsed)) doc = parsed;
          }
        } catch {
          // Absent or unreadable: the package keeps what the lockfile says of it.
        }
      }
      cache.set(rel, doc);
      return doc;
    },
    subdirectories(rel) {
      try {
        return readdirSync(join(dir, rel), { withFileTypes: true })
          .filter((d) => (d.isDirectory() || d.isSymbolicLink()) && d.name !== 'node_modules' && !d.name.startsWith('.'))
          .map((d) => d.name)
          .sort();
      } catch {
        return [];
      }
    },
  };
}

function readManifest(dir: string): Record<string, unknown> | undefined {
  const path = join(dir, 'package.json');
  if (!existsSync(path)) return undefined;
  const text = readText(path, 16 * 1024 * 1024);
  try {
    const doc: unknown = JSON.parse(text);
    if (isRecord(doc)) return doc;
  } catch (err) {
    throw new ProvenantError('JSON_INVALID', `${path} is not valid JSON`, { cause: err });
  }
  throw new ProvenantError('JSON_INVALID', `${path} is not a JSON object`);
}

/** Fills missing licenses from installed package.json files when node_modules is present. */
function licensesFromNodeModules(inv: Inventory, dir: string): void {
  const nm = join(dir, 'node_modules');
  if (!existsSync(nm)) return;
  for (const p of inv.packages) {
    if (p.licenses.length > 0 || p.source === 'workspace') continue;
    try {
      const doc: unknown = JSON.parse(readFileSync(join(nm, p.name, 'package.json'), 'utf8'));
      if (isRecord(doc) && doc['version'] === p.version) p.licenses = licensesOf(doc['license'] ?? doc['licenses']);
    } catch {
      // Not installed at the top level (nested or omitted): the license stays unknown.
    }
  }
}

/**
 * Catalogs a JavaScript project: a directory (its lockfile, else its node_modules) or a lockfile path.
 * Throws LOCKFILE_NOT_FOUND when a directory has neither.
 */
export function catalogJavaScriptProject(target: string, opts: JavaScriptCatalogOptions = {}): Inventory {
  const max = opts.maxLockfileBytes ?? DEFAULT_MAX_LOCKFILE_BYTES;
  const st = statOrThrow(target);
  const dir = st.isDirectory() ? target : dirname(target);
  const manifest = opts.manifest ?? readManifest(dir);
  const withManifest: JavaScriptCatalogOptions = manifest ? { ...opts, manifest } : { ...opts };
  withManifest.project ??= projectFilesAt(dir);
  if (withManifest.isInstalled === undefined && existsSync(join(dir, 'node_modules'))) {
    withManifest.isInstalled = (lockPath) => existsSync(join(dir, lockPath));
  }
  if (!st.isDirectory()) {
    const inv = parseLockfile(target, readText(target, max), withManifest);
    licensesFromNodeModules(inv, dir);
    return inv;
  }
  for (const name of LOCKFILE_NAMES) {
    const path = join(dir, name);
    if (existsSync(path)) {
      const inv = parseLockfile(path, readText(path, max), withManifest);
      licensesFromNodeModules(inv, dir);
      return inv;
    }
  }
  if (manifest && existsSync(join(dir, 'node_modules'))) {
    const inv = catalogNodeModules(dir, manifest, opts);
    enrichRoot(inv, manifest);
    return inv;
  }
  throw new ProvenantError('LOCKFILE_NOT_FOUND', `${dir} has no lockfile (${LOCKFILE_NAMES.join(', ')}) and no node_modules with a package.json`);
}
