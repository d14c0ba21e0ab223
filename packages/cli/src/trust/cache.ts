// The trust cache that `provenant trust update` fills (through TUF) and every verify command reads when
// no --trusted-root is given. Reading it never touches the network.
import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ProvenantError } from '@provenant/core/errors';

/** Sigstore's public-good TUF repository, the default `trust update --mirror`. */
export const SIGSTORE_TUF_MIRROR = 'https://tuf-repo-cdn.sigstore.dev';

/** The cached files, by what they are. */
export const TRUSTED_ROOT_FILE = 'trusted_root.json';
export const NPM_KEYS_FILE = 'npm-registry-keys.json';
export const STATE_FILE = 'state.json';

/** What the last successful `trust update` recorded (state.json). */
export interface TrustState {
  mirror: string;
  updatedAt: string;
  rootVersion: number;
  timestamp: { version: number; expires: string };
  targets: Array<{ name: string; file: string; sha256: string; length: number }>;
}

/**
 * The cache directory: $PROVENANT_TRUST_DIR, else $XDG_CACHE_HOME/provenant/trust, else
 * ~/.cache/provenant/trust.
 */
export function trustDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PROVENANT_TRUST_DIR) return env.PROVENANT_TRUST_DIR;
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'provenant', 'trust');
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function notCached(what: string, dir: string, flag: string): ProvenantError {
  return new ProvenantError(
    'TRUST_NOT_CACHED',
    `no ${what}: pass ${flag}, or run \`provenant trust update\` once to fetch Sigstore's public-good trust material through TUF into ${dir} (verification never fetches)`,
    { details: { trustDir: dir } },
  );
}

/**
 * The TrustedRoot file a verify command uses: the --trusted-root flag, else $PROVENANT_TRUSTED_ROOT,
 * else the cached one; none of them is TRUST_NOT_CACHED naming `provenant trust update`.
 */
export async function trustedRootPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const explicit = flag ?? env.PROVENANT_TRUSTED_ROOT;
  if (explicit !== undefined && explicit !== '') return explicit;
  const dir = trustDir(env);
  const cached = join(dir, TRUSTED_ROOT_FILE);
  if (await isFile(cached)) return cached;
  throw notCached('trusted root', dir, '--trusted-root FILE (or set PROVENANT_TRUSTED_ROOT)');
}

/** The npm registry keys file: the flag, else the cached one (TRUST_NOT_CACHED when absent). */
export async function npmKeysPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (flag !== undefined && flag !== '') return flag;
  const dir = trustDir(env);
  const cached = join(dir, NPM_KEYS_FILE);
  if (await isFile(cached)) return cached;
  throw notCached('npm registry keys', dir, '--npm-registry-keys FILE');
}

/** The state of the cache, or undefined when `trust update` never succeeded there. */
export async function readTrustState(dir: string): Promise<TrustState | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, STATE_FILE), 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as TrustState;
  } catch (err) {
    throw new ProvenantError('TRUST_NOT_CACHED', `${join(dir, STATE_FILE)} is not JSON; run \`provenant trust update\` again`, { cause: err });
  }
}

/**
 * For commands where a trusted root is optional (policies name their own): the flag, else
 * $PROVENANT_TRUSTED_ROOT, else the cached one when there is one.
 */
export async function optionalTrustedRootPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  try {
    return await trustedRootPath(flag, env);
  } catch (err) {
    if (err instanceof ProvenantError && err.code === 'TRUST_NOT_CACHED') return undefined;
    throw err;
  }
}
