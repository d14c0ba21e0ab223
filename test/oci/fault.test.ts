// Hostile registries: a fault-injecting proxy in front of the real registry. Every case ends with a
// ProvenantError code, retries only where repeating is safe, and never hangs (timeouts are small here).
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { ProvenantError } from '@provenant/core/errors';
import { copyImage, RegistryClient, staticCredentials, type RegistryClientOptions, type RepositoryRef } from '@provenant/core/oci';
import { startFaultProxy, startTinyServer, type FaultProxy, type SeenRequest } from '../helpers/fault-proxy.js';
import { makeImage, sha256, type TestImage } from './fixtures.js';
import { codeOf } from '../helpers/errors.js';

const regs = inject('ociRegistries');
let proxy: FaultProxy;
let img: TestImage;
let repo: RepositoryRef;
let direct: RegistryClient;
const clients: RegistryClient[] = [];

function client(extra: RegistryClientOptions = {}): RegistryClient {
  const c = new RegistryClient({ credentials: staticCredentials({}), insecure: true, retries: 2, retryBaseDelayMs: 5, maxRetryDelayMs: 2000, idleTimeoutMs: 400, connectTimeoutMs: 1000, ...extra });
  clients.push(c);
  return c;
}

const isBlob = (digest: string) => (r: SeenRequest) => r.method === 'GET' && r.path.endsWith(`/blobs/${digest}`);
const isManifest = (r: SeenRequest) => r.path.includes('/manifests/');
const count = (pred: (r: SeenRequest) => boolean): number => proxy.requests.filter(pred).length;

beforeAll(async () => {
  proxy = await startFaultProxy(regs.plain.host);
  direct = new RegistryClient({ credentials: staticCredentials({}), insecure: true });
  repo = { registry: proxy.host, repository: `fault/app-${process.pid}` };
  img = makeImage({ layers: 1, layerBytes: 50_000 });
  await direct.pushBlob(repo, img.config);
  await direct.pushBlob(repo, img.layers[0]!);
  await direct.putManifest({ ...repo, tag: 'v1', digest: undefined }, img.manifest);
});
afterAll(async () => {
  for (const c of [...clients, direct]) c.close();
  await proxy.close();
});
beforeEach(() => {
  proxy.fault = () => undefined;
  proxy.requests.length = 0;
});

const layer = (): { digest: string; size: number } => ({ digest: sha256(img.layers[0]!), size: img.layers[0]!.length });
const v1 = (): { registry: string; repository: string; tag: string; digest: undefined } => ({ ...repo, tag: 'v1', digest: undefined });

