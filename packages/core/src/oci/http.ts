// One HTTP exchange with a registry over node:http/https: custom CA and client certificates, a connect
// timeout and an idle timeout (which also catches a stalled body), redirects with a limit and without
// forwarding credentials to another origin, and bodies read under a byte limit.
import http from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type { SecureContext } from 'node:tls';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import { ProvenantError, type ProvenantErrorCode } from '../errors.js';

export interface TransportOptions {
  /** Extra trusted CA certificates (PEM), added to Node's default roots. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Client certificate and key (PEM) for mutual TLS. */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Milliseconds to establish a connection (TCP + TLS). */
  connectTimeoutMs?: number;
  /** Milliseconds without any byte from the server, while waiting for headers or reading a body. */
  idleTimeoutMs?: number;
  /** Redirects followed per request before REGISTRY_TOO_MANY_REDIRECTS. */
  maxRedirects?: number;
  /**
   * certs.d roots, read as docker, podman and skopeo read them: for a registry `host[:port]` (no port
   * for 443), the first `<root>/<host[:port]>/` that exists gives its `*.crt` files as CA certificates
   * (added to the default roots and `ca`) and `<name>.cert` with `<name>.key` as the client certificate
   * (the first pair by name; it replaces `cert`/`key` for that registry). Default:
   * `PROVENANT_REGISTRY_CERTS_D` (paths separated by `:`) when set, else
   * `~/.config/containers/certs.d`, `/etc/containers/certs.d`, `/etc/docker/certs.d`. `[]`: none.
   */
  certsDirs?: string[];
}

/** The certs.d roots used when TransportOptions.certsDirs is not given. */
export function defaultCertsDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const given = env.PROVENANT_REGISTRY_CERTS_D;
  if (given !== undefined) return given.split(':').filter((d) => d !== '');
  const home = env.HOME;
  return [...(home ? [join(home, '.config/containers/certs.d')] : []), '/etc/containers/certs.d', '/etc/docker/certs.d'];
}

/** TransportOptions.ca as a list (empty when not given). */
function caList(ca: TransportOptions['ca']): Array<string | Buffer> {
  return ca === undefined ? [] : Array.isArray(ca) ? ca : [ca];
}

let extraCaCerts: Buffer[] | undefined;
/**
 * The file NODE_EXTRA_CA_CERTS names, read once; none when unset or unreadable (Node warned of that at
 * start; the bin's deferral of the variable warns when TLS first reads it).
 */
function extraCaCertsFromEnv(): Buffer[] {
  if (extraCaCerts === undefined) {
    const file = process.env.NODE_EXTRA_CA_CERTS;
    try {
      extraCaCerts = file ? [readFileSync(file)] : [];
    } catch {
      extraCaCerts = [];
    }
  }
  return extraCaCerts;
}

interface HostTls {
  dir: string;
  ca: Buffer[];
  cert?: Buffer;
  key?: Buffer;
}

/** What `<root>/<host>/` holds for a registry, from the first root that has that directory. */
function readCertsDir(roots: readonly string[], host: string): HostTls | undefined {
  for (const root of roots) {
    const dir = join(root, host);
    if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) continue;
    const read = (name: string): Buffer => {
      try {
        return readFileSync(join(dir, name));
      } catch (cause) {
        throw new ProvenantError('FILE_UNREADABLE', `cannot read ${join(dir, name)} (certs.d of ${host})`, { cause });
      }
    };
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (cause) {
      throw new ProvenantError('FILE_UNREADABLE', `cannot list ${dir} (certs.d of ${host})`, { cause });
    }
    const found: HostTls = { dir, ca: names.filter((n) => n.endsWith('.crt')).map(read) };
    for (const n of names.filter((n) => n.endsWith('.cert') || n.endsWith('.key'))) {
      const base = n.replace(/\.(cert|key)$/, '');
      const other = n.endsWith('.cert') ? `${base}.key` : `${base}.cert`;
      if (!names.includes(other)) throw new ProvenantError('INVALID_ARGUMENT', `${join(dir, n)} has no ${other} beside it: a client certificate needs its key (certs.d of ${host})`);
    }
    const pair = names.find((n) => n.endsWith('.cert'));
    if (pair !== undefined) {
      found.cert = read(pair);
      found.key = read(pair.replace(/\.cert$/, '.key'));
    }
    return found;
  }
  return undefined;
}

