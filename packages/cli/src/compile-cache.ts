// A V8 code cache for the CommonJS modules the `provenant` command loads: its own bundle
// (dist/bundle/*.cjs) and the CommonJS packages it requires at run time (the CycloneDX library,
// packageurl-js, ajv, ...). Node 22 has this built in (module.enableCompileCache); Node 20, which we
// support, does not. Without it every start parses and compiles about 1 MB of JavaScript again; with
// it V8 deserializes the bytecode it produced last time.
//
// How: Module.prototype._compile is wrapped. A CommonJS source is compiled as a vm.Script (the module
// wrapper around it, as Node does) with the cached data for that exact source, if any; the module then
// runs as Node would run it. Sources without cached data, or whose data V8 rejected (another Node,
// other V8 flags), are recorded, and at exit their code cache, which then includes every function the
// run compiled, is written for the next run. Anything this path does not handle (an ES module, a
// source that only parses as ESM, a source with a dynamic import()) goes to Node's own _compile.
//
// Where: $PROVENANT_COMPILE_CACHE, else $XDG_CACHE_HOME/provenant/compile-cache, else
// ~/.cache/provenant/compile-cache; one subdirectory per Node version and architecture.
// PROVENANT_COMPILE_CACHE=0 turns it off. A code cache is trusted code: the directory is used only
// when it is a real directory owned by this user and writable by no one else (created 0700); entries
// are written 0600 to a temporary name and renamed into place, so a reader never sees half an entry.
// Each entry carries a digest of its bytes, checked before V8 sees them; V8 checks the entry against its
// version, flags and the source's length; the entry's name is a SHA-256 of the module's path and of its
// source, so an edited file never gets another file's code, and a stack trace never names another copy
// of the file (V8 keeps the file name a code cache was made under). A cache shipped with the package
// (built by scripts/prime-compile-cache.mjs) is read when this user's has no entry, so a first run starts
// warm; its entries are named by source alone, so they match wherever the package is installed, and
// scripts made from them name the files where the build ran.
// A run that writes entries (after an upgrade, a rebuild, a change of Node) then prunes the cache:
// entries written over 30 days ago, the oldest past 64 MiB per directory, leftover temporary files.
// Every failure here (unwritable home, full disk, corrupt entry) only costs speed, never correctness.
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

/** What the cache did in this process, for tests and for `PROVENANT_COMPILE_CACHE_STATS=1`. */
export interface CompileCacheStats {
  /** This user's cache directory, or undefined when the cache is off or the directory was refused. */
  readonly dir: string | undefined;
  /** Why this user's cache directory is not used, when it is not. */
  readonly disabled?: string;
  /** Modules whose cached code V8 accepted, from this user's cache. */
  hits: number;
  /** Modules whose cached code V8 accepted, from the cache shipped with the package. */
  shippedHits: number;
  /** Modules compiled from source because no entry existed. */
  misses: number;
  /** Modules whose entry was damaged or that V8 refused (made by another Node or V8 flags); rewritten at exit. */
  rejected: number;
  /** Entries written at exit. */
  written: number;
  /** Old entries (and leftover temporary files) removed at exit, after writing (see pruneCompileCache). */
  pruned: number;
}

/** The parts of Node's CommonJS loader this module uses (present since Node 12; not in @types/node). */
interface CjsModule {
  exports: unknown;
  require(id: string): unknown;
  _compile(content: string, filename: string, format?: string): unknown;
}
interface CjsLoader {
  prototype: CjsModule;
  wrap(source: string): string;
  _resolveFilename(request: string, parent: CjsModule, isMain: boolean, options?: unknown): string;
  _resolveLookupPaths(request: string, parent: CjsModule): string[] | null;
  _extensions: unknown;
  _cache: unknown;
}

/**
 * This user's cache directory for this Node, or why there is none (`off`: the user turned the whole
 * cache off, the shipped one too). Reads `env`, and the home directory when `env` names no directory.
 */
export function compileCacheDir(env: NodeJS.ProcessEnv = process.env): { dir: string } | { disabled: string; off: boolean } {
  const setting = env.PROVENANT_COMPILE_CACHE;
  if (setting === '0' || setting === 'off' || setting === 'false') return { disabled: 'PROVENANT_COMPILE_CACHE is off', off: true };
  let base = setting;
  if (!base) {
    const home = homedirOrEmpty();
    const cacheHome = env.XDG_CACHE_HOME || (home ? join(home, '.cache') : '');
    if (!cacheHome) return { disabled: 'no home directory for the cache', off: false };
    base = join(cacheHome, 'provenant', 'compile-cache');
  }
  return { dir: join(base, versionDirName() + flagsSuffix(env)) };
}

