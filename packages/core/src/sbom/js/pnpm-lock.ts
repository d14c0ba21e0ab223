import type { CatalogOptions, Inventory, InventoryRoot } from '../inventory.js';
import { InventoryBuilder, finishInventory, isRecord, makeNpmPackage, malformed, rootRef, strField, unsupported } from './common.js';
import { parseYamlLockfile } from './yaml.js';

type PnpmMajor = 5 | 6 | 9;

interface PnpmEntry {
  key: string;
  name: string;
  version: string;
  entry: Record<string, unknown>;
}

function majorOf(file: string, v: unknown): PnpmMajor {
  const text = typeof v === 'number' ? String(v) : typeof v === 'string' ? v : '';
  const major = Number.parseInt(text, 10);
  if (major === 5) return 5;
  if (major === 6 || major === 7) return 6;
  if (major === 9) return 9;
  throw unsupported(file, `pnpm lockfileVersion ${JSON.stringify(v)} is not supported (5.x, 6.x, 7.x and 9.x are)`);
}

/** `/@scope/name/1.0.0_peer`, `/name@1.0.0(peer@1)`, `name@1.0.0` -> name and version without peer suffixes. */
function splitKey(major: PnpmMajor, key: string): { name: string; version: string } | undefined {
  let k = key.startsWith('/') ? key.slice(1) : key;
  const paren = k.indexOf('(');
  if (paren > -1) k = k.slice(0, paren);
  // 5.x keys are slash-separated and peer suffixes (`_react@17.0.2`) may contain '@'.
  if (major === 5) {
    const slash = k.lastIndexOf('/');
    if (slash < 1) return undefined;
    const version = k.slice(slash + 1);
    const underscore = version.indexOf('_');
    return { name: k.slice(0, slash), version: underscore > -1 ? version.slice(0, underscore) : version };
  }
  const at = k.lastIndexOf('@');
  if (at < 1) return undefined;
  return { name: k.slice(0, at), version: k.slice(at + 1) };
}

// One cache per lockfile major, keyed by the key itself: no cache-key string to build per lookup.
const canonicalCaches: Record<PnpmMajor, Map<string, string | null>> = { 5: new Map(), 6: new Map(), 9: new Map() };

/** The canonical `name@version` for a packages/snapshots key (memoized: keys repeat across sections). */
function canonical(major: PnpmMajor, key: string): string | undefined {
  const cache = canonicalCaches[major];
  const hit = cache.get(key);
  if (hit !== undefined) return hit ?? undefined;
  const s = splitKey(major, key);
  const out = s ? `${s.name}@${s.version}` : undefined;
  if (cache.size > 50_000) cache.clear();
  cache.set(key, out ?? null);
  return out;
}

/** The packages key a dependency reference points to (`3.3.4`, `1.0.0_peer`, `/alias-target/1.0.0`, `real@1.0.0`). */
function depTarget(major: PnpmMajor, name: string, ref: string): string | undefined {
  if (ref.startsWith('link:') || ref.startsWith('file:') || ref.startsWith('workspace:')) return undefined;
  if (ref.startsWith('/')) return canonical(major, ref);
  if (major === 9 && /^(@[^@/]+\/)?[^@/]+@/u.test(ref) && !/^\d/u.test(ref)) return canonical(major, ref);
  return canonical(major, major === 5 ? `/${name}/${ref}` : `${name}@${ref}`);
}

function depVersion(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (isRecord(v)) return strField(v['version']);
  return undefined;
}

interface Importer {
  prod: [string, string][];
  dev: [string, string][];
}

function readImporter(imp: Record<string, unknown>): Importer {
  const pairs = (section: unknown): [string, string][] =>
    isRecord(section) ? Object.entries(section).flatMap(([n, v]) => (depVersion(v) === undefined ? [] : [[n, depVersion(v) as string] as [string, string]])) : [];
  return { prod: [...pairs(imp['dependencies']), ...pairs(imp['optionalDependencies'])], dev: pairs(imp['devDependencies']) };
}