/** A request body: bytes (replayable on redirect and retry) or a one-shot stream with a known length. */
export type RequestBody = Buffer | { stream: () => Readable; length: number | undefined; replayable?: boolean };

export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  url: URL;
  headers?: Record<string, string>;
  body?: RequestBody;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The URL that finally answered (after redirects). */
  url: URL;
  body: IncomingMessage;
}

const DEFAULTS = { connectTimeoutMs: 10_000, idleTimeoutMs: 30_000, maxRedirects: 5 };
/** How long a plain-http ping of a loopback registry may take before the TLS probe decides instead. */
const PING_TIMEOUT_MS = 2_000;
/** A ping answer larger than this is not drained (its connection is dropped instead of reused). */
const PING_BODY_LIMIT = 64 * 1024;

// node:https and node:tls load on first use: a run that talks only plain http to a loopback registry
// never needs them (about 14M instructions to load, 20M more for a TLS probe's handshake).
const https = (): typeof import('node:https') => process.getBuiltinModule('node:https');
const tls = (): typeof import('node:tls') => process.getBuiltinModule('node:tls');

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
export { header as responseHeader };

export class HttpTransport {
  private readonly httpAgent: http.Agent;
  private httpsAgentMade: HttpsAgent | undefined;
  /** Agents of registries that have a certs.d directory (undefined: they have none). */
  private readonly hostAgents = new Map<string, HttpsAgent | undefined>();
  private readonly certsDirs: readonly string[];
  private readonly tlsOptions: Pick<TransportOptions, 'ca' | 'cert' | 'key'>;
  private readonly options: Required<Pick<TransportOptions, 'connectTimeoutMs' | 'idleTimeoutMs' | 'maxRedirects'>>;

  constructor(options: TransportOptions = {}) {
    this.options = {
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
      idleTimeoutMs: options.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs,
      maxRedirects: options.maxRedirects ?? DEFAULTS.maxRedirects,
    };
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    this.tlsOptions = { ca: options.ca, cert: options.cert, key: options.key };
    this.certsDirs = options.certsDirs ?? defaultCertsDirs();
  }

  private get httpsAgent(): HttpsAgent {
    this.httpsAgentMade ??= this.makeHttpsAgent(this.tlsOptions);
    return this.httpsAgentMade;
  }

  /** The agent for a registry `host[:port]`: its own when a certs.d root has a directory for it. */
  private httpsAgentFor(host: string): HttpsAgent {
    if (!this.hostAgents.has(host)) {
      const found = readCertsDir(this.certsDirs, host);
      if (found === undefined) this.hostAgents.set(host, undefined);
      else {
        const { ca, cert, key } = this.tlsOptions;
        const pair = found.cert !== undefined ? { cert: found.cert, key: found.key } : { cert, key };
        this.hostAgents.set(host, this.makeHttpsAgent({ ca: [...caList(ca), ...found.ca], ...pair }, found.dir));
      }
    }
    return this.hostAgents.get(host) ?? this.httpsAgent;
  }

