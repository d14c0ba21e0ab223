// The auth chain against real registries: htpasswd basic auth, bearer tokens from a token service
// (distribution's `auth: token`), TLS with a private CA; credentials from options, env, docker
// config files (`auths`, `credHelpers`, `credsStore` with a fake docker-credential helper).
import { generateKeyPairSync } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ProvenantError } from '@provenant/core/errors';
import { copyImage, createClient, defaultCredentials, RegistryClient, runCredentialHelper, staticCredentials, type RegistryClientOptions, type RepositoryRef } from '@provenant/core/oci';
import { makeImage, sha256 } from './fixtures.js';
import { codeOf } from '../helpers/errors.js';

const regs = inject('ociRegistries');
let dir: string;
const clients: RegistryClient[] = [];
const track = (c: RegistryClient): RegistryClient => (clients.push(c), c);

async function roundTrip(client: RegistryClient, repo: RepositoryRef): Promise<void> {
  const img = makeImage();
  await client.pushBlob(repo, img.config);
  await client.pushBlob(repo, img.layers[0]!);
  await client.putManifest({ ...repo, tag: 'v1', digest: undefined }, img.manifest);
  const back = await client.getManifest({ ...repo, tag: 'v1', digest: undefined });
  expect(back.digest).toBe(img.digest);
  expect((await client.getBlob(repo, { digest: sha256(img.config) })).equals(img.config)).toBe(true);
}

/** A docker-credential-<name> program that answers `get` from a fixed table and logs what it was asked. */
async function fakeHelper(name: string, table: Record<string, { Username: string; Secret: string }>): Promise<string> {
  const bin = join(dir, 'bin');
  await mkdir(bin, { recursive: true });
  const path = join(bin, `docker-credential-${name}`);
  const script = `#!/bin/sh
[ "$1" = get ] || { echo "unsupported: $1" >&2; exit 1; }
read -r server
echo "$server" >> "${join(dir, `${name}.log`)}"
case "$server" in
${Object.entries(table)
  .map(([server, v]) => `  ${JSON.stringify(server)}) printf '%s' ${JSON.stringify(JSON.stringify({ ServerURL: server, ...v }))} ;;`)
  .join('\n')}
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`;
  await writeFile(path, script);
  await chmod(path, 0o755);
  return bin;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'provenant-oci-auth-'));
});
afterAll(async () => {
  for (const c of clients) c.close();
  await rm(dir, { recursive: true, force: true });
});

const base: RegistryClientOptions = { retries: 0 };

