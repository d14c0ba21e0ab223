import type { CatalogOptions, Inventory, InventoryRoot } from '../inventory.js';
import {
  InventoryBuilder,
  finishInventory,
  isRecord,
  licensesOf,
  makeNpmPackage,
  malformed,
  manifestIdentity,
  normalizeRelPath,
  parseJsonLockfile,
  recordKeys,
  rootRef,
  strField,
  unsupported,
  type PackageInput,
  type ProjectFiles,
} from './common.js';

export interface PackageLockOptions extends CatalogOptions {
  /**
   * Whether a lockfile location (`node_modules/x`) is installed. Given when node_modules sits beside the
   * lockfile: optional packages npm skipped (other platforms' binaries) are then left out, as installed.
   */
  isInstalled?: (lockPath: string) => boolean;
  /** Workspace and `file:` package.json files: their names and versions win over the lockfile's copy. */
  project?: ProjectFiles;
}

/** A workspaces glob (`packages/*`, `apps/**`, `./tools/x/`) as a regular expression over relative paths. */
export function workspaceMatcher(globs: string[]): (path: string) => boolean {
  if (globs.length === 0) return () => false;
  const parts = globs.map((g) =>
    normalizeRelPath(g)
      .split('/')
      .map((seg) => (seg === '**' ? '.*' : seg.replace(/[.+^${}()|[\]\\?]/gu, '\\$&').replaceAll('*', '[^/]*')))
      .join('/'),
  );
  const re = new RegExp(`^(?:${parts.join('|')})$`, 'u');
  return (path) => re.test(path);
}

/** Parses package-lock.json / npm-shrinkwrap.json, lockfileVersion 1, 2 or 3. */
export function parsePackageLock(file: string, text: string, opts: PackageLockOptions = {}): Inventory {
  const doc = parseJsonLockfile(file, text);
  const version = doc['lockfileVersion'];
  const kind = /npm-shrinkwrap\.json$/u.test(file) ? 'npm-shrinkwrap' : 'package-lock';
  if (version !== undefined && version !== 1 && version !== 2 && version !== 3) {
    throw unsupported(file, `lockfileVersion ${JSON.stringify(version)} is not supported (1, 2 and 3 are)`, { version: JSON.stringify(version), supported: '1, 2, 3' });
  }
  if ((version === 2 || version === 3) && isRecord(doc['packages'])) {
    return fromPackagesMap(file, doc, doc['packages'], kind, String(version), opts);
  }
  if (version === 3) throw malformed(file, 'lockfileVersion 3 without a "packages" object');
  if (!isRecord(doc['dependencies']) && doc['dependencies'] !== undefined) throw malformed(file, '"dependencies" is not an object');
  if (version === undefined && !isRecord(doc['dependencies'])) throw malformed(file, 'no lockfileVersion, "packages" or "dependencies"');
  return fromDependencyTree(file, doc, kind, String(version ?? 1), opts);
}

// Resolves `dep` from a node_modules location the way Node does: nearest node_modules upward, then the root.
export function resolveFrom<T>(known: Map<string, T>, fromPath: string, dep: string): T | undefined {
  let base = fromPath;
  for (;;) {
    const candidate = base === '' ? `node_modules/${dep}` : `${base}/node_modules/${dep}`;
    const ref = known.get(candidate);
    if (ref !== undefined) return ref;
    if (base === '') return undefined;
    const idx = base.lastIndexOf('/node_modules/');
    base = idx === -1 ? '' : base.slice(0, idx);
  }
}

function nameFromPath(path: string): string {
  const idx = path.lastIndexOf('node_modules/');
  return idx === -1 ? path.slice(path.lastIndexOf('/') + 1) : path.slice(idx + 'node_modules/'.length);
}

// devDependencies are installed only for the root and workspace folders, so only those get dev edges.
function depNames(entry: Record<string, unknown>, isProjectFolder: boolean): string[] {
  const names = [...recordKeys(entry['dependencies']), ...recordKeys(entry['optionalDependencies']), ...recordKeys(entry['peerDependencies'])];
  if (isProjectFolder) names.push(...recordKeys(entry['devDependencies']));
  return names;
}

