import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProvenantError } from '@provenant/core/errors';
import { DockerArchive, MEDIA_TYPES, OciLayout, OciLayoutWriter, tarToBuffer, writeDockerArchive } from '@provenant/core/oci';
import { catalogImageInventories } from '@provenant/core/sbom';
import { layer, sampleEntries, sha256, writeImage } from './build.js';
import { skopeo } from './umoci.js';

const work = mkdtempSync(join(tmpdir(), 'provenant-layout-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ProvenantError) return e.code;
    throw e;
  }
  return 'no error';
}

describe('layouts provenant writes', () => {
  it('are accepted by skopeo inspect and copy, and read back', async () => {
    const dir = join(work, 'ours');
    const w = await OciLayoutWriter.create(dir);
    const desc = await writeImage(w, [await layer(sampleEntries), await layer([{ path: 'usr/bin/tool', content: 'x', mode: 0o755 }])], { tag: 'v1' });
    await w.finish();
    const inspected = JSON.parse(skopeo(['inspect', `oci:${dir}:v1`])) as { Digest: string; Layers: string[]; Os: string; Architecture: string };
    expect(inspected).toMatchObject({ Digest: desc.digest, Os: 'linux', Architecture: 'amd64' });
    expect(inspected.Layers).toHaveLength(2);
    const copy = join(work, 'ours-copy');
    skopeo(['copy', '-q', `oci:${dir}:v1`, `oci:${copy}:copied`]);
    const archive = join(work, 'ours.tar');
    skopeo(['copy', '-q', `oci:${dir}:v1`, `docker-archive:${archive}:ours/img:v1`]);
    for (const target of [`oci:${copy}:copied`, `docker-archive:${archive}`]) {
      const [inv] = await catalogImageInventories(target);
      expect(inv!.components.map((c) => `${c.purl}`)).toEqual(['pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.19.1']);
    }
  });

  it('docker-archives we write load in skopeo and read back', async () => {
    const l1 = await layer(sampleEntries, { gzip: false });
    const config = Buffer.from(JSON.stringify({ os: 'linux', architecture: 'arm64', rootfs: { type: 'layers', diff_ids: [sha256(l1.tar)] } }));
    const file = join(work, 'written.tar');
    await writeDockerArchive(file, [{ config, repoTags: ['example.test/app:1'], layers: [{ size: l1.tar.length, open: async function* () { yield l1.tar; } }] }]);
    const inspected = JSON.parse(skopeo(['inspect', `docker-archive:${file}`])) as { Architecture: string; Layers: string[] };
    expect(inspected.Architecture).toBe('arm64');
    const img = await (await DockerArchive.open(file)).image('example.test/app:1');
    expect(img).toMatchObject({ digest: sha256(config), digestKind: 'config', platform: { architecture: 'arm64' } });
    // skopeo can also turn it into an OCI layout we read.
    skopeo(['copy', '-q', `docker-archive:${file}`, `oci:${join(work, 'from-archive')}:x`]);
    const [inv] = await catalogImageInventories(`oci:${join(work, 'from-archive')}:x`, { platform: 'linux/arm64' });
    expect(inv!.components).toHaveLength(1);
  });

  it('reads docker save archives in the newer blobs/sha256 layout and the older symlinked one', async () => {
    const l1 = await layer(sampleEntries, { gzip: false });
    const hex = (b: Buffer): string => sha256(b).slice(7);
    const config = Buffer.from(JSON.stringify({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: [sha256(l1.tar), sha256(l1.tar)] } }));
    const modern = join(work, 'modern.tar');
    writeFileSync(modern, await tarToBuffer([
      { path: 'blobs/sha256', type: 'directory' },
      { path: `blobs/sha256/${hex(config)}`, content: config },
      { path: `blobs/sha256/${hex(l1.tar)}`, content: l1.tar },
      { path: 'manifest.json', content: JSON.stringify([{ Config: `blobs/sha256/${hex(config)}`, RepoTags: ['x:1'], Layers: [`blobs/sha256/${hex(l1.tar)}`, `blobs/sha256/${hex(l1.tar)}`] }]) },
    ]));
    const legacy = join(work, 'legacy.tar');
    writeFileSync(legacy, await tarToBuffer([
      { path: `${hex(config)}.json`, content: config },
      { path: 'aaa/layer.tar', content: l1.tar },
      { path: 'bbb/layer.tar', type: 'symlink', linkPath: '../aaa/layer.tar' },
      { path: 'manifest.json', content: JSON.stringify([{ Config: `${hex(config)}.json`, RepoTags: null, Layers: ['aaa/layer.tar', 'bbb/layer.tar'] }]) },
    ]));
    for (const file of [modern, legacy]) {
      const [inv] = await catalogImageInventories(`docker-archive:${file}`);
      expect(inv!.subject.digest, file).toBe(sha256(config));
      expect(inv!.components.map((c) => c.name)).toEqual(['musl']);
    }
  });

  it('refuses a writer-side blob whose digest differs from the expected one', async () => {
    const w = await OciLayoutWriter.create(join(work, 'expect'));
    expect(await code(w.putBlob(Buffer.from('abc'), 'x', { digest: sha256(Buffer.from('abd')), size: 3 }))).toBe('DIGEST_MISMATCH');
  });
});

