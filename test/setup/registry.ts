// Real part: the CNCF distribution registry (Debian's /usr/bin/docker-registry) on loopback, three
// ways: plain HTTP, htpasswd basic auth, and TLS with a throwaway CA. Ports come from the registry's
// own `listening on` log line; storage lives in a temp dir; each is stopped by its pid.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, randomUUID, sign, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

export const REGISTRY_BIN = '/usr/bin/docker-registry';
const START_TIMEOUT_MS = 20_000;

export interface RegistryInstance {
  /** `127.0.0.1:PORT` */
  host: string;
  /** Where the registry stores blobs (tests may corrupt it on purpose). */
  dataDir: string;
}

export interface OciRegistries {
  plain: RegistryInstance;
  auth: RegistryInstance & {
    username: string;
    password: string;
    /** docker config.json with an `auths` entry for this host (skopeo --authfile, REGISTRY_AUTH_FILE). */
    authFile: string;
  };
  tls: RegistryInstance & {
    /** PEM of the throwaway CA that signed the server certificate (SAN IP:127.0.0.1). */
    caFile: string;
    /** Directory with ca.crt, for skopeo --cert-dir. */
    certDir: string;
  };
  /** TLS that requires a client certificate signed by the same CA (mutual TLS). */
  mtls: RegistryInstance & {
    caFile: string;
    clientCertFile: string;
    clientKeyFile: string;
    /** ca.crt + client.cert + client.key, for skopeo --cert-dir. */
    certDir: string;
  };
  /**
   * Bearer token auth: the registry answers 401 with a `Bearer realm=...` challenge naming a loopback
   * token service run here, which grants everything for username/password and only pull on
   * `public/*` repositories anonymously.
   */
  token: RegistryInstance & {
    username: string;
    password: string;
    realm: string;
    service: string;
    /** How many token requests the service has answered is at GET {realm}/stats. */
    statsUrl: string;
    /** An identity (refresh) token the service accepts in the OAuth2 refresh-token grant. */
    identityToken: string;
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    ociRegistries: OciRegistries;
  }
}

const USER = 'provenant';
const PASSWORD = 'provenant-test';

function run(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`registry setup: ${cmd} ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
  }
}

async function makeTls(dir: string): Promise<{ caFile: string; certFile: string; keyFile: string; certDir: string; clientCertFile: string; clientKeyFile: string; mtlsCertDir: string }> {
  const t = join(dir, 'tls');
  const certDir = join(dir, 'certs.d');
  await mkdir(t, { recursive: true });
  await mkdir(certDir, { recursive: true });
  const caFile = join(dir, 'ca.pem');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  run('openssl', ['req', '-x509', ...ec, '-days', '2', '-subj', '/CN=provenant test registry CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-keyout', join(t, 'ca-key.pem'), '-out', caFile]);
  run('openssl', ['req', '-new', ...ec, '-subj', '/CN=127.0.0.1', '-keyout', join(t, 'server-key.pem'), '-out', join(t, 'server.csr')]);
  await writeFile(join(t, 'server.ext'), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run('openssl', ['x509', '-req', '-in', join(t, 'server.csr'), '-CA', caFile, '-CAkey', join(t, 'ca-key.pem'), '-CAcreateserial', '-days', '2', '-extfile', join(t, 'server.ext'), '-out', join(t, 'server.pem')]);
  await writeFile(join(certDir, 'ca.crt'), await readFile(caFile));
  // A client certificate for the mutual-TLS instance, signed by the same CA.
  run('openssl', ['req', '-new', ...ec, '-subj', '/CN=provenant test client', '-keyout', join(t, 'client-key.pem'), '-out', join(t, 'client.csr')]);
  await writeFile(join(t, 'client.ext'), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
  run('openssl', ['x509', '-req', '-in', join(t, 'client.csr'), '-CA', caFile, '-CAkey', join(t, 'ca-key.pem'), '-CAcreateserial', '-days', '2', '-extfile', join(t, 'client.ext'), '-out', join(t, 'client.pem')]);
  const mtlsCertDir = join(dir, 'certs.d-mtls');
  await mkdir(mtlsCertDir, { recursive: true });
  await writeFile(join(mtlsCertDir, 'ca.crt'), await readFile(caFile));
  await writeFile(join(mtlsCertDir, 'client.cert'), await readFile(join(t, 'client.pem')));
  await writeFile(join(mtlsCertDir, 'client.key'), await readFile(join(t, 'client-key.pem')));
  return { caFile, certFile: join(t, 'server.pem'), keyFile: join(t, 'server-key.pem'), certDir, clientCertFile: join(t, 'client.pem'), clientKeyFile: join(t, 'client-key.pem'), mtlsCertDir };
}

function configYaml(dir: string, extra: string[]): string {
  return [
    'version: 0.1',
    'log: {level: info, formatter: text}',
    'storage:',
    `  filesystem: {rootdirectory: ${JSON.stringify(join(dir, 'data'))}}`,
    '  delete: {enabled: true}',
    '  maintenance: {uploadpurging: {enabled: false}}',
    'http:',
    '  addr: 127.0.0.1:0',
    '  secret: provenant-test-not-secret',
    ...extra,
    '',
  ].join('\n');
}

interface Started {
  child: ChildProcess;
  host: string;
}

/** Starts one registry and resolves with its host once `listening on` appears and /v2/ answers. */
async function startOne(dir: string, config: string, probe: (host: string) => Promise<number>): Promise<Started> {
  await mkdir(join(dir, 'data'), { recursive: true });
  const cfg = join(dir, 'config.yml');
  await writeFile(cfg, config);
  const child = spawn(REGISTRY_BIN, ['serve', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const host = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`registry setup: no "listening on" line within ${START_TIMEOUT_MS} ms; log:\n${log.slice(-2000)}`));
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      if (log.length < 64 * 1024) log += chunk.toString('utf8');
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(`127.0.0.1:${m[1]}`);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`registry setup: ${REGISTRY_BIN} exited with ${code} during start-up; log:\n${log.slice(-2000)}`));
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`registry setup: cannot start ${REGISTRY_BIN}: ${err.message}`));
    });
  });
  // Keep draining its output so the registry never blocks on a full pipe.
  child.stdout!.resume();
  child.stderr!.resume();
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const status = await probe(host).catch(() => 0);
    if (status === 200 || status === 401) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`registry setup: GET /v2/ on ${host} answered ${status}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, host };
}

