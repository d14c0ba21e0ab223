import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { z } from 'zod';
import { parseLockfile, type Inventory } from '@provenant/core/sbom';
import type { KindHandler } from '../types.js';

const Params = z
  .object({
    format: z.string().optional(),
    cataloger_config: z.object({ IncludeDevDependencies: z.boolean().optional() }).passthrough().nullable().optional(),
    expected_packages: z.array(z.object({ name: z.string(), version: z.string(), purl: z.string().optional() }).passthrough()).optional(),
  })
  .passthrough();

/** name@version of every package the inventory reports, the root too when the lockfile records it (as syft does). */
function reportedPackages(inv: Inventory): { names: string[]; purls: Map<string, string> } {
  const purls = new Map<string, string>();
  for (const p of inv.packages) purls.set(`${p.name}@${p.version}`, p.purl);
  if (inv.root.fromLockfile && inv.root.name) purls.set(`${inv.root.name}@${inv.root.version}`, inv.root.purl ?? '');
  return { names: [...purls.keys()].sort(), purls };
}

/** npm/pnpm/yarn lockfiles, parsed with dev dependencies kept or omitted, compared as package sets. */
export const handler: KindHandler = async (c, file) => {
  const p = Params.parse(c.params);
  const path = file('lockfile');
  const text = await readFile(path, 'utf8');
  const includeDev = p.cataloger_config?.IncludeDevDependencies === true;
  const inv = parseLockfile(basename(path), text, { omitDev: !includeDev });
  const got = reportedPackages(inv);
  if (!p.expected_packages) return { verdict: 'valid', detail: `${got.names.length} package(s)` };
  const want = p.expected_packages.map((e) => `${e.name}@${e.version}`).sort();
  const problems: string[] = [];
  const missing = want.filter((w) => !got.purls.has(w));
  const extra = got.names.filter((g) => !want.includes(g));
  if (missing.length > 0) problems.push(`missing ${missing.join(', ')}`);
  if (extra.length > 0) problems.push(`unexpected ${extra.join(', ')}`);
  for (const e of p.expected_packages) {
    const purl = got.purls.get(`${e.name}@${e.version}`);
    // purl-spec lowercases npm names (packageurl-js does); syft keeps the case, so case is not compared.
    if (e.purl !== undefined && purl !== undefined && purl.toLowerCase() !== e.purl.toLowerCase()) problems.push(`${e.name}@${e.version} purl ${purl}, expected ${e.purl}`);
  }
  if (problems.length > 0) return { verdict: 'invalid', detail: problems.join('; ') };
  return { verdict: 'valid', detail: `${got.names.length} package(s) from ${inv.source.kind} ${inv.source.lockfileVersion ?? ''}`.trim() };
};
export default handler;
