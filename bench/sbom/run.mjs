#!/usr/bin/env node
// `provenant sbom` on a real ~1,000-package npm project vs `cyclonedx-npm` on the same project, in one run,
// plus `node -e 0` as the floor, and provenant on pnpm-lock.yaml / yarn.lock versions of the same tree.
// Prints one JSON line: median wall times, speed ratio, provenant's peak RSS, purl-set equality, provenant's
// first run, and `provenant sbom --format spdx-json` on the npm project. Every command runs without
// NODE_EXTRA_CA_CERTS (Node 20 parses that file at every start, which would distort every ratio).
//   node bench/sbom/run.mjs [--runs 5] [--theirs-runs 3]
// Builds the CLI if dist is missing and installs bench/sbom/project/node_modules (npm ci) if missing:
// cyclonedx-npm reads the installed tree (through `npm ls`), provenant reads the lockfile.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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

delete process.env.NODE_EXTRA_CA_CERTS;

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
};
rmSync(work, { recursive: true, force: true });
process.stdout.write(JSON.stringify(figures) + '\n');
