import { open as openFile } from 'node:fs/promises';
import { ProvenantError } from '../../errors.js';
import { maybeDecompress, sniffCompression } from '../tar/gzip.js';
import { normalizeMemberPath, resolveLinkTarget } from '../tar/paths.js';
import { readTar } from '../tar/reader.js';
import { writeTar, type TarWriteEntry } from '../tar/writer.js';
import { fileChunks, writeFileAtomic } from './fsutil.js';
import { parseImageConfig, type ImageLayer, type ResolvedImage } from './image.js';
import { DockerArchiveManifestSchema, MEDIA_TYPES, type DockerArchiveManifest } from './schema.js';
import { digestOf, verifyStream } from './verify.js';

const MAX_JSON_BYTES = 16 * 1024 * 1024;

interface Member {
  type: 'file' | 'symlink' | 'hardlink' | 'other';
  offset: number;
  size: number;
  linkPath?: string;
}

/**
 * A `docker save` / `skopeo copy docker-archive:` tar file opened for random access: one pass
 * indexes the members, then configs and layers are read by offset. Layers are verified against the
 * config's diff_ids, the config against its file name when that is a digest.
 */
export class DockerArchive {
  private constructor(
    readonly file: string,
    private readonly members: Map<string, Member>,
    readonly manifest: DockerArchiveManifest,
  ) {}

  static async open(file: string): Promise<DockerArchive> {
    const head = Buffer.alloc(4);
    try {
      const fh = await openFile(file, 'r');
      await fh.read(head, 0, 4, 0);
      await fh.close();
    } catch (cause) {
      throw new ProvenantError('FILE_NOT_FOUND', `cannot open docker-archive ${file}`, { cause });
    }
    if (sniffCompression(head) !== 'none') {
      throw new ProvenantError('UNSUPPORTED', `${file} is compressed; decompress it first (docker-archive is read by offset)`);
    }
    const members = new Map<string, Member>();
    try {
      for await (const m of readTar(fileChunks(file))) {
        const type = m.type === 'file' || m.type === 'symlink' || m.type === 'hardlink' ? m.type : 'other';
        const member: Member = { type, offset: m.offset, size: m.size };
        if (m.linkPath !== undefined) member.linkPath = m.linkPath;
        members.set(m.path, member);
      }
    } catch (err) {
      if (err instanceof ProvenantError && (err.code === 'TAR_INVALID' || err.code === 'TAR_PATH_ESCAPE')) {
        throw new ProvenantError('ARCHIVE_INVALID', `${file} is not a valid docker-archive: ${err.message}`, { cause: err });
      }
      throw err;
    }
    const archive = new DockerArchive(file, members, []);
    const raw = await archive.readMember('manifest.json', MAX_JSON_BYTES);
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch (cause) {
      throw new ProvenantError('ARCHIVE_INVALID', `${file}: manifest.json is not JSON`, { cause });
    }
    const parsed = DockerArchiveManifestSchema.safeParse(json);
    if (!parsed.success || parsed.data.length === 0) {
      throw new ProvenantError('ARCHIVE_INVALID', `${file}: manifest.json is not a docker-archive manifest`, parsed.success ? {} : { cause: parsed.error });
    }
    return new DockerArchive(file, members, parsed.data);
  }

  /** Follows symlinks/hardlinks inside the archive (older `docker save` dedupes layers that way). */
  private member(name: string): Member & { path: string } {
    let path = normalizeMemberPath(name, 'docker-archive member');
    for (let hops = 0; hops < 16; hops++) {
      const m = this.members.get(path);
      if (!m) throw new ProvenantError('ARCHIVE_INVALID', `${this.file} has no member ${path}`);
      if (m.type === 'file') return { ...m, path };
      if (m.type === 'symlink') path = resolveLinkTarget(path, m.linkPath ?? '');
      else if (m.type === 'hardlink') path = m.linkPath ?? '';
      else throw new ProvenantError('ARCHIVE_INVALID', `${this.file}: ${path} is not a file`);
    }
    throw new ProvenantError('ARCHIVE_INVALID', `${this.file}: too many links resolving ${name}`);
  }

  private async readMember(name: string, limit: number): Promise<Buffer> {
    const m = this.member(name);
    if (m.size > limit) throw new ProvenantError('FILE_TOO_LARGE', `${this.file}: ${name} is ${m.size} bytes, over the ${limit}-byte limit`);
    const parts: Buffer[] = [];
    for await (const c of fileChunks(this.file, m.offset, m.size)) parts.push(c);
    return Buffer.concat(parts);
  }

