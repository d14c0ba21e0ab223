// How the client learns a loopback registry's scheme, against the real registries: first a plain-http
// ping (HttpTransport.answersPlainHttpPing), which can only prove plain http; otherwise a TLS handshake
// (HttpTransport.speaksTls), with no trust store: certificates are checked by the requests after it
// (test/oci/auth.test.ts: without the CA a TLS loopback registry is TLS_ERROR, never plain http).
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { HttpTransport } from '../../packages/core/src/oci/http.js';
import { RegistryClient } from '../../packages/core/src/oci/client.js';
import { codeOf } from '../helpers/errors.js';

const regs = inject('ociRegistries');
const transport = new HttpTransport({ connectTimeoutMs: 500 });
afterAll(() => transport.close());

async function listen(onConnection: (s: Socket) => void): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    sockets.push(s);
    onConnection(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as AddressInfo).port, sockets };
}

async function close(l: { server: Server; sockets: Socket[] }): Promise<void> {
  for (const s of l.sockets) s.destroy();
  await new Promise<void>((r) => l.server.close(() => r()));
}

describe('both probes against the real registries', () => {
  // Go answers a request sent in the clear to its TLS port with 400, so only the plain registry answers the ping.
  const cases = [
    ['plain http registry', 'plain', { tls: false, ping: true }],
    ['TLS registry whose CA the client does not know (the certificate is checked by the requests)', 'tls', { tls: true, ping: false }],
    ['mutual-TLS registry, probed without a client certificate', 'mtls', { tls: true, ping: false }],
  ] as const;
  for (const [name, reg, want] of cases) {
    it(`${name}: speaksTls ${want.tls}, answersPlainHttpPing ${want.ping}`, async () => {
      expect(await transport.speaksTls(regs[reg].host)).toBe(want.tls);
      expect(await transport.answersPlainHttpPing(regs[reg].host)).toBe(want.ping);
    });
  }
});

describe('TLS probe of a loopback registry', () => {
  it('nothing listening: REGISTRY_UNREACHABLE', async () => {
    const l = await listen(() => undefined);
    await close(l);
    expect(await codeOf(transport.speaksTls(`127.0.0.1:${l.port}`))).toBe('REGISTRY_UNREACHABLE');
  });

  it('a server that accepts and never answers: TIMEOUT', async () => {
    const l = await listen(() => undefined);
    try {
      expect(await codeOf(transport.speaksTls(`127.0.0.1:${l.port}`))).toBe('TIMEOUT');
    } finally {
      await close(l);
    }
  });

  it('a server that hangs up at once: REGISTRY_UNREACHABLE, not a guess', async () => {
    const l = await listen((s) => s.destroy());
    try {
      expect(await codeOf(transport.speaksTls(`127.0.0.1:${l.port}`))).toBe('REGISTRY_UNREACHABLE');
    } finally {
      await close(l);
    }
  });
});

describe('plain-http ping of a loopback registry', () => {
  for (const [name, answer] of [
    ['an http server that is not a registry (404, no version header)', 'HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n'],
    ['200 with the header but another API version', 'HTTP/1.1 200 OK\r\ndocker-distribution-api-version: registry/3.0\r\ncontent-length: 2\r\n\r\n{}'],
  ] as const) {
    it(`${name}: false`, async () => {
      const l = await listen((s) => s.once('data', () => s.end(answer)));
      try {
        expect(await transport.answersPlainHttpPing(`127.0.0.1:${l.port}`)).toBe(false);
      } finally {
        await close(l);
      }
    });
  }

  it('nothing listening, a hang-up, no answer in time: false, never an error', async () => {
    const gone = await listen(() => undefined);
    await close(gone);
    expect(await transport.answersPlainHttpPing(`127.0.0.1:${gone.port}`)).toBe(false);
    const hangUp = await listen((s) => s.destroy());
    const silent = await listen(() => undefined);
    try {
      expect(await transport.answersPlainHttpPing(`127.0.0.1:${hangUp.port}`)).toBe(false);
      const started = Date.now();
      expect(await transport.answersPlainHttpPing(`127.0.0.1:${silent.port}`, 200)).toBe(false);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await close(hangUp);
      await close(silent);
    }
  });
});

describe('the scheme a RegistryClient picks for a loopback registry', () => {
  // A raw server that answers each plain-http request line with `answer(path)` and records whether any
  // connection opened with a TLS ClientHello (first byte 0x16).
  async function fakeRegistry(answer: (path: string) => string): Promise<{ l: Awaited<ReturnType<typeof listen>>; host: string; paths: string[]; tlsHellos: () => number }> {
    const paths: string[] = [];
    let hellos = 0;
    const l = await listen((s) => {
      let first = true;
      let buffered = '';
      s.on('data', (chunk: Buffer) => {
        if (first && chunk[0] === 0x16) {
          // What an http server does with a ClientHello: a 400, which OpenSSL reads as "not TLS".
          hellos++;
          s.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
          return;
        }
        first = false;
        buffered += chunk.toString('latin1');
        let end: number;
        while ((end = buffered.indexOf('\r\n\r\n')) >= 0) {
          const path = buffered.slice(0, end).split(' ')[1] ?? '';
          buffered = buffered.slice(end + 4);
          paths.push(path);
          s.write(answer(path));
        }
      });
    });
    return { l, host: `127.0.0.1:${l.port}`, paths, tlsHellos: () => hellos };
  }
  const notFound = 'HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}';

  it('a registry that answers the ping in the clear: plain http, and no TLS handshake at all', async () => {
    const f = await fakeRegistry((path) => (path === '/v2/' ? 'HTTP/1.1 200 OK\r\ndocker-distribution-api-version: registry/2.0\r\ncontent-length: 2\r\n\r\n{}' : notFound));
    const client = new RegistryClient({ connectTimeoutMs: 500, retries: 0 });
    try {
      expect(await client.fetchManifest({ registry: f.host, repository: 'app', tag: 'v1', digest: undefined })).toBeUndefined();
      expect(f.paths).toEqual(['/v2/', '/v2/app/manifests/v1']);
      expect(f.tlsHellos()).toBe(0);
    } finally {
      client.close();
      await close(f.l);
    }
  });

  it('an http server whose ping answer proves nothing: the TLS handshake decides (plain http here)', async () => {
    const f = await fakeRegistry(() => notFound);
    const client = new RegistryClient({ connectTimeoutMs: 500, retries: 0 });
    try {
      expect(await client.fetchManifest({ registry: f.host, repository: 'app', tag: 'v1', digest: undefined })).toBeUndefined();
      expect(f.tlsHellos()).toBe(1);
      expect(f.paths).toEqual(['/v2/', '/v2/app/manifests/v1']);
    } finally {
      client.close();
      await close(f.l);
    }
  });

  it('the real TLS registry is still reached over TLS (and refused for its unknown CA, not downgraded)', async () => {
    const client = new RegistryClient({ connectTimeoutMs: 2_000, retries: 0 });
    try {
      expect(await codeOf(client.fetchManifest({ registry: regs.tls.host, repository: 'app', tag: 'v1', digest: undefined }))).toBe('TLS_ERROR');
    } finally {
      client.close();
    }
  });
});
