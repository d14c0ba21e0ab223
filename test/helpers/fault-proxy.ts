// A loopback HTTP proxy in front of a real registry that misbehaves on demand: error statuses,
// 429 with Retry-After, stalls, truncated bodies, lying Content-Length, swapped or oversized bodies,
// redirect loops. Each request asks `fault(req)` what to do; undefined forwards it untouched.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Fault =
  /** Answer with this status (and headers/body) instead of forwarding. */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  /** Never answer (the client's idle timeout must fire). */
  | { kind: 'stall' }
  /** Forward, send the headers and `afterBytes` of the body, then go silent. */
  | { kind: 'stallBody'; afterBytes: number }
  /** Forward, send the headers (true Content-Length) and `afterBytes` of the body, then close. */
  | { kind: 'truncate'; afterBytes: number }
  /** Forward the real body but declare this Content-Length (shorter: extra bytes dropped; longer: then close). */
  | { kind: 'lieContentLength'; contentLength: number }
  /** Forward the status and headers but send this body instead (wrong digest, larger than declared). */
  | { kind: 'replaceBody'; body: (real: Buffer) => Buffer; chunked?: boolean; dropHeaders?: string[] }
  /** Forward, adding these response headers. */
  | { kind: 'addHeaders'; headers: Record<string, string> }
  /** Forward without the Range header (a server that always answers 200 with the whole body). */
  | { kind: 'ignoreRange' }
  /** Redirect to this location (relative locations to itself make a loop). */
  | { kind: 'redirect'; location: string; status?: number };

export interface SeenRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
}

export interface FaultProxy {
  /** `127.0.0.1:PORT` */
  host: string;
  requests: SeenRequest[];
  fault: (req: SeenRequest) => Fault | undefined;
  close(): Promise<void>;
}

/** Starts a proxy to `upstream` (`127.0.0.1:PORT`, plain HTTP). */
export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const [upHost, upPort] = upstream.split(':') as [string, string];
  const sockets = new Set<Socket>();
  const proxy: FaultProxy = {
    host: '',
    requests: [],
    fault: () => undefined,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };

  const forward = (req: IncomingMessage, body: Buffer, dropRange = false): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const headers = { ...req.headers, host: proxy.host };
      if (dropRange) delete headers.range;
      const up = http.request({ host: upHost, port: Number(upPort), method: req.method, path: req.url, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      up.on('error', reject);
      up.end(body);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const seen: SeenRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers };
    proxy.requests.push(seen);
    const fault = proxy.fault(seen);
    if (fault?.kind === 'stall') return;
    if (fault?.kind === 'status') {
      res.writeHead(fault.status, { 'content-type': 'application/json', ...(fault.headers ?? {}) });
      res.end(fault.body ?? JSON.stringify({ errors: [{ code: 'FAULT', message: `injected ${fault.status}` }] }));
      return;
    }
    if (fault?.kind === 'redirect') {
      res.writeHead(fault.status ?? 307, { location: fault.location, 'content-length': '0' });
      res.end();
      return;
    }
    const up = await forward(req, Buffer.concat(chunks), fault?.kind === 'ignoreRange');
    const headers: http.OutgoingHttpHeaders = { ...up.headers, ...(fault?.kind === 'addHeaders' ? fault.headers : {}) };
    delete headers['transfer-encoding'];
    delete headers.connection;
    let body = up.body;
    if (req.method === 'HEAD') {
      res.writeHead(up.status, headers);
      res.end();
      return;
    }
    if (fault?.kind === 'replaceBody') {
      body = fault.body(up.body);
      for (const h of fault.dropHeaders ?? []) delete headers[h.toLowerCase()];
      if (fault.chunked) delete headers['content-length'];
      else headers['content-length'] = String(body.length);
    }
    if (fault?.kind === 'lieContentLength') headers['content-length'] = String(fault.contentLength);
    else if (fault?.kind !== 'replaceBody' || !fault.chunked) headers['content-length'] = String(body.length);
    res.writeHead(up.status, headers);
    if (fault?.kind === 'truncate') {
      res.write(body.subarray(0, fault.afterBytes), () => res.destroy());
      return;
    }
    if (fault?.kind === 'stallBody') {
      res.write(body.subarray(0, fault.afterBytes));
      return;
    }
    if (fault?.kind === 'lieContentLength') {
      if (fault.contentLength <= body.length) {
        res.end(body.subarray(0, fault.contentLength));
        // Keep-alive clients would read the rest as the next response: close like a broken server.
        res.on('finish', () => res.socket?.destroy());
      } else res.write(body, () => res.destroy());
      return;
    }
    res.end(body);
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`fault proxy: ${err.message}`);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  proxy.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

/** A tiny loopback server with a fixed handler (a redirect target, a fake token service...). */
export async function startTinyServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ host: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = http.createServer(handler);
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
