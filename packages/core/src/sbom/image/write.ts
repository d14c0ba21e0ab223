import type { SbomDocumentOptions } from '../target.js';
import { formatPlatform } from '../../oci/index.js';
import { catalogImageInventories, type CatalogImageOptions } from './index.js';
import { toInventory } from './inventory.js';
import type { ImageInventory } from './model.js';

export interface ImageSbomOptions extends SbomDocumentOptions {
  /** `os/arch[/variant]` or 'all'; default the host platform. */
  platform?: string;
  onLayer?: CatalogImageOptions['onLayer'];
}

/**
 * `provenant sbom <image>`: catalogs the image and writes CycloneDX (root = the container image,
 * the OS as an operating-system component) or SPDX 2.3 JSON.
 */
export async function writeImageSbom(target: string, opts: ImageSbomOptions): Promise<{ document: string; components: number }> {
  const images = await catalogImageInventories(target, { ...(opts.platform ? { platform: opts.platform } : {}), ...(opts.onLayer ? { onLayer: opts.onLayer } : {}) });
  const inventory = toInventory(images);
  if (opts.format === 'spdx-json') {
    const { toSpdxJson } = await import('../spdx.js');
    return { document: toSpdxJson(inventory, { reproducible: opts.reproducible }), components: inventory.packages.length };
  }
  const document = await imageCycloneDx(images, inventory, opts);
  return { document, components: inventory.packages.length + images.filter((i) => i.os).length };
}

async function imageCycloneDx(images: ImageInventory[], inventory: ReturnType<typeof toInventory>, opts: ImageSbomOptions): Promise<string> {
  const { inventoryToBom } = await import('../cyclonedx.js');
  // The same module instances inventoryToBom built the Bom with (the normalizers use instanceof).
  const { cycloneDxLibrary, cycloneDxSerialize } = await import('../cyclonedx-load.js');
  const { Enums, Models, Spec } = cycloneDxLibrary();
  const Serialize = cycloneDxSerialize();
  const bom = inventoryToBom(inventory, { reproducible: opts.reproducible });
  const root = bom.metadata.component;
  if (root) {
    root.type = Enums.ComponentType.Container;
    const first = images[0]!.subject;
    const add = (name: string, value: string | undefined): void => {
      if (value) root.properties.add(new Models.Property(name, value));
    };
    add('provenant:image:reference', first.reference);
    add(images.length > 1 ? 'provenant:image:index-digest' : `provenant:image:${first.digestKind}-digest`, inventory.root.version);
    if (images.length === 1) {
      add('provenant:image:config-digest', first.configDigest);
      add('provenant:image:platform', formatPlatform(first.platform));
      first.layers.forEach((l, i) => add(`provenant:image:layer:${i}`, l.digest));
    }
    for (const t of first.tags) add('provenant:image:tag', t);
  }
  for (const img of images) {
    if (!img.os) continue;
    const os = new Models.Component(Enums.ComponentType.OperatingSystem, img.os.id, {
      bomRef: `os:${images.length > 1 ? formatPlatform(img.subject.platform) + ':' : ''}${img.os.id}`,
      ...(img.os.versionId ? { version: img.os.versionId } : {}),
      ...(img.os.prettyName ? { description: img.os.prettyName } : {}),
    });
    os.properties.add(new Models.Property('provenant:layer:digest', img.os.layerDigest));
    os.properties.add(new Models.Property('provenant:location:path', `/${img.os.path}`));
    if (images.length > 1) os.properties.add(new Models.Property('provenant:image:platform', formatPlatform(img.subject.platform)));
    bom.components.add(os);
    if (root) root.dependencies.add(os.bomRef);
  }
  const spec = opts.specVersion === '1.5' ? Spec.Spec1dot5 : Spec.Spec1dot6;
  const options = { sortLists: opts.reproducible, space: 2 };
  return opts.format === 'cyclonedx-xml'
    ? new Serialize.XmlSerializer(new Serialize.XML.Normalize.Factory(spec)).serialize(bom, options)
    : new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(spec)).serialize(bom, options);
}
