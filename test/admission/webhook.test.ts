// The webhook over real TLS against images in the loopback registry signed by provenant: AdmissionReview
// v1 bodies as the API server sends them; allowed, denied for each reason, mutated to digests.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RegistryClient } from '@provenant/core/oci';
import { serveAdmission, type AdmissionServer } from '@provenant/verifier/admission';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { pushImage } from '../verifier/images.js';
import { tempDir } from '../verifier/helpers.js';
import { admissionReview, applyPatch, attestImage, captureLog, newImage, objectOf, patchOf, podSpec, policyYaml, post, send, signImage, writeKey, makeTls, type Tls } from './helpers.js';

const host = inject('ociRegistries').plain.host;
const GOOD_BUILDER = 'https://ci.example.test/builder';
let dir: string;
let tls: Tls;
let server: AdmissionServer;
let log: ReturnType<typeof captureLog>;
let proxy: FaultProxy;
const img: Record<string, { ref: string; digest: string; repository: string }> = {};

beforeAll(async () => {
  dir = tempDir();
  tls = makeTls(dir);
  const release = writeKey(dir, 'release');
  const other = writeKey(dir, 'other');
  proxy = await startFaultProxy(host);
  // Images behind the fault proxy, so tests can count and break registry traffic.
  for (const name of ['signed', 'unsigned', 'wrongkey', 'moving', 'later', 'eight', 'shared', 'stall', 'gk']) img[name] = await newImage(proxy.host, name);
  img.attested = await newImage(proxy.host, 'attested');
  img.badbuilder = await newImage(proxy.host, 'attested-bad');
  img.warn = await newImage(proxy.host, 'warnonly');
  for (const name of ['signed', 'moving', 'eight', 'shared', 'attested', 'badbuilder', 'gk']) await signImage(img[name]!.ref, release);
  await signImage(img.wrongkey!.ref, other);
  await attestImage(img.attested!.ref, release, dir, GOOD_BUILDER);
  await attestImage(img.badbuilder!.ref, release, dir, 'https://attacker.example.test/builder');
  const policies = join(dir, 'policies');
  mkdirSync(policies);
  writeFileSync(join(policies, '10-attested.yaml'), policyYaml('provenance', ['127.0.0.1:*/adm-*/attested*'], release, { attestation: GOOD_BUILDER }));
  writeFileSync(join(policies, '30-warn.yaml'), policyYaml('warn-only', ['127.0.0.1:*/adm-*/warnonly'], release, { mode: 'warn' }));
  writeFileSync(join(policies, '20-signed.yaml'), policyYaml('signed', ['127.0.0.1:*/adm-*/signed', '127.0.0.1:*/adm-*/unsigned', '127.0.0.1:*/adm-*/wrongkey', '127.0.0.1:*/adm-*/moving', '127.0.0.1:*/adm-*/later', '127.0.0.1:*/adm-*/eight', '127.0.0.1:*/adm-*/shared', '127.0.0.1:*/adm-*/stall', '127.0.0.1:*/adm-*/gk', '127.0.0.1:1/**'], release));
  log = captureLog();
  server = await serveAdmission({ policyFiles: [policies], tlsCertFile: tls.certPath, tlsKeyFile: tls.keyPath, port: 0, deadlineMs: 2000, tagTtlMs: 0, logger: log.logger, reloadIntervalMs: 0, kinds: [{ group: 'argoproj.io', kind: 'Rollout', podSpecPath: ['spec', 'template', 'spec'] }] });
});

afterAll(async () => {
  await server?.close();
  await proxy?.close();
});

const mutate = (body: unknown) => post(server.url + '/mutate', tls.ca, body);
const validate = (body: unknown) => post(server.url + '/validate', tls.ca, body);
const deniedCodes = (r: Awaited<ReturnType<typeof post>>) => Object.fromEntries(String(r.json.response.auditAnnotations?.denied ?? '').split(',').filter(Boolean).map((kv) => [kv.slice(0, kv.lastIndexOf('=')), kv.slice(kv.lastIndexOf('=') + 1)]));

