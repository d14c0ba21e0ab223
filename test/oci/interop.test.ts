// Interop both ways with real tools: images built by umoci and pushed by skopeo are read by our
// client; what our client pushes, skopeo inspects and copies. Against the plain, basic-auth, bearer
// and TLS registries.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createClient, RegistryClient, staticCredentials, type ImageReference } from '@provenant/core/oci';
import { makeImage, sha256 } from './fixtures.js';

const exec = promisify(execFile);
const regs = inject('ociRegistries');
let dir: string;
let layout: string;
const clients: RegistryClient[] = [];

async function tool(cmd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await exec(cmd, args, { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, SOURCE_DATE_EPOCH: '0' } });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; code?: string; message: string };
    // Missing tools must fail loudly, never skip.
    throw new Error(`${cmd} ${args.join(' ')} failed (${e.code ?? ''}): ${e.stderr ?? e.message}`);
  }
}

interface Target {
  name: string;
  host: string;
  /** skopeo flags for copy destinations / sources, and for inspect. */
  dest: string[];
  src: string[];
  inspect: string[];
  client: () => Promise<RegistryClient>;
}

const creds = (user: string, pass: string) => `${user}:${pass}`;

const targets: Target[] = [
  {
    name: 'plain http',
    host: regs.plain.host,
    dest: ['--dest-tls-verify=false'],
    src: ['--src-tls-verify=false'],
    inspect: ['--tls-verify=false'],
    client: async () => new RegistryClient({ credentials: staticCredentials({}) }),
  },
  {
    name: 'basic auth',
    host: regs.auth.host,
    dest: ['--dest-tls-verify=false', '--dest-creds', creds(regs.auth.username, regs.auth.password)],
    src: ['--src-tls-verify=false', '--src-creds', creds(regs.auth.username, regs.auth.password)],
    inspect: ['--tls-verify=false', '--creds', creds(regs.auth.username, regs.auth.password)],
    client: () => createClient({ authFile: regs.auth.authFile }),
  },
  {
    name: 'bearer token',
    host: regs.token.host,
    dest: ['--dest-tls-verify=false', '--dest-creds', creds(regs.token.username, regs.token.password)],
    src: ['--src-tls-verify=false', '--src-creds', creds(regs.token.username, regs.token.password)],
    inspect: ['--tls-verify=false', '--creds', creds(regs.token.username, regs.token.password)],
    client: async () => new RegistryClient({ credentials: staticCredentials({ [regs.token.host]: { kind: 'basic', username: regs.token.username, password: regs.token.password } }) }),
  },
  {
    name: 'TLS private CA',
    host: regs.tls.host,
    dest: ['--dest-cert-dir', regs.tls.certDir],
    src: ['--src-cert-dir', regs.tls.certDir],
    inspect: ['--cert-dir', regs.tls.certDir],
    client: () => createClient({ caFile: regs.tls.caFile, credentials: staticCredentials({}) }),
  },
  {
    name: 'mutual TLS',
    host: regs.mtls.host,
    dest: ['--dest-cert-dir', regs.mtls.certDir],
    src: ['--src-cert-dir', regs.mtls.certDir],
    inspect: ['--cert-dir', regs.mtls.certDir],
    client: () => createClient({ caFile: regs.mtls.caFile, certFile: regs.mtls.clientCertFile, keyFile: regs.mtls.clientKeyFile, credentials: staticCredentials({}) }),
  },
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'provenant-oci-interop-'));
  // A small rootfs, one umoci layer (umoci manifests carry no top-level mediaType).
  const rootfs = join(dir, 'rootfs');
  await mkdir(join(rootfs, 'etc'), { recursive: true });
  await writeFile(join(rootfs, 'etc', 'hello.txt'), 'hello from umoci\n');
  await writeFile(join(rootfs, 'app.bin'), Buffer.alloc(20_000, 7));
  const tar = join(dir, 'layer.tar');
  await tool('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', rootfs, '-cf', tar, 'etc', 'app.bin']);
  layout = join(dir, 'layout');
  await tool('umoci', ['init', '--layout', layout]);
  await tool('umoci', ['new', '--image', `${layout}:v1`]);
  await tool('umoci', ['config', '--image', `${layout}:v1`, '--os', 'linux', '--architecture', 'amd64']);
  await tool('umoci', ['raw', 'add-layer', '--image', `${layout}:v1`, tar]);
});
afterAll(async () => {
  for (const c of clients) c.close();
  await rm(dir, { recursive: true, force: true });
});

