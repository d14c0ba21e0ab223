import { mkdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ProvenantError } from '../../errors.js';
import { fileChunks, readSmallFile, writeFileAtomic } from './fsutil.js';
import { resolveImages, type BlobSource, type PlatformChoice, type ResolvedImage } from './image.js';
import { DescriptorSchema, ImageIndexSchema, MEDIA_TYPES, OciLayoutFileSchema, REF_NAME_ANNOTATION, type Descriptor, type ImageIndex, type Platform } from './schema.js';
import { digestOf, hashStream, verifyBytes, verifyStream } from './verify.js';

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

function blobPath(dir: string, digest: string): string {
  const parsed = DescriptorSchema.shape.digest.safeParse(digest);
  if (!parsed.success) throw new ProvenantError('DIGEST_INVALID', `${JSON.stringify(digest)} is not a valid digest`);
  const [alg, hex] = digest.split(':') as [string, string];
  return join(dir, 'blobs', alg, hex);
}

/** An OCI image layout directory opened for reading; every blob read is digest-verified. */
export class OciLayout implements BlobSource {
  private constructor(
    readonly dir: string,
    readonly index: ImageIndex,
  ) {}

  static async open(dir: string): Promise<OciLayout> {
    const marker = await readSmallFile(join(dir, 'oci-layout'), 64 * 1024, 'oci-layout file').catch((cause: unknown) => {
      throw new ProvenantError('LAYOUT_INVALID', `${dir} is not an OCI image layout (no readable oci-layout file)`, { cause });
    });
    const layout = OciLayoutFileSchema.safeParse(safeJson(marker));
    if (!layout.success || !layout.data.imageLayoutVersion.startsWith('1.')) {
      throw new ProvenantError('LAYOUT_INVALID', `${dir}/oci-layout has an unsupported imageLayoutVersion`);
    }
    const indexBytes = await readSmallFile(join(dir, 'index.json'), MAX_MANIFEST_BYTES, 'index.json').catch((cause: unknown) => {
      throw new ProvenantError('LAYOUT_INVALID', `${dir}/index.json is missing or too large`, { cause });
    });
    const index = ImageIndexSchema.safeParse(safeJson(indexBytes));
    if (!index.success) throw new ProvenantError('LAYOUT_INVALID', `${dir}/index.json is not a valid image index: ${index.error.issues[0]?.message ?? ''}`, { cause: index.error });
    return new OciLayout(dir, index.data);
  }

  /** Tags (ref.name annotations) of the top-level manifests. */
  tags(): string[] {
    return this.index.manifests.flatMap((m) => (m.annotations?.[REF_NAME_ANNOTATION] ? [m.annotations[REF_NAME_ANNOTATION]] : []));
  }

  /** The descriptor for a tag, a digest, or (without either) the only manifest of index.json. */
  find(ref?: string): Descriptor {
    const ms = this.index.manifests;
    if (ref === undefined || ref === '') {
      if (ms.length === 1) return ms[0]!;
      throw new ProvenantError('INVALID_ARGUMENT', `${this.dir} holds ${ms.length} manifests; name one as oci:${this.dir}:<tag> (tags: ${this.tags().join(', ') || 'none'})`);
    }
    const hit = ref.includes(':') && /^sha(256|512):/.test(ref) ? ms.find((m) => m.digest === ref) : ms.find((m) => m.annotations?.[REF_NAME_ANNOTATION] === ref);
    if (!hit) throw new ProvenantError('MANIFEST_UNKNOWN', `${ref} not found in ${this.dir}/index.json (tags: ${this.tags().join(', ') || 'none'})`);
    return hit;
  }

  async readManifest(desc: Descriptor): Promise<Buffer> {
    return this.readVerified(desc, MAX_MANIFEST_BYTES, 'manifest');
  }

  async readBlob(desc: Descriptor): Promise<Buffer> {
    return this.readVerified(desc, MAX_CONFIG_BYTES, 'blob');
  }

  openBlob(desc: Descriptor): AsyncIterable<Buffer> {
    return verifyStream(this.chunksOf(desc), desc.digest, desc.size, `blob ${desc.digest}`);
  }

  private async *chunksOf(desc: Descriptor): AsyncGenerator<Buffer> {
    const path = blobPath(this.dir, desc.digest);
    try {
      await stat(path);
    } catch (cause) {
      throw new ProvenantError('BLOB_UNKNOWN', `blob ${desc.digest} is missing from ${this.dir}`, { cause });
    }
    yield* fileChunks(path);
  }