  /** The image with a RepoTag equal to `tag`, image number `@N`, or the only one. */
  async image(selector?: string): Promise<ResolvedImage> {
    let idx = 0;
    if (selector !== undefined && selector !== '') {
      if (/^@\d+$/.test(selector)) idx = Number(selector.slice(1));
      else {
        idx = this.manifest.findIndex((e) => (e.RepoTags ?? []).some((t) => t === selector || t === `${selector}:latest`));
        if (idx === -1) throw new ProvenantError('MANIFEST_UNKNOWN', `${this.file} has no image tagged ${selector}`);
      }
    } else if (this.manifest.length > 1) {
      throw new ProvenantError('INVALID_ARGUMENT', `${this.file} holds ${this.manifest.length} images; name one as docker-archive:${this.file}:<repo:tag> or :@N`);
    }
    const entry = this.manifest[idx];
    if (!entry) throw new ProvenantError('MANIFEST_UNKNOWN', `${this.file} has no image number ${idx}`);
    const configBytes = await this.readMember(entry.Config, MAX_JSON_BYTES);
    const configDigest = digestOf(configBytes);
    const named = /(?:^|\/)(?:sha256[:/])?([a-f0-9]{64})(?:\.json)?$/.exec(entry.Config)?.[1];
    if (named !== undefined && `sha256:${named}` !== configDigest) {
      throw new ProvenantError('DIGEST_MISMATCH', `${this.file}: config ${entry.Config} has digest ${configDigest}`, { details: { expected: `sha256:${named}`, actual: configDigest } });
    }
    const config = parseImageConfig(configBytes);
    const diffIds = config.rootfs.diff_ids;
    if (diffIds.length !== entry.Layers.length) {
      throw new ProvenantError('ARCHIVE_INVALID', `${this.file}: ${entry.Layers.length} layers but the config lists ${diffIds.length} diff_ids`);
    }
    const layers: ImageLayer[] = entry.Layers.map((name, i) => {
      const m = this.member(name);
      const diffId = diffIds[i]!;
      return {
        digest: diffId,
        diffId,
        mediaType: MEDIA_TYPES.ociLayer,
        size: m.size,
        // Layers may be stored gzipped by some tools; diff_ids hash the uncompressed tar.
        open: () => verifyStream(maybeDecompress(fileChunks(this.file, m.offset, m.size)), diffId, undefined, `layer ${name}`),
      };
    });
    return {
      reference: `docker-archive:${this.file}${selector ? `:${selector}` : ''}`,
      digest: configDigest,
      digestKind: 'config',
      tags: entry.RepoTags ?? [],
      platform: { os: config.os ?? 'unknown', architecture: config.architecture ?? 'unknown', ...(config.variant ? { variant: config.variant } : {}) },
      manifest: undefined,
      configDigest,
      config,
      layers,
    };
  }
}

export interface DockerArchiveImageInput {
  config: Buffer;
  repoTags?: string[];
  /** Uncompressed layer tars in order; their sha256 must equal the config's diff_ids. */
  layers: Array<{ size: number; open: () => AsyncIterable<Uint8Array> }>;
}

/** Writes a docker-archive (`docker load` format, uncompressed layers) through a temp file and rename. */
export async function writeDockerArchive(file: string, images: DockerArchiveImageInput[]): Promise<void> {
  const manifest: DockerArchiveManifest = [];
  const entries: TarWriteEntry[] = [];
  const written = new Set<string>();
  for (const img of images) {
    const config = parseImageConfig(img.config);
    if (config.rootfs.diff_ids.length !== img.layers.length) {
      throw new ProvenantError('INVALID_ARGUMENT', `config lists ${config.rootfs.diff_ids.length} diff_ids for ${img.layers.length} layers`);
    }
    const configName = `${digestOf(img.config).slice('sha256:'.length)}.json`;
    if (!written.has(configName)) entries.push({ path: configName, content: img.config });
    written.add(configName);
    const layerNames: string[] = [];
    img.layers.forEach((layer, i) => {
      const diffId = config.rootfs.diff_ids[i]!;
      const name = `${diffId.slice(diffId.indexOf(':') + 1)}.tar`;
      layerNames.push(name);
      if (written.has(name)) return;
      written.add(name);
      entries.push({ path: name, size: layer.size, content: () => verifyStream(layer.open(), diffId, layer.size, `layer ${i}`) });
    });
    manifest.push({ Config: configName, RepoTags: img.repoTags ?? [], Layers: layerNames });
  }
  entries.push({ path: 'manifest.json', content: JSON.stringify(manifest) });
  await writeFileAtomic(file, writeTar(entries));
}
