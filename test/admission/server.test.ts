// The server around the decisions: bad input gets a clear HTTP error, the Gatekeeper provider, file
// reloads (a broken policy keeps the old one), TLS certificate rotation, SIGTERM drain through the CLI.
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { main } from '@provenant/cli';
import { REVIEW_LIMIT, serveAdmission, type AdmissionServer } from '@provenant/verifier/admission';
import { captureIO } from '../helpers/cli.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { tempDir } from '../verifier/helpers.js';
import { admissionReview, captureLog, makeTls, newImage, objectOf, podSpec, policyYaml, post, send, signImage, writeKey, type KeyFiles, type Tls } from './helpers.js';

const host = inject('ociRegistries').plain.host;
let dir: string;
let tls: Tls;
let key: KeyFiles;
let server: AdmissionServer;
let log: ReturnType<typeof captureLog>;
let signed: { ref: string; digest: string };
let unsigned: { ref: string; digest: string };
let policyFile: string;

beforeAll(async () => {
  dir = tempDir();
  tls = makeTls(dir);
  key = writeKey(dir, 'release');
  signed = await newImage(host, 'srv-signed');
  unsigned = await newImage(host, 'srv-unsigned');
  await signImage(signed.ref, key);
  policyFile = join(dir, 'policy.yaml');
  writeFileSync(policyFile, policyYaml('cluster', ['127.0.0.1:*/adm-*/**'], key));
  log = captureLog();
  server = await serveAdmission({ policyFiles: [policyFile], tlsCertFile: tls.certPath, tlsKeyFile: tls.keyPath, port: 0, deadlineMs: 3000, logger: log.logger, reloadIntervalMs: 50 });
});

afterAll(async () => {
  await server?.close();
});

const until = async (what: string, check: () => boolean | Promise<boolean>) => {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
};
const metric = async (name: string) => {
  const text = (await send(server.url + '/metrics', tls.ca, { method: 'GET' })).text;
  const line = text.split('\n').find((l) => l.startsWith(name + ' ') || l.startsWith(name + '{') && l.includes('} '));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
};

