import type { CatalogOptions, Inventory, InventoryPackage, InventoryRoot } from '../inventory.js';
import {
  InventoryBuilder,
  finishInventory,
  isRecord,
  makeNpmPackage,
  malformed,
  manifestIdentity,
  normalizeRelPath,
  rootRef,
  strField,
  unsupported,
  type ProjectFiles,
} from './common.js';
import { parseYamlLockfileDocuments } from './yaml.js';

type PnpmMajor = 5 | 6 | 9;

export interface PnpmOptions extends CatalogOptions {
  rootName?: string;
  rootVersion?: string;
  /** Reads workspace (importer), `file:` and `link:` package.json files; without it they are named from the lockfile alone. */
  project?: ProjectFiles;
}

interface PnpmEntry {
  name: string;
  version: string;
  entry: Record<string, unknown>;
  /** `file:`/`link:` directory (relative to the lockfile) or `runtime:`: where the version comes from. */
  local?: { kind: 'file' | 'link'; path: string } | undefined;
  runtime?: boolean;
}

const SUPPORTED = '5.x (pnpm 5 to 7), 6.x (pnpm 8) and 9.x (pnpm 9 and later)';

function majorOf(file: string, v: unknown): PnpmMajor {
  const text = typeof v === 'number' ? String(v) : typeof v === 'string' ? v : '';
  const major = /^\d+(\.\d+)?$/u.test(text) ? Number.parseInt(text, 10) : Number.NaN;
  if (major === 5) return 5;
  if (major === 6 || major === 7) return 6;
  if (major === 9) return 9;
  throw unsupported(file, `pnpm lockfileVersion ${JSON.stringify(v)} is not supported (${SUPPORTED} are)`, { version: String(v), supported: SUPPORTED });
}

/**
 * A packages/snapshots key or a dependency's version without its peer suffix:
 * `/name/1.0.0_peer@2` (5.x), `/name@1.0.0(peer@2)` (6.x), `name@1.0.0(peer@2)` (9.x), `file:dir` (5.x, 6.x),
 * `name@file:dir`, `node@runtime:26.7.0`, `name@https://host/x.tgz` (9.x).
 */
function splitKey(major: PnpmMajor, key: string): { name: string; spec: string } | undefined {
  let k = key.charCodeAt(0) === 47 /* / */ ? key.slice(1) : key;
  const paren = k.indexOf('(');
  if (paren > -1) k = k.slice(0, paren);
  if (major === 5) {
    const slash = k.lastIndexOf('/');
    if (slash < 1) return undefined;
    const version = k.slice(slash + 1);
    const underscore = version.indexOf('_');
    return { name: k.slice(0, slash), spec: underscore > -1 ? version.slice(0, underscore) : version };
  }
  // A name holds no '@' but its scope's: the first one after that separates the version (which may be a URL).
  const at = k.indexOf('@', 1);
  if (at < 1) return undefined;
  return { name: k.slice(0, at), spec: k.slice(at + 1) };
}

/**
 * Package ids: `name@spec`; for pnpm 5/6 keys without a leading `/` (`file:dir`, `github.com/o/r/sha`,
 * `host/x/-/x-1.0.0.tgz`), which name no package and are what dependents refer to, the key itself.
 */
function canonicalOf(major: PnpmMajor, key: string): string | undefined {
  if (major !== 9 && key.charCodeAt(0) !== 47 /* / */) return key;
  const s = splitKey(major, key);
  return s ? `${s.name}@${s.spec}` : undefined;
}

const ALIAS = /^(@[^@/]+\/)?[^@/:]+@/u;

/** The package id a dependency reference in an importer or a package entry points to. */
function depTarget(major: PnpmMajor, name: string, ref: string): string | undefined {
  if (ref.startsWith('link:') || ref.startsWith('workspace:')) return undefined;
  if (ref.startsWith('file:')) return major === 9 ? `${name}@${ref}` : ref;
  // pnpm 5/6 non-registry packages are referred to by their key (`github.com/o/r/sha`).
  if (major !== 9 && ref.includes('/') && ref.charCodeAt(0) !== 47) return ref;
  if (ref.charCodeAt(0) === 47 /* / */) return canonicalOf(major, ref);
  const paren = ref.indexOf('(');
  const bare = paren > -1 ? ref.slice(0, paren) : ref;
  // pnpm 6/9 aliases: `real@1.0.0` (a version or URL never starts with a name and an '@').
  if (major !== 5 && ALIAS.test(bare)) return canonicalOf(major, bare);
  if (major === 5) {
    const underscore = bare.indexOf('_');
    return `${name}@${underscore > -1 ? bare.slice(0, underscore) : bare}`;
  }
  return `${name}@${bare}`;
}