  private makeHttpsAgent({ ca, cert, key }: Pick<TransportOptions, 'ca' | 'cert' | 'key'>, from?: string): HttpsAgent {
    // Custom CAs extend, not replace, the default roots (as docker's certs.d does); none: the defaults.
    // The context is made without a `ca`, so it starts from the roots as Node is configured to have them
    // (bundled, or OpenSSL's store under --use-openssl-ca), and the custom CAs are added to it. Node 20
    // gives such a context a store of its own, a fresh copy of those roots that lacks the certificates
    // of NODE_EXTRA_CA_CERTS (Node adds them to its shared store only), so they are added here too:
    // custom CAs never take away trust the user configured for every connection.
    const custom = caList(ca);
    const extra = custom.length === 0 ? custom : [...extraCaCertsFromEnv(), ...custom];
    // One TLS context for every connection of the agent. Given as options, the agent would make one
    // per connection, and with custom CAs each would copy ~145 roots again (30-60 ms per new connection).
    let secureContext: SecureContext | undefined;
    if (extra.length > 0 || cert !== undefined || key !== undefined) {
      try {
        secureContext = tls().createSecureContext({ cert, key });
        const native = (secureContext as unknown as { context: { addCACert(pem: string | Buffer): void } }).context;
        for (const pem of extra) native.addCACert(pem);
      } catch (cause) {
        const what = from === undefined ? "the registry client's TLS settings (CA, client certificate and key)" : `the certificates in ${from}`;
        throw new ProvenantError('INVALID_ARGUMENT', `${what} are unusable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
      }
    }
    return new (https().Agent)({ keepAlive: true, maxSockets: 16, secureContext });
  }

  get idleTimeoutMs(): number {
    return this.options.idleTimeoutMs;
  }

  /** Sends a request, following redirects; the caller must consume or destroy `body`. */
  async send(req: HttpRequest): Promise<HttpResponse> {
    let url = req.url;
    let method = req.method;
    let body = req.body;
    let headers = { ...(req.headers ?? {}) };
    for (let hop = 0; ; hop++) {
      const res = await this.once({ method, url, headers, body });
      const location = header(res.headers, 'location');
      if (![301, 302, 303, 307, 308].includes(res.status) || location === undefined) return res;
      res.body.resume();
      if (hop >= this.options.maxRedirects) {
        throw new ProvenantError('REGISTRY_TOO_MANY_REDIRECTS', `${req.method} ${req.url.origin}${req.url.pathname}: more than ${this.options.maxRedirects} redirects`, {
          details: { url: redactUrl(req.url), limit: this.options.maxRedirects },
        });
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch (cause) {
        throw new ProvenantError('REGISTRY_PROTOCOL_ERROR', `redirect to an invalid location ${JSON.stringify(location)}`, { cause });
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new ProvenantError('REGISTRY_PROTOCOL_ERROR', `redirect to unsupported scheme ${next.protocol}`);
      if (url.protocol === 'https:' && next.protocol === 'http:') throw new ProvenantError('REGISTRY_PROTOCOL_ERROR', `redirect from https to plain http (${redactUrl(next)}) refused`);
      if (next.origin !== url.origin) headers = withoutCredentials(headers);
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method !== 'GET' && method !== 'HEAD')) {
        method = method === 'HEAD' ? 'HEAD' : 'GET';
        body = undefined;
        headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !/^content-/i.test(k)));
      } else if (body !== undefined && !Buffer.isBuffer(body) && !body.replayable) {
        throw new ProvenantError('REGISTRY_PROTOCOL_ERROR', `${method} ${redactUrl(url)} was redirected but its streamed body cannot be sent twice`);
      }
      url = next;
    }
  }

  private once(req: HttpRequest, idleTimeoutMs = this.options.idleTimeoutMs): Promise<HttpResponse> {
    const { url, method } = req;
    const isHttps = url.protocol === 'https:';
    const mod = isHttps ? https() : http;
    const headers: Record<string, string> = { 'user-agent': 'provenant', ...(req.headers ?? {}) };
    const body = req.body;
    if (body !== undefined) {
      const length = Buffer.isBuffer(body) ? body.length : body.length;
      if (length !== undefined) headers['content-length'] = String(length);
    } else if (method === 'PUT' || method === 'POST' || method === 'PATCH') {
      headers['content-length'] = '0';
    }
    return new Promise<HttpResponse>((resolve, reject) => {
      let settled = false;
      const fail = (err: ProvenantError): void => {
        if (!settled) {
          settled = true;
          reject(err);
        }
        request.destroy(err);
      };
      const request = mod.request(url, { method, headers, agent: isHttps ? this.httpsAgentFor(url.host) : this.httpAgent });
      const connectTimer = setTimeout(
        () => fail(new ProvenantError('TIMEOUT', `${method} ${redactUrl(url)}: no connection within ${this.options.connectTimeoutMs} ms`, { details: { url: redactUrl(url) } })),
        this.options.connectTimeoutMs,
      );
      request.on('socket', (socket) => {
        const connected = (): void => clearTimeout(connectTimer);
        if ((socket as { connecting?: boolean }).connecting === false && !socket.destroyed) connected();
        else socket.once(isHttps ? 'secureConnect' : 'connect', connected);
      });
      let response: IncomingMessage | undefined;
      request.setTimeout(idleTimeoutMs, () => {
        const err = new ProvenantError('TIMEOUT', `${method} ${redactUrl(url)}: the registry sent nothing for ${idleTimeoutMs} ms`, { details: { url: redactUrl(url) } });
        // After the headers, the body reader must see the timeout, not a generic "aborted".
        response?.destroy(err);
        fail(err);
      });
      request.on('error', (err) => {
        clearTimeout(connectTimer);
        if (settled) return;
        settled = true;
        reject(err instanceof ProvenantError ? err : networkError(err, method, url));
      });
      request.on('response', (res) => {
        clearTimeout(connectTimer);
        settled = true;
        response = res;
        // The idle timer keeps running on the socket while the body is read: a stalled body errors.
        resolve({ status: res.statusCode ?? 0, headers: res.headers, url, body: res });
      });
      if (body === undefined) request.end();
      else if (Buffer.isBuffer(body)) request.end(body);
      else {
        // pipeline, not pipe: a failed request must also end the source (often another registry's response).
        pipeline(body.stream(), request, (err) => {
          if (err) fail(err instanceof ProvenantError ? err : new ProvenantError('IO_ERROR', `sending the upload body failed: ${err.message}`, { cause: err }));
        });
      }
    });
  }

  /**
   * Whether the server at `host` (`name:port`) answers the registry ping, `GET /v2/`, in plain http:
   * status 200 or 401 with a `Docker-Distribution-API-Version: registry/2.x` header. A TLS server never
   * answers a request sent in the clear that way (Go's answers 400, others send an alert or hang up), so
   * true means plain http for certain; false (any other answer, an error, no answer within
   * `timeoutMs`) means only "not known", and speaksTls decides. Sends no credentials; never throws.
   */
  async answersPlainHttpPing(host: string, timeoutMs = PING_TIMEOUT_MS): Promise<boolean> {
    let res: HttpResponse;
    try {
      res = await this.once({ method: 'GET', url: new URL(`http://${host}/v2/`) }, Math.min(timeoutMs, this.options.idleTimeoutMs));
    } catch {
      return false;
    }
    res.body.on('error', () => undefined);
    // A small answer is drained so its connection serves the next request; a large one is not read.
    if (Number(header(res.headers, 'content-length') ?? Infinity) <= PING_BODY_LIMIT) res.body.resume();
    else res.body.destroy();
    const version = header(res.headers, 'docker-distribution-api-version') ?? '';
    return (res.status === 200 || res.status === 401) && /^registry\/2\./.test(version);
  }

  /**
   * Whether the server at `host` (`name:port`) speaks TLS, learned from a handshake alone. Nothing is
   * verified here, so it needs no trust store: a probe with the default one would make Node parse its
   * root certificates (about 200M instructions) even when the server turns out to speak plain http.
   * The requests that follow on https verify the certificate as usual. Rejects when there is no server.
   */
  speaksTls(host: string): Promise<boolean> {
    const url = new URL(`https://${host}/`);
    const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    return new Promise<boolean>((resolve, reject) => {
      // ca: [] (not undefined) keeps tls from loading the default roots; no SNI for an address.
      const socket = tls().connect({ host: hostname, port: Number(url.port || 443), ca: [], rejectUnauthorized: false, ...(isIP(hostname) ? {} : { servername: hostname }) });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new ProvenantError('TIMEOUT', `TLS probe of ${url.origin}: no answer within ${this.options.connectTimeoutMs} ms`, { details: { url: url.origin } }));
      }, this.options.connectTimeoutMs);
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        socket.destroy();
        resolve(true);
      });
      socket.once('error', (err: Error & { code?: string }) => {
        clearTimeout(timer);
        socket.destroy();
        const code = err.code ?? '';
        if (NOT_TLS.test(`${code} ${err.message}`)) resolve(false);
        // Any other error OpenSSL raised (an alert, a required client certificate) came from a TLS server.
        else if (code.startsWith('ERR_SSL_')) resolve(true);
        // A refused, reset or closed connection says nothing about the protocol.
        else reject(new ProvenantError('REGISTRY_UNREACHABLE', `TLS probe of ${url.origin} failed: ${err.message}`, { cause: err, details: { url: url.origin, errno: code } }));
      });
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgentMade?.destroy();
    for (const agent of this.hostAgents.values()) agent?.destroy();
  }
}

