// fast-check over review bodies: whatever arrives, the webhook answers 200 with a well-formed
// AdmissionReview for the same uid, or a 4xx with an error code; never a 5xx, never a crash.
// The policy covers only loopback images and noMatch is deny, so generated images never reach a registry.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveAdmission, type AdmissionServer, type HttpAnswer } from '@provenant/verifier/admission';
import { tempDir } from '../verifier/helpers.js';
import { makeTls, policyYaml, send, writeKey, type Tls } from './helpers.js';

let server: AdmissionServer;
let tls: Tls;

beforeAll(async () => {
  const dir = tempDir();
  tls = makeTls(dir);
  const policy = join(dir, 'policy.yaml');
  writeFileSync(policy, policyYaml('cluster', ['127.0.0.1:*/adm-fuzz-none/**'], writeKey(dir, 'k')));
  server = await serveAdmission({ policyFiles: [policy], tlsCertFile: tls.certPath, tlsKeyFile: tls.keyPath, port: 0, deadlineMs: 2000, reloadIntervalMs: 0, logger: pino({ level: 'silent' }) });
});
afterAll(async () => {
  await server?.close();
});

const KINDS = ['Pod', 'PodTemplate', 'Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'ReplicationController', 'Rollout', 'Scale'];
const GROUPS = ['', 'apps', 'batch', 'argoproj.io', 'autoscaling'];
const anyValue = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.boolean(), fc.jsonValue({ maxDepth: 2 }));
const image = fc.oneof(fc.constantFrom('nginx', 'nginx:1.27', 'docker.io/library/nginx@sha256:' + 'a'.repeat(64), 'registry.example.test/team/app:v1', '', ':', '@', 'a/b/c:d@e'), fc.string(), anyValue);
const container = fc.oneof(fc.record({ name: fc.string(), image }, { requiredKeys: [] }), anyValue);
const containers = fc.oneof(fc.array(container, { maxLength: 5 }), anyValue);
const podSpec = fc.oneof(fc.record({ containers, initContainers: containers, ephemeralContainers: containers }, { requiredKeys: [] }), anyValue);
const object = fc.oneof(
  fc.record({ spec: podSpec }),
  fc.record({ spec: fc.record({ template: fc.record({ spec: podSpec }) }) }),
  fc.record({ template: fc.record({ spec: podSpec }) }),
  fc.record({ spec: fc.record({ jobTemplate: fc.record({ spec: fc.record({ template: fc.record({ spec: podSpec }) }) }) }) }),
  anyValue,
);
const request = fc.record(
  {
    uid: fc.oneof(fc.uuid(), fc.string(), anyValue),
    kind: fc.oneof(fc.record({ group: fc.constantFrom(...GROUPS), version: fc.constantFrom('v1', 'v1beta1'), kind: fc.constantFrom(...KINDS) }), anyValue),
    operation: fc.oneof(fc.constantFrom('CREATE', 'UPDATE', 'DELETE', 'CONNECT'), anyValue),
    namespace: fc.oneof(fc.string(), anyValue),
    userInfo: fc.oneof(fc.record({ username: fc.string(), groups: fc.array(fc.string()) }), anyValue),
    object,
    oldObject: object,
    dryRun: fc.oneof(fc.boolean(), anyValue),
    options: anyValue,
  },
  { requiredKeys: [] },
);
const review = fc.record(
  { apiVersion: fc.oneof(fc.constant('admission.k8s.io/v1'), fc.constant('admission.k8s.io/v1beta1'), anyValue), kind: fc.oneof(fc.constant('AdmissionReview'), anyValue), request: fc.oneof(request, anyValue) },
  { requiredKeys: [] },
);
const body = fc.oneof(
  review.map((r) => Buffer.from(JSON.stringify(r))),
  fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
  fc.string().map((s) => Buffer.from(s)),
);

function check(a: { status: number; body: string }, sent: Buffer): void {
  expect([200, 400, 413]).toContain(a.status);
  const parsed = JSON.parse(a.body) as { response?: { uid: unknown; allowed: unknown; patch?: string }; error?: { code: string; message: string } };
  if (a.status !== 200) {
    expect(typeof parsed.error?.code).toBe('string');
    expect(parsed.error!.message.length).toBeGreaterThan(0);
    return;
  }
  const req = (JSON.parse(sent.toString('utf8')) as { request: { uid: string } }).request;
  expect(parsed.response!.uid).toBe(req.uid);
  expect(typeof parsed.response!.allowed).toBe('boolean');
  if (parsed.response!.patch !== undefined) expect(Array.isArray(JSON.parse(Buffer.from(parsed.response!.patch, 'base64').toString('utf8')))).toBe(true);
}

describe('fuzzed review bodies', () => {
  it('in process: every body gets a well-formed answer', async () => {
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom('/mutate', '/validate', '/gatekeeper'), async (b, path) => {
        const a: HttpAnswer = await server.handler.handle('POST', path, { 'content-type': 'application/json' }, b);
        check(a, b);
      }),
      { numRuns: 600, seed: 23 },
    );
  });

  it('over TLS: the same, and the server stays up', async () => {
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom('/mutate', '/validate'), async (b, path) => {
        const r = await send(server.url + path, tls.ca, { body: b });
        check({ status: r.status, body: r.text }, b);
      }),
      { numRuns: 80, seed: 2323 },
    );
    expect((await send(server.url + '/healthz', tls.ca, { method: 'GET' })).status).toBe(200);
  });
});