function flagProps(entry: Record<string, unknown>, alias: string | undefined): Record<string, string> {
  const props: Record<string, string> = {};
  if (entry['inBundle'] === true || entry['bundled'] === true) props['npm:bundled'] = 'true';
  if (entry['peer'] === true) props['npm:peer'] = 'true';
  if (entry['extraneous'] === true) props['npm:extraneous'] = 'true';
  if (alias) props['npm:alias'] = alias;
  return props;
}

export function fromPackagesMap(
  file: string,
  doc: Record<string, unknown>,
  packages: Record<string, unknown>,
  kind: 'package-lock' | 'npm-shrinkwrap' | 'node_modules',
  lockfileVersion: string | undefined,
  opts: PackageLockOptions,
): Inventory {
  const rootEntry = isRecord(packages['']) ? packages[''] : {};
  const rootName = strField(rootEntry['name']) ?? strField(doc['name']) ?? '';
  const rootVersion = strField(rootEntry['version']) ?? strField(doc['version']) ?? '';
  const root: InventoryRoot = {
    ref: rootRef(rootName, rootVersion),
    name: rootName,
    version: rootVersion,
    licenses: licensesOf(rootEntry['license']),
    fromLockfile: isRecord(packages['']) && rootName !== '',
  };
  if (rootName) root.purl = root.ref;

  const builder = new InventoryBuilder();
  const refByPath = new Map<string, string>([['', root.ref]]);
  const links: [string, string][] = [];
  const isWorkspacePath = workspaceMatcher(Array.isArray(rootEntry['workspaces']) ? rootEntry['workspaces'].filter((g): g is string => typeof g === 'string') : []);
  for (const [path, entry] of Object.entries(packages)) {
    if (path === '') continue;
    if (!isRecord(entry)) throw malformed(file, `packages["${path}"] is not an object`);
    if (entry['link'] === true) {
      const target = strField(entry['resolved']);
      if (target === undefined) throw malformed(file, `link packages["${path}"] has no "resolved" target`);
      links.push([path, target]);
      continue;
    }
    if ((entry['optional'] === true || entry['devOptional'] === true) && opts.isInstalled && !opts.isInstalled(path)) continue;
    const pathName = nameFromPath(path);
    // A path outside node_modules is the project's own directory: a workspace, or a `file:` dependency.
    // Its package.json names and versions it (npm keeps an older copy in the lockfile until reinstalled).
    const isLocal = !path.includes('node_modules/');
    const own = isLocal ? manifestIdentity(opts.project?.packageJson(normalizeRelPath(path))) : undefined;
    const name = own?.name ?? strField(entry['name']) ?? pathName;
    const input: PackageInput = {
      name,
      version: own?.version ?? strField(entry['version']) ?? '',
      integrity: entry['integrity'],
      resolved: isLocal ? `file:${path}` : entry['resolved'],
      license: entry['license'],
      dev: entry['dev'] === true,
      optional: entry['optional'] === true,
      properties: flagProps(entry, name !== pathName && !isLocal ? pathName : undefined),
    };
    if (isLocal) input.source = isWorkspacePath(normalizeRelPath(path)) ? 'workspace' : 'file';
    refByPath.set(path, builder.add(makeNpmPackage(input)));
  }
  for (const [path, target] of links) {
    const ref = refByPath.get(target);
    if (ref !== undefined) refByPath.set(path, ref);
  }
  for (const [path, entry] of Object.entries(packages)) {
    if (!isRecord(entry) || entry['link'] === true) continue;
    const from = refByPath.get(path);
    if (from === undefined) continue;
    for (const dep of depNames(entry, !path.includes('node_modules/'))) {
      const to = resolveFrom(refByPath, path, dep);
      if (to !== undefined) builder.edge(from, to);
    }
  }
  for (const to of rootWorkspaceEdges(links, refByPath)) builder.edge(root.ref, to);
  const source: Inventory['source'] = { kind, path: file };
  if (lockfileVersion !== undefined) source.lockfileVersion = lockfileVersion;
  return finishInventory(builder, root, source, opts.omitDev);
}