function depVersion(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (isRecord(v)) return strField(v['version']);
  return undefined;
}

interface Importer {
  path: string;
  prod: [string, string][];
  dev: [string, string][];
}

const DEPENDENCY_SECTIONS = ['dependencies', 'optionalDependencies'] as const;

const pairs = (section: unknown): [string, string][] => {
  if (!isRecord(section)) return [];
  const out: [string, string][] = [];
  for (const n in section) {
    const v = depVersion(section[n]);
    if (v !== undefined) out.push([n, v]);
  }
  return out;
};

function readImporter(path: string, imp: Record<string, unknown>): Importer {
  return { path: normalizeRelPath(path), prod: [...pairs(imp['dependencies']), ...pairs(imp['optionalDependencies'])], dev: pairs(imp['devDependencies']) };
}

// The document pnpm 11+ writes before the project's: the package manager and config dependencies it
// installs for itself. They are not the project's dependencies, so they are not listed.
const ENVIRONMENT_SECTIONS = new Set(['configDependencies', 'packageManagerDependencies']);
function isEnvironmentDocument(doc: Record<string, unknown>): boolean {
  const importers = doc['importers'];
  if (!isRecord(importers)) return false;
  const sections = Object.values(importers).map((imp) => (isRecord(imp) ? Object.keys(imp) : ['not a mapping']));
  return sections.some((keys) => keys.length > 0) && sections.every((keys) => keys.every((k) => ENVIRONMENT_SECTIONS.has(k)));
}

function projectDocument(file: string, text: string): Record<string, unknown> {
  const docs = parseYamlLockfileDocuments(file, text);
  if (docs.length === 1) return docs[0] as Record<string, unknown>;
  const project = docs.filter((d) => !isEnvironmentDocument(d));
  if (project.length !== 1) throw malformed(file, `${docs.length} YAML documents, ${project.length} of them for the project (one is expected)`);
  return project[0] as Record<string, unknown>;
}

