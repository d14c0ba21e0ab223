import type { CatalogOptions, Inventory, InventoryRoot } from '../inventory.js';
import {
  InventoryBuilder,
  finishInventory,
  isRecord,
  makeNpmPackage,
  malformed,
  manifestIdentity,
  nameFromRegistryUrl,
  normalizeRelPath,
  rootRef,
  strField,
  unsupported,
  type ProjectFiles,
} from './common.js';
import { parseYamlLockfile } from './yaml.js';

/** What package.json says about the root, used for the root component and to tell dev from prod. */
export interface RootManifest {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  /** `workspaces` globs: yarn v1 lockfiles do not list workspaces, so they are found from these. */
  workspaces?: string[];
}

export type YarnOptions = CatalogOptions & { manifest?: RootManifest; project?: ProjectFiles };

/** Berry `__metadata.version`s: 4 (yarn 2), 4 to 6 (yarn 3), 7 and 8 (yarn 4), up to 10 (later yarn 4 releases). */
const BERRY_VERSIONS = { min: 3, max: 10 };

export function isYarnBerry(text: string): boolean {
  return /^__metadata:\s*$/mu.test(text);
}

/** Parses yarn.lock, classic (v1) or berry (v2+), detected from the `__metadata` block. */
export function parseYarnLock(file: string, text: string, opts: YarnOptions = {}): Inventory {
  return isYarnBerry(text) ? parseYarnBerry(file, text, opts) : parseYarnClassic(file, text, opts);
}

/** `name@range` -> [name, range]; the separating '@' is the first one after a possible scope. */
function splitDescriptor(desc: string): [string, string] | undefined {
  const at = desc.indexOf('@', desc.startsWith('@') ? 1 : 0);
  return at > 0 ? [desc.slice(0, at), desc.slice(at + 1)] : undefined;
}

// ---- classic (v1): an indentation-based format of `key value` lines and `key:` blocks ----

type ClassicValue = string | ClassicObject;
interface ClassicObject {
  [key: string]: ClassicValue;
}

// Where the last token readToken read ends. Returning a [token, end] pair costs a cold parse more: the
// interpreter destructures an array through the iterator protocol, up to three times per lockfile line.
let tokenEnd = 0;

/** The token at `start` (quoted or bare); its end is left in tokenEnd. */
function readToken(line: string, start: number): string {
  if (line.charCodeAt(start) === 34 /* " */) {
    const close = line.indexOf('"', start + 1);
    const escape = line.indexOf('\\', start + 1);
    // Most quoted tokens have no escapes: one slice instead of a character at a time.
    if (close !== -1 && (escape === -1 || escape > close)) {
      tokenEnd = close + 1;
      return line.slice(start + 1, close);
    }
    let i = start + 1;
    let out = '';
    while (i < line.length && line[i] !== '"') {
      if (line[i] === '\\' && i + 1 < line.length) i++;
      out += line[i];
      i++;
    }
    if (i >= line.length) throw new Error('unterminated string');
    tokenEnd = i + 1;
    return out;
  }
  let i = start;
  for (; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 32 /* space */ || c === 44 /* , */ || (c === 58 /* : */ && (i + 1 === line.length || line.charCodeAt(i + 1) === 32))) break;
  }
  tokenEnd = i;
  return line.slice(start, i);
}

/** Parses the classic yarn.lock syntax into nested objects; multi-descriptor keys stay joined by ", ". */
export function parseYarnClassicSyntax(file: string, text: string): ClassicObject {
  // No prototypes: a `__proto__` key in a lockfile is just a key, never the prototype of a block.
  const top = Object.create(null) as ClassicObject;
  const stack: { indent: number; obj: ClassicObject }[] = [{ indent: -1, obj: top }];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n] ?? '';
    const raw = line.endsWith('\r') ? line.slice(0, -1) : line;
    const trimmed = raw.trimStart();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const indent = raw.length - trimmed.length;
    while (stack.length > 1 && (stack[stack.length - 1] as { indent: number }).indent >= indent) stack.pop();
    const parent = (stack[stack.length - 1] as { obj: ClassicObject }).obj;
    try {
      if (trimmed.endsWith(':')) {
        const keys: string[] = [];
        let i = 0;
        const body = trimmed.slice(0, -1);
        while (i < body.length) {
          keys.push(readToken(body, i));
          i = tokenEnd;
          while (body[i] === ',' || body[i] === ' ') i++;
        }
        const obj = Object.create(null) as ClassicObject;
        parent[keys.join(', ')] = obj;
        stack.push({ indent, obj });
      } else {
        const key = readToken(trimmed, 0);
        let i = tokenEnd;
        while (trimmed[i] === ' ' || trimmed[i] === ':') i++;
        if (i >= trimmed.length) throw new Error(`"${key}" has no value`);
        parent[key] = readToken(trimmed, i);
      }
    } catch (err) {
      throw malformed(file, `line ${n + 1}: ${err instanceof Error ? err.message : String(err)}`, err);
    }
  }
  return top;
}

