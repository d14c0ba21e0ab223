// `provenant trust update`: a TUF client (tuf-js) walks a repository from the root it trusts (the one
// shipped with provenant, or --root), checks every signature, version, expiry, length and hash, and
// then the targets it fetched are installed in the cache that verify commands read.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ProvenantError } from '@provenant/core/errors';
import { readSmallFile, writeFileAtomic } from '../files.js';
import { NPM_KEYS_FILE, SIGSTORE_TUF_MIRROR, STATE_FILE, TRUSTED_ROOT_FILE, trustDir, type TrustState } from './cache.js';
// Root v15 of Sigstore's public-good TUF repository (from sigstore-js's seeds, Apache-2.0; see SOURCE.md).
import shippedRoot from './sigstore-tuf-root.json' with { type: 'json' };

const ROOT_LIMIT = 512 * 1024;
const TRUSTED_ROOT_TARGET = 'trusted_root.json';
// The npm registry's keys are published as `<registry host>/keys.json`.
const NPM_KEYS_TARGET = /^[a-z0-9.-]+\/keys\.json$/;

export interface TrustUpdateOptions {
  /** The TUF repository's base URL (metadata at the root, targets under /targets). */
  mirror?: string | undefined;
  /** The initial root.json for a mirror with no cached metadata yet (required for a mirror other than Sigstore's). */
  root?: string | undefined;
  /** The cache directory (default trustDir()). */
  dir?: string | undefined;
  /** Per-request timeout in milliseconds. */
  timeoutMs?: number | undefined;
}

/** Metadata lives per mirror, so two repositories never mix their versions. */
function mirrorDirName(mirror: string): string {
  return mirror.replace(/^[a-z]+:\/\//i, '').replace(/[^A-Za-z0-9.-]+/g, '_');
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function failed(mirror: string, err: unknown): ProvenantError {
  if (err instanceof ProvenantError) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  const cause = e.cause instanceof Error ? ` (${e.cause.message})` : '';
  return new ProvenantError('TRUST_UPDATE_FAILED', `TUF update from ${mirror} refused: ${e.name}: ${e.message}${cause}`, { cause: err, details: { mirror } });
}

/** Parses a URL given for the mirror: http(s) only, no trailing slash. */
function mirrorURL(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch (err) {
    throw new ProvenantError('INVALID_ARGUMENT', `--mirror ${raw} is not a URL`, { cause: err });
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new ProvenantError('INVALID_ARGUMENT', `--mirror ${raw}: only http and https are supported`);
  return u.toString().replace(/\/+$/, '');
}

/** Runs a TUF update and installs the trusted root and npm keys in the cache; returns the new state. */
export async function updateTrust(opts: TrustUpdateOptions = {}): Promise<TrustState> {
  const mirror = mirrorURL(opts.mirror ?? SIGSTORE_TUF_MIRROR);
  const dir = opts.dir ?? trustDir();
  if (opts.root === undefined && mirror !== SIGSTORE_TUF_MIRROR && !(await exists(join(dir, 'tuf', mirrorDirName(mirror), 'root.json')))) {
    throw new ProvenantError('USAGE', `the shipped root is Sigstore's; pass --root FILE with the initial root.json of ${mirror}`);
  }
  const metadataDir = join(dir, 'tuf', mirrorDirName(mirror));
  const targetDir = join(metadataDir, 'targets');
  await mkdir(targetDir, { recursive: true, mode: 0o700 });
  // The initial root seeds a mirror's metadata once; later updates start from the newest root trusted
  // so far (what rollback protection rests on). Removing the cache starts over.
  if (!(await exists(join(metadataDir, 'root.json')))) {
    let root: Buffer | string = JSON.stringify(shippedRoot);
    if (opts.root !== undefined) {
      root = await readSmallFile(opts.root, 'TUF root');
      if (root.length > ROOT_LIMIT) throw new ProvenantError('FILE_TOO_LARGE', `${opts.root} is larger than ${ROOT_LIMIT} bytes`);
    }
    await writeFile(join(metadataDir, 'root.json'), root, { mode: 0o600 });
  }

  const { Updater } = await import('tuf-js');
  const updater = new Updater({
    metadataDir,
    metadataBaseUrl: mirror,
    targetDir,
    targetBaseUrl: `${mirror}/targets`,
    config: { fetchTimeout: opts.timeoutMs ?? 30_000, fetchRetries: 0, userAgent: 'provenant' },
  });
  const installed: TrustState['targets'] = [];
  let trustedRoot: Buffer;
  let npmKeys: Buffer | undefined;
  try {
    await updater.refresh();
    const fetchTarget = async (name: string): Promise<Buffer | undefined> => {
      const info = await updater.getTargetInfo(name);
      if (info === undefined) return undefined;
      const path = (await updater.findCachedTarget(info)) ?? (await updater.downloadTarget(info));
      const bytes = await readFile(path);
      installed.push({ name, file: '', sha256: sha256(bytes), length: bytes.length });
      return bytes;
    };
    const root = await fetchTarget(TRUSTED_ROOT_TARGET);
    if (root === undefined) throw new ProvenantError('TRUST_UPDATE_FAILED', `${mirror} has no ${TRUSTED_ROOT_TARGET} target`);
    trustedRoot = root;
    // The top-level targets metadata tuf-js just verified and saved; it names the npm keys target.
    const targets = JSON.parse(await readFile(join(metadataDir, 'targets.json'), 'utf8')) as { signed?: { targets?: Record<string, unknown> } };
    const npmName = Object.keys(targets.signed?.targets ?? {})
      .filter((n) => NPM_KEYS_TARGET.test(n))
      .sort()[0];
    if (npmName !== undefined) npmKeys = await fetchTarget(npmName);
  } catch (err) {
    throw failed(mirror, err);
  }

  // Only material that provenant can use is installed.
  const { loadTrustedRoot } = await import('@provenant/core/verify');
  try {
    loadTrustedRoot(JSON.parse(trustedRoot.toString('utf8')));
  } catch (err) {
    throw new ProvenantError('TRUST_UPDATE_FAILED', `${mirror}'s ${TRUSTED_ROOT_TARGET} is not a usable TrustedRoot: ${(err as Error).message}`, { cause: err });
  }
  await writeFileAtomic(join(dir, TRUSTED_ROOT_FILE), trustedRoot);
  installed[0]!.file = TRUSTED_ROOT_FILE;
  if (npmKeys !== undefined) {
    await writeFileAtomic(join(dir, NPM_KEYS_FILE), npmKeys);
    installed[1]!.file = NPM_KEYS_FILE;
  } else {
    await rm(join(dir, NPM_KEYS_FILE), { force: true });
  }
  const signedOf = async (name: string) => (JSON.parse(await readFile(join(metadataDir, name), 'utf8')) as { signed: { version: number; expires: string } }).signed;
  const [root, timestamp] = await Promise.all([signedOf('root.json'), signedOf('timestamp.json')]);
  const state: TrustState = {
    mirror,
    updatedAt: new Date().toISOString(),
    rootVersion: root.version,
    timestamp: { version: timestamp.version, expires: timestamp.expires },
    targets: installed,
  };
  await writeFileAtomic(join(dir, STATE_FILE), JSON.stringify(state, null, 2) + '\n');
  return state;
}

async function exists(path: string): Promise<boolean> {
  try {
    await readFile(path);
    return true;
  } catch {
    return false;
  }
}