describe('retries', () => {
  it('retries a GET answered 503 and succeeds', async () => {
    let n = 0;
    proxy.fault = (r) => (isManifest(r) && n++ < 2 ? { kind: 'status', status: 503 } : undefined);
    expect((await client().getManifest(v1())).digest).toBe(img.digest);
    expect(count(isManifest)).toBe(3);
  });

  it('gives up after the retry budget with REGISTRY_ERROR', async () => {
    proxy.fault = (r) => (isManifest(r) ? { kind: 'status', status: 500 } : undefined);
    expect(await codeOf(client().getManifest(v1()))).toBe('REGISTRY_ERROR');
    expect(count(isManifest)).toBe(3);
  });

  it('honours a short Retry-After on 429', async () => {
    let n = 0;
    proxy.fault = (r) => (isManifest(r) && n++ === 0 ? { kind: 'status', status: 429, headers: { 'retry-after': '1' } } : undefined);
    expect((await client().getManifest(v1())).digest).toBe(img.digest);
    expect(count(isManifest)).toBe(2);
  });

  it('does not wait out a Retry-After longer than allowed: REGISTRY_RATE_LIMITED at once', async () => {
    proxy.fault = (r) => (isManifest(r) ? { kind: 'status', status: 429, headers: { 'retry-after': '3600' } } : undefined);
    expect(await codeOf(client().getManifest(v1()))).toBe('REGISTRY_RATE_LIMITED');
    expect(count(isManifest)).toBe(1);
  });

  it('429 past the retry budget is REGISTRY_RATE_LIMITED', async () => {
    proxy.fault = (r) => (isManifest(r) ? { kind: 'status', status: 429 } : undefined);
    expect(await codeOf(client({ retries: 1 }).getManifest(v1()))).toBe('REGISTRY_RATE_LIMITED');
    expect(count(isManifest)).toBe(2);
  });

  it('never repeats a streamed upload PUT; an in-memory blob restarts its whole upload', async () => {
    const isFinish = (r: SeenRequest): boolean => r.method === 'PUT' && r.path.includes('/blobs/uploads/');
    proxy.fault = (r) => (isFinish(r) ? { kind: 'status', status: 503 } : undefined);
    const data = randomBytes(1000);
    const c = client();
    expect(await codeOf(c.pushBlob(repo, { data: { open: () => Readable.from([data]), size: data.length, digest: sha256(data) } }))).toBe('REGISTRY_ERROR');
    expect(count(isFinish)).toBe(1);

    proxy.requests.length = 0;
    let n = 0;
    proxy.fault = (r) => (isFinish(r) && n++ === 0 ? { kind: 'status', status: 503 } : undefined);
    const pushed = await c.pushBlob(repo, data);
    expect(pushed.digest).toBe(sha256(data));
    expect(count(isFinish)).toBe(2);
    expect(count((r) => r.method === 'POST')).toBe(2);
    expect(await direct.headBlob(repo, sha256(data))).toBe(1000);
  });

  it('honours OCI-Chunk-Min-Length from the upload start', async () => {
    proxy.fault = (r) => (r.method === 'POST' ? { kind: 'addHeaders', headers: { 'oci-chunk-min-length': '100000' } } : undefined);
    const data = randomBytes(250_000);
    await client().pushBlob(repo, data, { chunkSize: 10_000 });
    expect(count((r) => r.method === 'PATCH')).toBe(3);
    expect(await direct.headBlob(repo, sha256(data))).toBe(250_000);
  });

  it('retries a manifest PUT (idempotent) answered 502', async () => {
    let n = 0;
    proxy.fault = (r) => (r.method === 'PUT' && isManifest(r) && n++ === 0 ? { kind: 'status', status: 502 } : undefined);
    await client().putManifest({ ...repo, tag: 'v2', digest: undefined }, img.manifest);
    expect(count((r) => r.method === 'PUT' && isManifest(r))).toBe(2);
  });

  it('maps 401/403 without retrying', async () => {
    proxy.fault = (r) => (isManifest(r) ? { kind: 'status', status: 403, body: JSON.stringify({ errors: [{ code: 'DENIED', message: 'no' }] }) } : undefined);
    expect(await codeOf(client().getManifest(v1()))).toBe('REGISTRY_DENIED');
    expect(count(isManifest)).toBe(1);
    // Registry text reaches error messages without control characters (no terminal escapes).
    proxy.fault = (r) => (isManifest(r) ? { kind: 'status', status: 403, body: JSON.stringify({ errors: [{ code: 'DENIED', message: 'no\u001b[31m red\r\nline' }] }) } : undefined);
    const err = await client()
      .getManifest(v1())
      .then(
        () => new Error('no error'),
        (e: unknown) => e as Error,
      );
    expect(err).toBeInstanceOf(ProvenantError);
    expect(err.message).not.toMatch(/[\u0000-\u001f]/);
    proxy.fault = (r) => (isManifest(r) ? { kind: 'status', status: 401, headers: { 'www-authenticate': 'Basic realm="x"' } } : undefined);
    expect(await codeOf(client().getManifest(v1()))).toBe('REGISTRY_UNAUTHORIZED');
    // With credentials, a registry that keeps answering 401 is asked once more, not forever.
    proxy.requests.length = 0;
    const withCreds = client({ credentials: staticCredentials({ [proxy.host]: { kind: 'basic', username: 'u', password: 'p' } }) });
    expect(await codeOf(withCreds.getManifest(v1()))).toBe('REGISTRY_UNAUTHORIZED');
    expect(count(isManifest)).toBe(2);
  });
});

describe('timeouts: never a hang', () => {
  it('a registry that never answers is TIMEOUT', async () => {
    proxy.fault = (r) => (isManifest(r) ? { kind: 'stall' } : undefined);
    expect(await codeOf(client({ retries: 0 }).getManifest(v1()))).toBe('TIMEOUT');
  });

  it('a retried stall still ends (bounded attempts)', async () => {
    proxy.fault = (r) => (isManifest(r) ? { kind: 'stall' } : undefined);
    expect(await codeOf(client({ retries: 1, idleTimeoutMs: 200 }).getManifest(v1()))).toBe('TIMEOUT');
    expect(count(isManifest)).toBe(2);
  });

  it('a body that stalls half-way is TIMEOUT', async () => {
    proxy.fault = (r) => (isBlob(layer().digest)(r) ? { kind: 'stallBody', afterBytes: 1000 } : undefined);
    expect(await codeOf(client().getBlob(repo, layer()))).toBe('TIMEOUT');
  });

  it('a server that accepts but never completes the TLS handshake hits the connect timeout', async () => {
    const { createServer } = await import('node:net');
    const held: Array<import('node:net').Socket> = [];
    const silent = createServer((s) => void held.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as import('node:net').AddressInfo).port;
    try {
      const c = client({ insecure: false, retries: 0, connectTimeoutMs: 300, idleTimeoutMs: 10_000 });
      expect(await codeOf(c.getManifest({ registry: `127.0.0.1:${port}`, repository: 'x/y', tag: 'v1', digest: undefined }))).toBe('TIMEOUT');
    } finally {
      for (const s of held) s.destroy();
      silent.close();
    }
  });

  it('a closed port is REGISTRY_UNREACHABLE', async () => {
    const tiny = await startTinyServer(() => undefined);
    const host = tiny.host;
    await tiny.close();
    expect(await codeOf(client({ retries: 1 }).getManifest({ registry: host, repository: 'x/y', tag: 'v1', digest: undefined }))).toBe('REGISTRY_UNREACHABLE');
  });
});

