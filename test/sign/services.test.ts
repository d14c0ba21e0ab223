import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ProvenantError } from '@provenant/core/errors';
import { generateKeyPair, keylessSigner, keySigner, signBlob } from '@provenant/core/sign';

// Misbehaving Sigstore services on loopback: every answer is size-limited, every request times out,
// 5xx is retried, Rekor's 409 Conflict is followed; each failure has its code.
const sigstore = inject('sigstore');
type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let handler: Handler = (_req, res) => res.writeHead(500).end();
let hits = 0;
const server = createServer((req, res) => {
  hits++;
  handler(req, res);
});
let url = '';
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ProvenantError) return err.code;
    throw err;
  }
  return 'no error';
}

const signer = () => keySigner(generateKeyPair().privateKey);

describe('Sigstore service clients', () => {
  it('stop reading an oversized answer', async () => {
    handler = (_req, res) => res.writeHead(201, { 'content-type': 'application/json' }).end(Buffer.alloc(5 * 1024 * 1024, 0x20));
    expect(await code(signBlob(Buffer.from('x'), signer(), { rekorURL: url, retries: 0 }))).toBe('SIZE_LIMIT_EXCEEDED');
    handler = (_req, res) => {
      res.writeHead(201, { 'content-type': 'application/timestamp-reply' });
      res.write(Buffer.alloc(200 * 1024));
      res.end(Buffer.alloc(200 * 1024));
    };
    expect(await code(signBlob(Buffer.from('x'), signer(), { tsaURL: url, retries: 0 }))).toBe('SIZE_LIMIT_EXCEEDED');
  });

  it('time out a silent service', async () => {
    handler = () => {};
    expect(await code(signBlob(Buffer.from('x'), signer(), { tsaURL: url, retries: 0, timeoutMs: 300 }))).toBe('TSA_ERROR');
  });

  it('retry a 503, then take the answer; do not retry a 400', async () => {
    let n = 0;
    handler = (req, res) => {
      n++;
      if (n === 1) res.writeHead(503).end('busy');
      else {
        // Relay to the real mock Rekor.
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          void fetch(`${sigstore.rekorURL}/api/v1/log/entries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.concat(chunks) })
            .then(async (r) => res.writeHead(r.status, { 'content-type': 'application/json' }).end(Buffer.from(await r.arrayBuffer())));
        });
      }
    };
    const bundle = await signBlob(Buffer.from('x'), signer(), { rekorURL: url, retries: 1 });
    expect(n).toBe(2);
    expect(bundle.verificationMaterial.tlogEntries).toHaveLength(1);
    hits = 0;
    handler = (_req, res) => res.writeHead(400, { 'content-type': 'application/json' }).end('{"message":"bad entry"}');
    expect(await code(signBlob(Buffer.from('x'), signer(), { rekorURL: url, retries: 3 }))).toBe('REKOR_ERROR');
    expect(hits).toBe(1);
  });

  it('follow Rekor 409 Conflict to the existing entry', async () => {
    let logged = Buffer.alloc(0);
    handler = (req, res) => {
      if (req.method === 'GET' && req.url === '/api/v1/log/entries/abc') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(logged);
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void fetch(`${sigstore.rekorURL}/api/v1/log/entries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.concat(chunks) }).then(async (r) => {
          logged = Buffer.from(await r.arrayBuffer());
          res.writeHead(409, { location: '/api/v1/log/entries/abc', 'content-type': 'application/json' }).end('{"message":"entry exists"}');
        });
      });
    };
    const bundle = await signBlob(Buffer.from('x'), signer(), { rekorURL: url, retries: 0 });
    expect(bundle.verificationMaterial.tlogEntries?.[0]?.kindVersion?.kind).toBe('hashedrekord');
  });

  it('reject a malformed Fulcio answer and a certificate for another key', async () => {
    handler = (_req, res) => res.writeHead(201, { 'content-type': 'application/json' }).end('{"signedCertificateEmbeddedSct":{}}');
    const s = keylessSigner({ fulcioURL: url, identityToken: sigstore.identityToken, retries: 0 });
    expect(await code(signBlob(Buffer.from('x'), s, { tsaURL: sigstore.tsaURL }))).toBe('FULCIO_ERROR');
    // A real certificate, but issued for some other key.
    const other = keylessSigner({ fulcioURL: sigstore.fulcioURL, identityToken: sigstore.identityToken });
    const b = await signBlob(Buffer.from('x'), other, { tsaURL: sigstore.tsaURL });
    const pem = `-----BEGIN CERTIFICATE-----\n${b.verificationMaterial.certificate?.rawBytes ?? ''}\n-----END CERTIFICATE-----\n`;
    handler = (_req, res) => res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ signedCertificateEmbeddedSct: { chain: { certificates: [pem] } } }));
    const victim = keylessSigner({ fulcioURL: url, identityToken: sigstore.identityToken, retries: 0 });
    expect(await code(signBlob(Buffer.from('x'), victim, { tsaURL: sigstore.tsaURL }))).toBe('FULCIO_ERROR');
  });
});
