import { ProvenantError } from '../../errors.js';

/** One installed package from Alpine's `lib/apk/db/installed`. */
export interface ApkPackage {
  name: string;
  version: string;
  architecture?: string;
  origin?: string;
  licenses: string[];
  description?: string;
  url?: string;
  maintainer?: string;
  /** `D:` entries as written (names, `so:`/`cmd:`/`pc:` virtuals, paths, with version constraints). */
  dependencies: string[];
  provides: string[];
  checksum?: string;
  gitCommit?: string;
  size?: number;
  installedSize?: number;
  /** Files the package owns (F: directory + R: file), root-relative. */
  files: string[];
}

function words(v: string): string[] {
  return v.split(/\s+/).filter((s) => s !== '');
}

function int(v: string, what: string, key: string): number {
  if (!/^[0-9]+$/.test(v)) throw new ProvenantError('PKGDB_MALFORMED', `${what}: ${key}: ${JSON.stringify(v)} is not a number`);
  return Number(v);
}

/** Parses the apk installed database: `K:value` lines, records separated by blank lines. */
export function parseApkDb(text: string, what = 'apk database'): ApkPackage[] {
  const out: ApkPackage[] = [];
  let cur: ApkPackage | undefined;
  let dir = '';
  const flush = (): void => {
    if (cur && cur.name !== '') out.push(cur);
    cur = undefined;
    dir = '';
  };
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') {
      flush();
      continue;
    }
    if (line.length < 2 || line[1] !== ':') throw new ProvenantError('PKGDB_MALFORMED', `${what}: line ${i + 1} is not "K:value"`, { details: { line: i + 1 } });
    const key = line[0]!;
    const value = line.slice(2);
    cur ??= { name: '', version: '', licenses: [], dependencies: [], provides: [], files: [] };
    switch (key) {
      case 'P': cur.name = value; break;
      case 'V': cur.version = value; break;
      case 'A': cur.architecture = value; break;
      case 'o': cur.origin = value; break;
      case 'L': cur.licenses = words(value); break;
      case 'T': cur.description = value; break;
      case 'U': cur.url = value; break;
      case 'm': cur.maintainer = value; break;
      case 'D': cur.dependencies = words(value); break;
      case 'p': cur.provides = words(value); break;
      case 'C': cur.checksum = value; break;
      case 'c': cur.gitCommit = value; break;
      case 'S': cur.size = int(value, what, 'S'); break;
      case 'I': cur.installedSize = int(value, what, 'I'); break;
      case 'F': dir = value; break;
      case 'R': cur.files.push(dir ? `${dir}/${value}` : value); break;
      default: break; // checksums, modes, timestamps, ... not needed
    }
  }
  flush();
  return out;
}

/** Strips a version constraint (`name>=1.2`, `name=1.2`, `name~1`) from a dependency or provide. */
function bareName(s: string): string {
  return s.replace(/^!/, '').split(/[<>=~]/)[0]!;
}

/**
 * Dependency edges as apk resolves them: a `D:` entry names a package, something a package
 * provides, or a file a package owns. Conflicts (`!name`) are not dependencies.
 * Returns [dependency, dependent] name pairs.
 */
export function apkDependencyEdges(pkgs: ApkPackage[]): Array<[string, string]> {
  const byProvide = new Map<string, string[]>();
  const add = (key: string, name: string): void => {
    const l = byProvide.get(key) ?? [];
    if (!l.includes(name)) l.push(name);
    byProvide.set(key, l);
  };
  for (const p of pkgs) {
    add(p.name, p.name);
    for (const prov of p.provides) add(bareName(prov), p.name);
    for (const f of p.files) add(`/${f}`, p.name);
  }
  const edges: Array<[string, string]> = [];
  const seen = new Set<string>();
  for (const p of pkgs) {
    for (const d of p.dependencies) {
      if (d.startsWith('!')) continue;
      for (const provider of byProvide.get(bareName(d)) ?? []) {
        if (provider === p.name) continue;
        const key = `${provider}\0${p.name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        edges.push([provider, p.name]);
      }
    }
  }
  return edges;
}