describe('bodies that lie', () => {
  it('a truncated blob is BLOB_TRUNCATED', async () => {
    proxy.fault = (r) => (isBlob(layer().digest)(r) ? { kind: 'truncate', afterBytes: 1000 } : undefined);
    expect(await codeOf(client().getBlob(repo, layer()))).toBe('BLOB_TRUNCATED');
  });

  it('a blob stream cut once resumes with Range and still verifies (206, or 200 from the start)', async () => {
    let n = 0;
    proxy.fault = (r) => (isBlob(layer().digest)(r) && n++ === 0 ? { kind: 'truncate', afterBytes: 20_000 } : undefined);
    expect((await client().getBlob(repo, layer())).equals(img.layers[0]!)).toBe(true);
    const gets = proxy.requests.filter(isBlob(layer().digest));
    expect(gets.map((r) => r.headers.range)).toEqual([undefined, 'bytes=20000-']);

    n = 0;
    proxy.requests.length = 0;
    proxy.fault = (r) => (isBlob(layer().digest)(r) ? (n++ === 0 ? { kind: 'truncate', afterBytes: 20_000 } : { kind: 'ignoreRange' }) : undefined);
    expect((await client().getBlob(repo, layer())).equals(img.layers[0]!)).toBe(true);
    // Resuming never starts a second pass over bytes already verified: a wrong resumed tail is DIGEST_MISMATCH.
    n = 0;
    proxy.fault = (r) =>
      isBlob(layer().digest)(r) ? (n++ === 0 ? { kind: 'truncate', afterBytes: 20_000 } : { kind: 'replaceBody', body: (real) => Buffer.from(real.map((b) => b ^ 0xff)) }) : undefined;
    expect(await codeOf(client().getBlob(repo, layer()))).toBe('DIGEST_MISMATCH');
    // Without retries there is no resume.
    n = 0;
    proxy.fault = (r) => (isBlob(layer().digest)(r) && n++ === 0 ? { kind: 'truncate', afterBytes: 20_000 } : undefined);
    expect(await codeOf(client({ retries: 0 }).getBlob(repo, layer()))).toBe('BLOB_TRUNCATED');
  });

  it('a Content-Length shorter than the blob is BLOB_TRUNCATED; longer is caught too', async () => {
    proxy.fault = (r) => (isBlob(layer().digest)(r) ? { kind: 'lieContentLength', contentLength: 100 } : undefined);
    expect(await codeOf(client().getBlob(repo, layer()))).toBe('BLOB_TRUNCATED');
    proxy.fault = (r) => (isBlob(layer().digest)(r) ? { kind: 'lieContentLength', contentLength: layer().size + 10 } : undefined);
    expect(await codeOf(client().getBlob(repo, layer()))).toBe('BLOB_TOO_LARGE');
    expect(await codeOf(client().getBlob(repo, { digest: layer().digest }))).toBe('BLOB_TRUNCATED');
  });

  it('a blob with the wrong content is DIGEST_MISMATCH', async () => {
    proxy.fault = (r) => (isBlob(layer().digest)(r) ? { kind: 'replaceBody', body: (real) => Buffer.concat([real.subarray(0, real.length - 1), Buffer.from([real[real.length - 1]! ^ 1])]) } : undefined);
    expect(await codeOf(client().getBlob(repo, layer()))).toBe('DIGEST_MISMATCH');
    expect(await codeOf(client().getBlob(repo, { digest: layer().digest }))).toBe('DIGEST_MISMATCH');
  });

  it('a blob larger than declared is BLOB_TOO_LARGE (declared up front or found while streaming)', async () => {
    proxy.fault = (r) => (isBlob(layer().digest)(r) ? { kind: 'replaceBody', body: (real) => Buffer.concat([real, randomBytes(5000)]) } : undefined);
    expect(await codeOf(client().getBlob(repo, layer()))).toBe('BLOB_TOO_LARGE');
    proxy.fault = (r) => (isBlob(layer().digest)(r) ? { kind: 'replaceBody', chunked: true, body: (real) => Buffer.concat([real, randomBytes(5000)]) } : undefined);
    expect(await codeOf(client().getBlob(repo, layer()))).toBe('BLOB_TOO_LARGE');
    // No declared size: the client's limit applies.
    expect(await codeOf(client({ maxBlobBytes: 10_000 }).getBlob(repo, { digest: layer().digest }))).toBe('BLOB_TOO_LARGE');
  });

  it('a manifest with the wrong digest or over the size limit is refused', async () => {
    proxy.fault = (r) => (isManifest(r) && r.method === 'GET' ? { kind: 'replaceBody', body: (real) => Buffer.from(real.toString().replace('"schemaVersion":2', '"schemaVersion":2 ')) } : undefined);
    expect(await codeOf(client().getManifest({ ...repo, tag: undefined, digest: img.digest }))).toBe('DIGEST_MISMATCH');
    // By tag: the registry's Docker-Content-Digest header no longer matches the bytes.
    expect(await codeOf(client().getManifest(v1()))).toBe('DIGEST_MISMATCH');
    proxy.fault = () => undefined;
    expect(await codeOf(client({ maxManifestBytes: 100 }).getManifest(v1()))).toBe('MANIFEST_TOO_LARGE');
    proxy.fault = (r) => (isManifest(r) && r.method === 'GET' ? { kind: 'replaceBody', chunked: true, body: () => Buffer.alloc(5000, 32) } : undefined);
    expect(await codeOf(client({ maxManifestBytes: 1000 }).getManifest(v1()))).toBe('MANIFEST_TOO_LARGE');
    proxy.fault = (r) => (isManifest(r) && r.method === 'GET' ? { kind: 'replaceBody', body: () => Buffer.from('{"schemaVersion":2,"layers":"x"}'), chunked: true, dropHeaders: ['docker-content-digest'] } : undefined);
    expect(await codeOf(client().getManifest(v1()))).toBe('MANIFEST_INVALID');
  });
});

