import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ProvenantError } from '../errors.js';
import {
  digestOf,
  formatDigest,
  hashFile,
  hashStream,
  isDigest,
  parseDigest,
  verifyBytes,
  verifyFile,
  verifyWhileReading,
  verifyingTransform,
} from './index.js';

async function codeOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof ProvenantError) return err.code;
    throw err;
  }
  throw new Error('expected a ProvenantError');
}

const sha = (alg: string, data: Buffer | string) => createHash(alg).update(data).digest('hex');
const tmp = mkdtempSync(join(tmpdir(), 'provenant-digest-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const empty256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('parseDigest / formatDigest', () => {
  it('parses sha256 and sha512', () => {
    expect(parseDigest(`sha256:${empty256}`)).toEqual({ algorithm: 'sha256', hex: empty256 });
    const h512 = sha('sha512', '');
    expect(parseDigest(`sha512:${h512}`).algorithm).toBe('sha512');
  });
  it.each([
    ['', 'DIGEST_INVALID'],
    [empty256, 'DIGEST_INVALID'],
    [`sha256:${empty256.toUpperCase()}`, 'DIGEST_INVALID'],
    [`sha256:${empty256}0`, 'DIGEST_INVALID'],
    [`sha256:${empty256.slice(1)}`, 'DIGEST_INVALID'],
    [`sha256:${empty256} `, 'DIGEST_INVALID'],
    [` sha256:${empty256}`, 'DIGEST_INVALID'],
    [`SHA256:${empty256}`, 'DIGEST_INVALID'],
    [`sha512:${empty256}`, 'DIGEST_INVALID'],
    [`md5:${'0'.repeat(32)}`, 'DIGEST_ALGORITHM_UNSUPPORTED'],
    [`sha256-${empty256}`, 'DIGEST_INVALID'],
  ])('rejects %j with %s', async (text, code) => {
    expect(await codeOf(() => parseDigest(text))).toBe(code);
  });
  it('formats bytes and hex, and refuses bad hex', async () => {
    expect(formatDigest('sha256', Buffer.from(empty256, 'hex'))).toBe(`sha256:${empty256}`);
    expect(await codeOf(() => formatDigest('sha256', 'abc'))).toBe('DIGEST_INVALID');
    expect(isDigest(`sha256:${empty256}`, 'sha256')).toBe(true);
    expect(isDigest(`sha256:${empty256}`, 'sha512')).toBe(false);
    expect(isDigest(42)).toBe(false);
  });
  it('round-trips any 32 bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        const d = formatDigest('sha256', bytes);
        expect(Buffer.from(parseDigest(d).hex, 'hex').equals(Buffer.from(bytes))).toBe(true);
      }),
    );
  });
});

describe('hashFile / hashStream', () => {
  it('matches node:crypto on empty, small, chunk-boundary and odd sizes', async () => {
    for (const size of [0, 1, 2 * 1024 * 1024, 2 * 1024 * 1024 + 1, 5 * 1024 * 1024 + 7]) {
      const data = Buffer.alloc(size, size % 251);
      for (let i = 0; i < size; i += 4093) data[i] = i & 0xff;
      const path = join(tmp, `f${size}`);
      writeFileSync(path, data);
      const r = await hashFile(path);
      expect(r).toEqual({ digest: `sha256:${sha('sha256', data)}`, algorithm: 'sha256', hex: sha('sha256', data), size });
      expect((await hashFile(path, 'sha512')).hex).toBe(sha('sha512', data));
      expect((await hashStream(Readable.from([data.subarray(0, 3), data.subarray(3)]))).digest).toBe(r.digest);
    }
  });
  it('enforces maxBytes and reports missing files', async () => {
    const path = join(tmp, 'big');
    writeFileSync(path, Buffer.alloc(3 * 1024 * 1024));
    expect(await codeOf(() => hashFile(path, 'sha256', { maxBytes: 1024 }))).toBe('SIZE_LIMIT_EXCEEDED');
    expect(await codeOf(() => hashStream(Readable.from([Buffer.alloc(10)]), 'sha256', { maxBytes: 9 }))).toBe('SIZE_LIMIT_EXCEEDED');
    expect(await codeOf(() => hashFile(join(tmp, 'missing')))).toBe('FILE_NOT_FOUND');
  });
  it('digestOf hashes bytes and strings', () => {
    expect(digestOf('')).toBe(`sha256:${empty256}`);
  });
});

describe('verify while reading', () => {
  const data = Buffer.from('hello provenant');
  const digest = `sha256:${sha('sha256', data)}`;
  const chunks = () => Readable.from([data.subarray(0, 5), data.subarray(5)]);

  async function drain(it: AsyncIterable<Buffer>): Promise<Buffer> {
    const out: Buffer[] = [];
    for await (const c of it) out.push(c);
    return Buffer.concat(out);
  }

  it('passes good bytes through unchanged', async () => {
    expect((await drain(verifyWhileReading(chunks(), { digest, size: data.length }))).equals(data)).toBe(true);
    const sink: Buffer[] = [];
    const t = verifyingTransform({ digest });
    await pipeline(chunks(), t, new Writable({ write: (c: Buffer, _e, cb) => (sink.push(c), cb()) }));
    expect(Buffer.concat(sink).equals(data)).toBe(true);
    expect(t.result?.size).toBe(data.length);
  });
  it('fails with DIGEST_MISMATCH at the end on altered or truncated bytes', async () => {
    const altered = Buffer.from(data);
    altered[0] = 0;
    expect(await codeOf(() => drain(verifyWhileReading(Readable.from([altered]), { digest })))).toBe('DIGEST_MISMATCH');
    expect(await codeOf(() => drain(verifyWhileReading(Readable.from([data.subarray(1)]), { digest, size: data.length })))).toBe('DIGEST_MISMATCH');
    expect(await codeOf(() => pipeline(Readable.from([altered]), verifyingTransform({ digest }), new Writable({ write: (_c, _e, cb) => cb() })))).toBe('DIGEST_MISMATCH');
  });
  it('stops past the size limit before reading the rest', async () => {
    let pulled = 0;
    async function* endless() {
      for (;;) {
        pulled++;
        yield Buffer.alloc(1024);
      }
    }
    expect(await codeOf(() => drain(verifyWhileReading(endless(), { digest, maxBytes: 4096 })))).toBe('SIZE_LIMIT_EXCEEDED');
    expect(pulled).toBe(5);
    expect(await codeOf(() => drain(verifyWhileReading(chunks(), { digest, size: 3 })))).toBe('SIZE_LIMIT_EXCEEDED');
  });
  it('rejects a malformed expected digest up front', async () => {
    expect(await codeOf(() => drain(verifyWhileReading(chunks(), { digest: 'sha256:abc' })))).toBe('DIGEST_INVALID');
  });
  it('verifyBytes and verifyFile', async () => {
    expect(verifyBytes(data, { digest }).size).toBe(data.length);
    expect(await codeOf(() => verifyBytes('x', { digest }))).toBe('DIGEST_MISMATCH');
    const path = join(tmp, 'v');
    writeFileSync(path, data);
    expect((await verifyFile(path, { digest })).digest).toBe(digest);
    expect(await codeOf(() => verifyFile(path, { digest: `sha256:${empty256}` }))).toBe('DIGEST_MISMATCH');
    expect(await codeOf(() => verifyFile(path, { digest, maxBytes: 3 }))).toBe('SIZE_LIMIT_EXCEEDED');
  });
});