describe('/mutate pins tags to the digest that was verified', () => {
  it('admits a signed Pod and patches its tag to the verified digest', async () => {
    const body = admissionReview('Pod', objectOf('Pod', podSpec([img.signed!.ref])));
    const r = await mutate(body);
    expect(r.status).toBe(200);
    expect(r.json.apiVersion).toBe('admission.k8s.io/v1');
    expect(r.json.response.uid).toBe((body.request as { uid: string }).uid);
    expect(r.json.response.allowed).toBe(true);
    expect(r.json.response.patchType).toBe('JSONPatch');
    expect(patchOf(r)).toEqual([
      { op: 'test', path: '/spec/containers/0/image', value: img.signed!.ref },
      { op: 'replace', path: '/spec/containers/0/image', value: `${img.signed!.ref}@${img.signed!.digest}` },
    ]);
    expect(r.json.response.auditAnnotations).toMatchObject({ policies: 'signed', digests: `${img.signed!.ref}=${img.signed!.digest}` });
    const line = log.lines.find((l) => l.uid === (body.request as { uid: string }).uid)!;
    expect(line).toMatchObject({ endpoint: 'mutate', namespace: 'team-a', kind: 'v1/Pod', operation: 'CREATE', result: 'allowed', images: [img.signed!.ref], digests: [img.signed!.digest], policies: ['signed'], dryRun: false });
    expect(typeof line.durationMs).toBe('number');
  });

  it('patches containers, initContainers and ephemeralContainers in every pod-bearing kind', async () => {
    const spec = podSpec([img.signed!.ref, img.shared!.ref], [img.shared!.ref], [img.signed!.ref]);
    const bases: Record<string, string> = {
      Pod: '/spec',
      PodTemplate: '/template/spec',
      ReplicationController: '/spec/template/spec',
      Deployment: '/spec/template/spec',
      ReplicaSet: '/spec/template/spec',
      StatefulSet: '/spec/template/spec',
      DaemonSet: '/spec/template/spec',
      Job: '/spec/template/spec',
      CronJob: '/spec/jobTemplate/spec/template/spec',
    };
    for (const [kind, base] of Object.entries(bases)) {
      const object = objectOf(kind, spec);
      const r = await mutate(admissionReview(kind, object));
      expect(r.json.response.allowed, kind).toBe(true);
      const replaced = patchOf(r).filter((op) => op.op === 'replace').map((op) => [op.path, op.value]);
      expect(replaced, kind).toEqual([
        [`${base}/initContainers/0/image`, `${img.shared!.ref}@${img.shared!.digest}`],
        [`${base}/containers/0/image`, `${img.signed!.ref}@${img.signed!.digest}`],
        [`${base}/containers/1/image`, `${img.shared!.ref}@${img.shared!.digest}`],
        [`${base}/ephemeralContainers/0/image`, `${img.signed!.ref}@${img.signed!.digest}`],
      ]);
      // The patch applies to the object as sent (its test ops hold).
      applyPatch(object, patchOf(r));
    }
  });

  it('a configured kind (argoproj.io/Rollout at spec.template) is read and pinned', async () => {
    const rollout = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'app', namespace: 'team-a' }, spec: { template: { spec: podSpec([img.signed!.ref]) } } };
    const r = await mutate(admissionReview('Rollout', rollout, { group: 'argoproj.io', version: 'v1alpha1', resource: 'rollouts' }));
    expect(r.json.response.allowed).toBe(true);
    expect(patchOf(r).find((op) => op.op === 'replace')).toEqual({ op: 'replace', path: '/spec/template/spec/containers/0/image', value: `${img.signed!.ref}@${img.signed!.digest}` });
  });

  it('an image already pinned by digest is verified as is and not patched', async () => {
    const pinned = `${proxy.host}/${img.signed!.repository}@${img.signed!.digest}`;
    const r = await mutate(admissionReview('Pod', objectOf('Pod', podSpec([pinned]))));
    expect(r.json.response.allowed).toBe(true);
    expect(r.json.response.patch).toBeUndefined();
    const unsignedPinned = `${proxy.host}/${img.unsigned!.repository}@${img.unsigned!.digest}`;
    const d = await mutate(admissionReview('Pod', objectOf('Pod', podSpec([unsignedPinned]))));
    expect(d.json.response.allowed).toBe(false);
    expect(deniedCodes(d)).toEqual({ [unsignedPinned]: 'IMAGE_SIGNATURE_MISSING' });
  });

  it('after the tag moves to an unsigned image, the patched Pod still names the verified digest', async () => {
    const pod = objectOf('Pod', podSpec([img.moving!.ref]));
    const r = await mutate(admissionReview('Pod', pod));
    expect(r.json.response.allowed).toBe(true);
    const patched = applyPatch(pod, patchOf(r)) as { spec: { containers: { image: string }[] } };
    expect(patched.spec.containers[0]!.image).toBe(`${img.moving!.ref}@${img.moving!.digest}`);
    // The attacker moves v1 to an unsigned image.
    const moved = await pushImage(new RegistryClient(), proxy.host, img.moving!.repository, 'v1');
    expect(moved.digest).not.toBe(img.moving!.digest);
    // The API server sends the patched Pod to /validate: it names (and runs) the verified digest.
    const v = await validate(admissionReview('Pod', patched));
    expect(v.json.response.allowed).toBe(true);
    expect(v.json.response.auditAnnotations.digests).toBe(`${img.moving!.ref}@${img.moving!.digest}=${img.moving!.digest}`);
    // A new Pod naming the moved tag is denied: the tag now names an unsigned image.
    const again = await mutate(admissionReview('Pod', objectOf('Pod', podSpec([img.moving!.ref]))));
    expect(again.json.response.allowed).toBe(false);
    expect(deniedCodes(again)).toEqual({ [img.moving!.ref]: 'IMAGE_SIGNATURE_MISSING' });
  });

  it('an UPDATE keeps an unchanged image as it was (no rollout) and pins a changed one', async () => {
    const old = objectOf('Deployment', podSpec([img.signed!.ref]));
    const changed = objectOf('Deployment', podSpec([img.signed!.ref, img.shared!.ref]));
    const r = await mutate(admissionReview('Deployment', changed, { operation: 'UPDATE', oldObject: old }));
    expect(r.json.response.allowed).toBe(true);
    expect(patchOf(r).filter((op) => op.op === 'replace').map((op) => op.path)).toEqual(['/spec/template/spec/containers/1/image']);
  });
});

