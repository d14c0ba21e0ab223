#!/usr/bin/env node
// `provenant admission serve` under load, driven by autocannon over loopback TLS, against images in a
// loopback docker-registry started here and signed by `provenant sign-image`. Prints one JSON line:
//   warm      /mutate of one signed image by tag at a fixed 1,000 req/s: p99, errors. Side by side:
//             the same image pinned by digest (what /validate sees after /mutate), and tags resolved
//             on every review (--tag-ttl 0: what a webhook without a tag cache pays, policy-controller's way).
//   cold      each request a new signed image (nothing cached): p99.
//   rss       server RSS after 10,000 warm-up requests and after 100,000 more: growth.
//   registry_stopped  the registry frozen (SIGSTOP) mid-run: every review after it denied within the
//             deadline, none allowed without verification, the server still answering.
// Needs `npm run build` first (runs packages/cli/bin/provenant.cjs and loads the built packages).
//   node bench/admission/run.mjs [--warm-seconds 10] [--cold 200] [--fault 120] [--rss-requests 100000]
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes, createHash } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import autocannon from 'autocannon';
import { RegistryClient } from '@provenant/core/oci';
import { main as cli } from '@provenant/cli';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'packages/cli/bin/provenant.cjs');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const WARM_SECONDS = arg('--warm-seconds', 10);
const COLD = arg('--cold', 200);
const RSS_REQUESTS = arg('--rss-requests', 100_000);
const FAULT_IMAGES = arg('--fault', 120);
const DEADLINE_S = 8;
const work = mkdtempSync(join(tmpdir(), 'provenant-bench-admission-'));
const children = [];
// Timings run without NODE_EXTRA_CA_CERTS (it makes every Node start parse the system roots).
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;
const log = (m) => process.stderr.write(`bench/admission: ${m}\n`);

function spawnChild(cmd, args, out) {
  const child = spawn(cmd, args, { env, stdio: ['ignore', out ?? 'pipe', out ?? 'pipe'] });
  children.push(child);
  return child;
}

async function startRegistry() {
  const dir = join(work, 'registry');
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(join(dir, 'config.yml'), ['version: 0.1', 'log: {level: info, formatter: text}', 'storage:', `  filesystem: {rootdirectory: "${dir}/data"}`, 'http:', '  addr: 127.0.0.1:0', '  secret: bench-not-secret', ''].join('\n'));
  const child = spawnChild('/usr/bin/docker-registry', ['serve', join(dir, 'config.yml')]);
  let out = '';
  const port = await new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error(`registry did not report its port: ${out.slice(-500)}`)), 20_000);
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
  return { host: `127.0.0.1:${port}`, child };
}

const sha256 = (b) => createHash('sha256').update(b).digest('hex');

async function pushImage(client, host, repository, tag) {
  const repo = { registry: host, repository };
  const config = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}');
  const layer = randomBytes(1024);
  await client.pushBlob(repo, config);
  await client.pushBlob(repo, layer);
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha256(config)}`, size: config.length }, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${sha256(layer)}`, size: layer.length }] }));
  const pushed = await client.putManifest({ ...repo, tag }, manifest, { mediaType: 'application/vnd.oci.image.manifest.v1+json' });
  return { ref: `${host}/${repository}:${tag}`, digest: pushed.digest, repository };
}

/** Pushed and signed with `provenant sign-image --key` (no transparency log), as a release job would. */
async function signedImages(client, host, prefix, n, keyPath) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const img = await pushImage(client, host, `bench/${prefix}-${i}`, 'v1');
    const io = { stdout: '', stderr: '', isTTY: false, out: (t) => void (io.stdout += t), err: (t) => void (io.stderr += t) };
    const code = await cli(['sign-image', img.ref, '--key', keyPath, '--tlog-upload=false', '--quiet'], io);
    if (code !== 0) throw new Error(`sign-image ${img.ref}: ${io.stderr}`);
    out.push(img);
  }
  return out;
}

