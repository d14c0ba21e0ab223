import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { apkDependencyEdges, parseApkDb, parseDpkgStatus, type ApkPackage, type DpkgPackage } from '@provenant/core/sbom';
import type { KindHandler } from '../types.js';

const Params = z
  .object({
    format: z.string(),
    expected_packages: z.array(z.record(z.string(), z.unknown())).optional(),
    expected_package_count: z.number().optional(),
    expected_dependency_of: z.array(z.tuple([z.string(), z.string()])).optional(),
    expected_dependents: z.record(z.string(), z.array(z.string())).optional(),
    package_names_in_fixture: z.array(z.string()).optional(),
  })
  .passthrough();

/** Our parsed fields under the names the vectors use. */
function dpkgView(p: DpkgPackage): Record<string, unknown> {
  return {
    name: p.name,
    version: p.version,
    source: p.source,
    architecture: p.architecture,
    installed_size_kib: p.installedSizeKiB,
    provides: p.provides,
    depends: p.depends,
  };
}

function apkView(p: ApkPackage): Record<string, unknown> {
  return {
    name: p.name,
    version: p.version,
    origin: p.origin,
    architecture: p.architecture,
    licenses: p.licenses,
    dependencies: p.dependencies,
    provides: p.provides,
    checksum: p.checksum,
    git_commit: p.gitCommit,
    size: p.size,
    installed_size: p.installedSize,
  };
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
}

/** dpkg/opkg status files and apk installed databases, parsed and compared with what syft's tests assert. */
export const handler: KindHandler = async (c, file) => {
  const p = Params.parse(c.params);
  const text = await readFile(file('db'), 'utf8');
  const isApk = /\bapk\b/.test(p.format);
  const views = isApk ? parseApkDb(text).map(apkView) : parseDpkgStatus(text).map(dpkgView);
  const apk = isApk ? parseApkDb(text) : [];
  const problems: string[] = [];
  if (p.expected_package_count !== undefined && views.length !== p.expected_package_count) problems.push(`${views.length} packages, expected ${p.expected_package_count}`);
  for (const want of p.expected_packages ?? []) {
    const got = views.find((v) => v.name === want.name);
    if (!got) {
      problems.push(`package ${String(want.name)} missing`);
      continue;
    }
    for (const [k, v] of Object.entries(want)) {
      if (JSON.stringify(got[k] ?? (Array.isArray(v) ? [] : undefined)) !== JSON.stringify(v)) problems.push(`${String(want.name)}.${k} = ${JSON.stringify(got[k])}, expected ${JSON.stringify(v)}`);
    }
  }
  if (p.package_names_in_fixture && !sameSet(views.map((v) => String(v.name)), p.package_names_in_fixture)) problems.push('package names differ from the fixture');
  if (p.expected_dependency_of) {
    const edges = apkDependencyEdges(apk).map(([a, b]) => `${a} -> ${b}`);
    if (!sameSet(edges, p.expected_dependency_of.map(([a, b]) => `${a} -> ${b}`))) problems.push(`dependency edges ${edges.join(', ')}`);
  }
  if (p.expected_dependents) {
    const deps = new Map<string, string[]>();
    for (const [dep, of] of apkDependencyEdges(apk)) deps.set(of, [...(deps.get(of) ?? []), dep]);
    for (const [pkg, want] of Object.entries(p.expected_dependents)) {
      if (!sameSet(deps.get(pkg) ?? [], want)) problems.push(`${pkg} depends on ${(deps.get(pkg) ?? []).join(', ')}, expected ${want.join(', ')}`);
    }
  }
  if (problems.length > 0) return { verdict: 'invalid', detail: problems.join('; ') };
  return { verdict: 'valid', detail: `${views.length} ${isApk ? 'apk' : 'dpkg'} package(s)` };
};
export default handler;
