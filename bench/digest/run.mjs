#!/usr/bin/env node
// Streaming file hashing: core/digest hashFile vs `openssl dgst -sha256` on the same 1 GiB file in the
// same run (median of several alternating runs, page cache warmed first), plus the peak RSS of a child
// process that only hashes the file. Prints one JSON line. Needs `npm run build` first.
//   node bench/digest/run.mjs [--size-mib 1024] [--runs 5] [--keep]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, rmSync, statSync, writeSync } from 'node:fs';
import { createHash, randomFillSync } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const digestModule = join(repo, 'packages/core/dist/digest/index.js');
if (!existsSync(digestModule)) throw new Error(`${digestModule} missing: run npm run build first`);
const { hashFile } = await import(pathToFileURL(digestModule).href);

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const SIZE = arg('--size-mib', 1024) * 1024 * 1024;
const RUNS = arg('--runs', 5);
const MIB = 1024 * 1024;

// bench/.work is gitignored; the file is reused across runs when it has the right size.
const work = join(repo, 'bench/.work');
mkdirSync(work, { recursive: true });
const file = join(work, `digest-${SIZE / MIB}mib.bin`);
if (!existsSync(file) || statSync(file).size !== SIZE) {
  const fd = openSync(file, 'w');
  const block = Buffer.allocUnsafe(4 * MIB);
  for (let written = 0; written < SIZE; written += block.length) {
    randomFillSync(block);
    writeSync(fd, block, 0, Math.min(block.length, SIZE - written));
  }
  closeSync(fd);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function timeOpenssl() {
  const t0 = process.hrtime.bigint();
  const out = execFileSync('openssl', ['dgst', '-sha256', '-r', file], { encoding: 'utf8' });
  return { s: Number(process.hrtime.bigint() - t0) / 1e9, hex: out.split(' ')[0] };
}

async function timeOurs() {
  const t0 = process.hrtime.bigint();
  const r = await hashFile(file, 'sha256');
  return { s: Number(process.hrtime.bigint() - t0) / 1e9, hex: r.hex };
}

// The obvious Node way (createReadStream, 64 KiB chunks), to show what the reused big buffers buy.
async function timeNaiveStream() {
  const t0 = process.hrtime.bigint();
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk);
  return { s: Number(process.hrtime.bigint() - t0) / 1e9, hex: h.digest('hex') };
}

// Warm the page cache so both sides read from memory, then alternate so drift hits both equally.
timeOpenssl();
await timeOurs();
const ours = [];
const theirs = [];
const naive = [];
let agree = true;
for (let i = 0; i < RUNS; i++) {
  const a = await timeOurs();
  const b = timeOpenssl();
  const c = await timeNaiveStream();
  ours.push(a.s);
  theirs.push(b.s);
  naive.push(c.s);
  if (a.hex !== b.hex || c.hex !== b.hex) agree = false;
}

// Peak RSS of a process doing nothing but the hash.
const child = `const m = await import(${JSON.stringify(pathToFileURL(digestModule).href)}); const r = await m.hashFile(${JSON.stringify(file)}); process.stdout.write(JSON.stringify({ hex: r.hex, maxRSS: process.resourceUsage().maxRSS }));`;
let rssKiB;
let rssMethod;
const timed = existsSync('/usr/bin/time') ? spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, '--input-type=module', '-e', child], { encoding: 'utf8' }) : undefined;
if (timed && timed.status === 0) {
  rssKiB = Number(timed.stderr.trim().split('\n').pop());
  rssMethod = '/usr/bin/time -f %M';
} else {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', child], { encoding: 'utf8' });
  rssKiB = JSON.parse(r.stdout).maxRSS;
  rssMethod = 'process.resourceUsage().maxRSS';
}
// Baseline: the same node with no hashing, to show what the hash itself adds.
const idle = spawnSync(process.execPath, ['--input-type=module', '-e', `process.stdout.write(String(process.resourceUsage().maxRSS))`], { encoding: 'utf8' });

const oursMiBs = SIZE / MIB / median(ours);
const opensslMiBs = SIZE / MIB / median(theirs);
if (!process.argv.includes('--keep')) rmSync(file, { force: true });
console.log(
  JSON.stringify({
    bench: 'digest',
    file_mib: SIZE / MIB,
    runs: RUNS,
    ours_mib_per_s: Math.round(oursMiBs),
    openssl_mib_per_s: Math.round(opensslMiBs),
    node_createReadStream_mib_per_s: Math.round(SIZE / MIB / median(naive)),
    ratio_vs_openssl: Number((oursMiBs / opensslMiBs).toFixed(3)),
    target_ratio: 0.85,
    // Shared machines: a high load makes every figure here noisy; the ratios are measured in the same window.
    loadavg_1m: Number(loadavg()[0].toFixed(2)),
    digests_agree: agree,
    child_peak_rss_mib: Number((rssKiB / 1024).toFixed(1)),
    node_idle_rss_mib: Number((Number(idle.stdout) / 1024).toFixed(1)),
    rss_limit_mib: 64,
    rss_method: rssMethod,
    ours_s: ours.map((x) => Number(x.toFixed(3))),
    openssl_s: theirs.map((x) => Number(x.toFixed(3))),
  }),
);
