// `provenant dev sigstore`, and the test suite's Sigstore: Fulcio (with a CT log), Rekor and a TSA from
// @sigstore/mock, served over loopback HTTP by node:http, so real clients speak the real protocols to
// them; and a TrustedRoot JSON naming these CAs and logs, so bundles signed here verify offline.
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fulcioHandler, initializeCA, initializeCTLog, initializeTLog, initializeTSA, rekorHandler, tsaHandler, type HandlerFn } from '@sigstore/mock';

export interface SigstoreParts {
  fulcioURL: string;
  rekorURL: string;
  tsaURL: string;
  /** TrustedRoot JSON file for the CAs and logs above. */
  trustedRootPath: string;
  /** An OIDC token the mock Fulcio accepts (it checks the JWT's shape, not its signature). */
  identityToken: string;
  /** What Fulcio puts in the certificate for that token. */
  identity: { subjectAlternativeName: string; issuer: string };
}

const MAX_REQUEST_BYTES = 1024 * 1024;
/** The issuer and subject of the tokens minted here (a GitHub Actions-like workflow identity). */
export const DEV_OIDC_ISSUER = 'https://oidc.example.test';
export const DEV_SAN = 'https://github.com/example-org/example-repo/.github/workflows/release.yml@refs/heads/main';

/** A JWT with the claims Fulcio reads; the signature part is a placeholder (the mock does not check it). */
export function mintIdentityToken(claims: Record<string, unknown> = {}, lifetimeSeconds = 3600): string {
  const now = Math.floor(Date.now() / 1000);
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const payload = { iss: DEV_OIDC_ISSUER, sub: DEV_SAN, aud: 'sigstore', iat: now, exp: now + lifetimeSeconds, ...claims };
  return `${enc({ alg: 'ES256', typ: 'JWT' })}.${enc(payload)}.${Buffer.from('not-checked').toString('base64url')}`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_REQUEST_BYTES) {
        reject(new Error('request too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A loopback HTTP server answering POST `path` with a @sigstore/mock handler function. */
async function listen(): Promise<{ server: Server; url: string; route: (path: string, fn: HandlerFn) => void }> {
  const routes = new Map<string, HandlerFn>();
  const server = createServer((req, res) => {
    const fn = req.method === 'POST' ? routes.get((req.url ?? '').split('?')[0] ?? '') : undefined;
    if (!fn) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    readBody(req)
      .then((body) => fn(body))
      .then(({ statusCode, response, contentType }) => {
        const bytes = typeof response === 'string' ? Buffer.from(response) : Buffer.from(response.buffer, response.byteOffset, response.byteLength);
        res.writeHead(statusCode, { 'content-type': contentType ?? 'text/plain', 'content-length': bytes.length }).end(bytes);
      })
      .catch((err: unknown) => res.writeHead(400, { 'content-type': 'text/plain' }).end(String(err)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('dev sigstore: no TCP address');
  return { server, url: `http://127.0.0.1:${addr.port}`, route: (path, fn) => routes.set(path, fn) };
}

/**
 * The mock logs a proposed entry as given; real Rekor stores the canonical form of a `dsse` entry (hashes of
 * the envelope and payload, and each signature with its verifier). Do what Rekor does so bodies are real.
 */
export function canonicalizeRekorEntry(body: string): string {
  const entry = JSON.parse(body) as { kind?: string; apiVersion?: string; spec?: { proposedContent?: { envelope: string; verifiers: string[] } } };
  const proposed = entry.spec?.proposedContent;
  if (entry.kind !== 'dsse' || entry.apiVersion !== '0.0.1' || !proposed) return body;
  const env = JSON.parse(proposed.envelope) as { payload: string; signatures: Array<{ sig: string }> };
  const verifier = proposed.verifiers[0] ?? '';
  const hex = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
  return JSON.stringify({
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: hex(proposed.envelope) },
      payloadHash: { algorithm: 'sha256', value: hex(Buffer.from(env.payload, 'base64')) },
      signatures: env.signatures.map((sg) => ({ signature: sg.sig, verifier })).sort((a, b) => (a.signature < b.signature ? -1 : 1)),
    },
  });
}

const ecKeys = (): { publicKey: KeyObject; privateKey: KeyObject } => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const b64 = (b: ArrayBufferView): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

export interface DevSigstoreOptions {
  /** Where to write trusted_root.json (default: a new temporary directory, removed by stop()). */
  dir?: string | undefined;
  /** Lifetime of the minted identity token (default one hour). */
  tokenLifetimeSeconds?: number | undefined;
}

/**
 * Starts Fulcio, Rekor and a TSA on 127.0.0.1 (any free ports); returns their URLs, a token Fulcio
 * accepts, the TrustedRoot file for them, and a stop function that closes the servers.
 */
export async function startSigstoreServers(opts: DevSigstoreOptions = {}): Promise<{ parts: SigstoreParts; stop: () => Promise<void> }> {
  const [fulcio, rekor, tsaSrv] = await Promise.all([listen(), listen(), listen()]);
  const ctlog = await initializeCTLog(ecKeys());
  const ca = await initializeCA(ecKeys(), ctlog);
  const tlog = await initializeTLog(rekor.url, ecKeys());
  const tsa = await initializeTSA(ecKeys());
  // asn1js writes genTime fractions with trailing zeros trimmed (".12Z"), which @sigstore/core's parser
  // (used by the @sigstore/verify interop checks) rejects; whole seconds keep those checks deterministic.
  (tsa as unknown as { getCurrentTime: () => Date }).getCurrentTime = () => new Date(Math.floor(Date.now() / 1000) * 1000);
  const rekorMock = rekorHandler(tlog);
  rekor.route(rekorMock.path, (body) => rekorMock.fn(canonicalizeRekorEntry(body)));
  const fulcioMock = fulcioHandler(ca);
  fulcio.route(fulcioMock.path, fulcioMock.fn);
  const tsaMock = tsaHandler(tsa);
  tsaSrv.route(tsaMock.path, tsaMock.fn);

  const start = new Date(Date.now() - 60_000).toISOString();
  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: rekor.url,
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: b64(tlog.publicKey), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start } },
        logId: { keyId: createHash('sha256').update(tlog.publicKey).digest('base64') },
      },
    ],
    certificateAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
        uri: fulcio.url,
        certChain: { certificates: [{ rawBytes: b64(ca.rootCertificate) }] },
        validFor: { start },
      },
    ],
    ctlogs: [
      {
        baseUrl: 'http://ctfe.example.test',
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: b64(ctlog.publicKey), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start } },
        logId: { keyId: b64(ctlog.logID) },
      },
    ],
    timestampAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'tsa' },
        uri: tsaSrv.url,
        certChain: { certificates: [{ rawBytes: b64(tsa.intCertificate) }, { rawBytes: b64(tsa.rootCertificate) }] },
        validFor: { start },
      },
    ],
  };
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'provenant-sigstore-')));
  const trustedRootPath = join(dir, 'trusted_root.json');
  await writeFile(trustedRootPath, JSON.stringify(trustedRoot, null, 2));

  const parts: SigstoreParts = {
    fulcioURL: fulcio.url,
    rekorURL: rekor.url,
    tsaURL: tsaSrv.url,
    trustedRootPath,
    identityToken: mintIdentityToken({}, opts.tokenLifetimeSeconds),
    identity: { subjectAlternativeName: DEV_SAN, issuer: DEV_OIDC_ISSUER },
  };
  const stop = async () => {
    await Promise.all(
      [fulcio, rekor, tsaSrv].map(
        (s) =>
          new Promise<void>((resolve) => {
            s.server.closeAllConnections();
            s.server.close(() => resolve());
          }),
      ),
    );
    if (ownDir) await rm(dir, { recursive: true, force: true });
  };
  return { parts, stop };
}

