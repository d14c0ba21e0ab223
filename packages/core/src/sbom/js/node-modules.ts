import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CatalogOptions, Inventory } from '../inventory.js';
import { isRecord, recordKeys } from './common.js';
import { fromPackagesMap, resolveFrom } from './package-lock.js';

/** Bounds the walk so a hostile tree (symlink loops are not followed, but depth is) cannot run forever. */
const MAX_DEPTH = 64;

function readManifest(path: string): Record<string, unknown> | undefined {
  try {
    const doc: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return isRecord(doc) ? doc : undefined;
  } catch {
    // A directory without a readable package.json is not an installed package.
    return undefined;
  }
}

function listDirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => (d.isDirectory() || d.isSymbolicLink()) && !d.name.startsWith('.'))
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
}

/** Reads installed packages under `<dir>/node_modules` into the package-lock v3 `packages` shape. */
export function scanNodeModules(dir: string): Record<string, Record<string, unknown>> {
  const packages: Record<string, Record<string, unknown>> = {};
  const walk = (relBase: string, depth: number): void => {
    if (depth > MAX_DEPTH) return;
    const nm = relBase === '' ? 'node_modules' : `${relBase}/node_modules`;
    for (const entry of listDirs(join(dir, nm))) {
      const names = entry.startsWith('@') ? listDirs(join(dir, nm, entry)).map((n) => `${entry}/${n}`) : [entry];
      for (const name of names) {
        const rel = `${nm}/${name}`;
        const manifest = readManifest(join(dir, rel, 'package.json'));
        if (!manifest || typeof manifest['version'] !== 'string') continue;
        const pkg: Record<string, unknown> = {
          version: manifest['version'],
          license: manifest['license'] ?? manifest['licenses'],
          dependencies: manifest['dependencies'],
          optionalDependencies: manifest['optionalDependencies'],
          peerDependencies: manifest['peerDependencies'],
          integrity: manifest['_integrity'],
          resolved: manifest['_resolved'],
        };
        if (typeof manifest['name'] === 'string' && manifest['name'] !== name) pkg['name'] = manifest['name'];
        packages[rel] = pkg;
        walk(rel, depth + 1);
      }
    }
  };
  walk('', 0);
  return packages;
}

/** Marks packages the root's production dependencies cannot reach as dev, following Node's resolution. */
function markDev(packages: Record<string, Record<string, unknown>>, rootManifest: Record<string, unknown>): void {
  const known = new Map(Object.keys(packages).map((p) => [p, p]));
  const reached = new Set<string>();
  const stack: string[] = [];
  const push = (from: string, names: string[]): void => {
    for (const n of names) {
      const to = resolveFrom(known, from, n);
      if (to !== undefined && !reached.has(to)) stack.push(to);
    }
  };
  push('', [...recordKeys(rootManifest['dependencies']), ...recordKeys(rootManifest['optionalDependencies'])]);
  while (stack.length > 0) {
    const path = stack.pop() as string;
    if (reached.has(path)) continue;
    reached.add(path);
    const e = packages[path];
    if (e) push(path, [...recordKeys(e['dependencies']), ...recordKeys(e['optionalDependencies']), ...recordKeys(e['peerDependencies'])]);
  }
  for (const [path, e] of Object.entries(packages)) if (!reached.has(path)) e['dev'] = true;
}

/** Catalogs an installed tree when there is no lockfile: `<dir>/package.json` plus `<dir>/node_modules`. */
export function catalogNodeModules(dir: string, rootManifest: Record<string, unknown>, opts: CatalogOptions = {}): Inventory {
  const packages = scanNodeModules(dir);
  markDev(packages, rootManifest);
  const map: Record<string, unknown> = {
    '': {
      name: rootManifest['name'],
      version: rootManifest['version'],
      license: rootManifest['license'],
      dependencies: rootManifest['dependencies'],
      devDependencies: rootManifest['devDependencies'],
      optionalDependencies: rootManifest['optionalDependencies'],
    },
    ...packages,
  };
  const inv = fromPackagesMap(join(dir, 'node_modules'), {}, map, 'node_modules', undefined, opts);
  inv.root.fromLockfile = false;
  return inv;
}