function makeTls() {
  const o = (...a) => execFileSync('openssl', a, { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
  o('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'tls.key', '-out', 'tls.crt', '-days', '1', '-subj', '/CN=provenant-admission', '-addext', 'subjectAltName=IP:127.0.0.1');
  return { cert: join(work, 'tls.crt'), key: join(work, 'tls.key'), ca: readFileSync(join(work, 'tls.crt')) };
}

async function startServer(name, policy, tls, extra = []) {
  const errFd = openSync(join(work, `${name}.log`), 'w');
  const child = spawn(process.execPath, [BIN, 'admission', 'serve', '--policy', policy, '--tls-cert', tls.cert, '--tls-key', tls.key, '--port', '0', '--json', '--timeout', String(DEADLINE_S), ...extra], { env, stdio: ['ignore', 'pipe', errFd] });
  children.push(child);
  closeSync(errFd);
  let out = '';
  const url = await new Promise((res, rej) => {
    const early = (code) => rej(new Error(`server ${name} exited ${code}: ${readFileSync(join(work, `${name}.log`), 'utf8').slice(-800)}`));
    child.stdout.on('data', (d) => {
      out += d.toString();
      if (!out.includes('\n')) return;
      child.off('exit', early);
      res(JSON.parse(out.split('\n')[0]).url);
    });
    child.once('exit', early);
  });
  child.stdout.resume();
  return { url, child, pid: child.pid };
}

const rssMiB = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

function review(image, i) {
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `bench-${i}`,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      name: `app-${i}`,
      namespace: 'bench',
      operation: 'CREATE',
      userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller', groups: ['system:serviceaccounts', 'system:authenticated'] },
      object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: `app-${i}`, namespace: 'bench' }, spec: { containers: [{ name: 'app', image }, { name: 'sidecar', image }] } },
      oldObject: null,
      dryRun: false,
      options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' },
    },
  });
}

/** autocannon over loopback TLS; each response is checked to be an AdmissionReview with the expected verdict. */
async function load(url, bodies, opts) {
  let i = 0;
  const verdicts = { allowed: 0, denied: 0, malformed: 0 };
  const denialCodes = {};
  const result = await autocannon({
    url: url + '/mutate',
    connections: opts.connections ?? 10,
    ...(opts.rate ? { overallRate: opts.rate } : {}),
    ...(opts.amount ? { amount: opts.amount } : { duration: opts.duration }),
    timeout: DEADLINE_S + 5,
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => ({ ...req, body: bodies[i++ % bodies.length] }),
        onResponse: (status, body) => {
          try {
            const r = JSON.parse(body).response;
            if (r.allowed) verdicts.allowed++;
            else {
              verdicts.denied++;
              for (const kv of String(r.auditAnnotations?.denied ?? 'none=NONE').split(',')) denialCodes[kv.slice(kv.lastIndexOf('=') + 1)] = (denialCodes[kv.slice(kv.lastIndexOf('=') + 1)] ?? 0) + 1;
            }
          } catch {
            verdicts.malformed++;
          }
        },
      },
    ],
  });
  return {
    requests: result.requests.total,
    rps: Math.round(result.requests.average),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    max_ms: result.latency.max,
    errors: result.errors + result.timeouts + result.non2xx,
    ...verdicts,
    denial_codes: denialCodes,
  };
}

function get(url, ca) {
  return new Promise((res) => {
    const r = request(url, { ca, agent: false }, (x) => {
      x.resume();
      x.on('end', () => res(x.statusCode));
    });
    r.on('error', () => res(0));
    r.end();
  });
}

