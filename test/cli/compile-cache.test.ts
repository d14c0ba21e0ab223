// The built CLI's V8 code cache (packages/cli/src/compile-cache.ts): a cached run writes exactly what an
// uncached run writes, entries are reused, bad entries and unsafe directories cost only speed, and the
// `require` the cache hands a module behaves as Node's. Runs the built bundle (npm test builds first).
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from './helpers.js';

const BIN = join(REPO, 'packages/cli/bin/provenant.cjs');
const CACHE_MODULE = join(REPO, 'packages/cli/dist/bundle/compile-cache.cjs');
const SAMPLE = join(REPO, 'fixtures/sample-app');
const tmp = mkdtempSync(join(tmpdir(), 'provenant-compile-cache-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Stats {
  dir?: string;
  disabled?: string;
  hits: number;
  shippedHits: number;
  misses: number;
  rejected: number;
  written: number;
  pruned: number;
}

/** Runs the built CLI with the cache at `cache` ('0' turns it off); returns its output and the cache's stats. */
function run(cache: string, args: string[] = ['sbom', SAMPLE, '--reproducible'], env: Record<string, string> = {}): { stdout: string; stats: Stats } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env, PROVENANT_COMPILE_CACHE: cache, PROVENANT_COMPILE_CACHE_STATS: '1' },
  });
  expect(r.status, r.stderr).toBe(0);
  const line = r.stderr.split('\n').find((l) => l.startsWith('provenant: compile cache '));
  expect(line, r.stderr).toBeDefined();
  return { stdout: r.stdout, stats: JSON.parse(line!.slice('provenant: compile cache '.length)) as Stats };
}

/** The entries of a cache base directory (one subdirectory per Node version). */
function entries(base: string): string[] {
  const [sub] = readdirSync(base);
  return sub === undefined ? [] : readdirSync(join(base, sub)).map((f) => join(base, sub, f));
}