// Workspaces are linked from the root node_modules; the root depends on them.
function rootWorkspaceEdges(links: [string, string][], refByPath: Map<string, string>): string[] {
  return links.filter(([path]) => /^node_modules\/(@[^/]+\/)?[^/]+$/u.test(path)).flatMap(([path]) => refByPath.get(path) ?? []);
}

/** `npm:real@1.2.3` (alias), `git+...#sha`, `file:...`, URL or a plain version. */
function v1Version(spec: string, name: string): { name: string; version: string; alias?: string; resolved?: string } {
  if (spec.startsWith('npm:')) {
    const body = spec.slice(4);
    const at = body.lastIndexOf('@');
    if (at > 0) return { name: body.slice(0, at), version: body.slice(at + 1), alias: name };
  }
  if (/^(git\+|git:|github:|https?:|file:)/u.test(spec)) {
    const hash = spec.lastIndexOf('#');
    const version = spec.startsWith('git') || spec.startsWith('github:') ? (hash > -1 ? spec.slice(hash + 1) : '') : '';
    return { name, version, resolved: spec };
  }
  return { name, version: spec };
}

function fromDependencyTree(
  file: string,
  doc: Record<string, unknown>,
  kind: 'package-lock' | 'npm-shrinkwrap',
  lockfileVersion: string,
  opts: PackageLockOptions,
): Inventory {
  const rootName = strField(doc['name']) ?? '';
  const rootVersion = strField(doc['version']) ?? '';
  const root: InventoryRoot = { ref: rootRef(rootName, rootVersion), name: rootName, version: rootVersion, licenses: [], fromLockfile: false };
  if (rootName) root.purl = root.ref;
  const builder = new InventoryBuilder();
  const refByPath = new Map<string, string>([['', root.ref]]);
  const requiresByPath = new Map<string, string[]>();

  const walk = (deps: Record<string, unknown>, parentPath: string): void => {
    for (const [name, entry] of Object.entries(deps)) {
      if (!isRecord(entry)) throw malformed(file, `dependencies["${name}"] is not an object`);
      const spec = strField(entry['version']);
      if (spec === undefined) throw malformed(file, `dependencies["${name}"] has no version`);
      const path = parentPath === '' ? `node_modules/${name}` : `${parentPath}/node_modules/${name}`;
      const v = v1Version(spec, name);
      // `file:` directories take their version from their own package.json.
      if (spec.startsWith('file:') && v.version === '') v.version = manifestIdentity(opts.project?.packageJson(normalizeRelPath(spec.slice(5)))).version ?? '';
      const resolved = v.resolved ?? entry['resolved'];
      const pkg = makeNpmPackage({
        name: v.name,
        version: v.version,
        integrity: entry['integrity'],
        resolved,
        dev: entry['dev'] === true,
        optional: entry['optional'] === true,
        properties: flagProps(entry, v.alias),
      });
      refByPath.set(path, builder.add(pkg));
      requiresByPath.set(path, recordKeys(entry['requires']));
      if (isRecord(entry['dependencies'])) walk(entry['dependencies'], path);
    }
  };
  walk(isRecord(doc['dependencies']) ? doc['dependencies'] : {}, '');

  for (const [path, requires] of requiresByPath) {
    const from = refByPath.get(path);
    if (from === undefined) continue;
    for (const dep of requires) {
      const to = resolveFrom(refByPath, path, dep);
      if (to !== undefined) builder.edge(from, to);
    }
  }
  // v1 records no root dependency list: the root depends on the top-level packages nothing else requires.
  const required = new Set([...builder.edges.values()].flatMap((s) => [...s]));
  for (const [path, ref] of refByPath) {
    if (/^node_modules\/(@[^/]+\/)?[^/]+$/u.test(path) && !required.has(ref)) builder.edge(root.ref, ref);
  }
  return finishInventory(builder, root, { kind, lockfileVersion, path: file }, opts.omitDev);
}
