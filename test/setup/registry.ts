// Real part: the CNCF distribution registry (Debian's /usr/bin/docker-registry) on loopback, three
// ways: plain HTTP, htpasswd basic auth, and TLS with a throwaway CA. Ports come from the registry's
// own `listening on` log line; storage lives in a temp dir; each is stopped by its pid.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
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

async function makeTls(dir: string): Promise<{ caFile: string; certFile: string; keyFile: string; certDir: string }> {
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
  return { caFile, certFile: join(t, 'server.pem'), keyFile: join(t, 'server-key.pem'), certDir };
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

    project.provide('ociRegistries', {
      plain: { host: plain.host, dataDir: join(plainDir, 'data') },
      auth: { host: auth.host, dataDir: join(authDir, 'data'), username: USER, password: PASSWORD, authFile },
      tls: { host: tlsReg.host, dataDir: join(tlsDir, 'data'), caFile: tls.caFile, certDir: tls.certDir },
    });
  } catch (err) {
    for (const s of started) await stop(s.child);
    await rm(root, { recursive: true, force: true });
    throw err;
  }
  return async () => {
    for (const s of started) await stop(s.child);
    await rm(root, { recursive: true, force: true });
  };
}