describe('denials, each for its reason', () => {
  it('unsigned, signed by another key, attestation from the wrong builder', async () => {
    const cases: [string, string][] = [
      [img.unsigned!.ref, 'IMAGE_SIGNATURE_MISSING'],
      [img.wrongkey!.ref, 'BUNDLE_SIGNATURE_INVALID'],
      [img.badbuilder!.ref, 'POLICY_CONDITION_FAILED'],
    ];
    for (const [ref, code] of cases) {
      for (const endpoint of [mutate, validate]) {
        const r = await endpoint(admissionReview('Deployment', objectOf('Deployment', podSpec([ref]))));
        expect(r.json.response.allowed, ref).toBe(false);
        expect(r.json.response.status.code).toBe(403);
        expect(r.json.response.patch).toBeUndefined();
        expect(deniedCodes(r), ref).toEqual({ [ref]: code });
      }
    }
    const ok = await validate(admissionReview('Pod', objectOf('Pod', podSpec([img.attested!.ref]))));
    expect(ok.json.response.allowed).toBe(true);
    expect(ok.json.response.auditAnnotations.policies).toBe('provenance');
  });

  it('one denied image denies the whole object, naming it', async () => {
    const r = await validate(admissionReview('StatefulSet', objectOf('StatefulSet', podSpec([img.signed!.ref], [img.unsigned!.ref]))));
    expect(r.json.response.allowed).toBe(false);
    expect(deniedCodes(r)).toEqual({ [img.unsigned!.ref]: 'IMAGE_SIGNATURE_MISSING' });
  });

  it('no policy matches: denied (noMatch deny) without any registry read', async () => {
    const before = proxy.requests.length;
    const ref = `${proxy.host}/elsewhere/app:v1`;
    const r = await validate(admissionReview('Pod', objectOf('Pod', podSpec([ref]))));
    expect(r.json.response.allowed).toBe(false);
    expect(deniedCodes(r)).toEqual({ [ref]: 'POLICY_NO_MATCH' });
    expect(proxy.requests.length).toBe(before);
  });

  it('a registry that cannot be reached: denied with the reason', async () => {
    const ref = '127.0.0.1:1/none/app:v1';
    const r = await validate(admissionReview('Pod', objectOf('Pod', podSpec([ref]))));
    expect(r.json.response.allowed).toBe(false);
    expect(deniedCodes(r)).toEqual({ [ref]: 'REGISTRY_UNREACHABLE' });
  });

  it('a registry that never answers: denied inside the review deadline, with TIMEOUT', async () => {
    const stalled = `/v2/${img.stall!.repository}/`;
    proxy.fault = (req) => (req.path.startsWith(stalled) ? { kind: 'stall' } : undefined);
    try {
      const r = await validate(admissionReview('Pod', objectOf('Pod', podSpec([img.stall!.ref, img.signed!.ref]))));
      expect(r.json.response.allowed).toBe(false);
      expect(deniedCodes(r)).toEqual({ [img.stall!.ref]: 'TIMEOUT' });
    } finally {
      proxy.fault = () => undefined;
    }
  });

  it('a reference that does not parse: denied with REFERENCE_INVALID', async () => {
    const r = await validate(admissionReview('Pod', objectOf('Pod', podSpec(['UPPER/Case:@@']))));
    expect(r.json.response.allowed).toBe(false);
    expect(deniedCodes(r)).toEqual({ 'UPPER/Case:@@': 'REFERENCE_INVALID' });
  });

  it('a kind provenant does not know is denied, naming the configuration to add', async () => {
    const r = await validate(admissionReview('DeploymentConfig', { apiVersion: 'apps.openshift.io/v1', kind: 'DeploymentConfig', metadata: { name: 'x' }, spec: { template: { spec: podSpec([img.signed!.ref]) } } }, { group: 'apps.openshift.io', resource: 'deploymentconfigs' }));
    expect(r.json.response.allowed).toBe(false);
    expect(r.json.response.status.message).toContain('--kind apps.openshift.io/DeploymentConfig=');
  });

  it('a pod-bearing object without a pod spec or with a container without an image is denied', async () => {
    const none = await validate(admissionReview('Deployment', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: {} }));
    expect(none.json.response.allowed).toBe(false);
    const noImage = await validate(admissionReview('Pod', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { containers: [{ name: 'c' }] } }));
    expect(noImage.json.response.allowed).toBe(false);
  });
});

