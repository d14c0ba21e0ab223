import { PackageURL } from 'packageurl-js';
import type { ApkPackage } from './apk.js';
import type { DpkgPackage } from './dpkg.js';
import { distroQualifier, type OsRelease } from './os-release.js';
import { normalizePythonName, type PythonPackage } from './python.js';

function qualifiers(q: Record<string, string | undefined>): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') out[k] = v;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** `pkg:deb/debian/name@ver?arch=amd64&distro=debian-12` (namespace from os-release, debian by default). */
export function dpkgPurl(p: DpkgPackage, os: OsRelease | undefined): string {
  const upstream = p.source && p.source !== p.name ? (p.sourceVersion ? `${p.source}@${p.sourceVersion}` : p.source) : undefined;
  return new PackageURL('deb', os?.id ?? 'debian', p.name, p.version || undefined, qualifiers({ arch: p.architecture, distro: distroQualifier(os), upstream }), undefined).toString();
}

export function apkPurl(p: ApkPackage, os: OsRelease | undefined): string {
  const upstream = p.origin && p.origin !== p.name ? p.origin : undefined;
  return new PackageURL('apk', os?.id ?? 'alpine', p.name, p.version || undefined, qualifiers({ arch: p.architecture, distro: distroQualifier(os), upstream }), undefined).toString();
}

export function pythonPurl(p: PythonPackage): string {
  return new PackageURL('pypi', undefined, normalizePythonName(p.name), p.version, undefined, undefined).toString();
}