/** Entries are per Node version and architecture (V8 refuses another V8's entries anyway). */
function versionDirName(): string {
  return `${process.version}-${process.arch}`;
}

/**
 * V8 also refuses an entry made under other V8 flags (`NODE_OPTIONS=--max-old-space-size=4096`, common
 * in CI, is one), and rewriting it would make the next run with the first flags refuse it in turn: runs
 * that alternate would compile everything and rewrite every entry each time. So a process started with
 * options (node's command line or NODE_OPTIONS) keeps its entries in a directory of their own, named by a
 * digest of them; a plain start uses the plain directory, where the shipped cache's entries also belong.
 */
function flagsSuffix(env: NodeJS.ProcessEnv): string {
  const options = env.NODE_OPTIONS?.trim() ?? '';
  // The code of `node -e`/`-p` is not an option.
  const argv: string[] = [];
  for (let i = 0; i < process.execArgv.length; i++) {
    const a = process.execArgv[i] as string;
    if (EVAL_FLAGS.has(a)) i++;
    else if (!/^--(eval|print)=/.test(a)) argv.push(a);
  }
  if (argv.length === 0 && options === '') return '';
  return `-${createHash('sha256').update(JSON.stringify([argv, options])).digest('hex').slice(0, 12)}`;
}

const EVAL_FLAGS = new Set(['-e', '--eval', '-p', '--print', '-pe']);

function homedirOrEmpty(): string {
  try {
    return homedir();
  } catch {
    return '';
  }
}

/**
 * Creates `dir` (0700) if needed and returns why it must not be used, if so: not a directory, a
 * symbolic link, owned by another user, or writable by group or others.
 */
export function refuseCacheDir(dir: string): string | undefined {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    return `${dir}: ${(e as Error).message}`;
  }
  return refuseExistingDir(dir);
}