describe('the rest of a review', () => {
  it('warn-mode failures are allowed, with warnings', async () => {
    const r = await validate(admissionReview('Pod', objectOf('Pod', podSpec([img.warn!.ref]))));
    expect(r.json.response.allowed).toBe(true);
    expect(r.json.response.warnings).toHaveLength(1);
    expect(r.json.response.warnings[0]).toContain('warn-only');
  });

  it('dry-run requests are answered like any other', async () => {
    for (const [ref, allowed] of [
      [img.signed!.ref, true],
      [img.unsigned!.ref, false],
    ] as const) {
      const r = await mutate(admissionReview('Pod', objectOf('Pod', podSpec([ref])), { dryRun: true }));
      expect(r.json.response.allowed).toBe(allowed);
    }
    expect(log.lines.some((l) => l.dryRun === true && l.result === 'denied')).toBe(true);
  });

  it('DELETE is allowed (nothing runs); ephemeral containers through pods/ephemeralcontainers are checked', async () => {
    const del = await validate(admissionReview('Pod', objectOf('Pod', podSpec([img.unsigned!.ref])), { operation: 'DELETE' }));
    expect(del.json.response.allowed).toBe(true);
    const pod = objectOf('Pod', podSpec([img.signed!.ref], [], [img.unsigned!.ref]));
    const eph = await validate(admissionReview('Pod', pod, { operation: 'UPDATE', subResource: 'ephemeralcontainers', oldObject: objectOf('Pod', podSpec([img.signed!.ref])) }));
    expect(eph.json.response.allowed).toBe(false);
    expect(deniedCodes(eph)).toEqual({ [img.unsigned!.ref]: 'IMAGE_SIGNATURE_MISSING' });
  });
});