function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization' && k.toLowerCase() !== 'cookie'));
}

/** The URL without query string (upload locations carry state tokens; redirects may carry signatures). */
export function redactUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

const TLS_CODES = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|HOSTNAME/;
// What OpenSSL reports when the answer to a ClientHello is plain HTTP (a 400 page) rather than TLS.
const NOT_TLS = /WRONG_VERSION_NUMBER|wrong version number|packet length too long|http request/i;

function networkError(err: Error & { code?: string }, method: string, url: URL): ProvenantError {
  const code = err.code ?? '';
  const tls = TLS_CODES.test(code) || TLS_CODES.test(err.message);
  const pcode: ProvenantErrorCode = tls ? 'TLS_ERROR' : 'REGISTRY_UNREACHABLE';
  const hint = tls ? " (trust the registry's CA: its certs.d directory, e.g. /etc/containers/certs.d/<host:port>/ca.crt, or NODE_EXTRA_CA_CERTS=<ca.pem>; a client certificate goes in certs.d as <name>.cert and <name>.key)" : '';
  return new ProvenantError(pcode, `${method} ${redactUrl(url)} failed: ${err.message}${hint}`, { cause: err, details: { url: redactUrl(url), errno: code } });
}

/**
 * Reads a whole body under a byte limit. A declared Content-Length over the limit fails before reading;
 * a connection that ends early fails with `truncatedCode`.
 */
