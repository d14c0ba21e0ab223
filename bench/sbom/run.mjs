#!/usr/bin/env node
// `provenant sbom` on a real ~1,000-package npm project vs `cyclonedx-npm` on the same project, in one run,
// plus `node -e 0` as the floor, and provenant on pnpm-lock.yaml / yarn.lock versions of the same tree.
// Prints one JSON line: median wall times, speed ratio, provenant's peak RSS, purl-set equality; and
// provenant's first run (writing its compile cache) and runs with that cache off; and, when
// NODE_EXTRA_CA_CERTS is set, the same figures without it (`without_extra_ca`); and the floor under any
// lockfile (`cyclonedx_floor_ms`, floor.cjs: node, the CLI's code and the CycloneDX library writing an
// inventory catalogued beforehand), and `provenant sbom --format spdx-json` on the npm project.
//   node bench/sbom/run.mjs [--runs 5] [--theirs-runs 3]
// Builds the CLI if dist is missing and installs bench/sbom/project/node_modules (npm ci) if missing:
// cyclonedx-npm reads the installed tree (through `npm ls`), provenant reads the lockfile.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const project = join(here, 'project');
const pnpmProject = join(here, 'project-pnpm');
const yarnProject = join(here, 'project-yarn');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const RUNS = arg('--runs', 7);
const THEIRS_RUNS = arg('--theirs-runs', 3);
const log = (m) => process.stderr.write(`bench/sbom: ${m}\n`);

const bin = join(repo, 'packages/cli/bin/provenant.cjs');
if (!existsSync(join(repo, 'packages/cli/dist/commands/sbom.js')) || !existsSync(join(repo, 'packages/core/dist/sbom/index.js'))) {
  log('building (npm run build)');
  execFileSync('npm', ['run', 'build'], { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] });
}
if (!existsSync(join(project, 'node_modules'))) {
  log('installing bench/sbom/project (npm ci --ignore-scripts)');
  execFileSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: project, stdio: ['ignore', 'ignore', 'inherit'] });
}
const cyclonedxNpm = join(repo, 'node_modules/.bin/cyclonedx-npm');
if (!existsSync(cyclonedxNpm)) throw new Error('cyclonedx-npm is not installed: npm install at the repo root');

const work = mkdtempSync(join(tmpdir(), 'provenant-bench-sbom-'));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x) => Math.round(x * 10) / 10;

// provenant's V8 code cache (packages/cli/src/compile-cache.ts) lives in this run's work directory: the
// warm-up run writes it (its time is reported as the first run's), the timed runs read it, and
// `provenant_no_compile_cache_ms` times the same command with the cache off.
const compileCache = join(work, 'compile-cache');
process.env.PROVENANT_COMPILE_CACHE = compileCache;

/** Runs a command once under /usr/bin/time: wall ms and peak RSS KiB. Throws on a nonzero exit. */
function timed(cmd, args, cwd, env = process.env) {
  const rssFile = join(work, 'rss');
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', '-o', rssFile, cmd, ...args], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20 });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${String(r.stderr).slice(-2000)}`);
  return { wall, rssKiB: Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) };
}

