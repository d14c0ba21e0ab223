// certs.d directories, as docker, podman and skopeo read them, against the suite's TLS and mutual-TLS
// registries (their CA is in no trust store; the mTLS one refuses a connection without a client
// certificate): from the library (certsDirs) and from the CLI (PROVENANT_REGISTRY_CERTS_D).
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { rootCertificates } from 'node:tls';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { defaultCertsDirs, RegistryClient, staticCredentials, type RepositoryRef } from '@provenant/core/oci';
import { codeOf } from '../helpers/errors.js';

const regs = inject('ociRegistries');
const tmp = mkdtempSync(join(tmpdir(), 'provenant-certs-d-'));
const clients: RegistryClient[] = [];
afterAll(() => {
  for (const c of clients) c.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** A certs.d root with a directory for `host` holding the given files (name -> source file or text). */
function certsRoot(name: string, host: string, files: Record<string, string>): string {
  const root = join(tmp, name);
  mkdirSync(join(root, host), { recursive: true });
  for (const [file, from] of Object.entries(files)) {
    if (from.startsWith('/')) copyFileSync(from, join(root, host, file));
    else writeFileSync(join(root, host, file), from);
  }
  return root;
}

const client = (certsDirs: string[]): RegistryClient => {
  const c = new RegistryClient({ retries: 0, certsDirs, credentials: staticCredentials({}) });
  clients.push(c);
  return c;
};
/** What a promise rejected with (undefined when it resolved). */
const failure = (p: Promise<unknown>): Promise<(Error & { code?: string }) | undefined> =>
  p.then(
    () => undefined,
    (e: unknown) => e as Error & { code?: string },
  );
const missing = (host: string): RepositoryRef & { tag: string; digest: undefined } => ({ registry: host, repository: 'certs-d/none', tag: 'v1', digest: undefined });

describe('certs.d for a registry', () => {
  it('gives its CA to that registry: found where TLS was refused without it', async () => {
    expect(await codeOf(client([]).getManifest(missing(regs.tls.host)))).toBe('TLS_ERROR');
    const root = certsRoot('tls', regs.tls.host, { 'ca.crt': regs.tls.caFile });
    expect(await codeOf(client([root]).getManifest(missing(regs.tls.host)))).toBe('MANIFEST_UNKNOWN');
  });

  it('gives a client certificate and key (mutual TLS), and reads the first root that has the registry', async () => {
    const full = { 'ca.crt': regs.mtls.caFile, 'client.cert': regs.mtls.clientCertFile, 'client.key': regs.mtls.clientKeyFile };
    const caOnly = certsRoot('mtls-ca-only', regs.mtls.host, { 'ca.crt': regs.mtls.caFile });
    expect(await codeOf(client([caOnly]).getManifest(missing(regs.mtls.host)))).toBe('TLS_ERROR');
    const root = certsRoot('mtls', regs.mtls.host, full);
    const empty = join(tmp, 'empty-root');
    mkdirSync(empty, { recursive: true });
    expect(await codeOf(client([empty, join(tmp, 'no-such-root'), root]).getManifest(missing(regs.mtls.host)))).toBe('MANIFEST_UNKNOWN');
    // The first root with the registry's directory is the one read, as docker does: not merged.
    expect(await codeOf(client([caOnly, root]).getManifest(missing(regs.mtls.host)))).toBe('TLS_ERROR');
  });

  it('does not apply to another registry', async () => {
    const root = certsRoot('other', '127.0.0.1:1', { 'ca.crt': regs.tls.caFile });
    expect(await codeOf(client([root]).getManifest(missing(regs.tls.host)))).toBe('TLS_ERROR');
  });

  it('refuses a client certificate without its key, and a key that is not the certificate\'s, naming the directory', async () => {
    const lone = certsRoot('lone', regs.mtls.host, { 'ca.crt': regs.mtls.caFile, 'client.cert': regs.mtls.clientCertFile });
    const lonely = await failure(client([lone]).getManifest(missing(regs.mtls.host)));
    expect(lonely?.code).toBe('INVALID_ARGUMENT');
    expect(lonely?.message).toContain(join(lone, regs.mtls.host, 'client.cert'));
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const wrong = certsRoot('wrong-key', regs.mtls.host, { 'ca.crt': regs.mtls.caFile, 'client.cert': regs.mtls.clientCertFile, 'client.key': otherKey });
    const mismatch = await failure(client([wrong]).getManifest(missing(regs.mtls.host)));
    expect(mismatch?.code).toBe('INVALID_ARGUMENT');
    expect(mismatch?.message).toContain(join(wrong, regs.mtls.host));
  });

  it('defaults to PROVENANT_REGISTRY_CERTS_D, else the per-user and system directories docker and podman read', () => {
    expect(defaultCertsDirs({ PROVENANT_REGISTRY_CERTS_D: '/a:/b' })).toEqual(['/a', '/b']);
    expect(defaultCertsDirs({ HOME: '/home/u' })).toEqual(['/home/u/.config/containers/certs.d', '/etc/containers/certs.d', '/etc/docker/certs.d']);
  });
});

describe('certs.d from the CLI', () => {
  const BIN = resolve(import.meta.dirname, '../../packages/cli/bin/provenant.cjs');
  const pub = join(tmp, 'key.pub');
  writeFileSync(pub, generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }));
  /** `provenant verify-image` of a tag the mTLS registry lacks: MANIFEST_UNKNOWN once TLS works. */
  const run = (certsD: string, extraCa?: string): string => {
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, PROVENANT_REGISTRY_CERTS_D: certsD };
    delete env.NODE_EXTRA_CA_CERTS;
    if (extraCa !== undefined) env.NODE_EXTRA_CA_CERTS = extraCa;
    const args = ['verify-image', `${regs.mtls.host}/certs-d/none:v1`, '--key', pub, '--json'];
    const r = spawnSync(BIN, args, { encoding: 'utf8', env });
    return (JSON.parse(r.stdout) as { error?: { code: string } }).error?.code ?? '(none)';
  };

  it('provenant reaches a mutual-TLS registry through PROVENANT_REGISTRY_CERTS_D', () => {
    const root = certsRoot('cli', regs.mtls.host, { 'ca.crt': regs.mtls.caFile, 'client.cert': regs.mtls.clientCertFile, 'client.key': regs.mtls.clientKeyFile });
    expect(run('')).toBe('TLS_ERROR');
    expect(run(root)).toBe('MANIFEST_UNKNOWN');
  });

  it('a directory with only a client pair keeps the default roots, NODE_EXTRA_CA_CERTS included', () => {
    const root = certsRoot('cli-pair-only', regs.mtls.host, { 'client.cert': regs.mtls.clientCertFile, 'client.key': regs.mtls.clientKeyFile });
    expect(run(root)).toBe('TLS_ERROR');
    expect(run(root, regs.mtls.caFile)).toBe('MANIFEST_UNKNOWN');
  });

  it('a CA in the directory is added to the default roots: NODE_EXTRA_CA_CERTS still counts for that registry', () => {
    // A CA that did not sign the registry's certificate (a public root), so only NODE_EXTRA_CA_CERTS can make TLS work.
    const root = certsRoot('cli-unrelated-ca', regs.mtls.host, { 'other.crt': rootCertificates[0]!, 'client.cert': regs.mtls.clientCertFile, 'client.key': regs.mtls.clientKeyFile });
    expect(run(root)).toBe('TLS_ERROR');
    expect(run(root, regs.mtls.caFile)).toBe('MANIFEST_UNKNOWN');
  });
});
