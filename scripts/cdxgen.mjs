// cdxgen, the SBOM generator bench/sbom and the lockfile corpus compare provenant with: one pinned version,
// installed outside the repository (it is not a dependency of provenant), run lockfile-only.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const CDXGEN_VERSION = '12.8.4';
/** Where scripts/install-cdxgen.mjs puts it; PROVENANT_CDXGEN_DIR moves it. */
export const CDXGEN_DIR = process.env.PROVENANT_CDXGEN_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'provenant', `cdxgen-${CDXGEN_VERSION}`);

/**
 * Lockfile-only: JavaScript only, no `npm install`, no babel usage analysis, no recursion into nested
 * projects, no schema validation pass, CycloneDX 1.6 like provenant.
 */
export const CDXGEN_ARGS = ['-t', 'js', '--no-install-deps', '--no-babel', '--no-recurse', '--no-validate', '--spec-version', '1.6'];
/** No license lookups on the registry, no telemetry, no update checks. */
export const CDXGEN_ENV = { FETCH_LICENSE: 'false', CDXGEN_NO_TELEMETRY: '1', DO_NOT_TRACK: '1', NO_UPDATE_NOTIFIER: '1' };

/** The cdxgen bin of the pinned install, or undefined when it is not installed. */
export function cdxgenBin() {
  const bin = join(CDXGEN_DIR, 'node_modules', '.bin', 'cdxgen');
  return existsSync(bin) ? bin : undefined;
}
