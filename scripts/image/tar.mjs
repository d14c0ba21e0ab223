// A reproducible tar writer for image layers: entries sorted by path, every mtime the same
// (SOURCE_DATE_EPOCH), numeric owners only, modes normalised, no atime/ctime, no user or group names.
// ustar headers, with a PAX extended header for a path or link target that ustar cannot hold.
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/** @typedef {{ path: string, type: 'file' | 'dir' | 'symlink', mode: number, uid: number, gid: number, data?: Buffer, linkname?: string }} TarEntry */

const BLOCK = 512;

function octal(n, width) {
  const s = n.toString(8);
  if (s.length > width - 1) throw new Error(`tar: ${n} does not fit ${width} bytes`);
  return s.padStart(width - 1, '0') + '\0';
}

function pax(records) {
  let body = '';
  for (const [k, v] of records) {
    const line = ` ${k}=${v}\n`;
    let len = Buffer.byteLength(line) + 1;
    while (String(len).length + Buffer.byteLength(line) !== len) len = String(len).length + Buffer.byteLength(line);
    body += `${len}${line}`;
  }
  return Buffer.from(body, 'utf8');
}

function header(name, { size, mode, uid, gid, mtime, type, linkname = '' }) {
  const h = Buffer.alloc(BLOCK, 0);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(mode, 8), 100, 8, 'ascii');
  h.write(octal(uid, 8), 108, 8, 'ascii');
  h.write(octal(gid, 8), 116, 8, 'ascii');
  h.write(octal(size, 12), 124, 12, 'ascii');
  h.write(octal(mtime, 12), 136, 12, 'ascii');
  h.fill(0x20, 148, 156); // checksum field counts as spaces
  h.write(type, 156, 1, 'ascii');
  h.write(linkname, 157, 100, 'utf8');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return h;
}

const pad = (n) => Buffer.alloc((BLOCK - (n % BLOCK)) % BLOCK, 0);

/**
 * The tar archive of `entries` (sorted here by path), every mtime `mtime` (seconds).
 * @param {TarEntry[]} entries
 * @param {number} mtime
 */
export function tar(entries, mtime) {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  /** @type {Buffer[]} */
  const out = [];
  for (const e of sorted) {
    const name = e.type === 'dir' ? `${e.path}/` : e.path;
    const linkname = e.linkname ?? '';
    const size = e.type === 'file' ? (e.data?.length ?? 0) : 0;
    const long = [];
    if (Buffer.byteLength(name) > 100) long.push(['path', name]);
    if (Buffer.byteLength(linkname) > 100) long.push(['linkpath', linkname]);
    if (long.length > 0) {
      const body = pax(long);
      out.push(header('PaxHeader', { size: body.length, mode: 0o644, uid: 0, gid: 0, mtime, type: 'x' }), body, pad(body.length));
    }
    const type = e.type === 'file' ? '0' : e.type === 'dir' ? '5' : '2';
    out.push(header(name.slice(0, 100), { size, mode: e.mode, uid: e.uid, gid: e.gid, mtime, type, linkname: linkname.slice(0, 100) }));
    if (size > 0 && e.data) out.push(e.data, pad(size));
  }
  out.push(Buffer.alloc(BLOCK * 2, 0));
  return Buffer.concat(out);
}

/**
 * Entries for everything under `dir`, as paths relative to it: owned by root, directories 0755, files
 * 0755 when any execute bit is set and 0644 otherwise (so a umask or an extractor does not change the
 * layer), unless `modes` or `owners` name the path.
 * @param {string} dir
 * @param {{ modes?: Record<string, number>, owners?: Record<string, [number, number]> }} [opts]
 * @returns {TarEntry[]}
 */
export function entriesOf(dir, opts = {}) {
  /** @type {TarEntry[]} */
  const entries = [];
  const walk = (rel) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const full = join(dir, path);
      const st = lstatSync(full);
      const [uid, gid] = opts.owners?.[path] ?? [0, 0];
      if (st.isSymbolicLink()) entries.push({ path, type: 'symlink', mode: 0o777, uid, gid, linkname: readlinkSync(full) });
      else if (st.isDirectory()) {
        entries.push({ path, type: 'dir', mode: opts.modes?.[path] ?? 0o755, uid, gid });
        walk(path);
      } else if (st.isFile()) entries.push({ path, type: 'file', mode: opts.modes?.[path] ?? (st.mode & 0o111 ? 0o755 : 0o644), uid, gid, data: readFileSync(full) });
      else throw new Error(`tar: ${full} is neither a file, a directory nor a symlink`);
    }
  };
  walk('');
  return entries;
}
