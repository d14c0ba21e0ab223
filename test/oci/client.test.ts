// The distribution client against the real registry (plain HTTP instance): manifests, blobs,
// uploads (monolithic, chunked, streamed, mounted), tags, deletes, referrers fallback, copy.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { copyImage, listFallbackReferrers, parseReference, referrersFallbackTag, RegistryClient, removeFromReferrersFallback, staticCredentials, type RepositoryRef } from '@provenant/core/oci';
import { makeImage, makeReferrer, OCI_INDEX, OCI_MANIFEST, sha256, type TestImage } from './fixtures.js';
import { codeOf } from '../helpers/errors.js';

const regs = inject('ociRegistries');
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
const host = regs.plain.host;
const client = new RegistryClient({ credentials: staticCredentials({}), retries: 1, retryBaseDelayMs: 10 });
afterAll(() => client.close());

let n = 0;
function repo(name: string): RepositoryRef {
  return { registry: host, repository: `client/${name}-${process.pid}-${n++}` };
}

async function pushImage(r: RepositoryRef, img: TestImage, tag?: string): Promise<void> {
  await client.pushBlob(r, img.config);
  for (const l of img.layers) await client.pushBlob(r, l);
  await client.putManifest({ ...r, tag: tag, digest: tag ? undefined : img.digest }, img.manifest);
}