/** Parses pnpm-lock.yaml: lockfileVersion 5.x, 6.x (7.x read as 6.x) and 9.x, one document or the package manager's first. */
export function parsePnpmLock(file: string, text: string, opts: PnpmOptions = {}): Inventory {
  const doc = projectDocument(file, text);
  const major = majorOf(file, doc['lockfileVersion']);
  const packages = doc['packages'] ?? {};
  const snapshots = doc['snapshots'] ?? {};
  if (!isRecord(packages)) throw malformed(file, '"packages" is not a mapping');
  if (!isRecord(snapshots)) throw malformed(file, '"snapshots" is not a mapping');

  const rootName = opts.rootName ?? '';
  const rootVersion = opts.rootVersion ?? '';
  const root: InventoryRoot = { ref: rootRef(rootName, rootVersion), name: rootName, version: rootVersion, licenses: [], fromLockfile: false };
  if (rootName) root.purl = root.ref;
  const manifestAt = (dir: string): Record<string, unknown> | undefined => opts.project?.packageJson(dir);

  // Packages by index; `ids` maps a package id to its index. Edges and reachability work on indexes:
  // a Map of Sets of id strings per package made pnpm lockfiles' time per package grow by half again
  // from 1,000 to 10,000 packages, in the garbage collector (bench/sbom `scaling`).
  const list: PnpmEntry[] = [];
  const ids = new Map<string, number>();
  for (const key in packages) {
    const entry = packages[key];
    if (!isRecord(entry)) throw malformed(file, `packages["${key}"] is not a mapping`);
    const id = canonicalOf(major, key);
    const localKey = key.startsWith('file:') || key.startsWith('link:') ? key : undefined;
    const split = localKey === undefined && (major === 9 || key.charCodeAt(0) === 47) ? splitKey(major, key) : undefined;
    const spec = localKey ?? split?.spec ?? '';
    let local: PnpmEntry['local'];
    if (spec.startsWith('file:') || spec.startsWith('link:')) {
      const paren = spec.indexOf('(');
      local = { kind: spec.startsWith('file:') ? 'file' : 'link', path: normalizeRelPath(spec.slice(5, paren === -1 ? undefined : paren)) };
    }
    const runtime = spec.startsWith('runtime:');
    const fromManifest = local ? manifestIdentity(manifestAt(local.path)) : undefined;
    const name = strField(entry['name']) ?? split?.name ?? fromManifest?.name;
    // A registry key's spec is its version; a local one's is its package.json's; a runtime's follows `runtime:`.
    const version = depVersion(entry['version']) ?? (runtime ? spec.slice('runtime:'.length) : local ? (fromManifest?.version ?? '') : isUrl(spec) ? '' : spec);
    if (!name || id === undefined) throw malformed(file, `cannot read a package name and version from packages key "${key}"`);
    const known = ids.get(id);
    if (known !== undefined) list[known] = { name, version, entry, local, runtime };
    else ids.set(id, list.push({ name, version, entry, local, runtime }) - 1);
  }

  const importers: Importer[] = isRecord(doc['importers'])
    ? Object.entries(doc['importers']).flatMap(([path, imp]) => (isRecord(imp) ? [readImporter(path, imp)] : []))
    : [readImporter('.', doc)];

  // A trimmed lockfile may name a direct production dependency without a packages entry; it is still resolved.
  for (const imp of importers) {
    for (const [name, ref] of imp.prod) {
      const target = depTarget(major, name, ref);
      if (target === undefined || ids.has(target) || target.startsWith('file:')) continue;
      const split = splitKey(9, target);
      if (split && !split.spec.includes(':')) ids.set(target, list.push({ name: split.name, version: split.spec, entry: { dev: false } }) - 1);
    }
  }
  const indexOf = (id: string | undefined): number => (id === undefined ? -1 : (ids.get(id) ?? -1));

  // Edges come from the package entries (v5/v6) or from snapshots (v9).
  const edges: (number[] | undefined)[] = new Array<number[] | undefined>(list.length);
  const addEdges = (fromKey: string, entry: Record<string, unknown>): number => {
    const from = indexOf(canonicalOf(major, fromKey));
    if (from === -1) return -1;
    for (const section of DEPENDENCY_SECTIONS) {
      const deps = entry[section];
      if (!isRecord(deps)) continue;
      for (const n in deps) {
        const ref = depVersion(deps[n]);
        const to = ref === undefined ? -1 : indexOf(depTarget(major, n, ref));
        if (to === -1 || to === from) continue;
        // Repeats (a package in packages and snapshots) are harmless: builder.edge keeps a set.
        const out = edges[from];
        if (out === undefined) edges[from] = [to];
        else out.push(to);
      }
    }
    return from;
  };
  for (const key in packages) addEdges(key, packages[key] as Record<string, unknown>);
  // pnpm 9 keeps `optional` on snapshots, not packages.
  const optional = new Uint8Array(list.length);
  for (const key in snapshots) {
    const entry = snapshots[key];
    if (!isRecord(entry)) continue;
    const i = addEdges(key, entry);
    if (entry['optional'] === true && i !== -1) optional[i] = 1;
  }

  const prodReach = reach(
    importers.flatMap((imp) => imp.prod.map(([n, r]) => indexOf(depTarget(major, n, r)))),
    edges,
  );
  const builder = new InventoryBuilder();
  const refs: string[] = list.map((e, i) => {
    const dev = typeof e.entry['dev'] === 'boolean' ? e.entry['dev'] : prodReach[i] !== 1;
    const opt = e.entry['optional'] === true || optional[i] === 1;
    return builder.add(e.runtime ? runtimePackage(e, dev, opt) : registryOrLocalPackage(e, dev, opt));
  });
  edges.forEach((tos, from) => {
    for (const to of tos ?? []) builder.edge(refs[from] as string, refs[to] as string);
  });

  // Importers: the root ('.') and the workspaces, each a component of the root named by its package.json.
  const importerRefs = new Map<string, string>([['', root.ref]]);
  const importerPaths = new Set(importers.map((i) => i.path));
  for (const imp of importers) {
    if (imp.path === '') continue;
    const { name, version } = manifestIdentity(manifestAt(imp.path));
    // Without its package.json a workspace has no name to list: its dependencies are the root's.
    if (name === undefined) continue;
    importerRefs.set(imp.path, builder.add(makeNpmPackage({ name, version: version ?? '', source: 'workspace', resolved: imp.path })));
  }
  const linkRef = (imp: Importer, name: string, ref: string): string | undefined => {
    const path = normalizeRelPath(`${imp.path}/${ref.slice('link:'.length)}`);
    const ws = importerRefs.get(path);
    if (ws !== undefined || importerPaths.has(path)) return ws;
    // A linked directory is a package only if its package.json says so (`link:./types` may be any folder).
    const m = manifestIdentity(manifestAt(path));
    if (m.name === undefined) return undefined;
    return builder.add(makeNpmPackage({ name: m.name, version: m.version ?? '', source: 'link', resolved: ref }));
  };
  for (const imp of importers) {
    const from = importerRefs.get(imp.path) ?? root.ref;
    if (from !== root.ref) builder.edge(root.ref, from);
    for (const [name, ref] of [...imp.prod, ...imp.dev]) {
      if (ref.startsWith('link:')) {
        const t = linkRef(imp, name, ref);
        if (t !== undefined) builder.edge(from, t);
        continue;
      }
      const t = refs[indexOf(depTarget(major, name, ref))];
      if (t !== undefined) builder.edge(from, t);
    }
  }
  const lockfileVersion = String(doc['lockfileVersion']);
  return finishInventory(builder, root, { kind: 'pnpm-lock', lockfileVersion, path: file }, opts.omitDev);
}

