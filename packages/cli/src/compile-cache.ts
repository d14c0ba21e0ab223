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
// version, flags and the source's length; the entry's name is the SHA-256 of the file's path and
// content, so an edited file never gets another file's code.
// Every failure here (unwritable home, full disk, corrupt entry) only costs speed, never correctness.
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

/** What the cache did in this process, for tests and for `PROVENANT_COMPILE_CACHE_STATS=1`. */
export interface CompileCacheStats {
  /** The directory in use, or undefined when the cache is off or its directory was refused. */
  readonly dir: string | undefined;
  /** Why the cache is off, when it is. */
  readonly disabled?: string;
  /** Modules whose cached code V8 accepted. */
  hits: number;
  /** Modules compiled from source because no entry existed. */
  misses: number;
  /** Modules whose entry was damaged or that V8 refused (made by another Node or V8 flags); rewritten at exit. */
  rejected: number;
  /** Entries written at exit. */
  written: number;
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

/** The cache directory for this Node, or why there is none. Pure: reads only `env`. */
export function compileCacheDir(env: NodeJS.ProcessEnv = process.env): { dir: string } | { disabled: string } {
  const setting = env.PROVENANT_COMPILE_CACHE;
  if (setting === '0' || setting === 'off' || setting === 'false') return { disabled: 'PROVENANT_COMPILE_CACHE is off' };
  let base = setting;
  if (!base) {
    const cacheHome = env.XDG_CACHE_HOME || (homedirOrEmpty() ? join(homedirOrEmpty(), '.cache') : '');
    if (!cacheHome) return { disabled: 'no home directory for the cache' };
    base = join(cacheHome, 'provenant', 'compile-cache');
  }
  return { dir: join(base, `${process.version}-${process.arch}`) };
}

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

/** `import(` in a source, or something like it in a string or comment (which costs only its caching). */
const DYNAMIC_IMPORT = /\bimport\s*\(/;

let installed: CompileCacheStats | undefined;

/**
 * Installs the cache for this process (once; later calls return the same stats). Call it before the
 * first `require` of the modules to cache.
 */
export function installCompileCache(env: NodeJS.ProcessEnv = process.env): CompileCacheStats {
  if (installed) return installed;
  const where = compileCacheDir(env);
  const refused = 'dir' in where ? refuseCacheDir(where.dir) : where.disabled;
  if (!('dir' in where) || refused !== undefined) {
    const stats: CompileCacheStats = { dir: undefined, disabled: refused, hits: 0, misses: 0, rejected: 0, written: 0 };
    installed = stats;
    process.once('exit', () => reportStats(env, stats));
    return stats;
  }
  const dir = where.dir;
  const stats: CompileCacheStats = { dir, hits: 0, misses: 0, rejected: 0, written: 0 };
  installed = stats;
  const loader = Module as unknown as CjsLoader;
  const nodeCompile = loader.prototype._compile;
  const toWrite: Array<{ script: Script; file: string }> = [];

  loader.prototype._compile = function compileWithCache(this: CjsModule, content: string, filename: string, format?: string): unknown {
    // A dynamic import() in a vm.Script needs an importModuleDynamically callback, and Node 20 loses it
    // when the script comes from cached data; its own compile handles import() (and ES modules).
    if (format === 'module' || DYNAMIC_IMPORT.test(content)) return nodeCompile.call(this, content, filename, format);
    const file = join(dir, createHash('sha256').update(filename).update('\0').update(content).digest('hex'));
    let cachedData: Buffer | undefined;
    let damaged = false;
    try {
      cachedData = openEntry(readFileSync(file));
      damaged = cachedData === undefined;
    } catch {
      cachedData = undefined;
    }
    let script: Script;
    try {
      script = new Script(loader.wrap(content), { filename, cachedData });
    } catch {
      // A source that does not compile as a CommonJS function body (ES module syntax in a .js file
      // without "type"): Node's own path detects the format and reports real errors as Node would.
      return nodeCompile.call(this, content, filename, format);
    }
    if (cachedData === undefined && !damaged) {
      stats.misses++;
      toWrite.push({ script, file });
    } else if (damaged || script.cachedDataRejected === true) {
      stats.rejected++;
      toWrite.push({ script, file });
    } else {
      stats.hits++;
    }
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return wrapper.call(this.exports, this.exports, makeRequire(loader, this), this, filename, dirname(filename));
  };

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
    reportStats(env, stats);
  });
  return stats;
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

function reportStats(env: NodeJS.ProcessEnv, stats: CompileCacheStats): void {
  if (env.PROVENANT_COMPILE_CACHE_STATS === '1') process.stderr.write(`provenant: compile cache ${JSON.stringify(stats)}\n`);
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