describe('basic auth (htpasswd registry)', () => {
  const repo = (name: string): RepositoryRef => ({ registry: regs.auth.host, repository: `auth/${name}-${process.pid}` });

  it('anonymous is REGISTRY_UNAUTHORIZED; wrong password too', async () => {
    const anon = track(new RegistryClient({ ...base, credentials: staticCredentials({}) }));
    expect(await codeOf(anon.getManifest({ ...repo('anon'), tag: 'v1', digest: undefined }))).toBe('REGISTRY_UNAUTHORIZED');
    const wrong = track(new RegistryClient({ ...base, credentials: staticCredentials({ [regs.auth.host]: { kind: 'basic', username: regs.auth.username, password: 'wrong' } }) }));
    expect(await codeOf(wrong.pushBlob(repo('wrong'), Buffer.from('x')))).toBe('REGISTRY_UNAUTHORIZED');
  });

  it('explicit credentials push and pull', async () => {
    const c = track(new RegistryClient({ ...base, credentials: staticCredentials({ [regs.auth.host]: { kind: 'basic', username: regs.auth.username, password: regs.auth.password } }) }));
    await roundTrip(c, repo('explicit'));
  });

  it('a docker auth file (auths base64 entry) via createClient({ authFile }) and REGISTRY_AUTH_FILE', async () => {
    const c = track(await createClient({ ...base, authFile: regs.auth.authFile }));
    await roundTrip(c, repo('authfile'));
    const env = { HOME: dir, REGISTRY_AUTH_FILE: regs.auth.authFile, PATH: process.env.PATH };
    const c2 = track(new RegistryClient({ ...base, credentials: defaultCredentials({ env }) }));
    await roundTrip(c2, repo('registry-auth-file'));
  });

  it('PROVENANT_REGISTRY_USERNAME/PASSWORD from the environment, limited by PROVENANT_REGISTRY_HOST', async () => {
    const env = { HOME: dir, PROVENANT_REGISTRY_USERNAME: regs.auth.username, PROVENANT_REGISTRY_PASSWORD: regs.auth.password };
    await roundTrip(track(new RegistryClient({ ...base, credentials: defaultCredentials({ env }) })), repo('env'));
    const elsewhere = track(new RegistryClient({ ...base, credentials: defaultCredentials({ env: { ...env, PROVENANT_REGISTRY_HOST: 'registry.example.test' } }) }));
    expect(await codeOf(elsewhere.headBlob(repo('env'), sha256(Buffer.from('x'))))).toBe('REGISTRY_UNAUTHORIZED');
  });

  it('credHelpers and credsStore run docker-credential-<name> get', async () => {
    const bin = await fakeHelper('provtest', { [regs.auth.host]: { Username: regs.auth.username, Secret: regs.auth.password } });
    const cfgDir = join(dir, 'docker-helpers');
    await mkdir(cfgDir, { recursive: true });
    await writeFile(join(cfgDir, 'config.json'), JSON.stringify({ credHelpers: { [regs.auth.host]: 'provtest' } }));
    const env = { HOME: dir, DOCKER_CONFIG: cfgDir, PATH: `${bin}:${process.env.PATH ?? ''}` };
    await roundTrip(track(new RegistryClient({ ...base, credentials: defaultCredentials({ env }) })), repo('helper'));
    expect((await readFile(join(dir, 'provtest.log'), 'utf8')).trim().split('\n')).toContain(regs.auth.host);

    const storeDir = join(dir, 'docker-store');
    await mkdir(storeDir, { recursive: true });
    await writeFile(join(storeDir, 'config.json'), JSON.stringify({ credsStore: 'provtest', auths: { 'other.example.test': {} } }));
    await roundTrip(track(new RegistryClient({ ...base, credentials: defaultCredentials({ env: { ...env, DOCKER_CONFIG: storeDir } }) })), repo('store'));

    // A helper without an entry means anonymous; a missing helper program is CREDENTIALS_ERROR.
    expect(await runCredentialHelper('provtest', 'registry.example.test', { env })).toBeUndefined();
    expect(await codeOf(runCredentialHelper('provenant-no-such-helper', regs.auth.host, { env }))).toBe('CREDENTIALS_ERROR');
    const helperToken = await fakeHelper('provtoken', { 'registry.example.test': { Username: '<token>', Secret: 'refresh-me' } });
    expect(await runCredentialHelper('provtoken', 'registry.example.test', { env: { PATH: `${helperToken}:${process.env.PATH ?? ''}` } })).toEqual({ kind: 'identityToken', token: 'refresh-me' });
  });

  it('a malformed config file is CREDENTIALS_ERROR, not silently anonymous', async () => {
    const bad = join(dir, 'bad-config');
    await mkdir(bad, { recursive: true });
    await writeFile(join(bad, 'config.json'), '{"auths": {"x": {"auth": 5}}}');
    const c = track(new RegistryClient({ ...base, credentials: defaultCredentials({ env: { HOME: dir, DOCKER_CONFIG: bad } }) }));
    expect(await codeOf(c.headBlob(repo('bad'), sha256(Buffer.from('x'))))).toBe('CREDENTIALS_ERROR');
  });
});

