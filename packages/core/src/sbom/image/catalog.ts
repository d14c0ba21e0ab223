import { apkDependencyEdges, parseApkDb } from '../os/apk.js';
import { parseDpkgStatus } from '../os/dpkg.js';
import { parseOsRelease, type OsRelease } from '../os/os-release.js';
import { apkPurl, dpkgPurl, pythonPurl } from '../os/purl.js';
import { parsePythonMetadata } from '../os/python.js';
import { parseLockfile } from '../js/index.js';
import { npmPurl, parseInstalledPackageJson } from './npm.js';
import type { ImageComponent } from './model.js';
import type { SquashedView } from './view.js';
import { isInstalledPackageJson } from './wanted.js';

export interface CatalogResult {
  os: (OsRelease & { path: string; layer: number }) | undefined;
  components: Array<Omit<ImageComponent, 'layerDigest'> & { layer: number }>;
}

/** Where a file's content really lives (after links) and which layer wrote it. */
function located(view: SquashedView, path: string): { content: Buffer; layer: number } | undefined {
  const node = view.resolve(path);
  if (node?.type !== 'file' || node.content === undefined) return undefined;
  return { content: node.content, layer: node.layer };
}

function findOs(view: SquashedView): CatalogResult['os'] {
  for (const path of ['etc/os-release', 'usr/lib/os-release']) {
    const f = located(view, path);
    if (!f) continue;
    const os = parseOsRelease(f.content.toString('utf8'));
    if (os) return { ...os, path, layer: f.layer };
  }
  return undefined;
}

function props(entries: Record<string, string | number | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(entries)) if (v !== undefined && v !== '') out[k] = String(v);
  return out;
}

/** Runs every cataloger over the squashed view. */
export function catalogView(view: SquashedView): CatalogResult {
  const os = findOs(view);
  const components: CatalogResult['components'] = [];

  // dpkg: the status file plus distroless-style status.d/<pkg> files.
  const dpkgFiles = ['var/lib/dpkg/status'];
  const statusD = view.lookup('var/lib/dpkg/status.d');
  if (statusD?.type === 'directory') {
    for (const name of [...statusD.children!.keys()].sort()) if (!name.endsWith('.md5sums')) dpkgFiles.push(`var/lib/dpkg/status.d/${name}`);
  }
  for (const path of dpkgFiles) {
    const f = located(view, path);
    if (!f) continue;
    for (const p of parseDpkgStatus(f.content.toString('utf8'), `/${path}`)) {
      components.push({
        kind: 'os-package',
        cataloger: 'dpkg',
        name: p.name,
        version: p.version,
        purl: dpkgPurl(p, os),
        licenses: p.license ? [p.license] : [],
        layer: f.layer,
        path,
        properties: props({ 'provenant:package:arch': p.architecture, 'provenant:package:source': p.source, 'provenant:package:source-version': p.sourceVersion, 'provenant:package:installed-size-kib': p.installedSizeKiB }),
      });
    }
  }

  const apkPath = 'lib/apk/db/installed';
  const apk = located(view, apkPath);
  if (apk) {
    const pkgs = parseApkDb(apk.content.toString('utf8'), `/${apkPath}`);
    const deps = new Map<string, string[]>();
    for (const [dep, of] of apkDependencyEdges(pkgs)) deps.set(of, [...(deps.get(of) ?? []), dep]);
    for (const p of pkgs) {
      const c: CatalogResult['components'][number] = {
        kind: 'os-package',
        cataloger: 'apk',
        name: p.name,
        version: p.version,
        purl: apkPurl(p, os),
        licenses: p.licenses,
        layer: apk.layer,
        path: apkPath,
        properties: props({ 'provenant:package:arch': p.architecture, 'provenant:package:origin': p.origin }),
      };
      const d = deps.get(p.name);
      if (d) c.dependsOn = d;
      components.push(c);
    }
  }

  for (const [path, node] of view.walk()) {
    if (node.type !== 'file' || node.content === undefined) continue;
    if (path.endsWith('.dist-info/METADATA') || path.endsWith('.egg-info/PKG-INFO') || path.endsWith('.egg-info')) {
      const p = parsePythonMetadata(node.content.toString('utf8'));
      if (!p) continue;
      components.push({ kind: 'library', cataloger: 'python', name: p.name, version: p.version, purl: pythonPurl(p), licenses: p.license ? [p.license] : [], layer: node.layer, path, properties: {} });
    } else if (path.endsWith('/package.json') && isInstalledPackageJson(path)) {
      const p = parseInstalledPackageJson(node.content);
      if (!p) continue;
      components.push({ kind: 'library', cataloger: 'npm', name: p.name, version: p.version, purl: npmPurl(p), licenses: p.license ? [p.license] : [], layer: node.layer, path, properties: {} });
    }
  }
  components.push(...lockfilePackages(view, components));
  return { os, components };
}

const LOCKFILES = new Set(['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml']);

/**
 * Packages named by npm/yarn/pnpm lockfiles in the image (core/sbom's JS parsers), minus dev-only
 * ones and those already found installed under that project's node_modules.
 */
function lockfilePackages(view: SquashedView, installed: CatalogResult['components']): CatalogResult['components'] {
  const out: CatalogResult['components'] = [];
  const installedHere = new Set(installed.filter((c) => c.cataloger === 'npm').map((c) => `${c.path.slice(0, c.path.indexOf('node_modules/'))}|${c.name}@${c.version}`));
  for (const [path, node] of view.walk()) {
    const base = path.slice(path.lastIndexOf('/') + 1);
    if (!LOCKFILES.has(base) || path.includes('node_modules/') || node.type !== 'file' || node.content === undefined) continue;
    const dir = path.slice(0, path.length - base.length);
    const inv = parseLockfile(`/${path}`, node.content.toString('utf8'));
    for (const p of inv.packages) {
      if (p.dev || installedHere.has(`${dir}|${p.name}@${p.version}`)) continue;
      out.push({ kind: 'library', cataloger: 'npm-lockfile', name: p.name, version: p.version, purl: p.purl, licenses: p.licenses, layer: node.layer, path, properties: {} });
    }
  }
  return out;
}