const DEPENDENCY_SECTIONS = ['dependencies', 'optionalDependencies'] as const;

function parseYarnClassic(file: string, text: string, opts: YarnOptions): Inventory {
  const header = /^# yarn lockfile v(\d+)/mu.exec(text);
  if (header && header[1] !== '1') throw unsupported(file, `yarn lockfile v${header[1]} is not supported (v1 and berry are)`, { version: header[1] ?? '', supported: 'v1, berry' });
  const doc = parseYarnClassicSyntax(file, text);
  const entries: { descriptors: string[]; name: string; version: string; entry: ClassicObject }[] = [];
  for (const [key, entry] of Object.entries(doc)) {
    if (typeof entry === 'string') throw malformed(file, `top-level "${key}" is not a package block`);
    const descriptors = key.split(', ');
    const first = splitDescriptor(descriptors[0] ?? '');
    const version = entry['version'];
    if (!first || typeof version !== 'string') throw malformed(file, `"${key}" has no package name or version`);
    // Aliases (`alias@npm:real@^1`) and registry URLs both name the real package.
    const aliasTarget = first[1].startsWith('npm:') ? splitDescriptor(first[1].slice(4))?.[0] : undefined;
    const name = nameFromRegistryUrl(entry['resolved']) ?? aliasTarget ?? first[0];
    entries.push({ descriptors, name, version, entry });
  }
  const deps = (e: ClassicObject): string[] => {
    const out: string[] = [];
    for (const s of DEPENDENCY_SECTIONS) {
      const section = e[s];
      if (isRecord(section)) for (const n in section) if (Object.hasOwn(section, n)) out.push(`${n}@${String(section[n])}`);
    }
    return out;
  };
  const assembled: AssembleEntry[] = entries.map((e) => ({
    descriptors: e.descriptors,
    pkg: { name: e.name, version: e.version, integrity: e.entry['integrity'] ?? sha1FromResolved(e.entry['resolved']), resolved: e.entry['resolved'], source: undefined },
    deps: deps(e.entry),
    workspace: undefined,
  }));
  // yarn v1 leaves workspaces out of the lockfile: they are the package.json files the root's globs find.
  for (const path of expandWorkspaces(opts.manifest?.workspaces ?? [], opts.project)) {
    const m = opts.project?.packageJson(path);
    const { name, version } = manifestIdentity(m);
    if (name === undefined || !m) continue;
    const ranges = (section: unknown): string[] => (isRecord(section) ? Object.entries(section).flatMap(([n, r]) => (typeof r === 'string' ? [`${n}@${r}`] : [])) : []);
    assembled.push({
      descriptors: [`${name}@workspace:${path}`],
      pkg: { name, version: version ?? '', integrity: undefined, resolved: undefined, source: 'workspace' },
      deps: [...ranges(m['dependencies']), ...ranges(m['optionalDependencies'])],
      devDeps: ranges(m['devDependencies']),
      workspace: path,
    });
  }
  return assemble(file, 'yarn-classic', '1', assembled, opts);
}

/** The directories a root's `workspaces` globs name (`packages/*`, `packages/**`, `tools/cli`), that have a package.json. */
export function expandWorkspaces(globs: string[], project: ProjectFiles | undefined): string[] {
  if (!project) return [];
  const found = new Set<string>();
  const walk = (base: string, segs: string[], depth: number): void => {
    if (found.size >= 10_000 || depth > 16) return;
    if (segs.length === 0) {
      if (base !== '' && project.packageJson(base)) found.add(base);
      return;
    }
    const [seg, ...rest] = segs as [string, ...string[]];
    const join = (name: string): string => (base === '' ? name : `${base}/${name}`);
    if (seg === '**') {
      walk(base, rest, depth + 1);
      for (const d of project.subdirectories(base)) walk(join(d), segs, depth + 1);
    } else if (seg.includes('*')) {
      const re = new RegExp(`^${seg.replace(/[.+^${}()|[\]\\?]/gu, '\\$&').replaceAll('*', '.*')}$`, 'u');
      for (const d of project.subdirectories(base)) if (re.test(d)) walk(join(d), rest, depth + 1);
    } else walk(join(seg), rest, depth + 1);
  };
  for (const g of globs) if (!g.startsWith('!')) walk('', normalizeRelPath(g).split('/').filter(Boolean), 0);
  return [...found].sort();
}