describe('copying from a hostile source', () => {
  it('a corrupted source blob fails the copy with DIGEST_MISMATCH and never lands at the destination', async () => {
    proxy.fault = (r) => (isBlob(layer().digest)(r) ? { kind: 'replaceBody', body: (real) => Buffer.from(real.map((b) => b ^ 1)) } : undefined);
    const dst = new RegistryClient({ credentials: staticCredentials({}) });
    clients.push(dst);
    const target = `${regs.plain.host}/fault/copy-dst-${process.pid}:v1`;
    expect(await codeOf(copyImage(client(), { ...repo, tag: 'v1', digest: undefined }, target, { destinationClient: dst }))).toBe('DIGEST_MISMATCH');
    const dstRepo = { registry: regs.plain.host, repository: `fault/copy-dst-${process.pid}` };
    expect(await dst.headBlob(dstRepo, layer().digest as `sha256:${string}`)).toBeUndefined();
    expect(await dst.headManifest({ ...dstRepo, tag: 'v1', digest: undefined })).toBeUndefined();
  });
});

describe('redirects', () => {
  it('a redirect loop is REGISTRY_TOO_MANY_REDIRECTS', async () => {
    proxy.fault = (r) => (isManifest(r) ? { kind: 'redirect', location: r.path } : undefined);
    expect(await codeOf(client({ maxRedirects: 3 }).getManifest(v1()))).toBe('REGISTRY_TOO_MANY_REDIRECTS');
    expect(count(isManifest)).toBe(4);
  });

  it('follows a redirect to another host for a blob without sending the Authorization header there', async () => {
    const seen: Array<string | undefined> = [];
    const storage = await startTinyServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200, { 'content-length': String(img.layers[0]!.length) });
      res.end(img.layers[0]);
    });
    try {
      const authed = client({ credentials: staticCredentials({ [proxy.host]: { kind: 'basic', username: 'u', password: 'p' } }) });
      let first = true;
      proxy.fault = (r) => {
        if (isManifest(r) && first) {
          first = false;
          return { kind: 'status', status: 401, headers: { 'www-authenticate': 'Basic realm="test"' } };
        }
        return isBlob(layer().digest)(r) ? { kind: 'redirect', location: `http://${storage.host}/storage/blob?sig=abc` } : undefined;
      };
      await authed.getManifest(v1());
      const blob = await authed.getBlob(repo, layer());
      expect(blob.equals(img.layers[0]!)).toBe(true);
      expect(proxy.requests.find(isBlob(layer().digest))?.headers.authorization).toMatch(/^Basic /);
      expect(seen).toEqual([undefined]);
    } finally {
      await storage.close();
    }
  });
});
