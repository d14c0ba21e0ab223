// Packs the three publishable packages (npm pack) and installs tarballs into a project outside the
// workspace from the npm cache alone: the project's package-lock.json is the part of the repository's
// lockfile those packages need (scripts/lib/lockfile.mjs), with the tarballs in place of the workspace
// links, and `npm ci --offline` fetches nothing: every package comes from the cache by its integrity.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { closure, consumerEntry, readLock } from './lockfile.mjs';

export const PACKAGES = /** @type {const} */ (['core', 'verifier', 'cli']);

/** @typedef {{ name: string, dir: string, file: string, size: number, unpackedSize: number, entryCount: number, integrity: string, shasum: string, files: string[] }} Packed */

function run(cmd, args, opts) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return r.stdout;
}

/**
 * `npm pack` of core, verifier and cli into `dest` (the built dist/ must exist).
 * @returns {Packed[]}
 */
export function packAll(root, dest) {
  mkdirSync(dest, { recursive: true });
  const out = run('npm', ['pack', '--json', '--pack-destination', resolve(dest), ...PACKAGES.flatMap((p) => ['-w', `packages/${p}`])], { cwd: root });
  const list = JSON.parse(out);
  return PACKAGES.map((p) => {
    const dir = join(root, 'packages', p);
    const name = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name;
    const j = list.find((x) => x.name === name);
    if (!j) throw new Error(`npm pack: no tarball for ${name}`);
    return { name, dir, file: join(resolve(dest), j.filename), size: j.size, unpackedSize: j.unpackedSize, entryCount: j.entryCount, integrity: j.integrity, shasum: j.shasum, files: j.files.map((f) => f.path) };
  });
}

/**
 * Writes package.json and package-lock.json in `dir` for a project depending on the packed tarballs
 * (plus `devDependencies`, names that the repository's lockfile holds, e.g. typescript) and runs
 * `npm ci --offline` there.
 * @param {string} root repository root
 * @param {string} dir the empty project directory
 * @param {Packed[]} packed
 * @param {Record<string, string>} [devDependencies]
 */
export function installPacked(root, dir, packed, devDependencies = {}) {
  writeConsumerProject(root, dir, packed, devDependencies);
  return run('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir });
}

/**
 * The package.json and package-lock.json of such a project, without installing (an SBOM reads them).
 * @param {string} root
 * @param {string} dir
 * @param {Packed[]} packed
 * @param {Record<string, string>} [devDependencies]
 * @param {string} [name] the project's name (default consumer)
 * @param {string[]} [direct] the packed packages the project depends on (default all; the others are there as their dependencies)
 */
export function writeConsumerProject(root, dir, packed, devDependencies = {}, name = 'consumer', direct = packed.map((p) => p.name)) {
  const packages = readLock(root);
  const ours = new Set(packed.map((p) => p.name));
  const manifests = packed.map((p) => ({ p, pkg: JSON.parse(readFileSync(join(p.dir, 'package.json'), 'utf8')) }));
  /** @type {Array<[string, string]>} */
  const roots = [];
  for (const { p, pkg } of manifests) for (const d of Object.keys(pkg.dependencies ?? {})) roots.push([`packages/${p.dir.split('/').pop()}`, d]);
  for (const d of Object.keys(devDependencies)) roots.push(['', d]);
  const keys = closure(packages, roots, ours);
  const deps = Object.fromEntries(packed.filter((p) => direct.includes(p.name)).map((p) => [p.name, `file:${p.file}`]));
  const lock = {
    name,
    version: '0.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name, version: '0.0.0', dependencies: deps, devDependencies },
      ...Object.fromEntries(
        manifests.map(({ p, pkg }) => [`node_modules/${p.name}`, { version: pkg.version, resolved: `file:${p.file}`, integrity: p.integrity, license: pkg.license, dependencies: pkg.dependencies, ...(pkg.bin ? { bin: pkg.bin } : {}), ...(pkg.engines ? { engines: pkg.engines } : {}) }]),
      ),
      ...Object.fromEntries(keys.map((k) => [k, consumerEntry(/** @type {import('./lockfile.mjs').LockEntry} */ (packages[k]))])),
    },
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name, version: '0.0.0', private: true, type: 'module', dependencies: deps, devDependencies }, null, 2)}\n`);
  writeFileSync(join(dir, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
}
