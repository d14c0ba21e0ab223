import { ProvenantError } from '../../errors.js';
import { BLOCK, isZeroBlock, padded, parseHeader, parsePax, type RawHeader } from './header.js';
import { normalizeMemberPath, parentsOf } from './paths.js';
import { ByteSource } from './source.js';

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';

export interface TarEntry {
  /** Root-relative, normalized (see normalizeMemberPath); '' is the root directory itself. */
  path: string;
  type: TarEntryType;
  /** symlink: the target exactly as stored; hardlink: the normalized path of the linked member. */
  linkPath?: string;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  uname: string;
  gname: string;
}

/** An entry whose body can be read while it is the current one (the reader skips unread bodies). */
export interface TarMember extends TarEntry {
  /** Byte offset of the body in the (decompressed) archive stream, for random access to plain tar files. */
  offset: number;
  /** The whole body; TAR_INVALID/FILE_TOO_LARGE beyond maxBytes (default 16 MiB). */
  content(maxBytes?: number): Promise<Buffer>;
  /** The body as chunks (slices of the input, valid until the next chunk). */
  chunks(): AsyncGenerator<Buffer>;
}

export interface TarReadOptions {
  /** Longest pax or GNU long-name header accepted (default 1 MiB). */
  maxMetaHeaderBytes?: number;
}

const TYPE_BY_FLAG: Record<string, TarEntryType> = {
  '0': 'file',
  '7': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'directory',
  '6': 'fifo',
};

const DEFAULT_CONTENT_LIMIT = 16 * 1024 * 1024;

/**
 * Streams the members of a ustar/pax/GNU tar archive. Names are normalized and checked (no climbing
 * out of the root, no absolute names, no member reached through a symlink of the same archive, no
 * hardlink to outside); GNU sparse files are unsupported. A truncated archive is TAR_INVALID.
 */
export async function* readTar(source: AsyncIterable<Uint8Array>, options: TarReadOptions = {}): AsyncGenerator<TarMember> {
  const maxMeta = options.maxMetaHeaderBytes ?? 1024 * 1024;
  const src = new ByteSource(source);
  const symlinks = new Set<string>();
  try {
    let longName: string | undefined;
    let longLink: string | undefined;
    let pax: Map<string, string> | undefined;
    for (;;) {
      const block = await src.read(BLOCK, 'header');
      if (block === null) {
        if (src.position === 0) return; // an empty stream is an empty archive
        throw new ProvenantError('TAR_INVALID', 'archive is truncated: no end-of-archive marker');
      }
      if (isZeroBlock(block)) {
        if (longName !== undefined || longLink !== undefined || pax !== undefined) {
          throw new ProvenantError('TAR_INVALID', 'archive ends after an extended header without its entry');
        }
        // End of archive. What follows is padding; read it anyway so digest checks upstream complete.
        await src.drain();
        return;
      }
      const h = parseHeader(block);
      const flag = h.typeflag;
      if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
        if (h.size > maxMeta) throw new ProvenantError('TAR_INVALID', `extended header of ${h.size} bytes exceeds the ${maxMeta}-byte limit`);
        const data = (await src.read(padded(h.size), 'extended header'))?.subarray(0, h.size);
        if (data === undefined) throw new ProvenantError('TAR_INVALID', 'archive is truncated: extended header has no data');
        if (flag === 'x') pax = new Map([...(pax ?? []), ...parsePax(data)]);
        else if (flag === 'L') longName = cString(data);
        else if (flag === 'K') longLink = cString(data);
        // 'g' (global pax) applies archive-wide defaults we do not need; its data is skipped.
        continue;
      }
      if (flag === 'S' || [...(pax?.keys() ?? [])].some((k) => k.startsWith('GNU.sparse'))) {
        throw new ProvenantError('UNSUPPORTED', 'GNU sparse tar members are not supported');
      }
      const entry = toEntry(h, longName, longLink, pax, symlinks);
      longName = longLink = pax = undefined;
      const hasBody = entry.type === 'file' || TYPE_BY_FLAG[flag] === undefined;
      const bodySize = hasBody ? entry.size : 0;
      if (TYPE_BY_FLAG[flag] === undefined) {
        // Unknown member type (volume labels, vendor extensions): skip its data.
        await src.skip(padded(h.size), 'member data');
        continue;
      }
      if (!hasBody) entry.size = 0;
      const member = new Member(entry, src, bodySize);
      yield member;
      // The unread rest of the body and the padding, in one step.
      await src.skip(padded(bodySize) - member.consumed, 'member data');
    }
  } finally {
    await src.close();
  }
}