describe('bad input: a clear HTTP error, never a crash', () => {
  it('answers each with its status and an error code', async () => {
    const review = admissionReview('Pod', objectOf('Pod', podSpec([signed.ref])));
    const noUid = structuredClone(review) as { request: { uid?: string } };
    delete noUid.request.uid;
    const cases: [string, Promise<Awaited<ReturnType<typeof send>>>, number, string][] = [
      ['body over 3 MiB', send(server.url + '/validate', tls.ca, { body: Buffer.alloc(REVIEW_LIMIT + 1, 0x20) }), 413, 'PAYLOAD_TOO_LARGE'],
      ['malformed JSON', post(server.url + '/validate', tls.ca, '{"apiVersion": "admission.k8s.io/v1", '), 400, 'JSON_INVALID'],
      ['another apiVersion', post(server.url + '/validate', tls.ca, { ...review, apiVersion: 'admission.k8s.io/v1beta1' }), 400, 'ADMISSION_ERROR'],
      ['missing uid', post(server.url + '/mutate', tls.ca, noUid), 400, 'ADMISSION_ERROR'],
      ['not a review', post(server.url + '/validate', tls.ca, { apiVersion: 'v1', kind: 'Pod' }), 400, 'ADMISSION_ERROR'],
      ['GET', send(server.url + '/validate', tls.ca, { method: 'GET' }), 405, 'METHOD_NOT_ALLOWED'],
      ['PUT', send(server.url + '/mutate', tls.ca, { method: 'PUT', body: JSON.stringify(review) }), 405, 'METHOD_NOT_ALLOWED'],
      ['unknown path', post(server.url + '/admit', tls.ca, review), 404, 'NOT_FOUND'],
      ['not JSON content', send(server.url + '/validate', tls.ca, { body: 'x', contentType: 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['bad ProviderRequest', post(server.url + '/gatekeeper', tls.ca, { apiVersion: 'externaldata.gatekeeper.sh/v1beta1', kind: 'ProviderRequest', request: { keys: 'x' } }), 400, 'ADMISSION_ERROR'],
    ];
    for (const [what, reply, status, code] of cases) {
      const r = await reply;
      expect(r.status, what).toBe(status);
      expect(r.json?.error?.code, what).toBe(code);
    }
    expect((await send(server.url + '/validate', tls.ca, { method: 'GET' })).headers.allow).toBe('POST');
    // Still serving.
    expect((await post(server.url + '/validate', tls.ca, review)).json.response.allowed).toBe(true);
  });

  it('a declared Content-Length over the limit is refused before the body is read', async () => {
    const r = await send(server.url + '/validate', tls.ca, { body: Buffer.alloc(10), headers: { 'content-length': String(REVIEW_LIMIT + 1) } }).catch((err: Error) => err);
    // Either the 413 arrives, or the connection is cut after it; never a 2xx.
    if (!(r instanceof Error)) expect(r.status).toBe(413);
    expect((await send(server.url + '/healthz', tls.ca, { method: 'GET' })).status).toBe(200);
  });
});

describe('Gatekeeper external data provider', () => {
  it('answers a ProviderRequest with the verified digest or an error per key', async () => {
    const body = { apiVersion: 'externaldata.gatekeeper.sh/v1beta1', kind: 'ProviderRequest', request: { keys: [signed.ref, unsigned.ref, 'docker.io/library/nginx:1.27'] } };
    const r = await post(server.url + '/gatekeeper', tls.ca, body);
    expect(r.status).toBe(200);
    expect(r.json.apiVersion).toBe('externaldata.gatekeeper.sh/v1beta1');
    expect(r.json.kind).toBe('ProviderResponse');
    expect(r.json.response.idempotent).toBe(true);
    const items = r.json.response.items as { key: string; value?: string; error?: string }[];
    expect(items.map((i) => i.key)).toEqual(body.request.keys);
    expect(items[0]).toEqual({ key: signed.ref, value: `${signed.ref}@${signed.digest}` });
    expect(items[1]!.error).toContain('[IMAGE_SIGNATURE_MISSING]');
    expect(items[2]!.error).toContain('[POLICY_NO_MATCH]');
    expect(r.json.response.systemError).toBeUndefined();
  });
});

describe('reloads', () => {
  it('a broken new policy keeps the old one and counts a failure; a good one takes effect', async () => {
    const review = () => post(server.url + '/validate', tls.ca, admissionReview('Pod', objectOf('Pod', podSpec(['127.0.0.1:9/other/app:v1']))));
    const failures = await metric('provenant_admission_reloads_total{what="policy",result="failure"}');
    writeFileSync(policyFile, 'apiVersion: provenant.dev/v1\nkind: Policy\nspec: [not, a, policy\n');
    await until('a failed reload', async () => (await metric('provenant_admission_reloads_total{what="policy",result="failure"}')) > failures);
    expect(log.lines.some((l) => l.msg === 'reload failed; keeping the previous one' && l.what === 'policy')).toBe(true);
    // Still the old policy: the signed image is admitted, an unmatched one denied.
    expect((await post(server.url + '/validate', tls.ca, admissionReview('Pod', objectOf('Pod', podSpec([signed.ref]))))).json.response.allowed).toBe(true);
    expect((await review()).json.response.allowed).toBe(false);
    // A good policy with noMatch: allow takes effect, and an unmatched image is admitted without a registry read.
    writeFileSync(policyFile, `apiVersion: provenant.dev/v1\nkind: PolicyList\nnoMatch: allow\nitems:\n${policyYaml('cluster', ['127.0.0.1:*/adm-*/**'], key).split('\n').map((l, i) => (i === 0 ? '  - ' + l : '    ' + l)).join('\n')}\n`);
    await until('the new policy', async () => (await review()).json.response.allowed === true);
    expect(await metric('provenant_admission_reloads_total{what="policy",result="success"}')).toBeGreaterThan(0);
  });

  it('a new TLS certificate is served once its files change', async () => {
    const fingerprint = () =>
      new Promise<string>((resolve, reject) => {
        const u = new URL(server.url);
        const s = connect({ host: u.hostname, port: Number(u.port), rejectUnauthorized: false }, () => {
          resolve(s.getPeerX509Certificate()!.fingerprint256);
          s.end();
        });
        s.on('error', reject);
      });
    const before = await fingerprint();
    const next = makeTls(dir, 'rotated');
    copyFileSync(next.keyPath, tls.keyPath);
    copyFileSync(next.certPath, tls.certPath);
    await until('the rotated certificate', async () => (await fingerprint()) !== before);
    expect((await send(server.url + '/healthz', next.ca, { method: 'GET' })).status).toBe(200);
    tls = next;
  });
});

describe('provenant admission serve (CLI)', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy(host);
  });
  afterAll(async () => {
    await proxy.close();
  });

  it('serves, and on SIGTERM answers the review in flight before it exits 0', async () => {
    const d = tempDir();
    const t = makeTls(d);
    const p = join(d, 'policy.yaml');
    writeFileSync(p, policyYaml('cluster', ['127.0.0.1:*/adm-*/**'], key));
    const io = captureIO();
    const running = main(['admission', 'serve', '--policy', p, '--tls-cert', t.certPath, '--tls-key', t.keyPath, '--port', '0', '--timeout', '2', '--kind', 'argoproj.io/Rollout=spec.template', '--log-level', 'error'], io);
    let url: string | undefined;
    await until('listening', () => (url = /listening on (https:\/\/\S+)/.exec(io.stderr)?.[1]) !== undefined);
    expect((await post(url! + '/validate', t.ca, admissionReview('Pod', objectOf('Pod', podSpec([signed.ref]))))).json.response.allowed).toBe(true);
    const rollout = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'r' }, spec: { template: { spec: podSpec([unsigned.ref]) } } };
    expect((await post(url! + '/validate', t.ca, admissionReview('Rollout', rollout, { group: 'argoproj.io' }))).json.response.allowed).toBe(false);
    // A review stuck on a registry that never answers is in flight when SIGTERM comes.
    proxy.fault = () => ({ kind: 'stall' });
    const stuck = post(url! + '/validate', t.ca, admissionReview('Pod', objectOf('Pod', podSpec([`${proxy.host}/adm-x/app:v1`]))));
    await until('the review in flight', () => proxy.requests.length > 0);
    process.emit('SIGTERM');
    const answered = await stuck;
    expect(answered.json.response.allowed).toBe(false);
    expect(answered.json.response.auditAnnotations.denied).toContain('=TIMEOUT');
    expect(await running).toBe(0);
    expect(io.stderr).toContain('draining');
    await expect(send(url! + '/healthz', t.ca, { method: 'GET' })).rejects.toThrow();
  });

  it('refuses a bad --kind and a --timeout of 0 with usage errors', async () => {
    const d = tempDir();
    const t = makeTls(d);
    const p = join(d, 'policy.yaml');
    writeFileSync(p, policyYaml('cluster', ['127.0.0.1:*/adm-*/**'], key));
    for (const extra of [['--kind', 'Rollout'], ['--timeout', '0']]) {
      const io = captureIO();
      const code = await main(['admission', 'serve', '--policy', p, '--tls-cert', t.certPath, '--tls-key', t.keyPath, '--port', '0', '--json', ...extra], io);
      expect(code, extra.join(' ')).not.toBe(0);
      expect(JSON.parse(io.stdout).error.code, extra.join(' ')).toMatch(/^(USAGE|INVALID_ARGUMENT)$/);
    }
  });
});