describe('image indexes', () => {
  const dir = join(work, 'multi');
  async function build(): Promise<void> {
    const w = await OciLayoutWriter.create(dir);
    const amd = await writeImage(w, [await layer([{ path: 'etc/os-release', content: 'ID=alpine\nVERSION_ID=3.19\n' }, { path: 'lib/apk/db/installed', content: 'P:amd-only\nV:1\n\n' }])], { platform: { os: 'linux', architecture: 'amd64' } });
    const arm = await writeImage(w, [await layer([{ path: 'etc/os-release', content: 'ID=alpine\nVERSION_ID=3.19\n' }, { path: 'lib/apk/db/installed', content: 'P:arm-only\nV:1\n\n' }])], { platform: { os: 'linux', architecture: 'arm64' } });
    const index = {
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociIndex,
      manifests: [
        { ...amd, platform: { os: 'linux', architecture: 'amd64' } },
        { ...arm, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      ],
    };
    await w.putManifest(index, MEDIA_TYPES.ociIndex, { tag: 'multi' });
    await w.finish();
  }

  it('picks a platform, or all of them, and says which exist when none matches', async () => {
    await build();
    const amd = await catalogImageInventories(`oci:${dir}:multi`, { platform: 'linux/amd64' });
    expect(amd.map((i) => i.components.map((c) => c.name))).toEqual([['amd-only']]);
    expect(amd[0]!.subject.indexDigest).toMatch(/^sha256:/);
    const arm = await catalogImageInventories(`oci:${dir}:multi`, { platform: 'linux/arm64' });
    expect(arm[0]!.components[0]!.name).toBe('arm-only');
    const all = await catalogImageInventories(`oci:${dir}:multi`, { platform: 'all' });
    expect(all.map((i) => i.subject.platform.architecture)).toEqual(['amd64', 'arm64']);
    expect(await code(catalogImageInventories(`oci:${dir}:multi`, { platform: 'linux/s390x' }))).toBe('PLATFORM_NOT_FOUND');
    // skopeo reads the index we wrote too.
    expect(JSON.parse(skopeo(['inspect', '--raw', `oci:${dir}:multi`])).manifests).toHaveLength(2);
  });
});

describe('umoci-built layouts', () => {
  it('parse without a top-level mediaType', async () => {
    const { umociImage } = await import('./umoci.js');
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const root = join(work, 'u-root');
    mkdirSync(join(root, 'etc'), { recursive: true });
    writeFileSync(join(root, 'etc/os-release'), 'ID=debian\nVERSION_ID=12\n');
    const dir = join(work, 'umoci');
    umociImage(dir, 'u', [root], work);
    const l = await OciLayout.open(dir);
    const m = JSON.parse(readFileSync(join(dir, 'blobs/sha256', l.find('u').digest.slice(7)), 'utf8')) as { mediaType?: string };
    expect(m.mediaType).toBeUndefined();
    const [img] = await l.images('u', 'all');
    expect(img!.layers).toHaveLength(1);
  });
});
