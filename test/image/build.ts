// Writes OCI layouts with provenant's own writer (tar writer + gzip), for interop and hostile tests.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { MEDIA_TYPES, OciLayoutWriter, type Descriptor } from '@provenant/core/oci';
import { tarToBuffer, type TarWriteEntry } from '@provenant/core/oci';

export interface BuiltLayer {
  tar: Buffer;
  blob: Buffer;
}

export async function layer(entries: TarWriteEntry[], opts: { gzip?: boolean } = {}): Promise<BuiltLayer> {
  const tar = await tarToBuffer(entries);
  return { tar, blob: opts.gzip === false ? tar : gzipSync(tar) };
}

export function sha256(b: Buffer): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

/** Writes one image (manifest + config + layers) into the layout; returns its manifest descriptor. */
export async function writeImage(
  w: OciLayoutWriter,
  layers: BuiltLayer[],
  opts: { tag?: string; platform?: { os: string; architecture: string }; diffIds?: string[] } = {},
): Promise<Descriptor> {
  const platform = opts.platform ?? { os: 'linux', architecture: 'amd64' };
  const layerDescs: Descriptor[] = [];
  for (const l of layers) layerDescs.push(await w.putBlob(l.blob, l.blob === l.tar ? MEDIA_TYPES.ociLayer : MEDIA_TYPES.ociLayerGzip));
  const config = { ...platform, created: '1970-01-01T00:00:00Z', config: {}, rootfs: { type: 'layers', diff_ids: opts.diffIds ?? layers.map((l) => sha256(l.tar)) }, history: [] };
  const configDesc = await w.putBlob(Buffer.from(JSON.stringify(config)), MEDIA_TYPES.ociConfig);
  const manifest = { schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: configDesc, layers: layerDescs };
  return w.putManifest(manifest, MEDIA_TYPES.ociManifest, opts.tag !== undefined ? { tag: opts.tag } : {});
}

export const sampleEntries: TarWriteEntry[] = [
  { path: 'etc', type: 'directory' },
  { path: 'etc/os-release', content: 'ID=alpine\nVERSION_ID=3.19.1\n' },
  { path: 'lib/apk/db/installed', content: 'P:musl\nV:1.2.4-r2\nA:x86_64\nL:MIT\n\n' },
];
