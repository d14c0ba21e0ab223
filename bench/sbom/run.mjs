#!/usr/bin/env node
// `provenant sbom` on a real ~1,000-package npm project vs `cyclonedx-npm` on the same project, in one run,
// plus `node -e 0` as the floor, and provenant on pnpm-lock.yaml / yarn.lock versions of the same tree.
// Prints one JSON line: median wall times, speed ratio, provenant's peak RSS, purl-set equality, provenant's
// first run, and `provenant sbom --format spdx-json` on the npm project. Every command runs without
// NODE_EXTRA_CA_CERTS (Node 20 parses that file at every start, which would distort every ratio).
// Then every lockfile format at two sizes (bench/sbom/generate.mjs: 1,000 and 10,000 packages):
// `provenant sbom`'s CPU time per package at each (median, less that of a 1-package lockfile of the
// format, the fixed cost) and their ratio (`scaling`; linear time is <= 1.5), the same in process
// (`scaling_in_process`, median of --scale-runs), and `provenant sbom` against cdxgen (scripts/cdxgen.mjs,
// pinned, lockfile-only; installed by scripts/install-cdxgen.mjs, else reported as missing) on the
// 1,000-package lockfile of each format, by wall time (`vs_cdxgen`) and CPU time (`vs_cdxgen_cpu`).
//   node bench/sbom/run.mjs [--runs 5] [--theirs-runs 3] [--scale-runs 5] [--only-formats]
// Builds the CLI if dist is missing and installs bench/sbom/project/node_modules (npm ci) if missing:
// cyclonedx-npm reads the installed tree (through `npm ls`), provenant reads the lockfile.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CDXGEN_ARGS, CDXGEN_ENV, CDXGEN_VERSION, cdxgenBin } from '../../scripts/cdxgen.mjs';
import { FORMATS, writeProject } from './generate.mjs';

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
const SCALE_RUNS = arg('--scale-runs', 5);
const ONLY_FORMATS = process.argv.includes('--only-formats');
const log = (m) => process.stderr.write(`bench/sbom: ${m}\n`);

const bin = join(repo, 'packages/cli/bin/provenant.cjs');
if (!existsSync(join(repo, 'packages/cli/dist/commands/sbom.js')) || !existsSync(join(repo, 'packages/core/dist/sbom/index.js'))) {
  log('building (npm run build)');
  execFileSync('npm', ['run', 'build'], { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] });
}
if (!ONLY_FORMATS && !existsSync(join(project, 'node_modules'))) {
  log('installing bench/sbom/project (npm ci --ignore-scripts)');
  execFileSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: project, stdio: ['ignore', 'ignore', 'inherit'] });
}
const cyclonedxNpm = join(repo, 'node_modules/.bin/cyclonedx-npm');
if (!ONLY_FORMATS && !existsSync(cyclonedxNpm)) throw new Error('cyclonedx-npm is not installed: npm install at the repo root');

const work = mkdtempSync(join(tmpdir(), 'provenant-bench-sbom-'));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x) => Math.round(x * 10) / 10;

delete process.env.NODE_EXTRA_CA_CERTS;