function probeHttp(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(`http://${host}/v2/`, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.setTimeout(2000, () => req.destroy(new Error('timeout')));
  });
}

function probeHttps(ca: Buffer): (host: string) => Promise<number> {
  return (host) =>
    new Promise((resolve, reject) => {
      const req = https.get(`https://${host}/v2/`, { ca }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.setTimeout(2000, () => req.destroy(new Error('timeout')));
    });
}

const TOKEN_SERVICE = 'provenant-test-registry';
const TOKEN_ISSUER = 'provenant-test-token-issuer';
const REFRESH_TOKEN = 'provenant-test-refresh-token';

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/**
 * A token service as distribution's `auth: token` expects: ES256 JWTs whose x5c certificate is in
 * the registry's rootcertbundle, with `access` claims for the granted scopes.
 */
async function startTokenService(dir: string): Promise<{ server: http.Server; realm: string; certFile: string; stats: { tokens: number; basic: number; refresh: number } }> {
  await mkdir(dir, { recursive: true });
  const keyFile = join(dir, 'token-key.pem');
  const certFile = join(dir, 'token-cert.pem');
  run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=provenant test token signer', '-keyout', keyFile, '-out', certFile]);
  const key = createPrivateKey(await readFile(keyFile));
  const der = new X509Certificate(await readFile(certFile)).raw;
  const stats = { tokens: 0, basic: 0, refresh: 0 };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/stats') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(stats));
      return;
    }
    const authz = req.headers.authorization;
    let authed = false;
    if (req.method === 'POST') {
      // OAuth2 refresh-token grant (docker identity tokens): read the form, then answer like GET.
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const form = new URLSearchParams(Buffer.concat(chunks).toString());
        if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== REFRESH_TOKEN) {
          res.writeHead(401, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ details: 'bad refresh token' }));
          return;
        }
        stats.refresh++;
        const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
        const token = issue(true, scopes, form.get('service') ?? '');
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ access_token: token, expires_in: 300 }));
      });
      return;
    }
    if (authz?.startsWith('Basic ')) {
      const [u, p] = Buffer.from(authz.slice(6), 'base64').toString().split(':');
      if (u !== USER || p !== PASSWORD) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ details: 'wrong username or password' }));
        return;
      }
      authed = true;
      stats.basic++;
    }
    const token = issue(authed, url.searchParams.getAll('scope'), url.searchParams.get('service') ?? '');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token, expires_in: 300, issued_at: new Date().toISOString() }));
  });
  const issue = (authed: boolean, scopes: string[], service: string): string => {
    stats.tokens++;
    const access = scopes.flatMap((scope) => {
      const m = /^repository:([^:]+):(.+)$/.exec(scope);
      if (!m) return [];
      const actions = m[2]!.split(',').filter((a) => authed || (a === 'pull' && m[1]!.startsWith('public/')));
      return actions.length ? [{ type: 'repository', name: m[1]!, actions }] : [];
    });
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'ES256', x5c: [der.toString('base64')] };
    const claims = { iss: TOKEN_ISSUER, sub: authed ? USER : '', aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const sig = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
    return `${input}.${b64url(sig)}`;
  };
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return { server, realm: `http://127.0.0.1:${port}/token`, certFile, stats };
}