/** The current member: its entry fields plus body access tied to the reader's position. */
class Member implements TarMember {
  path: string;
  type: TarEntryType;
  linkPath?: string;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  uname: string;
  gname: string;
  offset: number;
  consumed = 0;

  constructor(
    entry: TarEntry,
    private readonly src: ByteSource,
    private readonly bodySize: number,
  ) {
    this.path = entry.path;
    this.type = entry.type;
    if (entry.linkPath !== undefined) this.linkPath = entry.linkPath;
    this.size = entry.size;
    this.mode = entry.mode;
    this.uid = entry.uid;
    this.gid = entry.gid;
    this.mtime = entry.mtime;
    this.uname = entry.uname;
    this.gname = entry.gname;
    this.offset = src.position;
  }

  async *chunks(): AsyncGenerator<Buffer> {
    if (this.consumed !== 0) throw new ProvenantError('INTERNAL', 'tar member body read twice');
    for await (const c of this.src.take(this.bodySize, 'member data')) {
      this.consumed += c.length;
      yield c;
    }
  }

  async content(maxBytes = DEFAULT_CONTENT_LIMIT): Promise<Buffer> {
    if (this.bodySize > maxBytes) {
      throw new ProvenantError('FILE_TOO_LARGE', `${this.path} is ${this.bodySize} bytes, over the ${maxBytes}-byte limit`, { details: { path: this.path } });
    }
    if (this.consumed !== 0) throw new ProvenantError('INTERNAL', 'tar member body read twice');
    const data = this.bodySize === 0 ? Buffer.alloc(0) : await this.src.read(this.bodySize, 'member data');
    if (data === null) throw new ProvenantError('TAR_INVALID', 'archive is truncated: member data missing');
    this.consumed = this.bodySize;
    return Buffer.from(data); // a copy: the slice may alias a chunk reused later
  }
}

function cString(b: Buffer): string {
  const nul = b.indexOf(0);
  return b.subarray(0, nul === -1 ? b.length : nul).toString('utf8');
}

function toEntry(h: RawHeader, longName: string | undefined, longLink: string | undefined, pax: Map<string, string> | undefined, symlinks: Set<string>): TarEntry {
  const rawName = pax?.get('path') ?? longName ?? h.name;
  const rawLink = pax?.get('linkpath') ?? longLink ?? h.linkname;
  let type = TYPE_BY_FLAG[h.typeflag] ?? 'file';
  if (h.typeflag === '0' && h.format === 'v7' && rawName.endsWith('/')) type = 'directory';
  let size = h.size;
  const paxSize = pax?.get('size');
  if (paxSize !== undefined) {
    if (!/^[0-9]{1,16}$/.test(paxSize) || Number(paxSize) > Number.MAX_SAFE_INTEGER) throw new ProvenantError('TAR_INVALID', `pax size ${JSON.stringify(paxSize)} is invalid`);
    size = Number(paxSize);
  }
  const path = normalizeMemberPath(rawName);
  // A member written "through" a symlink of this archive would land wherever the link points.
  if (symlinks.size > 0) {
    for (const p of parentsOf(path)) {
      if (symlinks.has(p)) {
        throw new ProvenantError('TAR_PATH_ESCAPE', `member ${JSON.stringify(rawName)} is reached through the symlink ${JSON.stringify(p)}`, { details: { path: rawName, symlink: p } });
      }
    }
  }
  if (type === 'symlink') symlinks.add(path);
  else symlinks.delete(path);
  const entry: TarEntry = {
    path,
    type,
    size,
    mode: h.mode & 0o7777,
    uid: Number(pax?.get('uid') ?? h.uid),
    gid: Number(pax?.get('gid') ?? h.gid),
    mtime: Math.floor(Number(pax?.get('mtime') ?? h.mtime)),
    uname: pax?.get('uname') ?? h.uname,
    gname: pax?.get('gname') ?? h.gname,
  };
  if (type === 'symlink') {
    if (rawLink === '') throw new ProvenantError('TAR_INVALID', `symlink ${JSON.stringify(rawName)} has no target`);
    entry.linkPath = rawLink;
  } else if (type === 'hardlink') {
    const target = normalizeMemberPath(rawLink, 'hardlink target');
    for (const p of parentsOf(target)) {
      if (symlinks.has(p)) {
        throw new ProvenantError('TAR_PATH_ESCAPE', `hardlink ${JSON.stringify(rawName)} points through the symlink ${JSON.stringify(p)}`, { details: { path: rawName, symlink: p } });
      }
    }
    entry.linkPath = target;
  }
  return entry;
}
