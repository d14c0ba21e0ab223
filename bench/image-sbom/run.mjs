#!/usr/bin/env node
// Image SBOM throughput: a generated ~500 MiB image (4 gzip layers, mostly random + compressible
// files, a dpkg db, python dist-info, node_modules, whiteouts) pushed to a loopback docker-registry
// started here; then, in the same run, (a) pulling and decompressing every layer with
// `skopeo copy docker://... oci:DIR` + `gzip -dc` vs (b) `provenant sbom <ref>` end to end
// (pull, verify, gunzip, tar, squash, catalog, CycloneDX). Prints one JSON line.
// Needs `npm run build` first (runs the built CLI and loads @provenant/core from dist).
//   node bench/image-sbom/run.mjs [--mib 500] [--rounds 2]
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import { MEDIA_TYPES, OciLayoutWriter, writeTar } from '@provenant/core/oci';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const TOTAL_MIB = arg('--mib', 500);
const ROUNDS = arg('--rounds', 2);
const MiB = 1024 * 1024;
const work = mkdtempSync(join(tmpdir(), 'provenant-bench-image-'));
let registryPid;

function log(msg) {
  process.stderr.write(`bench/image-sbom: ${msg}\n`);
}

// ---- registry ------------------------------------------------------------------------------
async function startRegistry() {
  const dir = join(work, 'registry');
  execFileSync('mkdir', ['-p', join(dir, 'data')]);
  writeFileSync(
    join(dir, 'config.yml'),
    ['version: 0.1', 'log: {level: info, formatter: text}', 'storage:', `  filesystem: {rootdirectory: "${dir}/data"}`, '  delete: {enabled: true}', 'http:', '  addr: 127.0.0.1:0', '  secret: bench-not-secret', ''].join('\n'),
  );
  const child = spawn('/usr/bin/docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  registryPid = child.pid;
  let out = '';
  const port = await new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error(`registry did not report its port: ${out.slice(-500)}`)), 20000);
    const onData = (d) => {
      out += d.toString();
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(t);
        res(Number(m[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => rej(new Error(`registry exited (${code}): ${out.slice(-500)}`)));
  });
  child.stdout.resume();
  child.stderr.resume();
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/v2/`)).status === 200) return `127.0.0.1:${port}`;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('registry never answered /v2/');
}

function stopRegistry() {
  if (registryPid !== undefined) {
    try {
      process.kill(registryPid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

// ---- image generation ----------------------------------------------------------------------
const WORDS = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua package version depends install status config library shared object binary'.split(' ');
function textPool(bytes) {
  let s = 0x9e3779b9;
  const parts = [];
  let n = 0;
  while (n < bytes) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const w = WORDS[(s >>> 0) % WORDS.length];
    const tok = (s & 7) === 0 ? `${w}-${(s >>> 8) & 0xffff}\n` : `${w} `;
    parts.push(tok);
    n += tok.length;
  }
  return Buffer.from(parts.join('')).subarray(0, bytes);
}
const POOL = textPool(8 * MiB);
function compressible(size, seed) {
  const off = (seed * 7919 * 1024) % (POOL.length - size);
  return POOL.subarray(off, off + size);
}

function dpkgStatus(n) {
  const stanzas = [];
  for (let i = 0; i < n; i++) {
    stanzas.push(`Package: pkg-${i}\nStatus: install ok installed\nPriority: optional\nInstalled-Size: ${100 + i}\nArchitecture: amd64\nVersion: 1.${i}.0-1\nDepends: libc6 (>= 2.36)\nDescription: generated package ${i}\n multi-line description\n`);
  }
  return stanzas.join('\n');
}

function* fileEntries(prefix, count, size, kind) {
  for (let i = 0; i < count; i++) {
    const path = `${prefix}/file-${i}.${kind === 'random' ? 'bin' : 'txt'}`;
    if (kind === 'random') yield { path, size, content: async function* () { for (let o = 0; o < size; o += MiB) yield randomBytes(Math.min(MiB, size - o)); } };
    else yield { path, content: compressible(size, i + prefix.length) };
  }
}

function layerSpecs(totalMiB) {
  const q = Math.max(1, Math.floor(totalMiB / 4));
  return [
    () => [
      { path: 'etc/os-release', content: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n' },
      { path: 'var/lib/dpkg/status', content: dpkgStatus(400) },
      ...fileEntries('usr/lib/x86_64-linux-gnu', q, MiB, 'random'),
      ...fileEntries('usr/share/doc/base', 8, Math.floor(MiB / 2), 'text'),
    ],
    () => [...fileEntries('usr/share/doc/generated', Math.floor(q / 2), 2 * MiB, 'text')],
    () => [
      ...Array.from({ length: 20 }, (_, i) => ({ path: `usr/lib/python3/dist-packages/mod${i}-1.${i}.dist-info/METADATA`, content: `Metadata-Version: 2.1\nName: mod${i}\nVersion: 1.${i}\n` })),
      ...fileEntries('opt/app/data', Math.floor(q / 2), 2 * MiB, 'random'),
    ],
    () => [
      ...Array.from({ length: 50 }, (_, i) => ({ path: `app/node_modules/dep${i}/package.json`, content: JSON.stringify({ name: `dep${i}`, version: `1.0.${i}` }) })),
      { path: 'usr/share/doc/generated/.wh.file-0.txt', content: '' },
      { path: 'usr/share/doc/base/.wh..wh..opq', content: '' },
      ...fileEntries('var/log/app', Math.floor(q / 2), MiB, 'text'),
      ...fileEntries('opt/app/cache', Math.floor(q / 2), MiB, 'random'),
    ],
  ];
}

async function buildImage(layoutDir) {
  const w = await OciLayoutWriter.create(layoutDir);
  const layers = [];
  const diffIds = [];
  let uncompressed = 0;
  for (const spec of layerSpecs(TOTAL_MIB)) {
    const hash = createHash('sha256');
    let n = 0;
    const tar = (async function* () {
      for await (const b of writeTar(spec())) {
        hash.update(b);
        n += b.length;
        yield b;
      }
    })();
    const gz = Readable.from(tar).pipe(createGzip({ level: 1 }));
    layers.push(await w.putBlob(gz, MEDIA_TYPES.ociLayerGzip));
    diffIds.push(`sha256:${hash.digest('hex')}`);
    uncompressed += n;
  }
  const config = { architecture: 'amd64', os: 'linux', created: '1970-01-01T00:00:00Z', config: {}, rootfs: { type: 'layers', diff_ids: diffIds }, history: [] };
  const configDesc = await w.putBlob(Buffer.from(JSON.stringify(config)), MEDIA_TYPES.ociConfig);
  await w.putManifest({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: configDesc, layers }, MEDIA_TYPES.ociManifest, { tag: 'v1' });
  await w.finish();
  return { layers, uncompressed, compressed: layers.reduce((a, l) => a + l.size, 0) };
}

// ---- the two contenders --------------------------------------------------------------------
function timed(cmd, args, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * MiB, ...opts });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return { secs, stdout: r.stdout, stderr: r.stderr };
}

function pullAndDecompress(host, round) {
  const dest = join(work, `pulled-${round}`);
  const t0 = process.hrtime.bigint();
  timed('skopeo', ['--insecure-policy', 'copy', '-q', '--src-tls-verify=false', `docker://${host}/bench/image:v1`, `oci:${dest}:v1`]);
  const manifestDigest = JSON.parse(readFileSync(join(dest, 'index.json'), 'utf8')).manifests[0].digest.slice(7);
  const manifest = JSON.parse(readFileSync(join(dest, 'blobs/sha256', manifestDigest), 'utf8'));
  for (const l of manifest.layers) {
    const r = spawnSync('sh', ['-c', `gzip -dc < "${join(dest, 'blobs/sha256', l.digest.slice(7))}" > /dev/null`]);
    if (r.status !== 0) throw new Error(`gzip -dc failed for ${l.digest}`);
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  rmSync(dest, { recursive: true, force: true });
  return secs;
}

function provenantSbom(host, round) {
  const out = join(work, `sbom-${round}.json`);
  // /usr/bin/time reports the peak RSS (KiB) of the CLI process.
  const r = timed('/usr/bin/time', ['-f', 'PEAK_RSS_KB=%M', process.execPath, join(repo, 'packages/cli/bin/provenant.cjs'), 'sbom', `${host}/bench/image:v1`, '--platform', 'linux/amd64', '--output', out]);
  const rss = Number(/PEAK_RSS_KB=(\d+)/.exec(r.stderr)?.[1] ?? NaN);
  const doc = JSON.parse(readFileSync(out, 'utf8'));
  return { secs: r.secs, rssMiB: rss / 1024, components: (doc.components ?? []).length };
}

try {
  log(`generating a ~${TOTAL_MIB} MiB image in ${work}`);
  const layout = join(work, 'layout');
  const image = await buildImage(layout);
  const host = await startRegistry();
  log(`registry at ${host}; pushing ${(image.compressed / MiB).toFixed(0)} MiB compressed (${(image.uncompressed / MiB).toFixed(0)} MiB uncompressed)`);
  timed('skopeo', ['--insecure-policy', 'copy', '-q', '--dest-tls-verify=false', '--preserve-digests', `oci:${layout}:v1`, `docker://${host}/bench/image:v1`]);
  rmSync(layout, { recursive: true, force: true });
  const pull = [];
  const sbom = [];
  for (let round = 0; round < ROUNDS; round++) {
    pull.push(pullAndDecompress(host, round));
    sbom.push(provenantSbom(host, round));
    log(`round ${round}: pull+gunzip ${pull.at(-1).toFixed(2)} s, provenant sbom ${sbom.at(-1).secs.toFixed(2)} s, ${sbom.at(-1).rssMiB.toFixed(0)} MiB peak RSS`);
  }
  const best = (xs) => Math.min(...xs);
  const pullS = best(pull);
  const sbomS = best(sbom.map((s) => s.secs));
  const rss = Math.max(...sbom.map((s) => s.rssMiB));
  const ratio = sbomS / pullS;
  console.log(
    JSON.stringify({
      bench: 'image-sbom',
      image_mib_compressed: +(image.compressed / MiB).toFixed(1),
      image_mib_uncompressed: +(image.uncompressed / MiB).toFixed(1),
      layers: image.layers.length,
      rounds: ROUNDS,
      pull_decompress_s: +pullS.toFixed(3),
      pull_decompress_all_s: pull.map((x) => +x.toFixed(3)),
      provenant_sbom_s: +sbomS.toFixed(3),
      provenant_sbom_all_s: sbom.map((s) => +s.secs.toFixed(3)),
      ratio: +ratio.toFixed(3),
      ratio_target: 1.5,
      peak_rss_mib: +rss.toFixed(1),
      peak_rss_target_mib: 200,
      components: sbom[0].components,
      cpus: cpus().length,
      loadavg_1m: +loadavg()[0].toFixed(2),
      ok: ratio <= 1.5 && rss < 200,
    }),
  );
} finally {
  stopRegistry();
  rmSync(work, { recursive: true, force: true });
}
