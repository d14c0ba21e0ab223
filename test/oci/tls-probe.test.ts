// The loopback scheme probe (HttpTransport.speaksTls) against the real registries: it only learns
// whether the port speaks TLS, with no trust store; certificates are checked by the requests after it
// (test/oci/auth.test.ts: without the CA a TLS loopback registry is TLS_ERROR, never plain http).
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { HttpTransport } from '../../packages/core/src/oci/http.js';
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

describe('TLS probe of a loopback registry', () => {
  it('plain http registry: false', async () => {
    expect(await transport.speaksTls(regs.plain.host)).toBe(false);
  });

  it('TLS registry whose CA the client does not know: true (the certificate is checked by the requests)', async () => {
    expect(await transport.speaksTls(regs.tls.host)).toBe(true);
  });

  it('mutual-TLS registry, probed without a client certificate: true', async () => {
    expect(await transport.speaksTls(regs.mtls.host)).toBe(true);
  });

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