describe('manifests and blobs', () => {
  it('pushes an image and reads it back by tag and digest, digest-verified', async () => {
    const r = repo('roundtrip');
    const img = makeImage({ layers: 2 });
    await pushImage(r, img, 'v1');
    const byTag = await client.getManifest({ ...r, tag: 'v1', digest: undefined });
    expect(byTag.digest).toBe(img.digest);
    expect(byTag.bytes.equals(img.manifest)).toBe(true);
    expect(byTag.mediaType).toBe(OCI_MANIFEST);
    expect(byTag.parsed.kind).toBe('manifest');
    const byDigest = await client.getManifest(`${host}/${r.repository}@${img.digest}`);
    expect(byDigest.bytes.equals(img.manifest)).toBe(true);
    const head = await client.headManifest({ ...r, tag: 'v1', digest: undefined });
    expect(head).toEqual({ mediaType: OCI_MANIFEST, digest: img.digest, size: img.manifest.length });
    const config = await client.getBlob(r, { digest: sha256(img.config), size: img.config.length });
    expect(config.equals(img.config)).toBe(true);
    for (const l of img.layers) {
      const chunks: Buffer[] = [];
      for await (const c of client.openBlob(r, { digest: sha256(l), size: l.length })) chunks.push(c);
      expect(Buffer.concat(chunks).equals(l)).toBe(true);
    }
    expect(await client.headBlob(r, sha256(img.config))).toBe(img.config.length);
  });

  it('reports absent manifests and blobs with codes', async () => {
    const r = repo('absent');
    const d = sha256(randomBytes(8));
    expect(await client.headManifest({ ...r, tag: 'nope', digest: undefined })).toBeUndefined();
    expect(await client.fetchManifest({ ...r, tag: 'nope', digest: undefined })).toBeUndefined();
    expect(await codeOf(client.getManifest({ ...r, tag: 'nope', digest: undefined }))).toBe('MANIFEST_UNKNOWN');
    expect(await client.headBlob(r, d)).toBeUndefined();
    expect(await codeOf(client.getBlob(r, { digest: d }))).toBe('BLOB_UNKNOWN');
  });

  it('refuses to push bytes under a digest they do not have', async () => {
    const r = repo('mismatch');
    const img = makeImage();
    expect(await codeOf(client.putManifest({ ...r, tag: undefined, digest: sha256(Buffer.from('x')) }, img.manifest))).toBe('DIGEST_MISMATCH');
    expect(await codeOf(client.pushBlob(r, { digest: sha256(Buffer.from('x')), data: Buffer.from('y') }))).toBe('DIGEST_MISMATCH');
  });

  it('checks hand-built references before they become URL paths', async () => {
    const r = repo('paths');
    expect(await codeOf(client.getManifest({ ...r, tag: '../../x', digest: undefined }))).toBe('REFERENCE_INVALID');
    expect(await codeOf(client.getManifest({ ...r, tag: undefined, digest: 'sha256:../x' as `sha256:${string}` }))).toBe('REFERENCE_INVALID');
    expect(await codeOf(client.headBlob({ ...r, repository: 'a/../../b' }, sha256(Buffer.from('x'))))).toBe('REFERENCE_INVALID');
    expect(await codeOf(client.headBlob(r, 'sha256:nothex' as `sha256:${string}`))).toBe('DIGEST_INVALID');
    expect(await codeOf(client.mountBlob(r, sha256(Buffer.from('x')), 'UPPER/case'))).toBe('REFERENCE_INVALID');
  });

  it('uploads in PATCH chunks, from a stream, and skips blobs that exist', async () => {
    const r = repo('chunked');
    const data = randomBytes(300_000);
    const first = await client.pushBlob(r, data, { chunkSize: 64 * 1024 });
    expect(first).toMatchObject({ digest: sha256(data), size: data.length, existed: false, mounted: false });
    expect((await client.getBlob(r, { digest: sha256(data), size: data.length })).equals(data)).toBe(true);
    expect((await client.pushBlob(r, data)).existed).toBe(true);

    const streamed = randomBytes(200_000);
    const r2 = repo('streamed');
    const pieces = [streamed.subarray(0, 70_000), streamed.subarray(70_000, 150_000), streamed.subarray(150_000)];
    await client.pushBlob(r2, { data: { open: () => Readable.from(pieces), size: streamed.length, digest: sha256(streamed) } });
    expect((await client.getBlob(r2, { digest: sha256(streamed) })).equals(streamed)).toBe(true);
    const r3 = repo('streamed-chunked');
    await client.pushBlob(r3, { data: { open: () => Readable.from(pieces), size: streamed.length, digest: sha256(streamed) } }, { chunkSize: 50_000 });
    expect((await client.getBlob(r3, { digest: sha256(streamed) })).equals(streamed)).toBe(true);
  });

  it('pushes and reads an empty blob', async () => {
    const r = repo('empty');
    const empty = Buffer.alloc(0);
    expect((await client.pushBlob(r, empty)).size).toBe(0);
    expect((await client.getBlob(r, { digest: sha256(empty), size: 0 })).length).toBe(0);
    expect((await client.pushBlob(repo('empty-chunked'), empty, { chunkSize: 10 })).digest).toBe(sha256(empty));
  });

  it('mounts a blob from another repository of the same registry', async () => {
    const a = repo('mount-src');
    const b = repo('mount-dst');
    const data = randomBytes(5000);
    await client.pushBlob(a, data);
    expect(await client.mountBlob(b, sha256(data), a.repository)).toBe(true);
    expect(await client.headBlob(b, sha256(data))).toBe(5000);
    const c = repo('mount-dst2');
    expect((await client.pushBlob(c, data, { mountFrom: a.repository })).mounted).toBe(true);
    // A blob the source lacks is not mounted; pushBlob then uploads it.
    const other = randomBytes(100);
    expect(await client.mountBlob(c, sha256(other), a.repository)).toBe(false);
    expect((await client.pushBlob(c, other, { mountFrom: a.repository })).mounted).toBe(false);
    expect(await client.headBlob(c, sha256(other))).toBe(100);
  });

  it('lists tags and deletes by digest only', async () => {
    const r = repo('tags');
    const img = makeImage();
    await pushImage(r, img, 'a');
    await client.putManifest({ ...r, tag: 'b', digest: undefined }, img.manifest);
    expect((await client.listTags(r)).sort()).toEqual(['a', 'b']);
    expect((await client.listTags(r, { pageSize: 1 })).sort()).toEqual(['a', 'b']);
    expect(await client.listTags(repo('no-such-repo'))).toEqual([]);
    expect(await codeOf(client.deleteManifest({ ...r, tag: 'a', digest: undefined }))).toBe('INVALID_ARGUMENT');
    await client.deleteManifest({ ...r, tag: undefined, digest: img.digest });
    expect(await client.headManifest({ ...r, tag: undefined, digest: img.digest })).toBeUndefined();
    expect(await client.listTags(r)).toEqual([]);
    await client.deleteBlob(r, sha256(img.config));
    expect(await client.headBlob(r, sha256(img.config))).toBeUndefined();
  });

  it('reads an image index and its children', async () => {
    const r = repo('index');
    const a = makeImage();
    const b = makeImage();
    await pushImage(r, a);
    await pushImage(r, b);
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [
          { mediaType: OCI_MANIFEST, digest: a.digest, size: a.manifest.length, platform: { os: 'linux', architecture: 'amd64' } },
          { mediaType: OCI_MANIFEST, digest: b.digest, size: b.manifest.length, platform: { os: 'linux', architecture: 'arm64' } },
        ],
      }),
    );
    const pushed = await client.putManifest({ ...r, tag: 'multi', digest: undefined }, index);
    expect(pushed.mediaType).toBe(OCI_INDEX);
    const got = await client.getManifest({ ...r, tag: 'multi', digest: undefined });
    expect(got.parsed.kind).toBe('index');
    expect(got.mediaType).toBe(OCI_INDEX);
    expect(got.digest).toBe(sha256(index));
    // The registry answers 404 when Accept leaves out the stored type (why we always send all four).
    expect(await codeOf(client.getManifest({ ...r, tag: 'multi', digest: undefined }, { accept: [OCI_MANIFEST] }))).toBe('MANIFEST_UNKNOWN');
  });
});