/** Parses pnpm-lock.yaml, lockfileVersion 5.x, 6.x and 9.x (7.x is read as 6.x). */
export function parsePnpmLock(file: string, text: string, opts: CatalogOptions & { rootName?: string; rootVersion?: string } = {}): Inventory {
  const doc = parseYamlLockfile(file, text);
  const major = majorOf(file, doc['lockfileVersion']);
  const packages = doc['packages'] ?? {};
  const snapshots = doc['snapshots'] ?? {};
  if (!isRecord(packages)) throw malformed(file, '"packages" is not a mapping');
  if (!isRecord(snapshots)) throw malformed(file, '"snapshots" is not a mapping');

  const rootName = opts.rootName ?? '';
  const rootVersion = opts.rootVersion ?? '';
  const root: InventoryRoot = { ref: rootRef(rootName, rootVersion), name: rootName, version: rootVersion, licenses: [], fromLockfile: false };
  if (rootName) root.purl = root.ref;

  const entries = new Map<string, PnpmEntry>();
  for (const [key, entry] of Object.entries(packages)) {
    if (!isRecord(entry)) throw malformed(file, `packages["${key}"] is not a mapping`);
    const split = splitKey(major, key);
    const name = strField(entry['name']) ?? split?.name;
    const version = depVersion(entry['version']) ?? split?.version;
    if (!name || version === undefined) throw malformed(file, `cannot read a package name and version from packages key "${key}"`);
    entries.set(canonical(major, key) ?? `${name}@${version}`, { key, name, version, entry });
  }

  const importers: Importer[] = isRecord(doc['importers'])
    ? Object.values(doc['importers']).filter(isRecord).map(readImporter)
    : [readImporter(doc)];

  // A trimmed lockfile may name a direct production dependency without a packages entry; it is still resolved.
  for (const imp of importers) {
    for (const [name, ref] of imp.prod) {
      const target = depTarget(major, name, ref);
      if (target === undefined || entries.has(target)) continue;
      const split = splitKey(9, target);
      if (split) entries.set(target, { key: target, name: split.name, version: split.version, entry: { dev: false } });
    }
  }

  // Edges come from the package entries (v5/v6) or from snapshots (v9), keyed by canonical name@version.
  const edges = new Map<string, Set<string>>();
  const addEdges = (fromKey: string, entry: Record<string, unknown>): void => {
    const from = canonical(major, fromKey);
    if (from === undefined) return;
    for (const section of ['dependencies', 'optionalDependencies']) {
      const deps = entry[section];
      if (!isRecord(deps)) continue;
      for (const [n, v] of Object.entries(deps)) {
        const ref = depVersion(v);
        const to = ref === undefined ? undefined : depTarget(major, n, ref);
        if (to !== undefined && entries.has(to)) {
          let set = edges.get(from);
          if (!set) edges.set(from, (set = new Set()));
          set.add(to);
        }
      }
    }
  };
  for (const [key, entry] of Object.entries(packages)) if (isRecord(entry)) addEdges(key, entry);
  // pnpm 9 keeps `optional` on snapshots, not packages.
  const optionalIds = new Set<string>();
  for (const [key, entry] of Object.entries(snapshots)) {
    if (!isRecord(entry)) continue;
    addEdges(key, entry);
    const id = canonical(major, key);
    if (entry['optional'] === true && id !== undefined) optionalIds.add(id);
  }

  const prodReach = reach(importers.flatMap((i) => i.prod), major, edges);
  const builder = new InventoryBuilder();
  const refs = new Map<string, string>();
  for (const [id, e] of entries) {
    const resolution = isRecord(e.entry['resolution']) ? e.entry['resolution'] : {};
    const flag = e.entry['dev'];
    // pnpm 5/6 record `dev`; 9 does not, so dev-only is what production importers cannot reach.
    const dev = typeof flag === 'boolean' ? flag : !prodReach.has(id);
    const resolved = strField(resolution['tarball']) ?? (strField(resolution['repo']) ? `git+${strField(resolution['repo'])}#${strField(resolution['commit']) ?? ''}` : undefined);
    const pkg = makeNpmPackage({
      name: e.name,
      version: e.version,
      integrity: resolution['integrity'],
      resolved,
      license: e.entry['license'],
      dev,
      optional: e.entry['optional'] === true || optionalIds.has(id),
    });
    refs.set(id, builder.add(pkg));
  }
  for (const [from, tos] of edges) {
    const f = refs.get(from);
    if (f === undefined) continue;
    for (const to of tos) {
      const t = refs.get(to);
      if (t !== undefined) builder.edge(f, t);
    }
  }
  for (const imp of importers) {
    for (const [name, ref] of [...imp.prod, ...imp.dev]) {
      const target = depTarget(major, name, ref);
      const t = target === undefined ? undefined : refs.get(target);
      if (t !== undefined) builder.edge(root.ref, t);
    }
  }
  const lockfileVersion = String(doc['lockfileVersion']);
  return finishInventory(builder, root, { kind: 'pnpm-lock', lockfileVersion, path: file }, opts.omitDev);
}

function reach(starts: [string, string][], major: PnpmMajor, edges: Map<string, Set<string>>): Set<string> {
  const seen = new Set<string>();
  const stack = starts.flatMap(([n, r]) => depTarget(major, n, r) ?? []);
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const next of edges.get(id) ?? []) if (!seen.has(next)) stack.push(next);
  }
  return seen;
}
