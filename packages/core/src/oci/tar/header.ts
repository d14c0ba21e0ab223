import { ProvenantError } from '../../errors.js';

export const BLOCK = 512;

/** The raw fields of one 512-byte ustar/GNU header block. */
export interface RawHeader {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  /** 'ustar' (POSIX, prefix field in use), 'gnu' or 'v7'. */
  format: 'ustar' | 'gnu' | 'v7';
}

function str(b: Buffer, start: number, len: number): string {
  const field = b.subarray(start, start + len);
  const nul = field.indexOf(0);
  return field.subarray(0, nul === -1 ? len : nul).toString('utf8');
}

/** Octal ASCII, or GNU base-256 when the high bit of the first byte is set. */
function num(b: Buffer, start: number, len: number, field: string): number {
  const f = b.subarray(start, start + len);
  if (f[0]! & 0x80) {
    if (f[0] === 0xff) throw new ProvenantError('TAR_INVALID', `negative base-256 ${field} in tar header`);
    let v = f[0]! & 0x7f;
    for (let i = 1; i < len; i++) {
      v = v * 256 + f[i]!;
      if (v > Number.MAX_SAFE_INTEGER) throw new ProvenantError('TAR_INVALID', `${field} in tar header is too large`);
    }
    return v;
  }
  // Octal digits, optionally surrounded by NULs/spaces; parsed from bytes (this runs 7 times per member).
  let i = 0;
  while (i < len && (f[i] === 0 || f[i] === 0x20)) i++;
  let v = 0;
  for (; i < len; i++) {
    const c = f[i]!;
    if (c === 0 || c === 0x20) break;
    if (c < 0x30 || c > 0x37) throw new ProvenantError('TAR_INVALID', `${field} field of tar header is not octal: ${JSON.stringify(f.toString('latin1'))}`);
    v = v * 8 + (c - 0x30);
  }
  for (; i < len; i++) {
    if (f[i] !== 0 && f[i] !== 0x20) throw new ProvenantError('TAR_INVALID', `${field} field of tar header is not octal: ${JSON.stringify(f.toString('latin1'))}`);
  }
  return v;
}

export function isZeroBlock(b: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}

export function parseHeader(b: Buffer): RawHeader {
  const stored = num(b, 148, 8, 'checksum');
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const v = i >= 148 && i < 156 ? 32 : b[i]!;
    unsigned += v;
    signed += v > 127 ? v - 256 : v;
  }
  if (stored !== unsigned && stored !== signed) {
    throw new ProvenantError('TAR_INVALID', 'tar header checksum mismatch (not a tar archive, or corrupt)');
  }
  const magic = b.subarray(257, 263).toString('latin1');
  const version = b.subarray(263, 265).toString('latin1');
  const format = magic === 'ustar\0' ? 'ustar' : magic === 'ustar ' && version === ' \0' ? 'gnu' : 'v7';
  let name = str(b, 0, 100);
  if (format === 'ustar') {
    const prefix = str(b, 345, 155);
    if (prefix) name = `${prefix}/${name}`;
  }
  return {
    name,
    mode: num(b, 100, 8, 'mode'),
    uid: num(b, 108, 8, 'uid'),
    gid: num(b, 116, 8, 'gid'),
    size: num(b, 124, 12, 'size'),
    mtime: num(b, 136, 12, 'mtime'),
    typeflag: b[156] === 0 ? '0' : String.fromCharCode(b[156]!),
    linkname: str(b, 157, 100),
    uname: format === 'v7' ? '' : str(b, 265, 32),
    gname: format === 'v7' ? '' : str(b, 297, 32),
    devmajor: format === 'v7' ? 0 : num(b, 329, 8, 'devmajor'),
    devminor: format === 'v7' ? 0 : num(b, 337, 8, 'devminor'),
    format,
  };
}

/** Parses pax extended header records (`<len> <key>=<value>\n`). */
export function parsePax(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break; // some writers pad with NULs
    const sp = data.indexOf(0x20, pos);
    if (sp === -1 || sp - pos > 20) throw new ProvenantError('TAR_INVALID', 'malformed pax record length');
    const len = Number(data.subarray(pos, sp).toString('latin1'));
    if (!Number.isInteger(len) || len <= sp - pos + 1 || pos + len > data.length || data[pos + len - 1] !== 0x0a) {
      throw new ProvenantError('TAR_INVALID', 'malformed pax record');
    }
    const rec = data.subarray(sp + 1, pos + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq <= 0) throw new ProvenantError('TAR_INVALID', 'malformed pax record (no key)');
    const key = rec.slice(0, eq);
    const value = rec.slice(eq + 1);
    if (value === '') out.delete(key);
    else out.set(key, value);
    pos += len;
  }
  return out;
}

/** Total bytes of data blocks (size rounded up to 512). */
export function padded(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}
