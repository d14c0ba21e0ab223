import type { CatalogOptions, Inventory, InventoryRoot } from '../inventory.js';
import {
  InventoryBuilder,
  finishInventory,
  isRecord,
  makeNpmPackage,
  malformed,
  nameFromRegistryUrl,
  rootRef,
  strField,
  unsupported,
} from './common.js';
import { parseYamlLockfile } from './yaml.js';

/** What package.json says about the root, used for the root component and to tell dev from prod. */
export interface RootManifest {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

export type YarnOptions = CatalogOptions & { manifest?: RootManifest };

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
  if (header && header[1] !== '1') throw unsupported(file, `yarn lockfile v${header[1]} is not supported`);
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
  return assemble(file, 'yarn-classic', '1', entries.map((e) => ({
    descriptors: e.descriptors,
    pkg: { name: e.name, version: e.version, integrity: e.entry['integrity'] ?? sha1FromResolved(e.entry['resolved']), resolved: e.entry['resolved'], source: undefined },
    deps: deps(e.entry),
    workspace: undefined,
  })), opts);
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
  if (!(major >= 3 && major <= 8)) throw unsupported(file, `yarn berry lockfile __metadata.version ${String(version)} is not supported (3-8 are)`);
  const entries: Parameters<typeof assemble>[3] = [];
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
    const workspace = protocol === 'workspace:' ? resolved[1].slice('workspace:'.length) : undefined;
    // Workspaces keep the name they are depended on by; everything else the name it resolved to.
    const name = workspace !== undefined ? first[0] : resolved[0];
    const deps = ['dependencies', 'optionalDependencies'].flatMap((s) => {
      const section = entry[s];
      return isRecord(section) ? Object.entries(section).map(([n, r]) => `${n}@${String(r)}`) : [];
    });
    const source = workspace !== undefined ? 'workspace' : protocol === 'npm:' ? 'registry' : protocol === 'link:' || protocol === 'portal:' ? 'link' : protocol === 'file:' ? 'file' : resolution.includes('git') ? 'git' : undefined;
    entries.push({
      descriptors,
      pkg: { name, version: pkgVersion, integrity: undefined, resolved: source && source !== 'registry' && source !== 'workspace' ? resolution : undefined, source },
      deps,
      workspace,
    });
  }
  return assemble(file, 'yarn-berry', String(version), entries, opts);
}

// ---- shared: descriptors -> packages, edges, dev reachability ----

function assemble(
  file: string,
  kind: 'yarn-classic' | 'yarn-berry',
  lockfileVersion: string,
  entries: {
    descriptors: string[];
    pkg: { name: string; version: string; integrity: unknown; resolved: unknown; source: 'registry' | 'git' | 'file' | 'link' | 'workspace' | undefined };
    deps: string[];
    workspace: string | undefined;
  }[],
  opts: YarnOptions,
): Inventory {
  const byDescriptor = new Map<string, number>();
  entries.forEach((e, i) => e.descriptors.forEach((d) => byDescriptor.set(d, i)));
  const lookup = (desc: string): number | undefined => {
    const hit = byDescriptor.get(desc);
    if (hit !== undefined) return hit;
    const split = splitDescriptor(desc);
    return split ? byDescriptor.get(`${split[0]}@npm:${split[1]}`) : undefined;
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
  for (const e of entries) if (e.workspace !== undefined && e.workspace !== '.') stack.push(entries.indexOf(e));
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
    for (const d of e.deps) {
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
