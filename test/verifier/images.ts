// Test images and cosign-style evidence, pushed with core/oci's client to the loopback registries.
import { randomBytes, sign } from 'node:crypto';
import type { Digest } from '@provenant/core/digest';
import type { ImageReference, RegistryClient } from '@provenant/core/oci';
import { attachBundle, legacyTag } from '@provenant/verifier';
import { sha256, simpleSigningPayload, type TestKey } from './helpers.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

export interface PushedImage {
  readonly repo: ImageReference;
  readonly digest: Digest;
  readonly size: number;
  readonly mediaType: string;
}

const ref = (host: string, repository: string, tag?: string): ImageReference => ({ registry: host, repository, tag, digest: undefined });

/** A small image: an OCI config and one random layer, tagged. */
export async function pushImage(client: RegistryClient, host: string, repository: string, tag: string): Promise<PushedImage> {
  const repo = ref(host, repository);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
  const layer = randomBytes(2048);
  await client.pushBlob(repo, config);
  await client.pushBlob(repo, layer);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha256(config)}`, size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${sha256(layer)}`, size: layer.length }],
    }),
  );
  const pushed = await client.putManifest(ref(host, repository, tag), manifest, { mediaType: OCI_MANIFEST });
  return { repo, digest: pushed.digest, size: pushed.size, mediaType: OCI_MANIFEST };
}

/** Attaches a bundle as an OCI referrer (fallback tag schema on this registry). */
export async function attach(client: RegistryClient, image: PushedImage, bundle: object): Promise<string> {
  return attachBundle(client, image.repo, image, Buffer.from(JSON.stringify(bundle)));
}

/** A legacy cosign `sha256-<hex>.sig` manifest: simple-signing payload layer + signature annotation (key, no log). */
export async function pushLegacySignature(client: RegistryClient, image: PushedImage, imageRef: string, key: TestKey, signedDigest: string = image.digest): Promise<void> {
  const payload = simpleSigningPayload(imageRef, signedDigest);
  const signature = sign('sha256', payload, key.privateKey).toString('base64');
  const empty = Buffer.from('{}');
  await client.pushBlob(image.repo, empty);
  await client.pushBlob(image.repo, payload);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha256(empty)}`, size: empty.length },
      layers: [{ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', digest: `sha256:${sha256(payload)}`, size: payload.length, annotations: { 'dev.cosignproject.cosign/signature': signature } }],
    }),
  );
  await client.putManifest({ ...image.repo, tag: legacyTag(image.digest, 'sig') }, manifest, { mediaType: OCI_MANIFEST });
}

/** A unique repository prefix: the loopback registries are shared by the whole suite. */
export function uniqueRepo(name: string): string {
  return `verifier-${randomBytes(4).toString('hex')}/${name}`;
}