const node = process.execPath;
// provenant runs as a user runs it: its bin, whose sh launcher starts the `node` on PATH (this one).
process.env.PATH = `${dirname(node)}:${process.env.PATH ?? ''}`;
const out = (name) => join(work, `${name}.cdx.json`);
const oursOut = out('ours');
const theirsOut = out('theirs');
// Each measured command, run in a given environment; `tag` keeps the output files of variants apart.
const runners = {
  node0: (env) => timed(node, ['-e', '0'], repo, env),
  ours: (env, tag) => timed(bin, ['sbom', project, '--output', out(`ours${tag}`)], repo, env),
  oursPnpm: (env, tag) => timed(bin, ['sbom', pnpmProject, '--output', out(`pnpm${tag}`)], repo, env),
  oursYarn: (env, tag) => timed(bin, ['sbom', yarnProject, '--output', out(`yarn${tag}`)], repo, env),
  theirs: (env, tag) => timed(cyclonedxNpm, ['--ignore-npm-errors', '--output-format', 'JSON', '--output-file', out(`theirs${tag}`)], project, env),
};
// The floor (floor.cjs): a fresh node that writes the CycloneDX JSON of the pnpm project's inventory,
// catalogued here beforehand, through the CLI bundle's code and the CycloneDX library, reading no lockfile.
const coreSbom = await import(pathToFileURL(join(repo, 'packages/core/dist/sbom/index.js')).href);
const floorInventory = join(work, 'pnpm-inventory.json');
writeFileSync(floorInventory, JSON.stringify(coreSbom.catalogJavaScriptProject(pnpmProject, {})));
// The chunk the `sbom` command loads core/sbom from, followed from main.cjs (chunk names carry content
// hashes, and a build that turbo restored from its cache may leave an older build's chunks beside them).
const bundleDir = join(repo, 'packages/cli/dist/bundle');
const required = (file, pattern) => {
  const m = pattern.exec(readFileSync(join(bundleDir, file), 'utf8'));
  if (!m) throw new Error(`${file} in ${bundleDir} does not load ${pattern}`);
  return m[1];
};
const sbomCommandChunk = required('main.cjs', /name:`sbom`[^}]*require\("\.\/(sbom-[\w-]+\.cjs)"\)/);
const sbomChunk = join(bundleDir, required(sbomCommandChunk, /require\("\.\/(sbom-[\w-]+\.cjs)"\)/));
if (typeof createRequire(import.meta.url)(sbomChunk).t?.toCycloneDx !== 'function') throw new Error(`${sbomChunk} does not export toCycloneDx`);
const commands = Object.fromEntries(Object.entries(runners).map(([k, run]) => [k, () => run(process.env, '')]));
// Always without NODE_EXTRA_CA_CERTS, as the bin runs until a TLS connection; compared with the runs without it.
const withoutExtraCa = { ...process.env };
delete withoutExtraCa.NODE_EXTRA_CA_CERTS;
commands.floor = () => timed(node, [join(here, 'floor.cjs'), sbomChunk, floorInventory, out('floor')], repo, withoutExtraCa);
commands.oursSpdx = () => timed(bin, ['sbom', project, '--format', 'spdx-json', '--output', join(work, 'ours.spdx.json')], repo);
commands.oursNoCache = () => runners.ours({ ...process.env, PROVENANT_COMPILE_CACHE: '0' }, '-no-cache');
// NODE_EXTRA_CA_CERTS makes Node 20 parse its bundled roots and that file at every start, before any
// JavaScript runs (on a machine whose variable names the system bundle, most of `node -e 0`); the bin's
// launcher defers that to the first TLS connection (packages/cli/src/deferred-ca.ts). When it is set,
// every command above is also timed without it, in the same run (`<name>NoCa`), and the pnpm SBOM is
// also timed as `node bin/provenant.cjs` (no launcher, so the file is parsed at start: `oursPnpmViaNode`).
const extraCa = Boolean(process.env.NODE_EXTRA_CA_CERTS);
if (extraCa) {
  for (const [k, run] of Object.entries(runners)) commands[`${k}NoCa`] = () => run(withoutExtraCa, '-no-ca');
  commands.oursPnpmViaNode = () => timed(node, [bin, 'sbom', pnpmProject, '--output', out('pnpm-via-node')], repo);
}

// Interleaved so machine load drifts hit every command alike; one warm-up run each first.
const results = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
const firstRuns = Object.fromEntries(Object.keys(commands).map((k) => [k, commands[k]().wall]));
for (let i = 0; i < RUNS; i++) {
  for (const k of Object.keys(commands)) {
    if (k.startsWith('theirs') && i >= THEIRS_RUNS) continue;
    results[k].push(commands[k]());
  }
}
const wall = (k) => median(results[k].map((r) => r.wall));
/** wall(a) / wall(b), to two decimals. */
const ratio = (a, b) => Math.round((wall(a) / wall(b)) * 100) / 100;

