import { ProvenantError } from '../../errors.js';
import type { HashAlgorithm, InventoryHash, InventoryPackage, PackageSourceKind } from '../inventory.js';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const SRI_ALGORITHMS: Record<string, HashAlgorithm> = { sha1: 'SHA-1', sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' };

/** Subresource-integrity strings (`sha512-<base64> sha1-<base64>`) to hex hashes; unknown algorithms are skipped. */
export function hashesFromIntegrity(integrity: unknown): InventoryHash[] {
  if (typeof integrity !== 'string') return [];
  const out: InventoryHash[] = [];
  for (const token of integrity.split(' ')) {
    const dash = token.indexOf('-');
    if (dash < 1) continue;
    const alg = SRI_ALGORITHMS[token.slice(0, dash).toLowerCase()];
    const q = token.indexOf('?', dash);
    const b64 = token.slice(dash + 1, q === -1 ? undefined : q);
    if (!alg || !BASE64.test(b64)) continue;
    const hex = Buffer.from(b64, 'base64').toString('hex');
    if (hex.length > 0 && !out.some((h) => h.alg === alg)) out.push({ alg, content: hex });
  }
  return out;
}

/** `@scope/name` -> { namespace: '@scope', name: 'name' } */
export function splitNpmName(fullName: string): { namespace: string | undefined; name: string } {
  if (fullName.startsWith('@')) {
    const slash = fullName.indexOf('/');
    if (slash > 1) return { namespace: fullName.slice(0, slash), name: fullName.slice(slash + 1) };
  }
  return { namespace: undefined, name: fullName };
}

// npm purls are written here, not through packageurl-js, which lowercases npm names and scopes: the purl
// specification made them case-sensitive (purl-spec #872), and `JSONStream` is not `jsonstream` on the
// registry. The encoding is packageurl-js's (encodeURIComponent; `:` kept in the scope and version, `+` in
// the version; qualifiers sorted, form-encoded, spaces as %20); common.test.ts compares the two.
const PLAIN = /^[A-Za-z0-9._-]*$/u;
const PLAIN_VERSION = /^[A-Za-z0-9.+-]*$/u;

function encodeVersion(v: string): string {
  return PLAIN_VERSION.test(v) ? v : encodeURIComponent(v).replace(/%3A/gu, ':').replace(/%2B/gu, '+');
}

function encodeQualifiers(q: Record<string, string>): string {
  const params = new URLSearchParams();
  for (const key of Object.keys(q).sort()) {
    const value = q[key]?.trim();
    if (value) params.set(key.toLowerCase(), value);
  }
  return params.toString().replace(/\+/gu, '%20');
}

/** `pkg:npm/%40scope/Name@version?qualifiers`: the name and scope exactly as npm spells them. */
export function npmPurl(fullName: string, version: string, qualifiers?: Record<string, string>): string {
  const { namespace, name } = splitNpmName(fullName.trim());
  let out = 'pkg:npm/';
  if (namespace !== undefined) out += `${encodeURIComponent(namespace).replace(/%3A/gu, ':')}/`;
  out += PLAIN.test(name) ? name : encodeURIComponent(name);
  const v = version.trim();
  if (v !== '') out += `@${encodeVersion(v)}`;
  const q = qualifiers && Object.keys(qualifiers).length > 0 ? encodeQualifiers(qualifiers) : '';
  return q === '' ? out : `${out}?${q}`;
}

/** Classifies an npm `resolved`/`version` spec: registry tarball, git, file, link or other tarball URL. */
export function classifyResolved(resolved: unknown): { source: PackageSourceKind; resolved?: string } {
  if (typeof resolved !== 'string' || resolved === '') return { source: 'registry' };
  if (/^(git\+|git:|github:|gitlab:|bitbucket:|gist:)/u.test(resolved) || /^[\w.-]+\/[\w.-]+(#.*)?$/u.test(resolved)) {
    return { source: 'git', resolved };
  }
  if (resolved.startsWith('file:')) return { source: 'file', resolved };
  if (resolved.startsWith('link:')) return { source: 'link', resolved };
  if (/^https?:\/\//u.test(resolved)) {
    // Registry tarballs look like <registry>/<name>/-/<basename>-<version>.tgz.
    return /\/-\/[^/]+\.tgz(#.*)?$/u.test(resolved) ? { source: 'registry' } : { source: 'tarball', resolved };
  }
  return { source: 'unknown', resolved };
}

/** purl qualifiers that say where a non-registry package came from. */
export function sourceQualifiers(source: PackageSourceKind, resolved: string | undefined): Record<string, string> | undefined {
  if (!resolved) return undefined;
  if (source === 'git') return { vcs_url: resolved };
  if (source === 'tarball') return { download_url: resolved };
  return undefined;
}

/** The package name inside a registry tarball URL (`.../@scope/name/-/name-1.0.0.tgz`), for aliases. */
export function nameFromRegistryUrl(resolved: unknown): string | undefined {
  if (typeof resolved !== 'string' || !/^https?:\/\//.test(resolved)) return undefined;
  const dash = resolved.indexOf('/-/');
  if (dash === -1) return undefined;
  const file = resolved.slice(dash + 3).split('#')[0] ?? '';
  if (file.includes('/') || !file.endsWith('.tgz')) return undefined;
  const before = resolved.slice(resolved.indexOf('/', resolved.indexOf('//') + 2) + 1, dash).split('/');
  const last = before[before.length - 1] ?? '';
  const scope = before[before.length - 2];
  const name = last.includes('%2f') || last.includes('%2F') ? decodeURIComponent(last) : scope?.startsWith('@') ? `${scope}/${last}` : last;
  return name === '' || name.includes('@', 1) ? undefined : name;
}

export function licensesOf(license: unknown): string[] {
  if (typeof license === 'string' && license.trim() !== '') return [license.trim()];
  // Legacy package.json forms: { type } and [{ type }].
  if (license && typeof license === 'object' && !Array.isArray(license)) {
    const t = (license as Record<string, unknown>)['type'];
    return typeof t === 'string' && t !== '' ? [t] : [];
  }
  if (Array.isArray(license)) return license.flatMap((l) => licensesOf(l));
  return [];
}

export interface PackageInput {
  name: string;
  version: string;
  integrity?: unknown;
  resolved?: unknown;
  license?: unknown;
  dev?: boolean;
  optional?: boolean;
  properties?: Record<string, string>;
  /** Overrides the source classification derived from `resolved`. */
  source?: PackageSourceKind;
}

export function makeNpmPackage(input: PackageInput): InventoryPackage {
  const cls = input.source ? { source: input.source, resolved: typeof input.resolved === 'string' ? input.resolved : undefined } : classifyResolved(input.resolved);
  const purl = npmPurl(input.name, input.version, sourceQualifiers(cls.source, cls.resolved));
  const pkg: InventoryPackage = {
    ref: purl,
    name: input.name,
    version: input.version,
    purl,
    hashes: hashesFromIntegrity(input.integrity),
    licenses: licensesOf(input.license),
    dev: input.dev ?? false,
    optional: input.optional ?? false,
    source: cls.source,
    ecosystem: 'npm',
  };
  if (cls.resolved) pkg.resolved = cls.resolved;
  if (input.properties && Object.keys(input.properties).length > 0) pkg.properties = input.properties;
  return pkg;
}

/** package.json files beside a lockfile: workspace, `file:` and `link:` packages take their versions from them. */
export interface ProjectFiles {
  /** The parsed package.json of `dir` (posix, relative to the lockfile's directory, '' for it), or undefined. */
  packageJson(dir: string): Record<string, unknown> | undefined;
  /** The names of `dir`'s subdirectories (same convention), for yarn and npm workspace globs. */
  subdirectories(dir: string): string[];
}

/** What a package.json says of a package: its name and version, when it says them. */
export function manifestIdentity(m: Record<string, unknown> | undefined): { name: string | undefined; version: string | undefined } {
  const name = m ? strField(m['name']) : undefined;
  const version = m ? strField(m['version']) : undefined;
  return { name: name?.trim() || undefined, version: version?.trim() || undefined };
}

/** `a/b/../c/./d` -> `a/c/d`; `./` and `` -> ``; a path above the lockfile's directory keeps its leading `..`. */
export function normalizeRelPath(path: string): string {
  const out: string[] = [];
  for (const seg of path.replace(/\\/gu, '/').split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else out.push(seg);
  }
  return out.join('/');
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function malformed(file: string, why: string, cause?: unknown): ProvenantError {
  return new ProvenantError('LOCKFILE_MALFORMED', `${file} is malformed: ${why}`, cause === undefined ? {} : { cause });
}

/** LOCKFILE_UNSUPPORTED; `details` names the version found and those supported, for callers to show or check. */
export function unsupported(file: string, why: string, details?: { version: string; supported: string }): ProvenantError {
  return new ProvenantError('LOCKFILE_UNSUPPORTED', `${file}: ${why}`, details ? { details } : {});
}

/** Parses JSON, mapping syntax errors (truncation included) to LOCKFILE_MALFORMED. */
export function parseJsonLockfile(file: string, text: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    throw malformed(file, `not valid JSON (${err instanceof Error ? err.message : String(err)})`, err);
  }
  if (!isRecord(doc)) throw malformed(file, 'the top level is not a JSON object');
  return doc;
}

/** Collects packages and edges, merging duplicates (same ref) so a package is dev only if every copy is. */
export class InventoryBuilder {
  readonly packages = new Map<string, InventoryPackage>();
  readonly edges = new Map<string, Set<string>>();

  add(pkg: InventoryPackage): string {
    const existing = this.packages.get(pkg.ref);
    if (!existing) {
      this.packages.set(pkg.ref, pkg);
      return pkg.ref;
    }
    existing.dev &&= pkg.dev;
    existing.optional &&= pkg.optional;
    if (existing.hashes.length === 0) existing.hashes = pkg.hashes;
    if (existing.licenses.length === 0) existing.licenses = pkg.licenses;
    return existing.ref;
  }

  edge(from: string, to: string): void {
    if (from === to) return;
    let set = this.edges.get(from);
    if (!set) this.edges.set(from, (set = new Set()));
    set.add(to);
  }

  dependencies(): { ref: string; dependsOn: string[] }[] {
    return [...this.edges].map(([ref, to]) => ({ ref, dependsOn: [...to] }));
  }
}

/** Builds the final inventory: drops dev-only packages (and their edges) when asked, keeps edges consistent. */
export function finishInventory(
  builder: InventoryBuilder,
  root: import('../inventory.js').InventoryRoot,
  source: import('../inventory.js').Inventory['source'],
  omitDev: boolean | undefined,
): import('../inventory.js').Inventory {
  let packages = [...builder.packages.values()];
  if (omitDev) packages = packages.filter((p) => !p.dev);
  const keep = new Set(packages.map((p) => p.ref));
  keep.add(root.ref);
  const dependencies = builder
    .dependencies()
    .filter((d) => keep.has(d.ref))
    .map((d) => ({ ref: d.ref, dependsOn: d.dependsOn.filter((r) => keep.has(r)) }));
  if (!dependencies.some((d) => d.ref === root.ref)) dependencies.unshift({ ref: root.ref, dependsOn: [] });
  return { root, packages, dependencies, source };
}

export function rootRef(name: string, version: string): string {
  return name ? npmPurl(name, version) : 'root';
}

export function strField(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function recordKeys(v: unknown): string[] {
  return isRecord(v) ? Object.keys(v) : [];
}
