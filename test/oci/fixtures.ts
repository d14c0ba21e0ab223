// Small in-memory images for the registry tests: a config, one or more layer blobs, a manifest.
import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';

export function sha256(data: Buffer): `sha256:${string}` {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export interface TestImage {
  config: Buffer;
  layers: Buffer[];
  manifest: Buffer;
  digest: `sha256:${string}`;
}

/** A tar with one regular file, written by hand (ustar header + data + two zero blocks). */
export function tarWithFile(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(content.length.toString(8).padStart(11, '0') + '\0', 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  const pad = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, pad, Buffer.alloc(1024)]);
}

/** A distinct image each call (random file content) unless `seed` is given. */
export function makeImage(options: { seed?: string; layers?: number; layerBytes?: number } = {}): TestImage {
  const layers: Buffer[] = [];
  const diffIds: string[] = [];
  for (let i = 0; i < (options.layers ?? 1); i++) {
    const content = options.seed !== undefined ? Buffer.from(`${options.seed}-${i}`.repeat(Math.max(1, Math.floor((options.layerBytes ?? 64) / 8)))) : randomBytes(options.layerBytes ?? 64);
    const tar = tarWithFile(`file-${i}.txt`, content);
    diffIds.push(sha256(tar));
    layers.push(gzipSync(tar, { level: 1 }));
  }
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: diffIds }, config: {} }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: sha256(config), size: config.length },
      layers: layers.map((l) => ({ mediaType: OCI_LAYER_GZIP, digest: sha256(l), size: l.length })),
    }),
  );
  return { config, layers, manifest, digest: sha256(manifest) };
}

/** An artifact manifest (empty config, one blob) that refers to `subject`. */
export function makeReferrer(subject: { digest: string; size: number; mediaType?: string }, artifactType: string, payload: Buffer): { manifest: Buffer; digest: `sha256:${string}`; blob: Buffer; empty: Buffer } {
  const empty = Buffer.from('{}');
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType,
      config: { mediaType: OCI_EMPTY, digest: sha256(empty), size: 2 },
      layers: [{ mediaType: 'application/octet-stream', digest: sha256(payload), size: payload.length }],
      subject: { mediaType: subject.mediaType ?? OCI_MANIFEST, digest: subject.digest, size: subject.size },
      annotations: { 'org.example.test': artifactType },
    }),
  );
  return { manifest, digest: sha256(manifest), blob: payload, empty };
}
