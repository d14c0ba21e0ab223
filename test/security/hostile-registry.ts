// A hostile OCI registry on loopback (plain HTTP, as the distribution API, no TLS): one image whose
// `.sig` / `.att` tags and blobs say whatever a test wants. It counts the blob bytes it manages to send
// and the blob requests in flight, so tests assert what was read, not how long it took.
import { createHash } from 'node:crypto';
import http, { type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface HostileLayer {
  mediaType: string;
  /** What the manifest declares. */
  size: number;
  /** What the blob endpoint sends: bytes, or an endless stream of zeros. */
  body: Buffer | 'endless';
  annotations?: Record<string, string>;
}

export interface HostileRegistry {
  readonly host: string;
  readonly imageDigest: string;
  /** Blob bytes written to sockets so far. */
  blobBytesSent: number;
  blobRequests: number;
  maxBlobsInFlight: number;
  /** Blob requests received and not yet answered (an endless answer counts until its connection closes). */
  readonly blobsInFlight: number;
  sig: HostileLayer[] | undefined;
  att: HostileLayer[] | undefined;
  close(): Promise<void>;
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const fakeDigest = (i: number, kind: string) => `sha256:${sha256(`${kind}-${i}`)}`;

export async function startHostileRegistry(): Promise<HostileRegistry> {
  const config = Buffer.from('{}');
  const image = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha256(config)}`, size: config.length }, layers: [] }));
  const imageDigest = `sha256:${sha256(image)}`;
  const tagFor = (suffix: string) => `${imageDigest.replace(':', '-')}.${suffix}`;
  const blobs = new Map<string, HostileLayer>();
  let inFlight = 0;
  const sockets = new Set<Socket>();

  const reg: HostileRegistry = {
    host: '',
    imageDigest,
    blobBytesSent: 0,
    blobRequests: 0,
    maxBlobsInFlight: 0,
    get blobsInFlight() {
      return inFlight;
    },
    sig: undefined,
    att: undefined,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };

  const manifestFor = (layers: HostileLayer[], kind: string): Buffer => {
    const described = layers.map((l, i) => {
      const digest = Buffer.isBuffer(l.body) ? `sha256:${sha256(l.body)}` : fakeDigest(i, kind);
      blobs.set(digest, l);
      return { mediaType: l.mediaType, digest, size: l.size, ...(l.annotations ? { annotations: l.annotations } : {}) };
    });
    return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha256(config)}`, size: config.length }, layers: described }));
  };

  const sendManifest = (res: ServerResponse, body: Buffer, head: boolean) => {
    res.writeHead(200, { 'content-type': OCI_MANIFEST, 'content-length': body.length, 'docker-content-digest': `sha256:${sha256(body)}` });
    res.end(head ? undefined : body);
  };

  const sendEndless = (res: ServerResponse, done: () => void) => {
    const chunk = Buffer.alloc(64 * 1024);
    const pump = () => {
      while (!res.destroyed) {
        reg.blobBytesSent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
    };
    res.on('close', done);
    pump();
  };

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const head = req.method === 'HEAD';
    if (path === '/v2/' || path === '/v2') {
      res.writeHead(200, { 'docker-distribution-api-version': 'registry/2.0', 'content-type': 'application/json' });
      return void res.end('{}');
    }
    const m = /^\/v2\/app\/(manifests|blobs|referrers)\/(.+)$/.exec(path);
    if (!m) return void res.writeHead(404).end();
    const [, what, ref] = m as unknown as [string, string, string];
    if (what === 'manifests') {
      if (ref === 'v1' || ref === imageDigest) return sendManifest(res, image, head);
      if (ref === tagFor('sig') && reg.sig) return sendManifest(res, manifestFor(reg.sig, 'sig'), head);
      if (ref === tagFor('att') && reg.att) return sendManifest(res, manifestFor(reg.att, 'att'), head);
      res.writeHead(404, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
    }
    if (what === 'referrers') {
      res.writeHead(404, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ errors: [{ code: 'NOT_FOUND', message: 'no referrers API' }] }));
    }
    const blob = blobs.get(ref);
    if (!blob) return void res.writeHead(404).end();
    reg.blobRequests++;
    inFlight++;
    reg.maxBlobsInFlight = Math.max(reg.maxBlobsInFlight, inFlight);
    let finished = false;
    const done = () => {
      if (!finished) inFlight--;
      finished = true;
    };
    if (blob.body === 'endless') {
      // Declares the manifest's size (2 GB, say), then sends zeros for as long as anyone reads.
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(blob.size) });
      return sendEndless(res, done);
    }
    const body = blob.body;
    // Held unanswered for a moment, so concurrent readers overlap. A request counts as in flight until
    // its answer starts: a client cannot send its next request before it has read a whole answer, so
    // this never counts one reader twice, however the two sides' events interleave.
    setTimeout(() => {
      done();
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
      reg.blobBytesSent += body.length;
      res.end(body);
    }, 10);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (reg as { host: string }).host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return reg;
}