/** `import(` in a source, or something like it in a string or comment (which costs only its caching). */
const DYNAMIC_IMPORT = /\bimport\s*\(/;

let installed: CompileCacheStats | undefined;

/** Where the cache reads and writes: `dir` (this user's), and `shipped` (read-only, built with the package). */
export interface CompileCacheOptions {
  /**
   * A read-only cache made when the package was built (`scripts/prime-compile-cache.mjs`), consulted when
   * `dir` has no entry for a module: the first run after an install starts warm too. It has the trust of
   * the package's own code beside it (whoever can write one can write the other), so it is not checked
   * for ownership. Entries are named by content alone, so they match wherever the package is installed
   * (and scripts made from them report the file names of the build).
   */
  shipped?: string;
}

/**
 * Installs the cache for this process (once; later calls return the same stats). Call it before the
 * first `require` of the modules to cache.
 */
export function installCompileCache(env: NodeJS.ProcessEnv = process.env, options: CompileCacheOptions = {}): CompileCacheStats {
  if (installed) return installed;
  const where = compileCacheDir(env);
  const refused = 'dir' in where ? refuseCacheDir(where.dir) : where.disabled;
  // Without a usable directory of this user's (no home, a read-only file system, an unsafe directory)
  // the shipped cache is still read; PROVENANT_COMPILE_CACHE=0 turns both off.
  const dir = 'dir' in where && refused === undefined ? where.dir : undefined;
  const shipped = options.shipped === undefined || ('off' in where && where.off) ? undefined : join(options.shipped, versionDirName());
  const stats: CompileCacheStats = { dir, ...(refused === undefined ? {} : { disabled: refused }), hits: 0, shippedHits: 0, misses: 0, rejected: 0, written: 0, pruned: 0 };
  installed = stats;
  const toWrite: Array<{ script: Script; file: string }> = [];
  process.once('exit', () => {
    for (const { script, file } of toWrite) {
      const tmp = `${file}.${process.pid}.tmp`;
      try {
        writeFileSync(tmp, sealEntry(script.createCachedData()), { mode: 0o600 });
        renameSync(tmp, file);
        stats.written++;
      } catch {
        rmSync(tmp, { force: true });
      }
    }
    // Entries are written after an upgrade, a rebuild or a change of Node: when the old ones go stale.
    if (dir !== undefined && toWrite.length > 0) stats.pruned = pruneCompileCache(dirname(dir), Date.now(), { keep: dir });
    if (env.PROVENANT_COMPILE_CACHE_STATS === '1') process.stderr.write(`provenant: compile cache ${JSON.stringify(stats)}\n`);
  });
  if (dir === undefined && shipped === undefined) return stats;
  const refresh = env.PROVENANT_COMPILE_CACHE_REFRESH === '1';
  // PROVENANT_COMPILE_CACHE_BY_SOURCE=1 names entries by source alone, as a shipped cache is named
  // (scripts/prime-compile-cache.mjs builds one that way).
  const bySource = env.PROVENANT_COMPILE_CACHE_BY_SOURCE === '1';
  const loader = Module as unknown as CjsLoader;
  const nodeCompile = loader.prototype._compile;

  loader.prototype._compile = function compileWithCache(this: CjsModule, content: string, filename: string, format?: string): unknown {
    // A dynamic import() in a vm.Script needs an importModuleDynamically callback, and Node 20 loses it
    // when the script comes from cached data; its own compile handles import() (and ES modules).
    if (format === 'module' || DYNAMIC_IMPORT.test(content)) return nodeCompile.call(this, content, filename, format);
    const key = createHash('sha256').update(content).digest('hex');
    const file = dir === undefined ? undefined : join(dir, bySource ? key : userEntryName(filename, key));
    let entry = file === undefined ? 'missing' : readEntry(file);
    let fromShipped = false;
    if (entry === 'missing' && shipped !== undefined) {
      entry = readEntry(join(shipped, key));
      fromShipped = entry instanceof Buffer;
      if (!fromShipped) entry = 'missing';
    }
    const cachedData = entry instanceof Buffer ? entry : undefined;
    let script: Script;
    try {
      script = new Script(loader.wrap(content), { filename, cachedData });
    } catch {
      // A source that does not compile as a CommonJS function body (ES module syntax in a .js file
      // without "type"): Node's own path detects the format and reports real errors as Node would.
      return nodeCompile.call(this, content, filename, format);
    }
    const accepted = cachedData !== undefined && script.cachedDataRejected !== true;
    if (entry === 'missing') stats.misses++;
    else if (!accepted) stats.rejected++;
    else if (fromShipped) stats.shippedHits++;
    else stats.hits++;
    // Written for this user unless their own entry was accepted. After a shipped hit, the entry written
    // also holds the functions this run compiled that the build's runs did not.
    // PROVENANT_COMPILE_CACHE_REFRESH=1 rewrites every entry (the build's priming runs accumulate functions).
    if (file !== undefined && (!accepted || fromShipped || refresh)) toWrite.push({ script, file });
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return wrapper.call(this.exports, this.exports, makeRequire(loader, this), this, filename, dirname(filename));
  };
  return stats;
}

/**
 * The name of this user's entry for `filename` with source digest `sourceKey`. V8 keeps, in a code
 * cache, the file name the script was compiled under, and a script made from it reports that name (in
 * stack traces, profiles, the debugger) whatever name it is given. An entry named by the source alone
 * would let two copies of one file (two checkouts, two installs) share it, and stack traces from one
 * would name the other's files; so this user's entries are per file as well as per source.
 */
function userEntryName(filename: string, sourceKey: string): string {
  return createHash('sha256').update(`${filename}\0${sourceKey}`).digest('hex');
}

function readEntry(file: string): Buffer | 'missing' | 'damaged' {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return 'missing';
  }
  return openEntry(bytes) ?? 'damaged';
}

// An entry is MAGIC, the SHA-256 of the code cache (first 16 bytes), then the code cache. V8 checks an
// entry's header (its version, flags, source length) but, outside debug builds, not its payload: a
// damaged payload must never reach it.
const MAGIC = Buffer.from('provenant-cc-1\n');
const DIGEST_BYTES = 16;

function entryDigest(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest().subarray(0, DIGEST_BYTES);
}

function sealEntry(data: Buffer): Buffer {
  return Buffer.concat([MAGIC, entryDigest(data), data]);
}