describe('Docker schema2 media types', () => {
  it('pushes and reads a Docker manifest and manifest list; Accept matters to the registry', async () => {
    const r = repo('docker');
    const img = makeImage();
    await client.pushBlob(r, img.config);
    await client.pushBlob(r, img.layers[0]!);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: DOCKER_MANIFEST,
        config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: sha256(img.config), size: img.config.length },
        layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: sha256(img.layers[0]!), size: img.layers[0]!.length }],
      }),
    );
    await client.putManifest({ ...r, tag: 'm', digest: undefined }, manifest);
    const list = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: DOCKER_LIST,
        manifests: [{ mediaType: DOCKER_MANIFEST, digest: sha256(manifest), size: manifest.length, platform: { os: 'linux', architecture: 'amd64' } }],
      }),
    );
    await client.putManifest({ ...r, tag: 'list', digest: undefined }, list);
    const got = await client.getManifest({ ...r, tag: 'list', digest: undefined });
    expect(got.mediaType).toBe(DOCKER_LIST);
    expect(got.parsed.kind).toBe('index');
    expect((await client.getManifest({ ...r, tag: 'm', digest: undefined })).mediaType).toBe(DOCKER_MANIFEST);
  });
});

describe('referrers (the registry has no referrers API: tag schema fallback)', () => {
  it('pushing a manifest with a subject updates the sha256-<hex> index; artifactType filters', async () => {
    const r = repo('referrers');
    const img = makeImage();
    await pushImage(r, img, 'v1');
    const subject = { digest: img.digest, size: img.manifest.length };
    const sig = makeReferrer(subject, 'application/vnd.example.sig', Buffer.from('signature'));
    const sbom = makeReferrer(subject, 'application/vnd.example.sbom', Buffer.from('sbom'));
    for (const ref of [sig, sbom]) {
      await client.pushBlob(r, ref.empty);
      await client.pushBlob(r, ref.blob);
      const pushed = await client.putManifest({ ...r, tag: undefined, digest: ref.digest }, ref.manifest);
      expect(pushed.referrers).toBe('fallback');
    }
    const all = await client.listReferrers(r, img.digest);
    expect(all.map((d) => d.digest).sort()).toEqual([sig.digest, sbom.digest].sort());
    expect(all.find((d) => d.digest === sig.digest)).toMatchObject({ artifactType: 'application/vnd.example.sig', mediaType: OCI_MANIFEST, annotations: { 'org.example.test': 'application/vnd.example.sig' } });
    const sigs = await client.listReferrers(r, img.digest, { artifactType: 'application/vnd.example.sig' });
    expect(sigs.map((d) => d.digest)).toEqual([sig.digest]);
    const tag = referrersFallbackTag(img.digest);
    expect(tag).toBe(`sha256-${img.digest.slice(7)}`);
    expect((await client.getManifest({ ...r, tag, digest: undefined })).parsed.kind).toBe('index');
    // Pushing the same referrer again does not duplicate it.
    await client.putManifest({ ...r, tag: undefined, digest: sig.digest }, sig.manifest);
    expect(await listFallbackReferrers(client, r, img.digest)).toHaveLength(2);
    expect(await client.listReferrers(r, sha256(Buffer.from('no subject')))).toEqual([]);
  });

  it('removes entries, and refuses to overwrite a fallback tag that holds an image', async () => {
    const r = repo('referrers-remove');
    const img = makeImage();
    await pushImage(r, img, 'v1');
    const subject = { digest: img.digest, size: img.manifest.length };
    const ref = makeReferrer(subject, 'application/vnd.example.sig', Buffer.from('s'));
    await client.pushBlob(r, ref.empty);
    await client.pushBlob(r, ref.blob);
    await client.putManifest({ ...r, tag: undefined, digest: ref.digest }, ref.manifest);
    expect(await client.listReferrers(r, img.digest)).toHaveLength(1);
    await removeFromReferrersFallback(client, r, img.digest, ref.digest);
    expect(await client.listReferrers(r, img.digest)).toEqual([]);

    const other = makeImage();
    await pushImage(r, other);
    const occupied = makeImage();
    await pushImage(r, occupied, referrersFallbackTag(other.digest));
    const ref2 = makeReferrer({ digest: other.digest, size: other.manifest.length }, 'application/vnd.example.sig', Buffer.from('t'));
    await client.pushBlob(r, ref2.blob);
    expect(await codeOf(client.putManifest({ ...r, tag: undefined, digest: ref2.digest }, ref2.manifest))).toBe('MANIFEST_INVALID');
    expect(await codeOf(client.listReferrers(r, other.digest))).toBe('MANIFEST_INVALID');
    // Without fallback updates the push itself succeeds.
    expect((await client.putManifest({ ...r, tag: undefined, digest: ref2.digest }, ref2.manifest, { updateReferrersFallback: false })).referrers).toBe('none');
  });

  it('concurrent writers to one fallback index all end up listed', async () => {
    const r = repo('referrers-race');
    const img = makeImage();
    await pushImage(r, img, 'v1');
    const subject = { digest: img.digest, size: img.manifest.length };
    const refs = Array.from({ length: 4 }, (_, i) => makeReferrer(subject, `application/vnd.example.t${i}`, Buffer.from(`p${i}`)));
    for (const ref of refs) {
      await client.pushBlob(r, ref.empty);
      await client.pushBlob(r, ref.blob);
    }
    const writers = refs.map(() => new RegistryClient({ credentials: staticCredentials({}), referrersFallbackAttempts: 10, referrersFallbackSettleMs: 400 }));
    await Promise.all(refs.map((ref, i) => writers[i]!.putManifest({ ...r, tag: undefined, digest: ref.digest }, ref.manifest)));
    for (const w of writers) w.close();
    const listed = (await client.listReferrers(r, img.digest)).map((d) => d.digest).sort();
    // Read-back plus a settle re-check converge here; the remaining HEAD-to-PUT window is documented in referrers.ts.
    expect(listed).toEqual(refs.map((x) => x.digest).sort());
  });
});