/** Every purl in a CycloneDX document (nested components too), qualifiers and case normalized away. */
function purls(file) {
  const out = new Set();
  const walk = (cs) => {
    for (const c of cs ?? []) {
      if (typeof c.purl === 'string') out.add(decodeURIComponent(c.purl.split('?')[0].split('#')[0]).toLowerCase());
      walk(c.components);
    }
  };
  walk(JSON.parse(readFileSync(file, 'utf8')).components);
  return out;
}
const ours = purls(oursOut);
const theirs = purls(theirsOut);
const onlyOurs = [...ours].filter((p) => !theirs.has(p));
const onlyTheirs = [...theirs].filter((p) => !ours.has(p));
const lockPackages = Object.keys(JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8')).packages).length - 1;
const perSet = (file) => purls(file).size;

const figures = {
  bench: 'sbom',
  project_lockfile_packages: lockPackages,
  runs: RUNS,
  theirs_runs: THEIRS_RUNS,
  node_e0_ms: ms(wall('node0')),
  provenant_ms: ms(wall('ours')),
  cyclonedx_npm_ms: ms(wall('theirs')),
  speedup_vs_cyclonedx_npm: Math.round((wall('theirs') / wall('ours')) * 10) / 10,
  speedup_target: 20,
  provenant_first_run_ms: ms(firstRuns.ours),
  provenant_no_compile_cache_ms: ms(wall('oursNoCache')),
  speedup_no_compile_cache: Math.round((wall('theirs') / wall('oursNoCache')) * 10) / 10,
  provenant_peak_rss_mib: Math.round((Math.max(...results.ours.map((r) => r.rssKiB)) / 1024) * 10) / 10,
  rss_target_mib: 150,
  cyclonedx_npm_peak_rss_mib: Math.round((Math.max(...results.theirs.map((r) => r.rssKiB)) / 1024) * 10) / 10,
  purls_provenant: ours.size,
  purls_cyclonedx_npm: theirs.size,
  purl_sets_equal: onlyOurs.length === 0 && onlyTheirs.length === 0,
  purls_only_provenant: onlyOurs.slice(0, 10),
  purls_only_cyclonedx_npm: onlyTheirs.slice(0, 10),
  pnpm_lock_ms: ms(wall('oursPnpm')),
  pnpm_purls: perSet(out('pnpm')),
  yarn_lock_ms: ms(wall('oursYarn')),
  yarn_purls: perSet(out('yarn')),
  pnpm_vs_node_e0: ratio('oursPnpm', 'node0'),
  yarn_vs_node_e0: ratio('oursYarn', 'node0'),
  package_lock_vs_node_e0: ratio('ours', 'node0'),
  // Under every lockfile: node, the CLI's code and the CycloneDX library writing the pnpm inventory;
  // without NODE_EXTRA_CA_CERTS, so compared with `node -e 0` and the SBOMs without it too.
  cyclonedx_floor_ms: ms(wall('floor')),
  cyclonedx_floor_vs_node_e0_without_extra_ca: ratio('floor', extraCa ? 'node0NoCa' : 'node0'),
  pnpm_over_floor_ms: ms(wall(extraCa ? 'oursPnpmNoCa' : 'oursPnpm') - wall('floor')),
  yarn_over_floor_ms: ms(wall(extraCa ? 'oursYarnNoCa' : 'oursYarn') - wall('floor')),
  provenant_spdx_ms: ms(wall('oursSpdx')),
  node_extra_ca_certs_set: extraCa,
  ...(extraCa
    ? {
        pnpm_lock_via_node_ms: ms(wall('oursPnpmViaNode')),
        pnpm_via_node_vs_node_e0: ratio('oursPnpmViaNode', 'node0'),
        without_extra_ca: {
          node_e0_ms: ms(wall('node0NoCa')),
          provenant_ms: ms(wall('oursNoCa')),
          cyclonedx_npm_ms: ms(wall('theirsNoCa')),
          speedup_vs_cyclonedx_npm: Math.round((wall('theirsNoCa') / wall('oursNoCa')) * 10) / 10,
          pnpm_vs_node_e0: ratio('oursPnpmNoCa', 'node0NoCa'),
          yarn_vs_node_e0: ratio('oursYarnNoCa', 'node0NoCa'),
        },
      }
    : {}),
  node: process.version,
  cpus: cpus().length,
  loadavg_1m: Math.round(loadavg()[0] * 100) / 100,
};
rmSync(work, { recursive: true, force: true });
process.stdout.write(JSON.stringify(figures) + '\n');
