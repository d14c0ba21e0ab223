#!/usr/bin/env node
// Registry blob throughput of the core/oci client against a loopback docker-registry started here:
// (a) `curl -s URL | sha256sum` (download + hash in two native processes) vs (b) our client's
// openBlob (download, size check and sha256 verify-while-reading in one Node process); and pushing
// the same blob with our client (monolithic POST + PUT). Prints one JSON line.
// Needs `npm run build` first (loads @provenant/core from dist).
//   node bench/oci/run.mjs [--mib 256] [--rounds 3]
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient, staticCredentials } from '@provenant/core/oci';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const MIB = arg('--mib', 256);
const ROUNDS = arg('--rounds', 3);
const work = mkdtempSync(join(tmpdir(), 'provenant-bench-oci-'));
let registry;

async function startRegistry() {
  const dir = join(work, 'registry');
  execFileSync('mkdir', ['-p', join(dir, 'data')]);
  writeFileSync(
    join(dir, 'config.yml'),
    ['version: 0.1', 'log: {level: info, formatter: text}', 'storage:', `  filesystem: {rootdirectory: "${dir}/data"}`, 'http:', '  addr: 127.0.0.1:0', '  secret: bench-not-secret', ''].join('\n'),
  );
  registry = spawn('/usr/bin/docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const port = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`registry did not report its port: ${out.slice(-500)}`)), 20_000);
    const onData = (d) => {
      out += d.toString();
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    };
    registry.stdout.on('data', onData);
    registry.stderr.on('data', onData);
    registry.on('exit', (code) => reject(new Error(`registry exited (${code}): ${out.slice(-500)}`)));
  });
  registry.stdout.resume();
  registry.stderr.resume();
  return `127.0.0.1:${port}`;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const host = await startRegistry();
  const client = new RegistryClient({ credentials: staticCredentials({}), insecure: true });
  const repo = { registry: host, repository: 'bench/blob' };
  const data = randomBytes(MIB * 1024 * 1024);
  const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
  const push = [];
  for (let r = 0; r < ROUNDS; r++) {
    const blob = r === 0 ? data : Buffer.concat([data.subarray(0, data.length - 1), Buffer.from([r])]);
    const t = performance.now();
    await client.pushBlob(repo, blob);
    push.push(performance.now() - t);
  }
  const url = `http://${host}/v2/bench/blob/blobs/${digest}`;
  const curl = [];
  const ours = [];
  for (let r = 0; r < ROUNDS; r++) {
    let t = performance.now();
    const hex = execFileSync('sh', ['-c', `curl -sf '${url}' | sha256sum`], { encoding: 'utf8' }).split(' ')[0];
    curl.push(performance.now() - t);
    if (`sha256:${hex}` !== digest) throw new Error('curl download hashed differently');
    t = performance.now();
    let n = 0;
    for await (const chunk of client.openBlob(repo, { digest, size: data.length })) n += chunk.length;
    ours.push(performance.now() - t);
    if (n !== data.length) throw new Error('short read');
  }
  client.close();
  const result = {
    bench: 'oci-blob',
    mib: MIB,
    rounds: ROUNDS,
    pullCurlSha256sumMs: Math.round(median(curl)),
    pullOursVerifiedMs: Math.round(median(ours)),
    pullRatio: Number((median(ours) / median(curl)).toFixed(2)),
    pullOursMiBps: Math.round(MIB / (median(ours) / 1000)),
    pushOursMs: Math.round(median(push)),
    cpus: cpus().length,
    load1: Number(loadavg()[0].toFixed(2)),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

try {
  await main();
} finally {
  if (registry?.pid && registry.exitCode === null) process.kill(registry.pid, 'SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