describe('bearer token challenge (distribution token auth)', () => {
  const repo = (name: string): RepositoryRef => ({ registry: regs.token.host, repository: `private/${name}-${process.pid}` });
  const stats = async (): Promise<{ tokens: number; basic: number }> => (await (await fetch(regs.token.statsUrl)).json()) as { tokens: number; basic: number };

  it('gets tokens with basic credentials, caches them per scope', async () => {
    const c = track(new RegistryClient({ ...base, credentials: staticCredentials({ [regs.token.host]: { kind: 'basic', username: regs.token.username, password: regs.token.password } }) }));
    const before = await stats();
    await roundTrip(c, repo('bearer'));
    const after = await stats();
    // Tokens for `pull` and for `pull,push` on the repository, each fetched once and reused.
    expect(after.basic - before.basic).toBeGreaterThanOrEqual(1);
    expect(after.tokens - before.tokens).toBeGreaterThanOrEqual(1);
    expect(after.tokens - before.tokens).toBeLessThanOrEqual(2);
    await c.getManifest({ ...repo('bearer'), tag: 'v1', digest: undefined });
    expect((await stats()).tokens - after.tokens).toBe(0);
  });

  it('anonymous tokens pull public repositories; private ones are REGISTRY_UNAUTHORIZED', async () => {
    const creds = staticCredentials({ [regs.token.host]: { kind: 'basic', username: regs.token.username, password: regs.token.password } });
    const writer = track(new RegistryClient({ ...base, credentials: creds }));
    const pub: RepositoryRef = { registry: regs.token.host, repository: `public/app-${process.pid}` };
    await roundTrip(writer, pub);
    const anon = track(new RegistryClient({ ...base, credentials: staticCredentials({}) }));
    expect((await anon.getManifest({ ...pub, tag: 'v1', digest: undefined })).mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(await codeOf(anon.pushBlob(pub, Buffer.from('nope')))).toMatch(/^REGISTRY_(UNAUTHORIZED|DENIED)$/);
    expect(await codeOf(anon.getManifest({ ...repo('bearer'), tag: 'v1', digest: undefined }))).toMatch(/^REGISTRY_(UNAUTHORIZED|DENIED)$/);
  });

  it('a token service refusing the credentials is REGISTRY_UNAUTHORIZED', async () => {
    const c = track(new RegistryClient({ ...base, credentials: staticCredentials({ [regs.token.host]: { kind: 'basic', username: regs.token.username, password: 'wrong' } }) }));
    expect(await codeOf(c.getManifest({ ...repo('bearer'), tag: 'v1', digest: undefined }))).toBe('REGISTRY_UNAUTHORIZED');
  });

  it('an identity token is exchanged with the OAuth2 refresh-token grant; a registry token is used as is', async () => {
    const before = (await (await fetch(regs.token.statsUrl)).json()) as { refresh: number };
    const c = track(new RegistryClient({ ...base, credentials: staticCredentials({ [regs.token.host]: { kind: 'identityToken', token: regs.token.identityToken } }) }));
    await roundTrip(c, repo('identity'));
    const after = (await (await fetch(regs.token.statsUrl)).json()) as { refresh: number };
    expect(after.refresh).toBeGreaterThan(before.refresh);
    const bad = track(new RegistryClient({ ...base, credentials: staticCredentials({ [regs.token.host]: { kind: 'identityToken', token: 'wrong' } }) }));
    expect(await codeOf(bad.getManifest({ ...repo('identity'), tag: 'v1', digest: undefined }))).toBe('REGISTRY_UNAUTHORIZED');
    // A bearer token obtained elsewhere (registrytoken in a docker config) goes straight to the registry.
    const basic = `Basic ${Buffer.from(`${regs.token.username}:${regs.token.password}`).toString('base64')}`;
    const scope = `repository:${repo('identity').repository}:pull`;
    const res = await fetch(`${regs.token.realm}?service=${regs.token.service}&scope=${encodeURIComponent(scope)}`, { headers: { authorization: basic } });
    const { token } = (await res.json()) as { token: string };
    const direct = track(new RegistryClient({ ...base, credentials: staticCredentials({ [regs.token.host]: { kind: 'registryToken', token } }) }));
    expect((await direct.getManifest({ ...repo('identity'), tag: 'v1', digest: undefined })).parsed.kind).toBe('manifest');
  });

  it('mounts across repositories with a token for both scopes', async () => {
    const c = track(new RegistryClient({ ...base, credentials: staticCredentials({ [regs.token.host]: { kind: 'basic', username: regs.token.username, password: regs.token.password } }) }));
    const a = repo('mount-a');
    const b = repo('mount-b');
    const data = Buffer.from(`mount me ${process.pid}`);
    await c.pushBlob(a, data);
    expect((await c.pushBlob(b, data, { mountFrom: a.repository })).mounted).toBe(true);
  });
});

describe('TLS with a private CA', () => {
  const repo: RepositoryRef = { registry: regs.tls.host, repository: `tls/app-${process.pid}` };

  it('without the CA the connection is TLS_ERROR (and never downgraded to plain http)', async () => {
    const c = track(new RegistryClient({ ...base, credentials: staticCredentials({}) }));
    expect(await codeOf(c.getManifest({ ...repo, tag: 'v1', digest: undefined }))).toBe('TLS_ERROR');
  });

  it('with caFile it works', async () => {
    const c = track(await createClient({ ...base, caFile: regs.tls.caFile, credentials: staticCredentials({}) }));
    await roundTrip(c, repo);
  });

  it('insecure (plain http) against a TLS registry fails rather than hangs', async () => {
    const c = track(new RegistryClient({ ...base, insecure: true, idleTimeoutMs: 2000, credentials: staticCredentials({}) }));
    expect(await codeOf(c.getManifest({ ...repo, tag: 'v1', digest: undefined }))).toMatch(/^(REGISTRY_PROTOCOL_ERROR|REGISTRY_UNREACHABLE|TIMEOUT)$/);
  });

  it('createClient reports unreadable CA files and half client-cert pairs', async () => {
    expect(await codeOf(createClient({ caFile: join(dir, 'missing.pem') }))).toBe('FILE_UNREADABLE');
    expect(await codeOf(createClient({ certFile: regs.tls.caFile }))).toBe('INVALID_ARGUMENT');
  });
});

describe('mutual TLS (client certificate required)', () => {
  const repo: RepositoryRef = { registry: regs.mtls.host, repository: `mtls/app-${process.pid}` };

  it('without a client certificate the registry refuses the connection', async () => {
    const c = track(await createClient({ ...base, caFile: regs.mtls.caFile, credentials: staticCredentials({}) }));
    expect(await codeOf(c.getManifest({ ...repo, tag: 'v1', digest: undefined }))).toBe('TLS_ERROR');
  });

  it('with certFile/keyFile it works', async () => {
    const c = track(await createClient({ ...base, caFile: regs.mtls.caFile, certFile: regs.mtls.clientCertFile, keyFile: regs.mtls.clientKeyFile, credentials: staticCredentials({}) }));
    await roundTrip(c, repo);
  });

  it('a key that is not the certificate\'s is INVALID_ARGUMENT at the first request, naming the TLS settings, not a TLS_ERROR', async () => {
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    const c = track(new RegistryClient({ ...base, ca: await readFile(regs.mtls.caFile), cert: await readFile(regs.mtls.clientCertFile), key: otherKey, credentials: staticCredentials({}) }));
    const err = await c.getManifest({ ...repo, tag: 'v1', digest: undefined }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProvenantError);
    expect((err as ProvenantError).code).toBe('INVALID_ARGUMENT');
    expect((err as ProvenantError).message).toMatch(/TLS settings .* unusable/);
  });
});

describe('copy between authenticated registries', () => {
  it('copies an image with its referrers from the basic-auth registry to the bearer-token registry with one client', async () => {
    const c = track(
      new RegistryClient({
        ...base,
        credentials: staticCredentials({
          [regs.auth.host]: { kind: 'basic', username: regs.auth.username, password: regs.auth.password },
          [regs.token.host]: { kind: 'basic', username: regs.token.username, password: regs.token.password },
        }),
      }),
    );
    const src: RepositoryRef = { registry: regs.auth.host, repository: `copy/src-${process.pid}` };
    await roundTrip(c, src);
    const m = await c.getManifest({ ...src, tag: 'v1', digest: undefined });
    const empty = Buffer.from('{}');
    const payload = Buffer.from('attestation');
    await c.pushBlob(src, empty);
    await c.pushBlob(src, payload);
    const referrer = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        artifactType: 'application/vnd.example.att',
        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(empty), size: 2 },
        layers: [{ mediaType: 'application/octet-stream', digest: sha256(payload), size: payload.length }],
        subject: m.descriptor,
      }),
    );
    await c.putManifest({ ...src, tag: undefined, digest: sha256(referrer) }, referrer);
    const dst = `${regs.token.host}/copy/dst-${process.pid}:v1`;
    const result = await copyImage(c, { ...src, tag: 'v1', digest: undefined }, dst);
    expect(result.digest).toBe(m.digest);
    expect(result.referrers).toEqual([sha256(referrer)]);
    expect(result.blobs.copied).toBe(4);
    expect((await c.resolve(dst)).digest).toBe(m.digest);
    const dstRepo: RepositoryRef = { registry: regs.token.host, repository: `copy/dst-${process.pid}` };
    expect((await c.listReferrers(dstRepo, m.digest, { artifactType: 'application/vnd.example.att' })).map((d) => d.digest)).toEqual([sha256(referrer)]);
  });
});