// Classic lockfiles without `integrity` still carry the tarball sha1 as the URL fragment.
function sha1FromResolved(resolved: ClassicValue | undefined): string | undefined {
  if (typeof resolved !== 'string') return undefined;
  const m = /#([0-9a-f]{40})$/u.exec(resolved);
  return m?.[1] ? `sha1-${Buffer.from(m[1], 'hex').toString('base64')}` : undefined;
}

// ---- berry (v2+): YAML ----

function parseYarnBerry(file: string, text: string, opts: YarnOptions): Inventory {
  const doc = parseYamlLockfile(file, text);
  const meta = doc['__metadata'];
  const version = isRecord(meta) ? meta['version'] : undefined;
  if (typeof version !== 'number' && typeof version !== 'string') throw malformed(file, '__metadata.version is missing');
  const major = Number(version);
  if (!(Number.isInteger(major) && major >= BERRY_VERSIONS.min && major <= BERRY_VERSIONS.max)) {
    const supported = `${BERRY_VERSIONS.min} to ${BERRY_VERSIONS.max} (yarn 2, 3 and 4)`;
    throw unsupported(file, `yarn berry lockfile __metadata.version ${String(version)} is not supported (${supported} are)`, { version: String(version), supported });
  }
  const entries: AssembleEntry[] = [];
  for (const [key, entry] of Object.entries(doc)) {
    if (key === '__metadata') continue;
    if (!isRecord(entry)) throw malformed(file, `"${key}" is not a mapping`);
    const descriptors = key.split(/\s*,\s*/u);
    const first = splitDescriptor(descriptors[0] ?? '');
    const resolution = strField(entry['resolution']) ?? '';
    const resolved = splitDescriptor(resolution);
    const pkgVersion = entry['version'] === undefined ? undefined : String(entry['version']);
    if (!first || !resolved || pkgVersion === undefined) throw malformed(file, `"${key}" has no name, resolution or version`);
    const protocol = resolved[1].slice(0, resolved[1].indexOf(':') + 1);
    const workspace = protocol === 'workspace:' ? normalizeRelPath(resolved[1].slice('workspace:'.length)) || '.' : undefined;
    // Workspaces and local directories (`0.0.0-use.local`, yarn's placeholder) are named and versioned by
    // their package.json; everything else keeps the name it resolved to.
    const localDir = workspace ?? localDirectory(protocol, resolved[1]);
    const own = localDir !== undefined && localDir !== '.' ? manifestIdentity(opts.project?.packageJson(localDir)) : undefined;
    const name = own?.name ?? (workspace !== undefined ? first[0] : resolved[0]);
    const version = own?.version ?? (pkgVersion === '0.0.0-use.local' ? '' : pkgVersion);
    const deps = ['dependencies', 'optionalDependencies'].flatMap((s) => {
      const section = entry[s];
      return isRecord(section) ? Object.entries(section).map(([n, r]) => `${n}@${String(r)}`) : [];
    });
    const source = workspace !== undefined ? 'workspace' : protocol === 'npm:' ? 'registry' : protocol === 'link:' || protocol === 'portal:' ? 'link' : protocol === 'file:' ? 'file' : resolution.includes('git') ? 'git' : undefined;
    entries.push({
      descriptors,
      pkg: { name, version, integrity: undefined, resolved: source && source !== 'registry' && source !== 'workspace' ? resolution : undefined, source },
      deps,
      workspace,
    });
  }
  return assemble(file, 'yarn-berry', String(version), entries, opts);
}

/** `file:`/`link:`/`portal:` paths relative to the lockfile's directory, when the locator is the root workspace's. */
function localDirectory(protocol: string, reference: string): string | undefined {
  if (protocol !== 'file:' && protocol !== 'link:' && protocol !== 'portal:') return undefined;
  const body = reference.slice(protocol.length);
  const sep = body.indexOf('::');
  const path = sep === -1 ? body : body.slice(0, sep);
  const params = new URLSearchParams(sep === -1 ? '' : body.slice(sep + 2));
  const locator = params.get('locator');
  if (locator !== null && !/@workspace:\.?$/u.test(locator)) {
    const ws = /@workspace:(.+)$/u.exec(locator)?.[1];
    return ws === undefined ? undefined : normalizeRelPath(`${ws}/${path}`);
  }
  return /\.(tgz|tar\.gz)$/u.test(path) ? undefined : normalizeRelPath(path);
}