describe.each(targets)('interop with skopeo/umoci: $name registry', (t) => {
  const repoName = (what: string): string => `interop/${what}-${t.name.toLowerCase().replace(/\W+/g, '-')}-${process.pid}`;

  it('reads what umoci built and skopeo pushed (OCI, no mediaType field) and a Docker schema2 copy', async () => {
    const client = await t.client();
    clients.push(client);
    for (const format of ['oci', 'v2s2'] as const) {
      const repo = repoName(`umoci-${format}`);
      await tool('skopeo', ['--insecure-policy', 'copy', '-q', '--format', format, ...t.dest, `oci:${layout}:v1`, `docker://${t.host}/${repo}:v1`]);
      const raw = Buffer.from(await tool('skopeo', ['inspect', '--raw', ...t.inspect, `docker://${t.host}/${repo}:v1`]));
      const ref: ImageReference = { registry: t.host, repository: repo, tag: 'v1', digest: undefined };
      const m = await client.getManifest(ref);
      expect(m.bytes.equals(raw)).toBe(true);
      expect(m.digest).toBe(sha256(raw));
      expect(m.parsed.kind).toBe('manifest');
      if (m.parsed.kind !== 'manifest') return;
      if (format === 'oci') {
        expect(JSON.parse(raw.toString()).mediaType).toBeUndefined();
        expect(m.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
      } else {
        expect(m.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
      }
      const config = JSON.parse((await client.getBlob(ref, m.parsed.manifest.config)).toString()) as { rootfs: { diff_ids: string[] }; architecture: string };
      expect(config.architecture).toBe('amd64');
      expect(config.rootfs.diff_ids).toHaveLength(1);
      for (const l of m.parsed.manifest.layers) {
        let size = 0;
        for await (const c of client.openBlob(ref, l)) size += c.length;
        expect(size).toBe(l.size);
      }
      expect((await client.resolve(ref)).digest).toBe(m.digest);
    }
  });

  it('what our client pushes, skopeo inspects and copies', async () => {
    const client = await t.client();
    clients.push(client);
    const repo = repoName('ours');
    const img = makeImage({ layers: 2, layerBytes: 4000 });
    const ref: ImageReference = { registry: t.host, repository: repo, tag: 'v1', digest: undefined };
    await client.pushBlob(ref, img.config);
    for (const l of img.layers) await client.pushBlob(ref, l, { chunkSize: 1024 });
    await client.putManifest(ref, img.manifest);
    const inspected = JSON.parse(await tool('skopeo', ['inspect', ...t.inspect, `docker://${t.host}/${repo}:v1`])) as { Digest: string; Layers: string[]; Architecture: string; Os: string };
    expect(inspected.Digest).toBe(img.digest);
    expect(inspected.Layers).toEqual(img.layers.map(sha256));
    expect(inspected.Os).toBe('linux');
    const raw = Buffer.from(await tool('skopeo', ['inspect', '--raw', ...t.inspect, `docker://${t.host}/${repo}:v1`]));
    expect(raw.equals(img.manifest)).toBe(true);
    const config = Buffer.from(await tool('skopeo', ['inspect', '--config', '--raw', ...t.inspect, `docker://${t.host}/${repo}:v1`]));
    expect(config.equals(img.config)).toBe(true);
    // skopeo copies it out to a layout and back into the registry under another name.
    const out = join(dir, `out-${t.name.replace(/\W+/g, '-')}`);
    await tool('skopeo', ['--insecure-policy', 'copy', '-q', '--preserve-digests', ...t.src, `docker://${t.host}/${repo}:v1`, `oci:${out}:copied`]);
    const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
    expect(index.manifests.map((d) => d.digest)).toContain(img.digest);
    for (const l of img.layers) expect((await readFile(join(out, 'blobs', 'sha256', sha256(l).slice(7)))).equals(l)).toBe(true);
    await tool('skopeo', ['--insecure-policy', 'copy', '-q', '--preserve-digests', ...t.src, ...t.dest, `docker://${t.host}/${repo}:v1`, `docker://${t.host}/${repo}-copy:v1`]);
    const copied = await client.getManifest({ ...ref, repository: `${repo}-copy` });
    expect(copied.digest).toBe(img.digest);
  });
});