  private async readVerified(desc: Descriptor, limit: number, what: string): Promise<Buffer> {
    if (desc.size > limit) throw new ProvenantError(what === 'manifest' ? 'MANIFEST_TOO_LARGE' : 'BLOB_TOO_LARGE', `${what} ${desc.digest} declares ${desc.size} bytes, over the ${limit}-byte limit`);
    const path = blobPath(this.dir, desc.digest);
    const data = await readSmallFile(path, desc.size, `${what} ${desc.digest}`).catch((err: unknown) => {
      if (err instanceof ProvenantError && err.code === 'FILE_TOO_LARGE') throw new ProvenantError('BLOB_TOO_LARGE', `${what} ${desc.digest} is larger than its descriptor's ${desc.size} bytes`, { cause: err });
      if (err instanceof ProvenantError && err.code === 'FILE_NOT_FOUND') throw new ProvenantError('BLOB_UNKNOWN', `${what} ${desc.digest} is missing from ${this.dir}`, { cause: err });
      throw err;
    });
    verifyBytes(data, desc.digest, desc.size, `${what} ${desc.digest}`);
    return data;
  }

  /** The images a `oci:DIR[:ref]` target names, for one platform or all. */
  async images(ref: string | undefined, platform: PlatformChoice): Promise<ResolvedImage[]> {
    const desc = this.find(ref);
    const tag = desc.annotations?.[REF_NAME_ANNOTATION];
    return resolveImages(this, `oci:${this.dir}${ref ? `:${ref}` : ''}`, desc, platform, tag ? [tag] : []);
  }
}

function safeJson(b: Buffer): unknown {
  try {
    return JSON.parse(b.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Builds an OCI image layout: blobs are written through temp files and renamed once verified. */
export class OciLayoutWriter {
  private readonly manifests: Descriptor[] = [];
  private constructor(readonly dir: string) {}

  /** Creates the layout (or adds to an existing one, keeping its index entries). */
  static async create(dir: string): Promise<OciLayoutWriter> {
    const w = new OciLayoutWriter(dir);
    await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
    // Add to an existing layout, but never silently replace one we cannot read.
    if ((await exists(join(dir, 'index.json'))) || (await exists(join(dir, 'oci-layout')))) {
      const existing = await OciLayout.open(dir);
      w.manifests.push(...existing.index.manifests);
    }
    await writeFileAtomic(join(dir, 'oci-layout'), Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
    return w;
  }

  /** Stores a blob; with `expected` set, a different digest or size is refused and nothing is kept. */
  async putBlob(data: Uint8Array | AsyncIterable<Uint8Array>, mediaType: string, expected?: { digest: string; size: number }): Promise<Descriptor> {
    if (data instanceof Uint8Array) {
      const digest = digestOf(data);
      if (expected) verifyBytes(data, expected.digest, expected.size, 'blob');
      const path = blobPath(this.dir, digest);
      if (!(await exists(path))) await writeFileAtomic(path, data);
      return { mediaType, digest, size: data.length };
    }
    let digest = '';
    let size = 0;
    const tmp = join(this.dir, 'blobs', 'sha256', `.incoming-${process.pid}-${Math.random().toString(36).slice(2)}`);
    const source = expected ? verifyStream(data, expected.digest, expected.size, 'blob') : data;
    await writeFileAtomic(
      tmp,
      hashStream(source, (d, n) => {
        digest = d;
        size = n;
      }),
    );
    await rename(tmp, blobPath(this.dir, digest));
    return { mediaType, digest, size };
  }

  /** Stores a manifest or index blob and lists it in index.json (tagged when `tag` is given). */
  async putManifest(json: unknown, mediaType: string, opts: { tag?: string; platform?: Platform } = {}): Promise<Descriptor> {
    const bytes = Buffer.from(JSON.stringify(json), 'utf8');
    const desc = await this.putBlob(bytes, mediaType);
    if (opts.platform) desc.platform = opts.platform;
    if (opts.tag !== undefined) {
      desc.annotations = { [REF_NAME_ANNOTATION]: opts.tag };
      const i = this.manifests.findIndex((m) => m.annotations?.[REF_NAME_ANNOTATION] === opts.tag);
      if (i !== -1) this.manifests.splice(i, 1);
    }
    this.manifests.push(desc);
    return desc;
  }

  /** Writes index.json; call once after the last putManifest. */
  async finish(): Promise<void> {
    const index = { schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: this.manifests };
    await writeFileAtomic(join(this.dir, 'index.json'), Buffer.from(JSON.stringify(index), 'utf8'));
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
