import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MEDIA_TYPES, OciLayoutWriter } from '@provenant/core/oci';
import { catalogImage, catalogImageInventories, toCycloneDx } from '@provenant/core/sbom';
import { layer, writeImage } from './build.js';
import { writeSampleRootfs } from './rootfs.js';
import { skopeo, umociImage } from './umoci.js';

// The registry path: images skopeo pushes to the loopback registries of the test setup are pulled,
// verified and cataloged by provenant without touching disk.
const registries = inject('ociRegistries');
const work = mkdtempSync(join(tmpdir(), 'provenant-image-registry-'));
let digest = '';

beforeAll(() => {
  const rootfs = writeSampleRootfs(join(work, 'rootfs'));
  digest = umociImage(join(work, 'layout'), 'v1', [rootfs.layer1, rootfs.layer2], work);
  skopeo(['copy', '-q', '--dest-tls-verify=false', '--preserve-digests', `oci:${join(work, 'layout')}:v1`, `docker://${registries.plain.host}/image-sbom/app:v1`]);
  skopeo(['copy', '-q', '--dest-authfile', registries.auth.authFile, '--dest-tls-verify=false', `oci:${join(work, 'layout')}:v1`, `docker://${registries.auth.host}/image-sbom/app:v1`]);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('image SBOM from a registry', () => {
  it('catalogs an image pushed by skopeo, by tag, with the manifest digest as the root', async () => {
    const [inv] = await catalogImageInventories(`${registries.plain.host}/image-sbom/app:v1`);
    expect(inv!.subject).toMatchObject({ digest, digestKind: 'manifest', name: `${registries.plain.host}/image-sbom/app` });
    expect(inv!.components.filter((c) => c.cataloger === 'dpkg')).toHaveLength(4);
    expect(inv!.components.find((c) => c.name === 'requests')?.layerDigest).toBe(inv!.subject.layers[0]!.digest);
  });

  it('pulls by digest through basic auth', async () => {
    const [inv] = await catalogImageInventories(`${registries.auth.host}/image-sbom/app@${digest}`, { client: { authFile: registries.auth.authFile } });
    expect(inv!.subject.digest).toBe(digest);
    expect(inv!.components.length).toBeGreaterThan(10);
  });

  it('writes CycloneDX with the image as root and layer/path properties on every component', async () => {
    const inventory = await catalogImage(`docker://${registries.plain.host}/image-sbom/app:v1`);
    expect(inventory.root).toMatchObject({ version: digest, name: `${registries.plain.host}/image-sbom/app` });
    expect(inventory.root.purl).toBe(`pkg:oci/app@${digest}?arch=amd64&repository_url=${encodeURIComponent(`${registries.plain.host}/image-sbom/app`)}&tag=v1`);
    const bom = JSON.parse(toCycloneDx(inventory, { reproducible: true })) as {
      metadata: { component: { version: string; purl: string } };
      components: Array<{ name: string; purl?: string; properties?: Array<{ name: string; value: string }> }>;
    };
    expect(bom.metadata.component.version).toBe(digest);
    const bash = bom.components.find((c) => c.name === 'bash')!;
    expect(bash.purl).toBe('pkg:deb/debian/bash@5.2.15-2+b2?arch=amd64&distro=debian-12');
    const props = Object.fromEntries((bash.properties ?? []).map((p) => [p.name, p.value]));
    expect(props['provenant:location:path']).toBe('/var/lib/dpkg/status');
    expect(props['provenant:layer:digest']).toMatch(/^sha256:/);
    expect(bom.components.every((c) => (c.properties ?? []).some((p) => p.name === 'provenant:layer:digest'))).toBe(true);
  });

  it('picks a platform from a multi-arch index pushed with skopeo --all, or describes all of them', async () => {
    const dir = join(work, 'multi');
    const w = await OciLayoutWriter.create(dir);
    const descs = [];
    for (const architecture of ['amd64', 'arm64']) {
      const d = await writeImage(w, [await layer([{ path: 'etc/os-release', content: 'ID=alpine\nVERSION_ID=3.19.1\n' }, { path: 'lib/apk/db/installed', content: `P:only-${architecture}\nV:1.0-r0\nA:${architecture}\n\n` }])], { platform: { os: 'linux', architecture } });
      descs.push({ ...d, platform: { os: 'linux', architecture } });
    }
    const index = await w.putManifest({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: descs }, MEDIA_TYPES.ociIndex, { tag: 'multi' });
    await w.finish();
    skopeo(['copy', '-q', '--all', '--preserve-digests', '--dest-tls-verify=false', `oci:${dir}:multi`, `docker://${registries.plain.host}/image-sbom/multi:v1`]);
    const ref = `${registries.plain.host}/image-sbom/multi:v1`;
    const [arm] = await catalogImageInventories(ref, { platform: 'linux/arm64' });
    expect(arm!.subject).toMatchObject({ indexDigest: index.digest, platform: { architecture: 'arm64' } });
    expect(arm!.components.map((c) => c.name)).toEqual(['only-arm64']);
    const all = await catalogImage(ref, { platform: 'all' });
    expect(all.root.version).toBe(index.digest);
    expect(all.packages.map((p) => `${p.name}:${p.properties?.['provenant:image:platform']}`).sort()).toEqual(['only-amd64:linux/amd64', 'only-arm64:linux/arm64']);
    await expect(catalogImageInventories(ref, { platform: 'linux/ppc64le' })).rejects.toMatchObject({ code: 'PLATFORM_NOT_FOUND' });
  });

  it('fails with a code for a tag that does not exist', async () => {
    await expect(catalogImageInventories(`${registries.plain.host}/image-sbom/app:nope`)).rejects.toMatchObject({ code: 'MANIFEST_UNKNOWN' });
  });
});