describe('copyImage', () => {
  it('copies an index, its children and their referrers by digest, tag last, mounting within a registry', async () => {
    const src = repo('copy-src');
    const dst = repo('copy-dst');
    const a = makeImage({ layers: 2 });
    const b = makeImage();
    await pushImage(src, a);
    await pushImage(src, b);
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [
          { mediaType: OCI_MANIFEST, digest: a.digest, size: a.manifest.length },
          { mediaType: OCI_MANIFEST, digest: b.digest, size: b.manifest.length },
        ],
      }),
    );
    await client.putManifest({ ...src, tag: 'v1', digest: undefined }, index);
    const indexDigest = sha256(index);
    const sig = makeReferrer({ digest: indexDigest, size: index.length, mediaType: OCI_INDEX }, 'application/vnd.example.sig', Buffer.from('sig'));
    const childAtt = makeReferrer({ digest: a.digest, size: a.manifest.length }, 'application/vnd.example.att', Buffer.from('att'));
    for (const ref of [sig, childAtt]) {
      await client.pushBlob(src, ref.empty);
      await client.pushBlob(src, ref.blob);
      await client.putManifest({ ...src, tag: undefined, digest: ref.digest }, ref.manifest);
    }
    const result = await copyImage(client, parseReference(`${host}/${src.repository}:v1`), `${host}/${dst.repository}:prod`);
    expect(result.digest).toBe(indexDigest);
    expect(result.referrers.sort()).toEqual([sig.digest, childAtt.digest].sort());
    expect(result.blobs.mounted).toBeGreaterThan(0);
    expect(result.blobs.copied).toBe(0);
    expect((await client.resolve({ ...dst, tag: 'prod', digest: undefined })).digest).toBe(indexDigest);
    expect((await client.listReferrers(dst, indexDigest)).map((d) => d.digest)).toEqual([sig.digest]);
    expect((await client.listReferrers(dst, a.digest)).map((d) => d.digest)).toEqual([childAtt.digest]);
    for (const l of a.layers) expect(await client.headBlob(dst, sha256(l))).toBe(l.length);
  });

  it('streams blobs across registries (plain -> TLS)', async () => {
    const src = repo('xcopy-src');
    const img = makeImage({ layers: 2, layerBytes: 100_000 });
    await pushImage(src, img, 'v1');
    const { readFile } = await import('node:fs/promises');
    const tlsClient = new RegistryClient({ credentials: staticCredentials({}), ca: await readFile(regs.tls.caFile) });
    try {
      const dst = `${regs.tls.host}/client/xcopy-dst-${process.pid}:v1`;
      const result = await copyImage(client, `${host}/${src.repository}:v1`, dst, { destinationClient: tlsClient });
      expect(result.blobs.copied).toBe(3);
      const back = await tlsClient.getManifest(dst);
      expect(back.digest).toBe(img.digest);
    } finally {
      tlsClient.close();
    }
  });
});
