import { ProvenantError } from '../../errors.js';
import { BLOCK, padded } from './header.js';

export interface TarWriteEntry {
  /** Written verbatim (the writer does not normalize, so tests can craft hostile archives). */
  path: string;
  type?: 'file' | 'directory' | 'symlink' | 'hardlink';
  linkPath?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  /** For files: the body, or a chunk stream of exactly `size` bytes. */
  content?: Uint8Array | string | (() => AsyncIterable<Uint8Array>);
  size?: number;
}

const FLAG = { file: '0', hardlink: '1', symlink: '2', directory: '5' } as const;

function octal(value: number, len: number): string {
  return value.toString(8).padStart(len - 1, '0') + '\0';
}

function fits(s: string, len: number): boolean {
  return Buffer.byteLength(s) <= len;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

function header(name: string, flag: string, size: number, e: TarWriteEntry, linkname = ''): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(name, 0, 100, 'utf8');
  b.write(octal(e.mode ?? (flag === '5' ? 0o755 : 0o644), 8), 100, 'latin1');
  b.write(octal(e.uid ?? 0, 8), 108, 'latin1');
  b.write(octal(e.gid ?? 0, 8), 116, 'latin1');
  b.write(octal(size, 12), 124, 'latin1');
  b.write(octal(e.mtime ?? 0, 12), 136, 'latin1');
  b.write('        ', 148, 'latin1');
  b.write(flag, 156, 'latin1');
  b.write(linkname, 157, 100, 'utf8');
  b.write('ustar\0', 257, 'latin1');
  b.write('00', 263, 'latin1');
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += b[i]!;
  b.write(octal(sum, 7) + ' ', 148, 'latin1');
  return b;
}

function padding(size: number): Buffer {
  return Buffer.alloc(padded(size) - size);
}

/** Headers (with a pax header for long names, link names or sizes) for one entry. */
function headersFor(e: TarWriteEntry, size: number): Buffer[] {
  const type = e.type ?? 'file';
  const link = e.linkPath ?? '';
  const name = type === 'directory' && !e.path.endsWith('/') ? `${e.path}/` : e.path;
  const records: string[] = [];
  if (!fits(name, 100)) records.push(paxRecord('path', name));
  if (!fits(link, 100)) records.push(paxRecord('linkpath', link));
  if (size > 0o77777777777) records.push(paxRecord('size', String(size)));
  const out: Buffer[] = [];
  if (records.length > 0) {
    const data = Buffer.from(records.join(''), 'utf8');
    out.push(header('PaxHeaders/entry', 'x', data.length, { path: '' }), data, padding(data.length));
  }
  const shortName = fits(name, 100) ? name : Buffer.from(name).subarray(0, 100).toString('latin1');
  const shortLink = fits(link, 100) ? link : '';
  out.push(header(shortName, FLAG[type], type === 'file' ? Math.min(size, 0o77777777777) : 0, e, shortLink));
  return out;
}

/** Streams a tar archive (ustar + pax) of the given entries, ending with the two zero blocks. */
export async function* writeTar(entries: Iterable<TarWriteEntry> | AsyncIterable<TarWriteEntry>): AsyncGenerator<Buffer> {
  for await (const e of entries) {
    const type = e.type ?? 'file';
    if (type !== 'file') {
      yield* headersFor(e, 0);
      continue;
    }
    const c = e.content ?? Buffer.alloc(0);
    if (typeof c === 'function') {
      if (e.size === undefined) throw new ProvenantError('INVALID_ARGUMENT', `tar entry ${e.path}: a streamed body needs its size`);
      yield* headersFor(e, e.size);
      let written = 0;
      for await (const chunk of c()) {
        written += chunk.length;
        if (written > e.size) throw new ProvenantError('INVALID_ARGUMENT', `tar entry ${e.path}: body is longer than its size ${e.size}`);
        yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
      }
      if (written !== e.size) throw new ProvenantError('INVALID_ARGUMENT', `tar entry ${e.path}: body has ${written} bytes, size says ${e.size}`);
      yield padding(e.size);
    } else {
      const body = typeof c === 'string' ? Buffer.from(c, 'utf8') : Buffer.from(c.buffer, c.byteOffset, c.length);
      yield* headersFor(e, body.length);
      yield body;
      yield padding(body.length);
    }
  }
  yield Buffer.alloc(BLOCK * 2);
}

/** The whole archive in memory (tests and small archives). */
export async function tarToBuffer(entries: Iterable<TarWriteEntry> | AsyncIterable<TarWriteEntry>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of writeTar(entries)) parts.push(b);
  return Buffer.concat(parts);
}
