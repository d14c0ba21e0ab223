import { PackageURL } from 'packageurl-js';
import { ProvenantError } from '../../errors.js';
import { formatPlatform } from '../../oci/index.js';
import type { Inventory, InventoryPackage } from '../inventory.js';
import type { ImageComponent, ImageInventory } from './model.js';

const ECOSYSTEM: Record<string, string> = { dpkg: 'deb', apk: 'apk', python: 'pypi', npm: 'npm', 'npm-lockfile': 'npm', 'os-release': 'os' };

/** `pkg:oci/<name>@<digest>?repository_url=...&arch=...&tag=...`, the purl type for container images. */
export function imagePurl(inv: ImageInventory): string {
  const s = inv.subject;
  const last = s.name.slice(s.name.lastIndexOf('/') + 1) || 'image';
  const q: Record<string, string> = {};
  if (s.name.includes('/') && inv.subject.reference.includes(s.name)) q.repository_url = s.name;
  if (s.platform.architecture && s.platform.architecture !== 'unknown') q.arch = s.platform.architecture;
  const tag = s.tags[0]?.replace(/^.*:/, '');
  if (tag) q.tag = tag;
  return new PackageURL('oci', undefined, last.toLowerCase(), s.digest, Object.keys(q).length ? q : undefined, undefined).toString();
}

function componentRef(c: ImageComponent, platform: string | undefined): string {
  return `${platform ? `${platform}|` : ''}${c.cataloger}:${c.name}@${c.version}|${c.path}`;
}

function packageOf(c: ImageComponent, platform: string | undefined): InventoryPackage {
  const properties: Record<string, string> = {
    'provenant:cataloger': c.cataloger,
    'provenant:layer:digest': c.layerDigest,
    'provenant:location:path': `/${c.path}`,
    ...c.properties,
  };
  if (c.kind !== 'library') properties['provenant:component:type'] = c.kind;
  if (platform) properties['provenant:image:platform'] = platform;
  return {
    ref: componentRef(c, platform),
    name: c.name,
    version: c.version,
    purl: c.purl ?? '',
    hashes: [],
    licenses: c.licenses,
    dev: false,
    optional: false,
    source: 'unknown',
    ecosystem: ECOSYSTEM[c.cataloger] ?? c.cataloger,
    properties,
  };
}

/**
 * The image inventories as the SBOM writers' Inventory: the root is the image (version = its
 * digest, an oci purl), every package records its layer and path as properties. Several platform
 * images (platform 'all') become one inventory whose root is the index.
 */
export function toInventory(images: ImageInventory[]): Inventory {
  const first = images[0];
  if (!first) throw new ProvenantError('INTERNAL', 'no image to describe');
  const multi = images.length > 1;
  const rootDigest = multi ? (first.subject.indexDigest ?? first.subject.digest) : first.subject.digest;
  const rootRef = `image:${rootDigest}`;
  const packages: InventoryPackage[] = [];
  const edges = new Map<string, string[]>();
  for (const img of images) {
    const platform = multi ? formatPlatform(img.subject.platform) : undefined;
    // The OS is not a package (no purl type); the CycloneDX image writer adds it as an operating-system component.
    const comps: ImageComponent[] = img.components;
    const seen = new Set<string>();
    const refByName = new Map<string, string>();
    for (const c of comps) {
      const p = packageOf(c, platform);
      if (seen.has(p.ref)) continue;
      seen.add(p.ref);
      packages.push(p);
      refByName.set(`${c.cataloger}:${c.name}`, p.ref);
    }
    for (const c of comps) {
      if (!c.dependsOn?.length) continue;
      const from = refByName.get(`${c.cataloger}:${c.name}`);
      const to = c.dependsOn.map((n) => refByName.get(`${c.cataloger}:${n}`)).filter((r): r is string => r !== undefined);
      if (from && to.length) edges.set(from, to);
    }
  }
  const root = {
    ref: rootRef,
    name: first.subject.name,
    version: rootDigest,
    purl: multi ? imagePurl({ ...first, subject: { ...first.subject, digest: rootDigest, platform: { os: 'unknown', architecture: 'unknown' } } }) : imagePurl(first),
    licenses: [],
    description: `container image ${first.subject.reference}${multi ? ` (${images.length} platforms)` : ` (${formatPlatform(first.subject.platform)})`}`,
    fromLockfile: false,
  };
  return {
    root,
    packages,
    dependencies: [{ ref: rootRef, dependsOn: packages.map((p) => p.ref) }, ...[...edges].map(([ref, dependsOn]) => ({ ref, dependsOn }))],
    source: { kind: 'image', path: first.subject.reference },
  };
}
