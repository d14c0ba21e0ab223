// Real parts for the admission tests: a CA and server certificate made by openssl, images pushed to the
// loopback registry and signed by `provenant sign-image`, AdmissionReview v1 bodies as the API server
// sends them, and an HTTPS client that trusts only the test CA.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { main } from '@provenant/cli';
import { RegistryClient } from '@provenant/core/oci';
import { captureIO } from '../helpers/cli.js';
import { pushImage, uniqueRepo } from '../verifier/images.js';

export interface Tls {
  ca: Buffer;
  certPath: string;
  keyPath: string;
}

/** A throwaway CA and a serving certificate for 127.0.0.1 / localhost (and `dns`), made by openssl. */
export function makeTls(dir: string, name = 'server', dns = 'provenant-admission.provenant-system.svc'): Tls {
  const o = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  o('req', '-x509', ...ec, '-keyout', `${name}-ca.key`, '-out', `${name}-ca.pem`, '-days', '2', '-subj', '/CN=provenant admission test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
  o('req', '-new', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', '/CN=provenant-admission');
  writeFileSync(join(dir, `${name}.ext`), `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost,DNS:${dns}\n`);
  o('x509', '-req', '-in', `${name}.csr`, '-CA', `${name}-ca.pem`, '-CAkey', `${name}-ca.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
  return { ca: readFileSync(join(dir, `${name}-ca.pem`)), certPath: join(dir, `${name}.pem`), keyPath: join(dir, `${name}.key`) };
}

export interface KeyFiles {
  privatePath: string;
  publicPem: string;
}

export function writeKey(dir: string, name: string): KeyFiles {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const privatePath = join(dir, `${name}.pem`);
  writeFileSync(privatePath, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  return { privatePath, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** `provenant sign-image` with a key and no transparency log, as a release job would run it. */
export async function signImage(ref: string, key: KeyFiles): Promise<void> {
  const io = captureIO();
  const code = await main(['sign-image', ref, '--key', key.privatePath, '--tlog-upload=false'], io);
  if (code !== 0) throw new Error(`provenant sign-image ${ref} exited ${code}: ${io.stderr}`);
}

/** `provenant attest-image` of a SLSA provenance predicate naming `builder`. */
export async function attestImage(ref: string, key: KeyFiles, dir: string, builder: string): Promise<void> {
  const predicate = join(dir, `predicate-${randomUUID()}.json`);
  writeFileSync(predicate, JSON.stringify({ buildDefinition: { buildType: 'https://ci.example.test/build', externalParameters: {} }, runDetails: { builder: { id: builder } } }));
  const io = captureIO();
  const code = await main(['attest-image', ref, '--key', key.privatePath, '--tlog-upload=false', '--predicate', predicate, '--type', 'https://slsa.dev/provenance/v1'], io);
  if (code !== 0) throw new Error(`provenant attest-image ${ref} exited ${code}: ${io.stderr}`);
}

/** A new image in the loopback registry, tagged; returns `host/repo:tag` and its digest. */
export async function newImage(host: string, name: string, tag = 'v1'): Promise<{ ref: string; digest: string; repository: string }> {
  const repository = uniqueRepo(name).replace(/^verifier-/, 'adm-');
  const image = await pushImage(new RegistryClient(), host, repository, tag);
  return { ref: `${host}/${repository}:${tag}`, digest: image.digest, repository };
}

export function policyYaml(name: string, images: string[], key: KeyFiles, extra: { mode?: 'warn'; attestation?: string } = {}): string {
  const pem = key.publicPem.trim().split('\n').map((l) => '          ' + l).join('\n');
  return [
    'apiVersion: provenant.dev/v1',
    'kind: Policy',
    `metadata: { name: ${name} }`,
    'spec:',
    ...(extra.mode ? [`  mode: ${extra.mode}`] : []),
    `  images: ${JSON.stringify(images)}`,
    '  authorities:',
    '    - name: release-key',
    '      key:',
    '        pem: |',
    pem,
    '      ignoreTlog: true',
    ...(extra.attestation
      ? ['  attestations:', '    - name: provenance', '      predicateType: https://slsa.dev/provenance/v1', '      conditions:', `        - cel: "predicate.runDetails.builder.id == '${extra.attestation}'"`]
      : []),
    '',
  ].join('\n');
}

// ---- AdmissionReview bodies as kube-apiserver sends them ----------------------------------------

const GVR: Record<string, { group: string; version: string; resource: string }> = {
  Pod: { group: '', version: 'v1', resource: 'pods' },
  PodTemplate: { group: '', version: 'v1', resource: 'podtemplates' },
  ReplicationController: { group: '', version: 'v1', resource: 'replicationcontrollers' },
  Deployment: { group: 'apps', version: 'v1', resource: 'deployments' },
  ReplicaSet: { group: 'apps', version: 'v1', resource: 'replicasets' },
  StatefulSet: { group: 'apps', version: 'v1', resource: 'statefulsets' },
  DaemonSet: { group: 'apps', version: 'v1', resource: 'daemonsets' },
  Job: { group: 'batch', version: 'v1', resource: 'jobs' },
  CronJob: { group: 'batch', version: 'v1', resource: 'cronjobs' },
};

export interface ReviewOptions {
  operation?: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  dryRun?: boolean;
  oldObject?: unknown;
  uid?: string;
  group?: string;
  version?: string;
  resource?: string;
  subResource?: string;
}

/** An AdmissionReview v1 request: kind/resource, requestKind, userInfo, options, dryRun, oldObject. */
export function admissionReview(kind: string, object: unknown, o: ReviewOptions = {}): Record<string, unknown> {
  const gvr = GVR[kind] ?? { group: o.group ?? 'example.test', version: o.version ?? 'v1', resource: o.resource ?? `${kind.toLowerCase()}s` };
  const gvk = { group: o.group ?? gvr.group, version: o.version ?? gvr.version, kind };
  const operation = o.operation ?? 'CREATE';
  const meta = (object as { metadata?: { name?: string; namespace?: string } } | null)?.metadata;
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: o.uid ?? randomUUID(),
      kind: gvk,
      resource: { group: gvk.group, version: gvk.version, resource: o.resource ?? gvr.resource },
      ...(o.subResource ? { subResource: o.subResource, requestSubResource: o.subResource } : {}),
      requestKind: gvk,
      requestResource: { group: gvk.group, version: gvk.version, resource: o.resource ?? gvr.resource },
      name: meta?.name ?? 'app',
      namespace: meta?.namespace ?? 'team-a',
      operation,
      userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller', uid: randomUUID(), groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] },
      object: operation === 'DELETE' ? null : object,
      oldObject: operation === 'CREATE' || operation === 'CONNECT' ? null : (o.oldObject ?? object),
      dryRun: o.dryRun ?? false,
      options:
        operation === 'CREATE'
          ? { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1', fieldManager: 'kubectl-client-side-apply', fieldValidation: 'Strict' }
          : operation === 'UPDATE'
            ? { kind: 'UpdateOptions', apiVersion: 'meta.k8s.io/v1', fieldManager: 'kubectl-edit' }
            : { kind: 'DeleteOptions', apiVersion: 'meta.k8s.io/v1', propagationPolicy: 'Background' },
    },
  };
}

type PodSpec = { initContainers?: object[]; containers: object[]; ephemeralContainers?: object[] };
const container = (image: string, i: number, prefix = 'c') => ({ name: `${prefix}${i}`, image, imagePullPolicy: 'IfNotPresent', resources: {}, terminationMessagePath: '/dev/termination-log' });

export function podSpec(images: string[], init: string[] = [], ephemeral: string[] = []): PodSpec {
  return {
    ...(init.length ? { initContainers: init.map((im, i) => container(im, i, 'init')) } : {}),
    containers: images.map((im, i) => container(im, i)),
    ...(ephemeral.length ? { ephemeralContainers: ephemeral.map((im, i) => ({ ...container(im, i, 'debug'), targetContainerName: 'c0' })) } : {}),
  };
}

const meta = (name: string) => ({ name, namespace: 'team-a', labels: { app: name }, uid: randomUUID(), creationTimestamp: null });
const template = (spec: PodSpec) => ({ metadata: { labels: { app: 'app' } }, spec: { ...spec, restartPolicy: 'Always', dnsPolicy: 'ClusterFirst' } });

/** An object of a built-in kind whose pod spec is `spec`. */
export function objectOf(kind: string, spec: PodSpec): Record<string, unknown> {
  const base = { apiVersion: GVR[kind] ? [GVR[kind].group, GVR[kind].version].filter(Boolean).join('/') : 'v1', kind, metadata: meta('app') };
  switch (kind) {
    case 'Pod':
      return { ...base, spec: { ...spec, restartPolicy: 'Always' }, status: {} };
    case 'PodTemplate':
      return { ...base, template: template(spec) };
    case 'CronJob':
      return { ...base, spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { ...template(spec), spec: { ...template(spec).spec, restartPolicy: 'OnFailure' } } } } } };
    case 'Job':
      return { ...base, spec: { template: { ...template(spec), spec: { ...template(spec).spec, restartPolicy: 'Never' } } } };
    default:
      return { ...base, spec: { replicas: 2, selector: { matchLabels: { app: 'app' } }, template: template(spec) } };
  }
}

/** Applies a JSONPatch's test and replace ops (what /mutate sends) as the API server would. */
export function applyPatch<T>(doc: T, patch: { op: string; path: string; value?: unknown }[]): T {
  const out = structuredClone(doc) as Record<string, unknown>;
  for (const op of patch) {
    const segs = op.path.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = segs.pop()!;
    let node: Record<string, unknown> = out;
    for (const s of segs) node = node[s] as Record<string, unknown>;
    if (op.op === 'test') {
      if (JSON.stringify(node[last]) !== JSON.stringify(op.value)) throw new Error(`JSONPatch test failed at ${op.path}`);
    } else if (op.op === 'replace') {
      if (!(last in node)) throw new Error(`JSONPatch replace of a missing ${op.path}`);
      node[last] = op.value;
    } else throw new Error(`unexpected op ${op.op}`);
  }
  return out as T;
}

// ---- HTTPS ----------------------------------------------------------------------------------------

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test code reads replies freely
}

export function send(url: string, ca: Buffer, init: { method?: string; body?: string | Buffer; contentType?: string; headers?: Record<string, string> } = {}): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'POST', ca, agent: false, headers: { ...(init.body !== undefined ? { 'content-type': init.contentType ?? 'application/json' } : {}), ...init.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: parsed });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

export const post = (url: string, ca: Buffer, body: unknown) => send(url, ca, { body: typeof body === 'string' ? body : JSON.stringify(body) });

/** The patch of a /mutate answer, decoded. */
export function patchOf(reply: HttpReply): { op: string; path: string; value?: unknown }[] {
  const p = reply.json?.response?.patch as string | undefined;
  return p ? (JSON.parse(Buffer.from(p, 'base64').toString('utf8')) as { op: string; path: string; value?: unknown }[]) : [];
}

/** A pino logger whose lines are kept, parsed. */
export function captureLog(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}
