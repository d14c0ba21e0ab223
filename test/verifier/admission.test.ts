import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { main } from '@provenant/cli';
import { RegistryClient } from '@provenant/core/oci';
import { loadPolicyText, serveAdmission, type AdmissionServer } from '@provenant/verifier';
import { attestationBundle, makeKey, statement, tempDir } from './helpers.js';
import { attach, pushImage, pushLegacySignature, uniqueRepo } from './images.js';

const key = makeKey();
const SLSA = 'https://slsa.dev/provenance/v1';
const indent = (s: string, n: number) => s.trim().split('\n').map((l) => ' '.repeat(n) + l).join('\n');
const policyText = `apiVersion: provenant.dev/v1
kind: Policy
metadata: { name: cluster }
spec:
  images: ["127.0.0.1:*/verifier-*/**"]
  authorities:
    - name: release-key
      key:
        pem: |
${indent(key.publicKeyPem, 10)}
      ignoreTlog: true
  attestations:
    - name: provenance
      predicateType: ${SLSA}
      conditions:
        - cel: "predicate.runDetails.builder.id == 'https://ci.example.test/builder'"
`;

/** A throwaway CA and a server certificate for 127.0.0.1, made by openssl. */
function makeTls(dir: string): { ca: Buffer; cert: Buffer; key: Buffer; certPath: string; keyPath: string } {
  const o = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  o('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=provenant test CA');
  o('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=provenant-admission');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  o('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext');
  return { ca: readFileSync(join(dir, 'ca.pem')), cert: readFileSync(join(dir, 'server.pem')), key: readFileSync(join(dir, 'server.key')), certPath: join(dir, 'server.pem'), keyPath: join(dir, 'server.key') };
}

interface ReviewReply {
  response: { uid: string; allowed: boolean; status: { code: number; message: string } };
}

function post(url: string, ca: Buffer, body: unknown): Promise<{ status: number; json: ReviewReply }> {
  return new Promise((resolve, reject) => {
    const req = request(url + '/validate', { method: 'POST', ca, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as ReviewReply }));
    });
    req.on('error', reject);
    req.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
}

function review(kind: string, object: unknown, uid = 'uid-1') {
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid, kind: { group: kind === 'Pod' ? '' : 'apps', version: 'v1', kind }, operation: 'CREATE', namespace: 'default', object } };
}
const pod = (...images: string[]) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: images.map((image, i) => ({ name: `c${i}`, image })) } });

const host = inject('ociRegistries').plain.host;
let tls: ReturnType<typeof makeTls>;
let server: AdmissionServer;
let good: string;
let bad: string;
let dir: string;

beforeAll(async () => {
  dir = tempDir();
  tls = makeTls(dir);
  const client = new RegistryClient();
  const refs: string[] = [];
  for (const builder of ['https://ci.example.test/builder', 'https://attacker.example.test/builder']) {
    const repository = uniqueRepo('team');
    const image = await pushImage(client, host, repository, 'v1');
    await pushLegacySignature(client, image, `${host}/${repository}:v1`, key);
    await attach(client, image, (await attestationBundle(key, statement(image.digest, SLSA, { buildDefinition: { buildType: 'https://ci.example.test/b', externalParameters: {} }, runDetails: { builder: { id: builder } } }))).bundle as object);
    refs.push(`${host}/${repository}:v1`);
  }
  [good, bad] = refs as [string, string];
  server = await serveAdmission(await loadPolicyText(policyText), { tlsCert: tls.cert, tlsKey: tls.key, port: 0 });
});

afterAll(async () => {
  await server?.close();
});

describe('admission webhook over real TLS', () => {
  it('admits a Pod whose image is signed and attested', async () => {
    const r = await post(server.url, tls.ca, review('Pod', pod(good)));
    expect(r.status).toBe(200);
    expect(r.json.response.uid).toBe('uid-1');
    expect(r.json.response.allowed, JSON.stringify(r.json)).toBe(true);
    expect(r.json.response.status.message).toMatch(/@sha256:[0-9a-f]{64}/);
  });

  it('denies a Deployment when any container image fails, naming it', async () => {
    const deployment = { kind: 'Deployment', spec: { template: { spec: { initContainers: [{ name: 'i', image: good }], containers: [{ name: 'c', image: bad }] } } } };
    const r = await post(server.url, tls.ca, review('Deployment', deployment, 'uid-2'));
    expect(r.json.response.allowed).toBe(false);
    expect(r.json.response.status.code).toBe(403);
    expect(r.json.response.status.message).toContain(bad);
  });

  it('denies an image whose registry cannot be reached, with the reason', async () => {
    const r = await post(server.url, tls.ca, review('Pod', pod('127.0.0.1:1/none/app:v1')));
    expect(r.json.response.allowed).toBe(false);
    expect(r.json.response.status.message).toContain('REGISTRY_UNREACHABLE');
  });

  it('denies an image no policy matches (noMatch deny)', async () => {
    const r = await post(server.url, tls.ca, review('Pod', pod('registry.example.test/app@sha256:' + '0'.repeat(64))));
    expect(r.json.response.allowed).toBe(false);
  });

  it('rejects what is not an AdmissionReview', async () => {
    expect((await post(server.url, tls.ca, '{not json')).status).toBe(400);
    expect((await post(server.url, tls.ca, { apiVersion: 'v1', kind: 'Pod' })).status).toBe(400);
  });

  it('CLI: provenant admission serve answers over TLS and stops on SIGTERM', async () => {
    writeFileSync(join(dir, 'policy.yaml'), policyText);
    const io = { stdout: '', stderr: '', isTTY: false, out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
    const running = main(['admission', 'serve', '--policy', join(dir, 'policy.yaml'), '--tls-cert', tls.certPath, '--tls-key', tls.keyPath, '--port', '0'], io);
    let url: string | undefined;
    for (let i = 0; i < 200 && !url; i++) {
      url = /listening on (https:\/\/\S+)/.exec(io.stderr)?.[1];
      if (!url) await new Promise((r) => setTimeout(r, 50));
    }
    expect(url, io.stderr).toBeDefined();
    expect((await post(url!, tls.ca, review('Pod', pod(good)))).json.response.allowed).toBe(true);
    expect((await post(url!, tls.ca, review('Pod', pod(bad)))).json.response.allowed).toBe(false);
    process.emit('SIGTERM');
    expect(await running).toBe(0);
  });
});
