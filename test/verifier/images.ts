// Test images and cosign-style evidence pushed with the verifier's registry client.
import { randomBytes } from 'node:crypto';
import { attachBundle, legacyTag, RegistryClient } from '@provenant/verifier';
import { sha256, simpleSigningPayload, type TestKey } from './helpers.js';
import { sign } from 'node:crypto';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

export interface PushedImage {
  readonly digest: string;
  readonly size: number;
  readonly mediaType: string;
}

/** A small image: an OCI config and one random layer, tagged. */
export async function pushImage(client: RegistryClient, repository: string, tag: string): Promise<PushedImage> {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
  const layer = randomBytes(2048);
  await client.putBlob(repository, config);
  await client.putBlob(repository, layer);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha256(config)}`, size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${sha256(layer)}`, size: layer.length }],
    }),
  );
  const digest = await client.putManifest(repository, tag, manifest, OCI_MANIFEST);
  return { digest, size: manifest.length, mediaType: OCI_MANIFEST };
}

/** Attaches a bundle as an OCI referrer (fallback tag schema on this registry). */
export async function attach(client: RegistryClient, repository: string, image: PushedImage, bundle: object): Promise<string> {
  return attachBundle(client, repository, image, Buffer.from(JSON.stringify(bundle)));
}

/** A legacy cosign `sha256-<hex>.sig` manifest: simple-signing payload layer + signature annotation (key, no log). */
export async function pushLegacySignature(client: RegistryClient, repository: string, image: PushedImage, ref: string, key: TestKey, signedDigest = image.digest): Promise<void> {
  const payload = simpleSigningPayload(ref, signedDigest);
  const signature = sign('sha256', payload, key.privateKey).toString('base64');
  const empty = Buffer.from('{}');
  await client.putBlob(repository, empty);
  await client.putBlob(repository, payload);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha256(empty)}`, size: empty.length },
      layers: [{ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', digest: `sha256:${sha256(payload)}`, size: payload.length, annotations: { 'dev.cosignproject.cosign/signature': signature } }],
    }),
  );
  await client.putManifest(repository, legacyTag(image.digest, 'sig'), manifest, OCI_MANIFEST);
}