// ---- shared: descriptors -> packages, edges, dev reachability ----

interface AssembleEntry {
  descriptors: string[];
  pkg: { name: string; version: string; integrity: unknown; resolved: unknown; source: 'registry' | 'git' | 'file' | 'link' | 'workspace' | undefined };
  deps: string[];
  /** A workspace's devDependencies (yarn v1 workspaces, read from their package.json). */
  devDeps?: string[];
  workspace: string | undefined;
}

function assemble(file: string, kind: 'yarn-classic' | 'yarn-berry', lockfileVersion: string, entries: AssembleEntry[], opts: YarnOptions): Inventory {
  const byDescriptor = new Map<string, number>();
  const workspaceByName = new Map<string, number>();
  entries.forEach((e, i) => {
    e.descriptors.forEach((d) => byDescriptor.set(d, i));
    if (e.workspace !== undefined && e.workspace !== '.') workspaceByName.set(e.pkg.name, i);
  });
  const lookup = (desc: string): number | undefined => {
    const hit = byDescriptor.get(desc);
    if (hit !== undefined) return hit;
    const split = splitDescriptor(desc);
    if (!split) return undefined;
    // yarn v1 links a workspace for any range of its name (and lists none of them).
    return byDescriptor.get(`${split[0]}@npm:${split[1]}`) ?? workspaceByName.get(split[0]);
  };

  const rootIndex = entries.findIndex((e) => e.workspace === '.');
  const rootEntry = rootIndex > -1 ? entries[rootIndex] : undefined;
  const m = opts.manifest;
  const rootName = m?.name ?? rootEntry?.pkg.name ?? '';
  const rootVersion = m?.version ?? rootEntry?.pkg.version ?? '';
  const root: InventoryRoot = { ref: rootRef(rootName, rootVersion), name: rootName, version: rootVersion, licenses: [], fromLockfile: rootEntry !== undefined };
  if (rootName) root.purl = root.ref;

  // Root dependencies: package.json when given (it tells dev from prod), else the root workspace entry.
  const manifestDeps = (section: Record<string, string> | undefined): string[] => Object.entries(section ?? {}).map(([n, r]) => `${n}@${r}`);
  const prodStarts = m ? [...manifestDeps(m.dependencies), ...manifestDeps(m.optionalDependencies)] : (rootEntry?.deps ?? []);
  const devStarts = m ? manifestDeps(m.devDependencies) : [];
  const prodReach = new Set<number>();
  const stack = prodStarts.flatMap((d) => lookup(d) ?? []);
  for (const i of workspaceByName.values()) stack.push(i);
  while (stack.length > 0) {
    const i = stack.pop() as number;
    if (prodReach.has(i)) continue;
    prodReach.add(i);
    for (const d of entries[i]?.deps ?? []) {
      const j = lookup(d);
      if (j !== undefined && !prodReach.has(j)) stack.push(j);
    }
  }

  const builder = new InventoryBuilder();
  const refs: (string | undefined)[] = entries.map((e, i) => {
    if (i === rootIndex) return root.ref;
    // Without package.json nothing is known to be dev-only.
    const dev = m !== undefined && !prodReach.has(i);
    return builder.add(makeNpmPackage({ ...e.pkg, dev, source: e.pkg.source ?? undefined } as Parameters<typeof makeNpmPackage>[0]));
  });
  entries.forEach((e, i) => {
    const from = refs[i];
    if (from === undefined) return;
    // Workspaces are components of the root.
    if (e.workspace !== undefined && from !== root.ref) builder.edge(root.ref, from);
    for (const d of [...e.deps, ...(e.devDeps ?? [])]) {
      const j = lookup(d);
      const to = j === undefined ? undefined : refs[j];
      if (to !== undefined) builder.edge(from, to);
    }
  });
  for (const d of [...prodStarts, ...devStarts]) {
    const j = lookup(d);
    const to = j === undefined ? undefined : refs[j];
    if (to !== undefined) builder.edge(root.ref, to);
  }
  return finishInventory(builder, root, { kind, lockfileVersion, path: file }, opts.omitDev);
}
