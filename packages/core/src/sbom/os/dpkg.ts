import { ProvenantError } from '../../errors.js';
import { parseControlStanzas } from './stanza.js';

/** One installed package from a dpkg (or opkg) status database. */
export interface DpkgPackage {
  name: string;
  version: string;
  architecture?: string;
  /** Source package name, without the "(version)" part. */
  source?: string;
  sourceVersion?: string;
  installedSizeKiB?: number;
  maintainer?: string;
  license?: string;
  provides: string[];
  depends: string[];
  preDepends: string[];
}

function list(v: string | undefined): string[] {
  if (!v) return [];
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

const UNIT: Record<string, number> = { '': 1, b: 1, k: 1000, kb: 1000, kib: 1024, m: 1e6, mb: 1e6, mib: 1024 ** 2, g: 1e9, gb: 1e9, gib: 1024 ** 3 };

/** Installed-Size is KiB; some writers add a unit ("4KB"), read as a byte count the way humanize does. */
function installedSize(v: string | undefined, what: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  const m = /^([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)$/.exec(v.trim());
  const mult = m ? UNIT[m[2]!.toLowerCase()] : undefined;
  if (!m || mult === undefined) throw new ProvenantError('PKGDB_MALFORMED', `${what}: Installed-Size ${JSON.stringify(v)} is not a size`);
  return Math.round(Number(m[1]) * mult);
}

/** A package counts as installed unless its Status says otherwise (deinstall, config-files, ...). */
function isInstalled(status: string | undefined): boolean {
  if (status === undefined) return true;
  const words = status.trim().split(/\s+/);
  return words[2] === 'installed';
}

/** Parses `var/lib/dpkg/status`, a `status.d/*` file, or an opkg status file. */
export function parseDpkgStatus(text: string, what = 'dpkg status'): DpkgPackage[] {
  const out: DpkgPackage[] = [];
  for (const { fields: f } of parseControlStanzas(text, what)) {
    const name = f.get('Package');
    if (!name) continue;
    if (!isInstalled(f.get('Status'))) continue;
    const pkg: DpkgPackage = {
      name,
      version: f.get('Version') ?? '',
      provides: list(f.get('Provides')),
      depends: list(f.get('Depends')),
      preDepends: list(f.get('Pre-Depends')),
    };
    const arch = f.get('Architecture');
    if (arch) pkg.architecture = arch;
    const src = f.get('Source');
    if (src) {
      const m = /^(\S+)(?:\s+\(([^)]+)\))?$/.exec(src);
      pkg.source = m?.[1] ?? src;
      if (m?.[2]) pkg.sourceVersion = m[2];
    }
    const size = installedSize(f.get('Installed-Size'), what);
    if (size !== undefined) pkg.installedSizeKiB = size;
    const maint = f.get('Maintainer');
    if (maint) pkg.maintainer = maint;
    const lic = f.get('License');
    if (lic) pkg.license = lic;
    out.push(pkg);
  }
  return out;
}
