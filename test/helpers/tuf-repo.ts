// A TUF repository written here (root, timestamp, snapshot, targets; ed25519 keys from node:crypto, signed
// over canonical JSON as the TUF spec says) and served over loopback HTTP, for `provenant trust update`.
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';

type Role = 'root' | 'targets' | 'snapshot' | 'timestamp';
const ROLES: readonly Role[] = ['root', 'targets', 'snapshot', 'timestamp'];

interface Key {
  id: string;
  privateKey: KeyObject;
  publicHex: string;
}

function newKey(): Key {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const publicHex = raw.toString('hex');
  const id = createHash('sha256').update(canonical({ keytype: 'ed25519', scheme: 'ed25519', keyval: { public: publicHex } })).digest('hex');
  return { id, privateKey, publicHex };
}

/** Canonical JSON for the values this helper writes (ASCII strings, integers, booleans, objects, arrays). */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

const inDays = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

export interface TufRepo {
  url: string;
  dir: string;
  /** root.json, version 1: what a client trusts first. */
  rootPath: string;
  /** Publishes targets with new timestamp/snapshot/targets versions (each call bumps them). */
  publish(targets: Record<string, Buffer>, opts?: { expiresInDays?: Partial<Record<Role, number>> }): Promise<void>;
  /** Overwrites a metadata file as served (tampering, rolling back). */
  write(name: string, data: string | Buffer): Promise<void>;
  read(name: string): Promise<string>;
  /** The versions last published. */
  versions: Record<Exclude<Role, 'root'>, number>;
  stop(): Promise<void>;
}

function signed(role: Role, body: Record<string, unknown>, keys: Key[]): string {
  const signedPart = { _type: role, spec_version: '1.0.31', ...body };
  const bytes = Buffer.from(canonical(signedPart));
  const signatures = keys.map((k) => ({ keyid: k.id, sig: sign(null, bytes, k.privateKey).toString('hex') }));
  return JSON.stringify({ signatures, signed: signedPart }, null, 1);
}

/** Builds a repository in `dir` (consistent snapshots, one key per role) and serves it on 127.0.0.1. */
export async function startTufRepo(dir: string): Promise<TufRepo> {
  await mkdir(join(dir, 'targets'), { recursive: true });
  const keys = Object.fromEntries(ROLES.map((r) => [r, newKey()])) as Record<Role, Key>;
  const rootBody = {
    version: 1,
    expires: inDays(365),
    consistent_snapshot: true,
    keys: Object.fromEntries(ROLES.map((r) => [keys[r].id, { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: keys[r].publicHex } }])),
    roles: Object.fromEntries(ROLES.map((r) => [r, { keyids: [keys[r].id], threshold: 1 }])),
  };
  const root = signed('root', rootBody, [keys.root]);
  await writeFile(join(dir, '1.root.json'), root);
  const rootPath = join(dir, 'root-initial.json');
  await writeFile(rootPath, root);

  const server: Server = createServer((req, res) => {
    const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/')).replace(/^\/+/, '');
    if (req.method !== 'GET' || path.startsWith('..')) {
      res.writeHead(400).end();
      return;
    }
    readFile(join(dir, path)).then(
      (body) => res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body),
      () => res.writeHead(404).end('not found'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('tuf repo: no TCP address');

  const repo: TufRepo = {
    url: `http://127.0.0.1:${addr.port}`,
    dir,
    rootPath,
    versions: { targets: 0, snapshot: 0, timestamp: 0 },
    async publish(targets, opts = {}) {
      const exp = (r: Role, d: number) => inDays(opts.expiresInDays?.[r] ?? d);
      const v = { targets: repo.versions.targets + 1, snapshot: repo.versions.snapshot + 1, timestamp: repo.versions.timestamp + 1 };
      const targetInfo: Record<string, unknown> = {};
      for (const [name, bytes] of Object.entries(targets)) {
        const hash = createHash('sha256').update(bytes).digest('hex');
        targetInfo[name] = { length: bytes.length, hashes: { sha256: hash } };
        const slash = name.lastIndexOf('/');
        const file = join(dir, 'targets', name.slice(0, slash + 1), `${hash}.${name.slice(slash + 1)}`);
        await mkdir(join(file, '..'), { recursive: true });
        await writeFile(file, bytes);
      }
      await writeFile(join(dir, `${v.targets}.targets.json`), signed('targets', { version: v.targets, expires: exp('targets', 90), targets: targetInfo }, [keys.targets]));
      await writeFile(join(dir, `${v.snapshot}.snapshot.json`), signed('snapshot', { version: v.snapshot, expires: exp('snapshot', 30), meta: { 'targets.json': { version: v.targets } } }, [keys.snapshot]));
      await writeFile(join(dir, 'timestamp.json'), signed('timestamp', { version: v.timestamp, expires: exp('timestamp', 7), meta: { 'snapshot.json': { version: v.snapshot } } }, [keys.timestamp]));
      repo.versions = v;
    },
    write: (name, data) => writeFile(join(dir, name), data),
    read: (name) => readFile(join(dir, name), 'utf8'),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return repo;
}