try {
  const registry = await startRegistry();
  const client = new RegistryClient();
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyPath = join(work, 'release.pem');
  writeFileSync(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString().trim().split('\n').map((l) => `          ${l}`).join('\n');
  const policy = join(work, 'policy.yaml');
  writeFileSync(policy, `apiVersion: provenant.dev/v1\nkind: Policy\nmetadata: { name: bench }\nspec:\n  images: ["127.0.0.1:*/bench/**"]\n  authorities:\n    - name: release-key\n      key:\n        pem: |\n${pem}\n      ignoreTlog: true\n`);
  const tls = makeTls();
  log('pushing and signing images');
  const [warmImage] = await signedImages(client, registry.host, 'warm', 1, keyPath);
  const cold = await signedImages(client, registry.host, 'cold', COLD, keyPath);
  const fault = await signedImages(client, registry.host, 'fault', FAULT_IMAGES, keyPath);

  const server = await startServer('main', policy, tls);
  const noTagCache = await startServer('tag-ttl-0', policy, tls, ['--tag-ttl', '0']);
  const warmBody = [review(warmImage.ref, 0)];
  const pinned = `${registry.host}/${warmImage.repository}@${warmImage.digest}`;
  for (const s of [server, noTagCache]) await load(s.url, warmBody, { amount: 200, connections: 2 });
  await load(server.url, [review(pinned, 0)], { amount: 200, connections: 2 });

  log('warm');
  const warm = await load(server.url, warmBody, { rate: 1000, duration: WARM_SECONDS, connections: 10 });
  const warmPinned = await load(server.url, [review(pinned, 0)], { rate: 1000, duration: WARM_SECONDS, connections: 10 });
  const warmNoTagCache = await load(noTagCache.url, warmBody, { rate: 1000, duration: WARM_SECONDS, connections: 10 });
  noTagCache.child.kill('SIGTERM');

  log('cold');
  const coldRun = await load(server.url, cold.map((img, i) => review(img.ref, i)), { amount: cold.length, rate: 50, connections: 4 });

  log('rss');
  await load(server.url, warmBody, { amount: 10_000, connections: 10 });
  const rssBefore = rssMiB(server.pid);
  const rssRun = await load(server.url, warmBody, { amount: RSS_REQUESTS, connections: 10 });
  const rssAfter = rssMiB(server.pid);

  log('registry stopped mid-run');
  // Half the fault images are reviewed with the registry up, then it is frozen and the rest are reviewed.
  const half = FAULT_IMAGES / 2;
  const before = await load(server.url, fault.slice(0, half).map((img, i) => review(img.ref, i)), { amount: half, rate: 50, connections: 4 });
  registry.child.kill('SIGSTOP');
  // One connection per review: each waits up to the deadline, as the API server's would.
  const after = await load(server.url, fault.slice(half).map((img, i) => review(img.ref, i)), { amount: FAULT_IMAGES - half, rate: 50, connections: FAULT_IMAGES - half });
  const healthz = await get(server.url + '/healthz', tls.ca);
  const alive = server.child.exitCode === null;
  registry.child.kill('SIGCONT');

  const result = {
    bench: 'admission',
    node: process.version,
    cpus: cpus().length,
    load_average_1m: Number(loadavg()[0].toFixed(2)),
    deadline_s: DEADLINE_S,
    warm: { rate: 1000, ...warm, pass: warm.p99_ms <= 5 && warm.errors === 0 && warm.allowed === warm.requests },
    warm_pinned_digest: { rate: 1000, ...warmPinned },
    warm_tag_ttl_0: { rate: 1000, ...warmNoTagCache },
    cold: { rate: 50, ...coldRun, pass: coldRun.p99_ms <= 300 && coldRun.errors === 0 && coldRun.allowed === coldRun.requests },
    rss: { warmup_requests: 10_000, requests: rssRun.requests, errors: rssRun.errors, rss_before_mib: Number(rssBefore.toFixed(1)), rss_after_mib: Number(rssAfter.toFixed(1)), growth_pct: Number((((rssAfter - rssBefore) / rssBefore) * 100).toFixed(1)), pass: rssAfter <= rssBefore * 1.2 && rssRun.errors === 0 },
    registry_stopped: {
      before: { requests: before.requests, allowed: before.allowed, denied: before.denied },
      after: { requests: after.requests, allowed: after.allowed, denied: after.denied, denial_codes: after.denial_codes, max_ms: after.max_ms, errors: after.errors },
      healthz_after: healthz,
      server_alive: alive,
      pass: after.allowed === 0 && after.denied === after.requests && after.max_ms <= DEADLINE_S * 1000 + 1000 && healthz === 200 && alive,
    },
  };
  process.stdout.write(JSON.stringify(result) + '\n');
} finally {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
}
