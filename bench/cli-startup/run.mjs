#!/usr/bin/env node
// CLI cold start: `packages/cli/bin/provenant.cjs --version` (the bin as a user runs it: its
// #!/usr/bin/env node starts the `node` on PATH, this one) vs `node -e 0`, same machine, same run, both
// without NODE_EXTRA_CA_CERTS (Node 20 parses that file at every start, which would distort the ratio).
// Uses hyperfine (--export-json) when installed, else its own alternating timing loop. Prints one JSON
// line; target: provenant --version within 3x of bare node. Needs `npm run build` first.
//   node bench/cli-startup/run.mjs [--runs 30]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bin = join(repo, 'packages/cli/bin/provenant.cjs');
if (!existsSync(join(repo, 'packages/cli/dist/main.js'))) throw new Error('packages/cli/dist missing: run npm run build first');
const i = process.argv.indexOf('--runs');
const RUNS = i > 0 ? Number(process.argv[i + 1]) : 30;
const node = process.execPath;
process.env.PATH = `${dirname(node)}:${process.env.PATH ?? ''}`;
delete process.env.NODE_EXTRA_CA_CERTS;
const cmds = { provenant_version: `${bin} --version`, node_e_0: `${node} -e 0` };

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

let method;
const times = {};
const hf = spawnSync('hyperfine', ['--version'], { encoding: 'utf8' });
if (hf.status === 0) {
  method = 'hyperfine';
  const dir = mkdtempSync(join(tmpdir(), 'provenant-bench-'));
  const out = join(dir, 'hf.json');
  const named = Object.entries(cmds);
  const r = spawnSync('hyperfine', ['-N', '--warmup', '3', '--runs', String(RUNS), '--export-json', out, ...named.flatMap(([name, cmd]) => ['-n', name, cmd])], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`hyperfine failed: ${r.stderr}`);
  for (const res of JSON.parse(readFileSync(out, 'utf8')).results) times[res.command] = res.times;
  rmSync(dir, { recursive: true, force: true });
} else {
  method = 'spawnSync loop';
  times.provenant_version = [];
  times.node_e_0 = [];
  const once = (args) => {
    const t0 = process.hrtime.bigint();
    const r = args[0] === bin ? spawnSync(bin, args.slice(1)) : spawnSync(node, args);
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}`);
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
  for (let k = 0; k < 3; k++) {
    once([bin, '--version']);
    once(['-e', '0']);
  }
  for (let k = 0; k < RUNS; k++) {
    times.provenant_version.push(once([bin, '--version']));
    times.node_e_0.push(once(['-e', '0']));
  }
}

const ours = median(times.provenant_version);
const base = median(times.node_e_0);
console.log(
  JSON.stringify({
    bench: 'cli-startup',
    method,
    runs: RUNS,
    provenant_version_median_ms: Number((ours * 1000).toFixed(1)),
    node_e_0_median_ms: Number((base * 1000).toFixed(1)),
    ratio: Number((ours / base).toFixed(3)),
    target_ratio_max: 3,
    node_extra_ca_certs_set: false,
    node: process.version,
    loadavg_1m: Number(loadavg()[0].toFixed(2)),
  }),
);
