import { z } from 'zod';
import { npmPurl as purlOf } from '../js/common.js';

// Installed npm packages from node_modules/*/package.json (local parser: core/sbom's JS cataloger
// works on project dirs and lockfiles on disk, and images are never extracted).

const PackageJson = z
  .object({
    name: z.string().min(1).max(214),
    version: z.string().min(1).max(256),
    license: z.union([z.string(), z.object({ type: z.string() }).passthrough()]).optional(),
    private: z.boolean().optional(),
  })
  .passthrough();

export interface NpmPackage {
  name: string;
  version: string;
  license?: string;
}

export function parseInstalledPackageJson(text: Buffer): NpmPackage | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text.toString('utf8'));
  } catch {
    return undefined; // a broken package.json in an image is not a package we can name
  }
  const r = PackageJson.safeParse(json);
  if (!r.success) return undefined;
  const out: NpmPackage = { name: r.data.name, version: r.data.version };
  const lic = typeof r.data.license === 'string' ? r.data.license : r.data.license?.type;
  if (lic) out.license = lic;
  return out;
}

/** The package's purl, its name's case kept (purl-spec #872), as the lockfile catalogers write it. */
export function npmPurl(p: NpmPackage): string {
  return purlOf(p.name, p.version);
}
