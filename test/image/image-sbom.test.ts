import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OciLayout } from '@provenant/core/oci';
import { catalogImageInventories, squashLayers, type ImageInventory } from '@provenant/core/sbom';
import { EXPECTED, writeSampleRootfs } from './rootfs.js';
import { skopeo, umociImage } from './umoci.js';

const work = mkdtempSync(join(tmpdir(), 'provenant-image-'));
const layout = join(work, 'layout');
let digest = '';
let layer1 = '';

beforeAll(() => {
  const rootfs = writeSampleRootfs(join(work, 'rootfs'));
  digest = umociImage(layout, 'v1', [rootfs.layer1, rootfs.layer2], work);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function names(inv: ImageInventory, cataloger: string): string[] {
  return inv.components.filter((c) => c.cataloger === cataloger).map((c) => `${c.name}@${c.version}`).sort();
}

describe('squash of a umoci-built image', () => {
  it('honours file, directory and opaque whiteouts', async () => {
    const [image] = await (await OciLayout.open(layout)).images('v1', 'all');
    layer1 = image!.layers[0]!.digest;
    const view = await squashLayers(image!.layers);
    for (const p of EXPECTED.present) expect(view.has(p), p).toBe(true);
    for (const p of EXPECTED.absent) expect(view.has(p), p).toBe(false);
    expect([...view.walk()].some(([p]) => p.split('/').some((s) => s.startsWith('.wh.')))).toBe(false);
    expect(view.lookup('etc/os-release')).toMatchObject({ type: 'symlink', linkPath: '../usr/lib/os-release' });
    expect(view.read('etc/os-release')?.toString()).toContain('ID=debian');
  });
});

describe('catalogImage', () => {
  let inv: ImageInventory;
  beforeAll(async () => {
    [inv] = (await catalogImageInventories(`oci:${layout}:v1`, { platform: 'linux/amd64' })) as [ImageInventory];
  });

  it('describes the image as the root', () => {
    expect(inv.subject).toMatchObject({ digest, digestKind: 'manifest', tags: ['v1'], platform: { os: 'linux', architecture: 'amd64' } });
    expect(inv.subject.layers).toHaveLength(2);
    expect(inv.os).toMatchObject({ id: 'debian', versionId: '12', path: 'etc/os-release' });
  });

  it('finds dpkg packages from status and status.d, skipping deinstalled ones', () => {
    expect(names(inv, 'dpkg')).toEqual(['base-files@12.4+deb12u5', 'bash@5.2.15-2+b2', 'libssl3@3.0.11-1~deb12u2', 'tzdata@2024a-0+deb12u1']);
    const ssl = inv.components.find((c) => c.name === 'libssl3')!;
    expect(ssl.purl).toBe('pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl%403.0.11-1%7Edeb12u2');
    expect(ssl).toMatchObject({ path: 'var/lib/dpkg/status', layerDigest: layer1 });
    expect(inv.components.find((c) => c.name === 'tzdata')?.path).toBe('var/lib/dpkg/status.d/tzdata');
  });

  it('finds apk packages with distro purls and dependencies', () => {
    expect(names(inv, 'apk')).toEqual(['busybox@1.36.1-r5', 'musl@1.2.4-r2']);
    const bb = inv.components.find((c) => c.name === 'busybox')!;
    expect(bb.purl).toBe('pkg:apk/debian/busybox@1.36.1-r5?arch=x86_64&distro=debian-12');
    expect(bb.dependsOn).toEqual(['musl']);
  });

  it('finds python packages, minus the whited-out one', () => {
    expect(names(inv, 'python')).toEqual(['Six_Compat@1.16.0', 'requests@2.31.0']);
    expect(inv.components.find((c) => c.name === 'Six_Compat')?.purl).toBe('pkg:pypi/six-compat@1.16.0');
  });

  it('finds installed npm packages (nested and scoped) but not stray package.json files, plus lockfile-only packages', () => {
    expect(names(inv, 'npm')).toEqual(['@scope/pkg@2.0.0', 'debug@4.3.7', 'ms@2.1.3']);
    expect(names(inv, 'npm-lockfile')).toEqual(['left-pad@1.3.0']);
    expect(inv.components.find((c) => c.name === 'left-pad')).toMatchObject({ path: 'app/package-lock.json', purl: 'pkg:npm/left-pad@1.3.0' });
    expect(inv.components.find((c) => c.name === '@scope/pkg')).toMatchObject({ purl: 'pkg:npm/%40scope/pkg@2.0.0', path: 'app/node_modules/@scope/pkg/package.json', layerDigest: layer1 });
  });
});

describe('interop with skopeo', () => {
  it('reads the docker-archive skopeo writes from the umoci layout', async () => {
    const archive = join(work, 'image.tar');
    skopeo(['copy', '-q', `oci:${layout}:v1`, `docker-archive:${archive}:demo/app:v1`]);
    const [inv] = await catalogImageInventories(`docker-archive:${archive}`);
    expect(inv!.subject).toMatchObject({ digestKind: 'config', tags: ['docker.io/demo/app:v1'], name: 'docker.io/demo/app' });
    const [fromLayout] = await catalogImageInventories(`oci:${layout}:v1`);
    const key = (i: ImageInventory): string[] => i.components.map((c) => `${c.cataloger}:${c.name}@${c.version}:${c.path}`).sort();
    expect(key(inv!)).toEqual(key(fromLayout!));
    expect(inv!.subject.configDigest).toBe(fromLayout!.subject.configDigest);
  });

  it('reads an OCI layout skopeo copied from the umoci one', async () => {
    const copy = join(work, 'copy');
    skopeo(['copy', '-q', `oci:${layout}:v1`, `oci:${copy}:again`]);
    const [inv] = await catalogImageInventories(`oci:${copy}:again`);
    expect(inv!.subject.digest).toBe(digest);
    expect(inv!.components.length).toBeGreaterThan(10);
  });
});
