import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, linkSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { ProvenantError } from '../../errors.js';
import { gunzipLimited, maybeDecompress, readTar, tarToBuffer, type TarWriteEntry } from './index.js';

async function* chunked(b: Buffer, size = 777): AsyncGenerator<Buffer> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

async function list(b: Buffer, withContent = true): Promise<Array<{ path: string; type: string; linkPath?: string; body?: string }>> {
  const out: Array<{ path: string; type: string; linkPath?: string; body?: string }> = [];
  for await (const m of readTar(chunked(b))) {
    const row: { path: string; type: string; linkPath?: string; body?: string } = { path: m.path, type: m.type };
    if (m.linkPath !== undefined) row.linkPath = m.linkPath;
    if (withContent && m.type === 'file') row.body = (await m.content()).toString();
    out.push(row);
  }
  return out;
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ProvenantError) return e.code;
    throw e;
  }
  return 'no error';
}

const work = mkdtempSync(join(tmpdir(), 'provenant-tar-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('readTar', () => {
  it('round-trips our writer, including pax long names and link names', async () => {
    const long = `${'d'.repeat(90)}/${'e'.repeat(90)}/file.txt`;
    const entries: TarWriteEntry[] = [
      { path: 'a', type: 'directory' },
      { path: 'a/hello.txt', content: 'hello' },
      { path: long, content: 'long' },
      { path: 'a/link', type: 'symlink', linkPath: `/${'t'.repeat(150)}` },
      { path: 'a/hard', type: 'hardlink', linkPath: 'a/hello.txt' },
      { path: 'empty', content: '' },
    ];
    expect(await list(await tarToBuffer(entries))).toEqual([
      { path: 'a', type: 'directory' },
      { path: 'a/hello.txt', type: 'file', body: 'hello' },
      { path: long, type: 'file', body: 'long' },
      { path: 'a/link', type: 'symlink', linkPath: `/${'t'.repeat(150)}` },
      { path: 'a/hard', type: 'hardlink', linkPath: 'a/hello.txt' },
      { path: 'empty', type: 'file', body: '' },
    ]);
  });

  it.each(['gnu', 'posix', 'ustar'])('reads archives written by GNU tar --format=%s', async (format) => {
    const root = join(work, `src-${format}`);
    const deep = `${'x'.repeat(120)}/${'y'.repeat(120)}`;
    mkdirSync(join(root, deep), { recursive: true });
    writeFileSync(join(root, deep, 'f.txt'), 'deep');
    writeFileSync(join(root, 'big.bin'), Buffer.alloc(100_000, 7));
    symlinkSync(`../${'z'.repeat(130)}`, join(root, 'lnk'));
    linkSync(join(root, 'big.bin'), join(root, 'big2.bin'));
    const file = join(work, `${format}.tar`);
    if (format === 'ustar') {
      // ustar cannot hold the long names; archive only the short ones
      execFileSync('tar', ['-C', root, `--format=${format}`, '-cf', file, 'big.bin', 'big2.bin']);
    } else {
      execFileSync('tar', ['-C', root, `--format=${format}`, '--sort=name', '-cf', file, '.']);
    }
    const rows = await list(readFileSync(file), false);
    const byPath = new Map(rows.map((r) => [r.path, r]));
    expect(byPath.get('big.bin')?.type).toBe('file');
    expect(byPath.get('big2.bin')).toMatchObject({ type: 'hardlink', linkPath: 'big.bin' });
    if (format !== 'ustar') {
      expect(byPath.get(`${deep}/f.txt`)?.type).toBe('file');
      expect(byPath.get('lnk')).toMatchObject({ type: 'symlink', linkPath: `../${'z'.repeat(130)}` });
      expect(byPath.get('')?.type).toBe('directory');
    }
  });

  it('reads GNU base-256 sizes', async () => {
    const b = await tarToBuffer([{ path: 'f', content: 'ten bytes!' }]);
    b.fill(0, 124, 136);
    b[124] = 0x80;
    b[135] = 10;
    b.write('        ', 148, 'latin1');
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += b[i]!;
    b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
    expect(await list(b)).toEqual([{ path: 'f', type: 'file', body: 'ten bytes!' }]);
  });

  it('skips unread bodies and streams chunks', async () => {
    const big = Buffer.alloc(300_000, 1);
    const b = await tarToBuffer([{ path: 'big', content: big }, { path: 'small', content: 'x' }]);
    const seen: string[] = [];
    for await (const m of readTar(chunked(b, 4096))) {
      seen.push(m.path);
      if (m.path === 'big') {
        let n = 0;
        for await (const c of m.chunks()) {
          n += c.length;
          if (n > 10_000) break;
        }
      }
    }
    expect(seen).toEqual(['big', 'small']);
  });
});