/** The code cache in an entry, or undefined when the entry is damaged. */
export function openEntry(entry: Buffer): Buffer | undefined {
  const head = MAGIC.length + DIGEST_BYTES;
  if (entry.length <= head || !entry.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const data = entry.subarray(head);
  return entryDigest(data).equals(entry.subarray(MAGIC.length, head)) ? data : undefined;
}


/** How long an entry is kept after it was written, and how many bytes one directory's entries may hold. */
export const PRUNE_LIMITS = { maxAgeMs: 30 * 24 * 3600 * 1000, maxBytes: 64 * 1024 * 1024, tmpAgeMs: 3600 * 1000 };

const ENTRY_NAME = /^[0-9a-f]{64}$/;
const TMP_NAME = /^[0-9a-f]{64}\.\d+\.tmp$/;
const VERSION_DIR = /^v\d+\.\d+\.\d+-[a-z0-9]+(-[0-9a-f]{12})?$/;

/**
 * Bounds the cache under `base` (the directory holding one subdirectory per Node version and options):
 * removes entries written more than 30 days ago (a hit does not rewrite an entry, so an entry still in
 * use is written again once, by the next run), the oldest entries past 64 MiB in one directory, and
 * temporary files a killed process left. Subdirectories left empty are removed, except `keep`. Touches
 * only regular files named as entries are, in subdirectories named as this module names them; a failure
 * leaves the rest as it is. Returns how many files it removed.
 */
export function pruneCompileCache(base: string, now: number, options: { keep?: string; limits?: typeof PRUNE_LIMITS } = {}): number {
  const limits = options.limits ?? PRUNE_LIMITS;
  let removed = 0;
  const remove = (file: string): void => {
    try {
      unlinkSync(file);
      removed++;
    } catch {
      // Another process removed or replaced it: nothing to do.
    }
  };
  for (const sub of listDir(base)) {
    const dir = join(base, sub);
    if (!VERSION_DIR.test(sub) || refuseExistingDir(dir)) continue;
    const kept: { file: string; mtime: number; size: number }[] = [];
    for (const name of listDir(dir)) {
      const isEntry = ENTRY_NAME.test(name);
      if (!isEntry && !TMP_NAME.test(name)) continue;
      const file = join(dir, name);
      let st;
      try {
        st = lstatSync(file);
      } catch {
        continue;
      }
      if (!st.isFile()) continue;
      const age = now - st.mtimeMs;
      if (age > (isEntry ? limits.maxAgeMs : limits.tmpAgeMs)) remove(file);
      else if (isEntry) kept.push({ file, mtime: st.mtimeMs, size: st.size });
    }
    let bytes = kept.reduce((n, e) => n + e.size, 0);
    if (bytes > limits.maxBytes) {
      kept.sort((a, b) => a.mtime - b.mtime);
      for (const e of kept) {
        if (bytes <= limits.maxBytes) break;
        remove(e.file);
        bytes -= e.size;
      }
    }
    if (dir !== options.keep && listDir(dir).length === 0) {
      try {
        rmdirSync(dir);
      } catch {
        // Written to meanwhile.
      }
    }
  }
  return removed;
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Why an existing cache directory must not be touched (see refuseCacheDir), without creating it. */
function refuseExistingDir(dir: string): string | undefined {
  try {
    const st = lstatSync(dir);
    if (!st.isDirectory()) return `${dir} is not a directory`;
    const uid = process.getuid?.();
    if (uid !== undefined && st.uid !== uid) return `${dir} is owned by uid ${st.uid}, not ${uid}`;
    if (process.platform !== 'win32' && (st.mode & 0o022) !== 0) return `${dir} is writable by group or others`;
    return undefined;
  } catch (e) {
    return `${dir}: ${(e as Error).message}`;
  }
}

/** The `require` a CommonJS module sees, as Node's makeRequireFunction builds it. */
function makeRequire(loader: CjsLoader, mod: CjsModule): NodeJS.Require {
  const require = ((id: string) => mod.require(id)) as NodeJS.Require;
  const resolve = ((request: string, options?: { paths?: string[] }) => loader._resolveFilename(request, mod, false, options)) as NodeJS.RequireResolve;
  resolve.paths = (request: string) => loader._resolveLookupPaths(request, mod);
  require.resolve = resolve;
  Object.assign(require, { main: Reflect.get(process, 'mainModule'), extensions: loader._extensions, cache: loader._cache });
  return require;
}