describe('compile cache of the built CLI', () => {
  it('exists in the build', () => {
    expect(existsSync(CACHE_MODULE), `${CACHE_MODULE} is missing: run npm run build`).toBe(true);
  });

  const uncached = () => run('0').stdout;

  it('starts warm from the cache the build shipped, writes this user\'s entries, reads them next, and the output is what an uncached run writes', () => {
    const base = join(tmp, 'fresh');
    const first = run(base);
    expect(first.stats.hits).toBe(0);
    expect(first.stats.shippedHits).toBeGreaterThan(3);
    expect(first.stats.misses).toBe(0);
    expect(first.stats.written).toBe(first.stats.shippedHits);
    const files = entries(base);
    expect(files).toHaveLength(first.stats.written);
    for (const f of files) expect(f).toMatch(/\/v\d+\.\d+\.\d+-[a-z0-9]+(-[0-9a-f]{12})?\/[0-9a-f]{64}$/);

    const second = run(base);
    expect(second.stats).toMatchObject({ hits: first.stats.written, shippedHits: 0, misses: 0, rejected: 0, written: 0 });
    const off = uncached();
    expect(first.stdout).toBe(off);
    expect(second.stdout).toBe(off);
  });

  it('turns off with PROVENANT_COMPILE_CACHE=0', () => {
    const { stats } = run('0');
    expect(stats).toMatchObject({ disabled: 'PROVENANT_COMPILE_CACHE is off', hits: 0, shippedHits: 0, misses: 0 });
  });

  it('recompiles and rewrites damaged entries (truncated, overwritten, one payload bit flipped), with the same output', () => {
    const base = join(tmp, 'corrupt');
    const first = run(base);
    const files = entries(base);
    expect(files.length).toBeGreaterThanOrEqual(3);
    files.forEach((f, i) => {
      const data = readFileSync(f);
      if (i % 3 === 0) writeFileSync(f, data.subarray(0, data.length >> 1));
      else if (i % 3 === 1) writeFileSync(f, Buffer.alloc(data.length, 0x5a));
      else {
        // Header intact, one bit of V8's payload flipped: only the entry's own digest can tell.
        data.writeUInt8(data.readUInt8(data.length - 7) ^ 0x10, data.length - 7);
        writeFileSync(f, data);
      }
    });
    const second = run(base);
    expect(second.stats).toMatchObject({ hits: 0, shippedHits: 0, rejected: files.length, written: files.length });
    expect(second.stdout).toBe(first.stdout);
    expect(run(base).stats).toMatchObject({ hits: files.length, rejected: 0, misses: 0 });
  });

  it('refuses a directory writable by others and reads nothing from it', () => {
    const base = join(tmp, 'shared');
    run(base);
    const [sub] = readdirSync(base);
    chmodSync(join(base, sub!), 0o777);
    const { stdout, stats } = run(base);
    expect(stats.disabled).toMatch(/writable by group or others/);
    // Nothing read from it or written to it; the shipped cache is still read.
    expect(stats.dir).toBeUndefined();
    expect(stats).toMatchObject({ hits: 0, written: 0 });
    expect(stats.shippedHits).toBeGreaterThan(0);
    expect(stdout).toBe(uncached());
  });

  it('refuses a directory owned by another user', () => {
    const uid = process.getuid?.();
    expect(uid, 'needs a POSIX uid').toBeDefined();
    const base = join(tmp, 'foreign');
    run(base);
    const [sub] = readdirSync(base);
    if (uid === 0) {
      chownSync(join(base, sub!), 65534, 65534);
      expect(run(base).stats.disabled).toMatch(/owned by uid 65534/);
    } else {
      // Not root: another user's directory cannot be made here; the check is the same comparison.
      expect(run(base).stats.hits).toBeGreaterThan(0);
    }
  });

  it('refuses a symbolic link in place of the directory', () => {
    const base = join(tmp, 'linked');
    const real = join(tmp, 'linked-target');
    mkdirSync(real, { mode: 0o700 });
    mkdirSync(base, { mode: 0o700 });
    symlinkSync(real, join(base, `${process.version}-${process.arch}`));
    expect(run(base).stats.disabled).toMatch(/is not a directory/);
  });

  it('runs uncached when the directory cannot be created', () => {
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'not a directory');
    const { stdout, stats } = run(join(file, 'cache'));
    expect(stats.disabled).toBeDefined();
    expect(stats.written).toBe(0);
    expect(stdout).toBe(uncached());
  });

  it('reads a shipped cache when this user\'s has no entry, and compiles past a damaged shipped entry', () => {
    const dir = join(tmp, 'shipped-src');
    mkdirSync(dir);
    for (const n of ['a', 'b', 'c']) writeFileSync(join(dir, `${n}.cjs`), `module.exports = ${JSON.stringify(n)} + [1, 2, 3].map((x) => x * 2).join('');`);
    const script = (shipped: string) => `const c = require(${JSON.stringify(CACHE_MODULE)}).installCompileCache(process.env, { shipped: ${JSON.stringify(shipped)} });
      const out = ['a', 'b', 'c'].map((n) => require(${JSON.stringify(dir)} + '/' + n + '.cjs')).join();
      process.on('exit', () => process.stdout.write(JSON.stringify({ out, c })));`;
    const go = (user: string, shipped: string, extra: Record<string, string> = {}) => {
      const r = spawnSync(process.execPath, ['-e', script(shipped)], { encoding: 'utf8', env: { ...process.env, ...extra, PROVENANT_COMPILE_CACHE: user } });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { out: string; c: Stats };
    };
    const build = join(tmp, 'shipped-build');
    const made = go(build, join(tmp, 'no-such-dir'), { PROVENANT_COMPILE_CACHE_BY_SOURCE: '1' });
    expect(made.c).toMatchObject({ misses: 3, written: 3 });
    const warm = go(join(tmp, 'shipped-user-1'), build);
    expect(warm).toEqual({ out: made.out, c: expect.objectContaining({ hits: 0, shippedHits: 3, misses: 0, written: 3 }) });
    const [first] = entries(build);
    writeFileSync(first!, Buffer.from('damaged'));
    const past = go(join(tmp, 'shipped-user-2'), build);
    expect(past).toEqual({ out: made.out, c: expect.objectContaining({ shippedHits: 2, misses: 1, written: 3 }) });
  });

  it('keeps one entry per file: two copies of a module sharing a cache each report their own file in stack traces', () => {
    // V8 keeps the file name a code cache was made under; an entry shared by two copies of a file would
    // make stack traces from the second name the first.
    const copies = ['copy-one', 'copy-two'].map((d) => join(tmp, d, 'where.cjs'));
    for (const f of copies) {
      mkdirSync(join(f, '..'), { recursive: true });
      writeFileSync(f, 'module.exports = () => String(new Error("here").stack);\n');
    }
    const base = join(tmp, 'two-copies');
    const go = (f: string) => {
      const script = `const c = require(${JSON.stringify(CACHE_MODULE)}).installCompileCache();
        const stack = require(${JSON.stringify(f)})();
        process.on('exit', () => process.stdout.write(JSON.stringify({ stack, c })));`;
      const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, PROVENANT_COMPILE_CACHE: base } });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { stack: string; c: Stats };
    };
    const [one, two] = copies as [string, string];
    expect(go(one).c).toMatchObject({ misses: 1, written: 1 });
    const first = go(two);
    expect(first.c).toMatchObject({ hits: 0, misses: 1, written: 1 });
    expect(first.stack).toContain(`${two}:1:`);
    const warm = go(two);
    expect(warm.c).toMatchObject({ hits: 1, misses: 0 });
    expect(warm.stack).toContain(`${two}:1:`);
    expect(warm.stack).not.toContain(one);
    expect(go(one).stack).toContain(`${one}:1:`);
    expect(entries(base)).toHaveLength(2);
  });

  it('keeps entries made under other V8 flags apart, so runs that alternate flags each stay warm', () => {
    const base = join(tmp, 'flags');
    // An empty NODE_OPTIONS is a plain start.
    const go = (nodeOptions: string) => run(base, ['--version'], { NODE_OPTIONS: nodeOptions }).stats;
    const plain = go('');
    // The shipped cache was made by a plain start: a plain start reads it.
    expect(plain).toMatchObject({ shippedHits: plain.written, rejected: 0, misses: 0 });
    const big = go('--max-old-space-size=4096');
    // V8 refuses the shipped entries under another flag; this run writes its own, in its own directory.
    expect(big.dir).not.toBe(plain.dir);
    expect(big.written).toBeGreaterThan(0);
    for (let i = 0; i < 2; i++) {
      expect(go('')).toMatchObject({ dir: plain.dir, hits: plain.written, rejected: 0, misses: 0, written: 0 });
      expect(go('--max-old-space-size=4096')).toMatchObject({ dir: big.dir, hits: big.written, rejected: 0, misses: 0, written: 0 });
    }
  });

  it('prunes, after a run that writes, entries written over 30 days ago, leftover temporary files and empty directories of other Nodes; a warm run touches nothing', () => {
    const base = join(tmp, 'prune');
    const first = run(base);
    const [dir] = readdirSync(base).map((d) => join(base, d)) as [string];
    const days = (n: number) => (Date.now() - n * 24 * 3600 * 1000) / 1000;
    const stale = join(dir, 'a'.repeat(64));
    const leftover = join(dir, `${'b'.repeat(64)}.123.tmp`);
    const notOurs = join(dir, 'notes.txt');
    const otherNode = join(base, 'v18.0.0-x64');
    mkdirSync(otherNode, { mode: 0o700 });
    for (const f of [stale, leftover, notOurs, join(otherNode, 'c'.repeat(64))]) {
      writeFileSync(f, 'x', { mode: 0o600 });
      utimesSync(f, days(40), days(40));
    }
    // A warm run writes nothing, so it prunes nothing.
    expect(run(base).stats).toMatchObject({ hits: first.stats.written, written: 0, pruned: 0 });
    expect(existsSync(stale) && existsSync(leftover) && existsSync(otherNode)).toBe(true);
    // A run that writes (here: one damaged entry) prunes.
    writeFileSync(join(dir, readdirSync(dir).find((f) => /^[0-9a-f]{64}$/.test(f) && join(dir, f) !== stale)!), 'damaged');
    const writing = run(base).stats;
    expect(writing).toMatchObject({ rejected: 1, written: 1, pruned: 3 });
    expect([existsSync(stale), existsSync(leftover), existsSync(otherNode), existsSync(notOurs)]).toEqual([false, false, false, true]);
    expect(run(base).stats).toMatchObject({ hits: first.stats.written, misses: 0, rejected: 0, written: 0 });
  });

  it('prunes the oldest entries past the size limit, and only regular files named as entries in directories named as Node versions', () => {
    const { pruneCompileCache, PRUNE_LIMITS } = createRequire(import.meta.url)(CACHE_MODULE) as {
      pruneCompileCache: (base: string, now: number, options?: { keep?: string; limits?: typeof PRUNE_LIMITS }) => number;
      PRUNE_LIMITS: { maxAgeMs: number; maxBytes: number; tmpAgeMs: number };
    };
    const base = join(tmp, 'prune-size');
    const dir = join(base, 'v20.0.0-x64');
    const foreign = join(base, 'not-a-version');
    const outside = join(tmp, 'prune-outside');
    for (const d of [dir, foreign]) mkdirSync(d, { recursive: true, mode: 0o700 });
    writeFileSync(outside, 'keep me');
    const now = Date.now();
    const names = ['1', '2', '3'].map((c) => join(dir, c.repeat(64)));
    names.forEach((f, i) => {
      writeFileSync(f, Buffer.alloc(100), { mode: 0o600 });
      utimesSync(f, (now - (3 - i) * 60_000) / 1000, (now - (3 - i) * 60_000) / 1000);
    });
    const old = (now - 100 * 24 * 3600 * 1000) / 1000;
    symlinkSync(outside, join(dir, '4'.repeat(64)));
    mkdirSync(join(dir, '5'.repeat(64)));
    writeFileSync(join(foreign, '6'.repeat(64)), 'x');
    utimesSync(join(foreign, '6'.repeat(64)), old, old);
    utimesSync(outside, old, old);
    expect(pruneCompileCache(base, now, { keep: dir, limits: { ...PRUNE_LIMITS, maxBytes: 250 } })).toBe(1);
    expect(names.map((f) => existsSync(f))).toEqual([false, true, true]);
    expect(readFileSync(outside, 'utf8')).toBe('keep me');
    expect(existsSync(join(dir, '4'.repeat(64))) && existsSync(join(dir, '5'.repeat(64))) && existsSync(join(foreign, '6'.repeat(64)))).toBe(true);
    // A directory writable by others is not touched.
    chmodSync(dir, 0o777);
    expect(pruneCompileCache(base, now, { limits: { ...PRUNE_LIMITS, maxBytes: 0 } })).toBe(0);
  });

  it('gives modules the require, module, exports, __filename and __dirname Node gives them', () => {
    const dir = join(tmp, 'modules');
    mkdirSync(join(dir, 'node_modules/dep'), { recursive: true });
    writeFileSync(join(dir, 'node_modules/dep/package.json'), JSON.stringify({ name: 'dep', main: 'lib.js' }));
    writeFileSync(join(dir, 'node_modules/dep/lib.js'), 'exports.name = "dep"; exports.self = __filename;');
    writeFileSync(join(dir, 'b.cjs'), 'module.exports = { b: 1, parent: module.parent && module.parent.id !== undefined };');
    // ES module syntax in a .js file with no "type": whatever Node does with it, the cache must do too.
    writeFileSync(join(dir, 'esm-syntax.js'), 'export const x = 1;\n');
    // A dynamic import(): Node 20 loses a vm.Script's import callback when it comes from cached data.
    writeFileSync(join(dir, 'dyn.cjs'), 'module.exports = () => import("node:path").then((m) => typeof m.join);');
    writeFileSync(
      join(dir, 'a.cjs'),
      `'use strict';
      const b = require('./b.cjs');
      const dep = require('dep');
      let esm;
      try { esm = Object.keys(require('./esm-syntax.js')); } catch (e) { esm = e.code || e.name; }
      let thrown;
      try { require('./missing'); } catch (e) { thrown = e.code; }
      const err = new Error('here');
      module.exports = {
        thisIsExports: this === module.exports,
        b, dep: dep.name, depResolved: require.resolve('dep') === dep.self,
        paths: Array.isArray(require.resolve.paths('dep')),
        cached: Object.keys(require.cache).some((k) => k.endsWith('b.cjs')),
        filename: __filename, dirname: __dirname, id: module.id === __filename,
        extensions: Object.keys(require.extensions).includes('.js'),
        esm, thrown, stackNamesFile: String(err.stack).includes(__filename + ':'),
      };`,
    );
    const script = `const c = process.argv[1] === 'on' ? require(${JSON.stringify(CACHE_MODULE)}).installCompileCache() : undefined;
      const out = require(${JSON.stringify(join(dir, 'a.cjs'))});
      require(${JSON.stringify(join(dir, 'dyn.cjs'))})().then((dyn) => process.stdout.write(JSON.stringify({ out: { ...out, dyn }, hits: c ? c.hits + c.misses : 0 })));`;
    const go = (mode: string, cache: string) => {
      const r = spawnSync(process.execPath, ['-e', script, mode], { encoding: 'utf8', env: { ...process.env, PROVENANT_COMPILE_CACHE: cache } });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { out: Record<string, unknown>; hits: number };
    };
    const base = join(tmp, 'modules-cache');
    const plain = go('off', '0');
    const cold = go('on', base);
    const warm = go('on', base);
    expect(cold.hits).toBeGreaterThanOrEqual(3);
    expect(cold.out).toEqual(plain.out);
    expect(warm.out).toEqual(plain.out);
    expect(plain.out).toMatchObject({ dyn: 'function', thisIsExports: true, dep: 'dep', depResolved: true, paths: true, cached: true, id: true, extensions: true, thrown: 'MODULE_NOT_FOUND', stackNamesFile: true });
  });
});