describe('hostile tar', () => {
  it.each([
    ['../escape', 'TAR_PATH_ESCAPE'],
    ['a/../../escape', 'TAR_PATH_ESCAPE'],
    ['/etc/passwd', 'TAR_PATH_ESCAPE'],
  ])('refuses the member name %s', async (name, want) => {
    expect(await code(list(await tarToBuffer([{ path: name, content: 'x' }])))).toBe(want);
  });

  it('normalizes names that stay inside the root', async () => {
    expect((await list(await tarToBuffer([{ path: './a/./b/../c', content: 'x' }])))[0]?.path).toBe('a/c');
  });

  it('refuses a file written through a symlink to /etc', async () => {
    const b = await tarToBuffer([
      { path: 'evil', type: 'symlink', linkPath: '/etc' },
      { path: 'evil/passwd', content: 'root::0:0::/:/bin/sh' },
    ]);
    expect(await code(list(b))).toBe('TAR_PATH_ESCAPE');
  });

  it('refuses a file written through a relative symlink climbing out', async () => {
    const b = await tarToBuffer([
      { path: 'up', type: 'symlink', linkPath: '../../..' },
      { path: 'up/tmp/x', content: 'x' },
    ]);
    expect(await code(list(b))).toBe('TAR_PATH_ESCAPE');
  });

  it.each(['../../etc/shadow', '/etc/shadow'])('refuses a hardlink to %s', async (target) => {
    const b = await tarToBuffer([{ path: 'shadow', type: 'hardlink', linkPath: target }]);
    expect(await code(list(b))).toBe('TAR_PATH_ESCAPE');
  });

  it('refuses a hardlink through a symlink', async () => {
    const b = await tarToBuffer([
      { path: 'etc', type: 'symlink', linkPath: '/etc' },
      { path: 'x', type: 'hardlink', linkPath: 'etc/passwd' },
    ]);
    expect(await code(list(b))).toBe('TAR_PATH_ESCAPE');
  });

  it('reports truncated archives as TAR_INVALID', async () => {
    const b = await tarToBuffer([{ path: 'a', content: Buffer.alloc(5000, 1) }, { path: 'b', content: 'x' }]);
    for (const cut of [100, 512 + 1000, 512 + 5120 + 200, b.length - 1024]) {
      expect(await code(list(b.subarray(0, cut)))).toBe('TAR_INVALID');
    }
  });

  it('reports a corrupt header as TAR_INVALID', async () => {
    const b = await tarToBuffer([{ path: 'a', content: 'x' }]);
    b[10] = 0x41;
    expect(await code(list(b))).toBe('TAR_INVALID');
  });
});

describe('gzip limits', () => {
  async function drain(it: AsyncIterable<Buffer>): Promise<number> {
    let n = 0;
    for await (const c of it) n += c.length;
    return n;
  }

  it('decompresses gzip and passes plain data through', async () => {
    const data = Buffer.from('hello world '.repeat(1000));
    expect(await drain(maybeDecompress(chunked(gzipSync(data))))).toBe(data.length);
    expect(await drain(maybeDecompress(chunked(data)))).toBe(data.length);
  });

  it('stops a gzip bomb by ratio', async () => {
    const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024), { level: 9 });
    expect(bomb.length).toBeLessThan(300 * 1024);
    expect(await code(drain(gunzipLimited(chunked(bomb, 65536))))).toBe('GZIP_BOMB');
  });

  it('stops output past the size limit', async () => {
    const data = gzipSync(Buffer.alloc(4 * 1024 * 1024, 3));
    expect(await code(drain(gunzipLimited(chunked(data, 65536), { maxBytes: 1024 * 1024 })))).toBe('GZIP_BOMB');
  });

  it('reports truncated and corrupt gzip as TAR_INVALID', async () => {
    const gz = gzipSync(Buffer.from('some data that compresses '.repeat(5000)));
    expect(await code(drain(gunzipLimited(chunked(gz.subarray(0, gz.length - 50)))))).toBe('TAR_INVALID');
    const bad = Buffer.from(gz);
    bad[20] = bad[20]! ^ 0xff;
    bad[40] = bad[40]! ^ 0xff;
    expect(await code(drain(gunzipLimited(chunked(bad))))).toBe('TAR_INVALID');
  });

  it('refuses zstd', async () => {
    expect(await code(drain(maybeDecompress(chunked(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0])))))).toBe('UNSUPPORTED');
  });
});