function isUrl(spec: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/u.test(spec);
}

function registryOrLocalPackage(e: PnpmEntry, dev: boolean, optional: boolean): InventoryPackage {
  const resolution = isRecord(e.entry['resolution']) ? e.entry['resolution'] : {};
  const repo = strField(resolution['repo']);
  const directory = strField(resolution['directory']);
  const resolved = strField(resolution['tarball']) ?? (repo ? `git+${repo}#${strField(resolution['commit']) ?? ''}` : undefined);
  return makeNpmPackage({
    name: e.name,
    version: e.version,
    integrity: resolution['integrity'],
    resolved: e.local ? `${e.local.kind}:${directory ?? e.local.path}` : resolved,
    license: e.entry['license'],
    dev,
    optional,
    ...(e.local ? { source: e.local.kind } : {}),
  });
}

/**
 * `node@runtime:26.7.0` (pnpm's `devEngines.runtime`): Node.js itself, not the npm package `node`. It is
 * a `platform` component with the purl syft gives a Node.js binary, `pkg:generic/node@26.7.0`; likewise
 * `deno@runtime:` and `bun@runtime:`. Its per-platform archives' digests differ, so none is listed.
 */
function runtimePackage(e: PnpmEntry, dev: boolean, optional: boolean): InventoryPackage {
  const purl = `pkg:generic/${encodeURIComponent(e.name)}@${encodeURIComponent(e.version)}`;
  return {
    ref: purl,
    name: e.name,
    version: e.version,
    purl,
    hashes: [],
    licenses: [],
    dev,
    optional,
    source: 'unknown',
    ecosystem: 'generic',
    componentType: 'platform',
    properties: { 'pnpm:runtime': 'true' },
  };
}

/** Which packages the starts reach (1) through the edges. */
function reach(starts: number[], edges: (number[] | undefined)[]): Uint8Array {
  const seen = new Uint8Array(edges.length);
  const stack = starts.filter((i) => i !== -1);
  while (stack.length > 0) {
    const i = stack.pop() as number;
    if (seen[i] === 1) continue;
    seen[i] = 1;
    for (const next of edges[i] ?? []) if (seen[next] !== 1) stack.push(next);
  }
  return seen;
}