export async function readBody(res: HttpResponse, limit: number, what: string, codes: { tooLarge: ProvenantErrorCode; truncated: ProvenantErrorCode } = { tooLarge: 'SIZE_LIMIT_EXCEEDED', truncated: 'REGISTRY_PROTOCOL_ERROR' }): Promise<Buffer> {
  const declared = header(res.headers, 'content-length');
  if (declared !== undefined && Number(declared) > limit) {
    res.body.destroy();
    throw new ProvenantError(codes.tooLarge, `${what} is ${declared} bytes, over the ${limit} byte limit`, { details: { limit, declared: Number(declared) } });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) {
        res.body.destroy();
        throw new ProvenantError(codes.tooLarge, `${what} is over the ${limit} byte limit`, { details: { limit } });
      }
      chunks.push(chunk);
    }
  } catch (err) {
    throw bodyError(err, what, codes.truncated);
  }
  return Buffer.concat(chunks, size);
}

/** Maps errors raised while reading a body (premature close, timeout) to a ProvenantError. */
export function bodyError(err: unknown, what: string, truncated: ProvenantErrorCode): ProvenantError {
  if (err instanceof ProvenantError) return err;
  const e = err as Error & { code?: string };
  return new ProvenantError(truncated, `${what}: the connection ended before the whole body arrived (${e.message})`, { cause: err });
}

/** Discards a response body so the socket can be reused. */
export function discard(res: HttpResponse): void {
  res.body.resume();
  res.body.on('error', () => undefined);
}