/** Runs a command once under /usr/bin/time: wall ms, peak RSS KiB and CPU ms. Throws on a nonzero exit. */
function timed(cmd, args, cwd, env = process.env) {
  const rssFile = join(work, 'rss');
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', '-o', rssFile, cmd, ...args], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20 });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${String(r.stderr).slice(-2000)}`);
  const [rss, user, sys] = readFileSync(rssFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  // CPU time (user + system, the command and the children it waited for): what the work costs, which
  // other processes' load on a shared machine changes far less than wall time.
  return { wall, rssKiB: rss, cpu: (user + sys) * 1000 };
}

const node = process.execPath;
// provenant runs as a user runs it: its bin, whose #!/usr/bin/env node starts the `node` on PATH (this one).
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
// The library itself, for package counts and the in-process figures.
const coreSbom = await import(pathToFileURL(join(repo, 'packages/core/dist/sbom/index.js')).href);
let figures = { bench: 'sbom' };
if (!ONLY_FORMATS) {
const commands = Object.fromEntries(Object.entries(runners).map(([k, run]) => [k, () => run(process.env, '')]));
commands.oursSpdx = () => timed(bin, ['sbom', project, '--format', 'spdx-json', '--output', join(work, 'ours.spdx.json')], repo);

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

const projectFigures = () => ({
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
  provenant_spdx_ms: ms(wall('oursSpdx')),
  node_extra_ca_certs_set: false,
  node: process.version,
  cpus: cpus().length,
  loadavg_1m: Math.round(loadavg()[0] * 100) / 100,
});
figures = projectFigures();
}

// ---- every format at 1,000 and 10,000 packages; provenant vs cdxgen at 1,000 ----
// CPU time of this process (user + system), not wall time: on a shared machine other processes' load
// changes wall time far more than the work done, and the ratio of two sizes is what is measured.
const inProcess = (dir) => {
  const c0 = process.cpuUsage();
  const inv = coreSbom.catalogJavaScriptProject(dir, {});
  coreSbom.toCycloneDx(inv, { specVersion: '1.6', format: 'json' });
  const c = process.cpuUsage(c0);
  return { ms: (c.user + c.system) / 1000, packages: inv.packages.length };
};
const cdxgen = cdxgenBin();
if (!cdxgen) log(`cdxgen ${CDXGEN_VERSION} is not installed (node scripts/install-cdxgen.mjs): no vs_cdxgen figures`);
const formats = {};
const cli = (dir, tag) => timed(bin, ['sbom', dir, '--output', out(`gen-${tag}`)], repo);
for (const format of FORMATS) {
  const row = {};
  const projects = Object.fromEntries([1, 1000, 10000].map((n) => [n, writeProject(join(work, `${format}-${n}`), format, n)]));
  // provenant sbom on each size, interleaved; the 1-package lockfile's time is the fixed cost (start-up,
  // writing the document) that the per-package figures leave out.
  const walls = { 1: [], 1000: [], 10000: [] };
  for (const n of [1, 1000, 10000]) cli(projects[n].dir, `${format}-${n}`); // warm-up: file cache, compile cache
  for (let i = 0; i < RUNS; i++) for (const n of [1, 1000, 10000]) walls[n].push(cli(projects[n].dir, `${format}-${n}`));
  const wallOf = (n) => median(walls[n].map((r) => r.wall));
  const cpuOf = (n) => median(walls[n].map((r) => r.cpu));
  const fixed = cpuOf(1);
  const perPackage = {};
  for (const n of [1000, 10000]) {
    const packages = coreSbom.catalogJavaScriptProject(projects[n].dir, {}).packages.length;
    perPackage[n] = ((cpuOf(n) - fixed) * 1000) / packages;
    row[`packages_${n}`] = packages;
    row[`provenant_ms_${n}`] = ms(wallOf(n));
    row[`provenant_cpu_ms_${n}`] = ms(cpuOf(n));
    row[`cpu_us_per_package_${n}`] = Math.round(perPackage[n] * 10) / 10;
  }
  row.provenant_cpu_ms_1 = ms(fixed);
  row.scaling = Math.round((perPackage[10000] / perPackage[1000]) * 100) / 100;
  // The same in this process (CPU time, catalog + CycloneDX JSON, warm): no start-up to leave out, but a
  // long-lived process's heap, which a 10,000-package lockfile makes the collector work harder in.
  const cpu = {};
  for (const n of [1000, 10000]) {
    for (let i = 0; i < 2; i++) inProcess(projects[n].dir);
    const runs = Array.from({ length: SCALE_RUNS }, () => inProcess(projects[n].dir));
    cpu[n] = (median(runs.map((r) => r.ms)) * 1000) / runs[0].packages;
    row[`in_process_cpu_us_per_package_${n}`] = Math.round(cpu[n] * 10) / 10;
  }
  row.scaling_in_process = Math.round((cpu[10000] / cpu[1000]) * 100) / 100;
  if (cdxgen) {
    const theirs = [];
    for (let i = 0; i < THEIRS_RUNS; i++) theirs.push(timed(cdxgen, [...CDXGEN_ARGS, '-o', out(`cdxgen-${format}`), projects[1000].dir], work, { ...process.env, ...CDXGEN_ENV }));
    row.cdxgen_ms_1000 = ms(median(theirs.map((r) => r.wall)));
    row.cdxgen_cpu_ms_1000 = ms(median(theirs.map((r) => r.cpu)));
    row.vs_cdxgen = Math.round((median(theirs.map((r) => r.wall)) / wallOf(1000)) * 10) / 10;
    row.vs_cdxgen_cpu = Math.round((median(theirs.map((r) => r.cpu)) / cpuOf(1000)) * 10) / 10;
  }
  formats[format] = row;
  log(`${format}: ${JSON.stringify(row)}`);
}
figures = {
  ...figures,
  formats,
  scaling_target: 1.5,
  scaling_worst: Math.max(...Object.values(formats).map((r) => r.scaling)),
  scaling_in_process_worst: Math.max(...Object.values(formats).map((r) => r.scaling_in_process)),
  cdxgen: cdxgen ? `@cyclonedx/cdxgen@${CDXGEN_VERSION}` : 'not installed',
  vs_cdxgen_target: 20,
  vs_cdxgen_worst: cdxgen ? Math.min(...Object.values(formats).map((r) => r.vs_cdxgen)) : null,
  vs_cdxgen_cpu_worst: cdxgen ? Math.min(...Object.values(formats).map((r) => r.vs_cdxgen_cpu)) : null,
  node: process.version,
  cpus: cpus().length,
  loadavg_1m: Math.round(loadavg()[0] * 100) / 100,
};
rmSync(work, { recursive: true, force: true });
process.stdout.write(JSON.stringify(figures) + '\n');