describe('cache and concurrency', () => {
  const evidenceReads = (repository: string) => proxy.requests.filter((r) => r.path.startsWith(`/v2/${repository}/`) && r.path.includes('/manifests/sha256-')).length;

  it('a Pod with 8 containers of one image costs one verification; later reviews none', async () => {
    const before = evidenceReads(img.eight!.repository);
    const r = await mutate(admissionReview('Pod', objectOf('Pod', podSpec(Array(8).fill(img.eight!.ref)))));
    expect(r.json.response.allowed).toBe(true);
    expect(patchOf(r).filter((op) => op.op === 'replace')).toHaveLength(8);
    const once = evidenceReads(img.eight!.repository) - before;
    expect(once).toBeGreaterThan(0);
    // Concurrent reviews of the same (cached) image read no evidence again.
    await Promise.all(Array.from({ length: 10 }, () => validate(admissionReview('Pod', objectOf('Pod', podSpec([img.eight!.ref]))))));
    expect(evidenceReads(img.eight!.repository) - before).toBe(once);
  });

  it('concurrent reviews of a new digest share one verification', async () => {
    const release = `${proxy.host}/${img.shared!.repository}@${img.shared!.digest}`;
    const before = evidenceReads(img.shared!.repository);
    // A cold cache: the next verification of this digest reads the registry again.
    server.handler.decider.update({});
    const replies = await Promise.all(Array.from({ length: 12 }, () => validate(admissionReview('Pod', objectOf('Pod', podSpec([release]))))));
    expect(replies.every((r) => r.json.response.allowed)).toBe(true);
    const oneVerification = evidenceReads(img.shared!.repository) - before;
    const single = await (async () => {
      server.handler.decider.update({});
      const b = evidenceReads(img.shared!.repository);
      await validate(admissionReview('Pod', objectOf('Pod', podSpec([release]))));
      return evidenceReads(img.shared!.repository) - b;
    })();
    expect(oneVerification).toBe(single);
  });

  it('a denial is never cached: once the image is signed, the next review admits it', async () => {
    const r1 = await validate(admissionReview('Pod', objectOf('Pod', podSpec([img.later!.ref]))));
    expect(r1.json.response.allowed).toBe(false);
    await signImage(img.later!.ref, { privatePath: join(dir, 'release.pem'), publicPem: '' });
    const r2 = await validate(admissionReview('Pod', objectOf('Pod', podSpec([img.later!.ref]))));
    expect(r2.json.response.allowed).toBe(true);
  });

  it('a registry error is never cached as success, nor poisons later answers', async () => {
    proxy.fault = (req) => (req.path.includes(img.gk!.repository) ? { kind: 'status', status: 500 } : undefined);
    try {
      const r = await validate(admissionReview('Pod', objectOf('Pod', podSpec([img.gk!.ref]))));
      expect(r.json.response.allowed).toBe(false);
      expect(deniedCodes(r)[img.gk!.ref]).toMatch(/^REGISTRY_/);
    } finally {
      proxy.fault = () => undefined;
    }
    const ok = await validate(admissionReview('Pod', objectOf('Pod', podSpec([img.gk!.ref]))));
    expect(ok.json.response.allowed).toBe(true);
  });
});

describe('operations endpoints', () => {
  it('/healthz, /readyz and /metrics answer; metrics count decisions, cache, registry errors', async () => {
    expect((await send(server.url + '/healthz', tls.ca, { method: 'GET' })).status).toBe(200);
    expect((await send(server.url + '/readyz', tls.ca, { method: 'GET' })).status).toBe(200);
    const m = await send(server.url + '/metrics', tls.ca, { method: 'GET' });
    expect(m.status).toBe(200);
    expect(m.headers['content-type']).toContain('text/plain');
    for (const name of [
      'provenant_admission_decisions_total{result="allowed",policy="signed"}',
      'provenant_admission_decisions_total{result="denied",policy="(none)"}',
      'provenant_admission_review_duration_seconds_bucket',
      'provenant_admission_cache_hits_total',
      'provenant_admission_cache_misses_total',
      'provenant_admission_registry_errors_total{code="REGISTRY_UNREACHABLE"}',
      'provenant_admission_in_flight_reviews',
      'process_resident_memory_bytes',
    ]) {
      expect(m.text, name).toContain(name);
    }
  });
});
