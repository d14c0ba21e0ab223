import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpTransport, readBody } from '../../packages/core/src/oci/http.js';
import { codeOf } from '../helpers/errors.js';

interface Seen {
  method: string;
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

async function server(handler: (req: IncomingMessage, res: ServerResponse, seen: Seen) => void): Promise<{ origin: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const s = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry: Seen = { method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization, contentType: req.headers['content-type'], body: Buffer.concat(chunks).toString() };
      seen.push(entry);
      handler(req, res, entry);
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return {
    origin: `http://127.0.0.1:${(s.address() as AddressInfo).port}`,
    seen,
    close: async () => {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    },
  };
}

let a: Awaited<ReturnType<typeof server>>;
let b: Awaited<ReturnType<typeof server>>;
const transport = new HttpTransport({ maxRedirects: 3, idleTimeoutMs: 2000 });

beforeAll(async () => {
  b = await server((_req, res) => {
    res.writeHead(200, { 'content-length': '2' });
    res.end('ok');
  });
  a = await server((req, res) => {
    const path = req.url ?? '';
    const redirect = (status: number, location: string): void => {
      res.writeHead(status, { location, 'content-length': '0' });
      res.end();
    };
    if (path === '/see-other') return redirect(303, '/done');
    if (path === '/temporary') return redirect(307, '/done');
    if (path === '/found') return redirect(302, '/done');
    if (path === '/elsewhere') return redirect(307, `${b.origin}/blob`);
    if (path === '/ftp') return redirect(302, 'ftp://127.0.0.1/x');
    if (path === '/big') {
      res.writeHead(200, { 'content-length': '100' });
      return res.end(Buffer.alloc(100));
    }
    if (path === '/big-chunked') {
      res.writeHead(200);
      res.write(Buffer.alloc(60));
      return res.end(Buffer.alloc(60));
    }
    res.writeHead(200, { 'content-length': '4' });
    res.end('done');
  });
});
afterAll(async () => {
  transport.close();
  await a.close();
  await b.close();
});

describe('HttpTransport redirects', () => {
  it('303 turns a PUT into a GET without body or content headers', async () => {
    a.seen.length = 0;
    const res = await transport.send({ method: 'PUT', url: new URL(`${a.origin}/see-other`), headers: { 'content-type': 'application/json' }, body: Buffer.from('{}') });
    expect((await readBody(res, 100, 't')).toString()).toBe('done');
    expect(a.seen.map((s) => [s.method, s.path, s.body, s.contentType])).toEqual([
      ['PUT', '/see-other', '{}', 'application/json'],
      ['GET', '/done', '', undefined],
    ]);
  });

  it('307 re-sends a PUT with its bytes; 302 on PUT becomes GET', async () => {
    a.seen.length = 0;
    await readBody(await transport.send({ method: 'PUT', url: new URL(`${a.origin}/temporary`), body: Buffer.from('abc') }), 100, 't');
    expect(a.seen.map((s) => [s.method, s.body])).toEqual([
      ['PUT', 'abc'],
      ['PUT', 'abc'],
    ]);
    a.seen.length = 0;
    await readBody(await transport.send({ method: 'PUT', url: new URL(`${a.origin}/found`), body: Buffer.from('abc') }), 100, 't');
    expect(a.seen.map((s) => s.method)).toEqual(['PUT', 'GET']);
  });

  it('a streamed body cannot follow a 307', async () => {
    expect(await codeOf(transport.send({ method: 'PUT', url: new URL(`${a.origin}/temporary`), body: { stream: () => Readable.from([Buffer.from('abc')]), length: 3 } }))).toBe('REGISTRY_PROTOCOL_ERROR');
  });

  it('drops Authorization when the redirect leaves the origin, keeps it on the same origin', async () => {
    a.seen.length = 0;
    b.seen.length = 0;
    await readBody(await transport.send({ method: 'GET', url: new URL(`${a.origin}/elsewhere`), headers: { authorization: 'Bearer secret' } }), 100, 't');
    expect(a.seen[0]?.authorization).toBe('Bearer secret');
    expect(b.seen[0]?.authorization).toBeUndefined();
    a.seen.length = 0;
    await readBody(await transport.send({ method: 'GET', url: new URL(`${a.origin}/found`), headers: { authorization: 'Bearer secret' } }), 100, 't');
    expect(a.seen.map((s) => s.authorization)).toEqual(['Bearer secret', 'Bearer secret']);
  });

  it('refuses redirects to other schemes', async () => {
    expect(await codeOf(transport.send({ method: 'GET', url: new URL(`${a.origin}/ftp`) }))).toBe('REGISTRY_PROTOCOL_ERROR');
  });
});

describe('readBody limits', () => {
  it('refuses a declared length over the limit before reading, and a streamed one while reading', async () => {
    expect(await codeOf(readBody(await transport.send({ method: 'GET', url: new URL(`${a.origin}/big`) }), 50, 't'))).toBe('SIZE_LIMIT_EXCEEDED');
    const res = await transport.send({ method: 'GET', url: new URL(`${a.origin}/big-chunked`) });
    expect(await codeOf(readBody(res, 100, 't', { tooLarge: 'MANIFEST_TOO_LARGE', truncated: 'BLOB_TRUNCATED' }))).toBe('MANIFEST_TOO_LARGE');
  });
});