async function probeHttpsWithClientCert(host: string, ca: Buffer, certFile: string, keyFile: string): Promise<number> {
  const cert = await readFile(certFile);
  const key = await readFile(keyFile);
  return new Promise((resolve, reject) => {
    const req = https.get(`https://${host}/v2/`, { ca, cert, key }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.setTimeout(2000, () => req.destroy(new Error('timeout')));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  process.kill(child.pid, 'SIGTERM');
  const killed = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000))]);
  if (!killed && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
}

export async function startRegistries(project: TestProject): Promise<() => Promise<void>> {
  if (!existsSync(REGISTRY_BIN)) throw new Error(`registry setup: ${REGISTRY_BIN} is missing; install the docker-registry package (scripts/install-test-deps.sh)`);
  const root = await mkdtemp(join(tmpdir(), 'provenant-registries-'));
  const started: Started[] = [];
  // If the run ends without teardown (an interrupted vitest), still stop exactly our registries.
  const killOnExit = (): void => {
    for (const s of started) if (s.child.exitCode === null && s.child.pid !== undefined) process.kill(s.child.pid, 'SIGKILL');
  };
  process.once('exit', killOnExit);
  let tokenService: Awaited<ReturnType<typeof startTokenService>> | undefined;
  const closeTokenService = async (): Promise<void> => {
    if (!tokenService) return;
    tokenService.server.closeAllConnections();
    await new Promise<void>((r) => tokenService!.server.close(() => r()));
  };
  try {
    const plainDir = join(root, 'plain');
    const plain = await startOne(plainDir, configYaml(plainDir, []), probeHttp);
    started.push(plain);

    const authDir = join(root, 'auth');
    await mkdir(authDir, { recursive: true });
    const htpasswd = run('htpasswd', ['-Bbn', USER, PASSWORD]).split('\n').filter(Boolean).join('\n') + '\n';
    await writeFile(join(authDir, 'htpasswd'), htpasswd);
    const auth = await startOne(authDir, configYaml(authDir, ['auth:', `  htpasswd: {realm: provenant-test, path: ${JSON.stringify(join(authDir, 'htpasswd'))}}`]), probeHttp);
    started.push(auth);
    const authFile = join(authDir, 'auth.json');
    await writeFile(authFile, JSON.stringify({ auths: { [auth.host]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') } } }));

    const tlsDir = join(root, 'tls');
    const tls = await makeTls(tlsDir);
    const tlsReg = await startOne(tlsDir, configYaml(tlsDir, [`  tls: {certificate: ${JSON.stringify(tls.certFile)}, key: ${JSON.stringify(tls.keyFile)}}`]), probeHttps(await readFile(tls.caFile)));
    started.push(tlsReg);

    const mtlsDir = join(root, 'mtls');
    const clientCa = await readFile(tls.caFile);
    const mtlsReg = await startOne(
      mtlsDir,
      configYaml(mtlsDir, [`  tls: {certificate: ${JSON.stringify(tls.certFile)}, key: ${JSON.stringify(tls.keyFile)}, clientcas: [${JSON.stringify(tls.caFile)}]}`]),
      (host) => probeHttpsWithClientCert(host, clientCa, tls.clientCertFile, tls.clientKeyFile),
    );
    started.push(mtlsReg);

    const tokenDir = join(root, 'token');
    tokenService = await startTokenService(tokenDir);
    const tokenReg = await startOne(
      tokenDir,
      configYaml(tokenDir, [
        'auth:',
        `  token: {realm: ${JSON.stringify(tokenService.realm)}, service: ${TOKEN_SERVICE}, issuer: ${TOKEN_ISSUER}, rootcertbundle: ${JSON.stringify(tokenService.certFile)}}`,
      ]),
      probeHttp,
    );
    started.push(tokenReg);

    project.provide('ociRegistries', {
      plain: { host: plain.host, dataDir: join(plainDir, 'data') },
      auth: { host: auth.host, dataDir: join(authDir, 'data'), username: USER, password: PASSWORD, authFile },
      tls: { host: tlsReg.host, dataDir: join(tlsDir, 'data'), caFile: tls.caFile, certDir: tls.certDir },
      mtls: { host: mtlsReg.host, dataDir: join(mtlsDir, 'data'), caFile: tls.caFile, clientCertFile: tls.clientCertFile, clientKeyFile: tls.clientKeyFile, certDir: tls.mtlsCertDir },
      token: {
        host: tokenReg.host,
        dataDir: join(tokenDir, 'data'),
        username: USER,
        password: PASSWORD,
        realm: tokenService.realm,
        service: TOKEN_SERVICE,
        statsUrl: tokenService.realm.replace(/\/token$/, '/stats'),
        identityToken: REFRESH_TOKEN,
      },
    });
  } catch (err) {
    for (const s of started) await stop(s.child);
    await closeTokenService();
    await rm(root, { recursive: true, force: true });
    throw err;
  }
  return async () => {
    process.removeListener('exit', killOnExit);
    for (const s of started) await stop(s.child);
    await closeTokenService();
    await rm(root, { recursive: true, force: true });
  };
}
