// deploy/kubernetes rendered by `kubectl kustomize` (base, both certificate overlays, the Gatekeeper
// example), every object checked against the Kubernetes schemas (kubernetes-models' validators and its
// types, generated from the official OpenAPI: unknown fields fail the type check), and cross-checked
// against the server: ports, paths, timeouts and flags, by running the Deployment's own arguments.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '@provenant/cli';
import { loadPolicyText } from '@provenant/verifier';
import { BUILTIN_KINDS, PATHS } from '@provenant/verifier/admission';
import { captureIO } from '../helpers/cli.js';
import { tempDir } from '../verifier/helpers.js';
import { admissionReview, makeTls, objectOf, podSpec, post, send } from './helpers.js';

const ROOT = resolve(import.meta.dirname, '../..');
type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string> }; [k: string]: any }; // eslint-disable-line @typescript-eslint/no-explicit-any -- rendered manifests are read freely

function kustomize(dir: string): Obj[] {
  const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return parseAllDocuments(out).map((d) => unwrapBase64(d.toJS() as Obj));
}

/**
 * kustomize writes generated base64 (Secret data, caBundle) wrapped at 70 columns; the API server's
 * decoder skips the line breaks, kubernetes-models' `byte` format does not: compare them unwrapped.
 */
function unwrapBase64(o: Obj): Obj {
  const strip = (v: unknown) => (typeof v === 'string' ? v.replace(/\n/g, '') : v);
  if (o.kind === 'Secret' && o.data) o.data = Object.fromEntries(Object.entries(o.data as Record<string, unknown>).map(([k, v]) => [k, strip(v)]));
  for (const w of (o.webhooks ?? []) as { clientConfig: { caBundle?: unknown } }[]) if (w.clientConfig.caBundle !== undefined) w.clientConfig.caBundle = strip(w.clientConfig.caBundle);
  return o;
}
const find = (objs: Obj[], kind: string, name?: string): Obj => {
  const o = objs.find((x) => x.kind === kind && (name === undefined || x.metadata.name === name));
  if (!o) throw new Error(`no ${kind} ${name ?? ''} rendered`);
  return o;
};

// kind -> [module, export] of the maintained validators.
const MODELS: Record<string, [string, string]> = {
  'v1/Namespace': ['kubernetes-models/v1/Namespace', 'Namespace'],
  'v1/ServiceAccount': ['kubernetes-models/v1/ServiceAccount', 'ServiceAccount'],
  'v1/ConfigMap': ['kubernetes-models/v1/ConfigMap', 'ConfigMap'],
  'v1/Secret': ['kubernetes-models/v1/Secret', 'Secret'],
  'v1/Service': ['kubernetes-models/v1/Service', 'Service'],
  'apps/v1/Deployment': ['kubernetes-models/apps/v1/Deployment', 'Deployment'],
  'policy/v1/PodDisruptionBudget': ['kubernetes-models/policy/v1/PodDisruptionBudget', 'PodDisruptionBudget'],
  'admissionregistration.k8s.io/v1/MutatingWebhookConfiguration': ['kubernetes-models/admissionregistration.k8s.io/v1/MutatingWebhookConfiguration', 'MutatingWebhookConfiguration'],
  'admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration': ['kubernetes-models/admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration', 'ValidatingWebhookConfiguration'],
  'cert-manager.io/v1/Issuer': ['@kubernetes-models/cert-manager/cert-manager.io/v1/Issuer', 'Issuer'],
  'cert-manager.io/v1/Certificate': ['@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate', 'Certificate'],
};
const TYPES: Record<string, [string, string]> = Object.fromEntries(Object.entries(MODELS).map(([k, [mod, name]]) => [k, [mod, `I${name}`]]));

async function validateAll(objs: Obj[]): Promise<void> {
  for (const o of objs) {
    const entry = MODELS[`${o.apiVersion}/${o.kind}`];
    if (!entry) throw new Error(`no schema for ${o.apiVersion} ${o.kind}`);
    const mod = (await import(entry[0])) as Record<string, new (data: unknown) => { validate(): void }>;
    expect(() => new mod[entry[1]]!(o).validate(), `${o.kind}/${o.metadata.name}`).not.toThrow();
  }
}

/** Unknown or misspelt fields: the objects as typed literals, checked by tsc against kubernetes-models' types. */
function typecheck(sets: Record<string, Obj[]>): void {
  const dir = tempDir();
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const lines: string[] = [];
  const imported = new Set<string>();
  let i = 0;
  for (const objs of Object.values(sets)) {
    for (const o of objs) {
      const [mod, type] = TYPES[`${o.apiVersion}/${o.kind}`]!;
      if (!imported.has(type)) {
        lines.unshift(`import type { ${type} } from '${mod}';`);
        imported.add(type);
      }
      lines.push(`export const o${i++}: ${type} = ${JSON.stringify(o)};`);
    }
  }
  writeFileSync(join(dir, 'manifests.ts'), lines.join('\n') + '\n');
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', noEmit: true, skipLibCheck: true, types: [] }, files: ['manifests.ts'] }));
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    throw new Error(`rendered manifests do not type-check against kubernetes-models:\n${(err as { stdout?: string }).stdout ?? ''}`);
  }
}

let base: Obj[];
let certManager: Obj[];
let provided: Obj[];
let gatekeeper: Obj[];
let providedCa: Buffer;

beforeAll(() => {
  // kubectl is part of the machine image; a missing one fails here, loudly.
  base = kustomize(join(ROOT, 'deploy/kubernetes/base'));
  certManager = kustomize(join(ROOT, 'deploy/kubernetes/overlays/cert-manager'));
  // The provided-secret overlay needs its files: a copy of deploy/kubernetes with certificates made by openssl.
  const copy = tempDir();
  cpSync(join(ROOT, 'deploy/kubernetes'), copy, { recursive: true });
  const overlay = join(copy, 'overlays/provided-secret');
  const t = makeTls(overlay, 'issued');
  cpSync(t.certPath, join(overlay, 'tls.crt'));
  cpSync(t.keyPath, join(overlay, 'tls.key'));
  writeFileSync(join(overlay, 'ca.crt'), t.ca);
  providedCa = t.ca;
  provided = kustomize(overlay);
  gatekeeper = kustomize(join(ROOT, 'deploy/kubernetes/gatekeeper'));
});

describe('deploy/kubernetes renders to valid Kubernetes objects', () => {
  it('every object of the base and both overlays passes the Kubernetes schemas', async () => {
    await validateAll(base);
    await validateAll(certManager);
    await validateAll(provided);
    typecheck({ base, certManager, provided });
  });

  it('the schema check catches what it should (a misspelt field, a wrong type)', async () => {
    const d = structuredClone(find(base, 'Deployment'));
    d.spec.replicas = 'two';
    await expect(validateAll([d])).rejects.toThrow();
    const typo = structuredClone(find(base, 'Service'));
    typo.spec.targetPorts = typo.spec.ports;
    expect(() => typecheck({ typo: [typo] })).toThrow(/targetPorts/);
  });

  it('the Deployment is what production needs', () => {
    const d = find(base, 'Deployment');
    const pod = d.spec.template.spec;
    const c = pod.containers[0];
    expect(d.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(c.resources.requests.cpu).toBeDefined();
    expect(c.resources.limits.memory).toBeDefined();
    expect(pod.affinity.podAntiAffinity).toBeDefined();
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) expect(c[probe], probe).toBeDefined();
    const pdb = find(base, 'PodDisruptionBudget');
    expect(pdb.spec.minAvailable).toBeLessThan(d.spec.replicas);
    expect(pdb.spec.selector.matchLabels).toEqual(d.spec.selector.matchLabels);
    expect(d.spec.template.metadata.labels).toMatchObject(d.spec.selector.matchLabels);
  });

  it('the cert-manager overlay issues the Secret the Deployment mounts, and injects the CA into both webhooks', () => {
    const cert = find(certManager, 'Certificate');
    const d = find(certManager, 'Deployment');
    const svc = find(certManager, 'Service');
    expect(d.spec.template.spec.volumes.find((v: { name: string }) => v.name === 'tls').secret.secretName).toBe(cert.spec.secretName);
    expect(cert.spec.dnsNames).toContain(`${svc.metadata.name}.${svc.metadata.namespace}.svc`);
    expect(find(certManager, 'Issuer', cert.spec.issuerRef.name)).toBeDefined();
    for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
      expect(find(certManager, kind).metadata.annotations?.['cert-manager.io/inject-ca-from']).toBe(`${cert.metadata.namespace}/${cert.metadata.name}`);
    }
  });

  it('the provided-secret overlay makes the TLS Secret the Deployment mounts and puts the CA in caBundle', () => {
    const d = find(provided, 'Deployment');
    const secret = find(provided, 'Secret', d.spec.template.spec.volumes.find((v: { name: string }) => v.name === 'tls').secret.secretName);
    expect(secret.type).toBe('kubernetes.io/tls');
    expect(Object.keys(secret.data).sort()).toEqual(['tls.crt', 'tls.key']);
    for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
      for (const w of find(provided, kind).webhooks) expect(Buffer.from(String(w.clientConfig.caBundle).replace(/\s/g, ''), 'base64').equals(providedCa)).toBe(true);
    }
  });
});

describe('deploy/kubernetes agrees with the server', () => {
  const argOf = (args: string[], flag: string) => args.find((a) => a.startsWith(`--${flag}=`))?.slice(flag.length + 3);

  it('webhooks: paths, service, port, timeouts, failure policy, kinds, namespaces', () => {
    const d = find(base, 'Deployment');
    const c = d.spec.template.spec.containers[0];
    const svc = find(base, 'Service');
    const port = c.ports.find((p: { name: string }) => p.name === 'https');
    expect(Number(argOf(c.args, 'port'))).toBe(port.containerPort);
    expect(svc.spec.ports[0].targetPort).toBe('https');
    const timeout = Number(argOf(c.args, 'timeout'));
    expect(d.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(timeout + 1);
    const resources = new Set<string>();
    for (const [kind, path] of [
      ['MutatingWebhookConfiguration', PATHS.mutate],
      ['ValidatingWebhookConfiguration', PATHS.validate],
    ] as const) {
      for (const w of find(base, kind).webhooks) {
        expect(w.clientConfig.service).toEqual({ name: svc.metadata.name, namespace: svc.metadata.namespace, path, port: svc.spec.ports[0].port });
        expect(w).toMatchObject({ failurePolicy: 'Fail', sideEffects: 'None', admissionReviewVersions: ['v1'] });
        // The server's deadline comes first, so that it answers with the reason.
        expect(w.timeoutSeconds).toBeGreaterThan(timeout);
        const excluded = w.namespaceSelector.matchExpressions.find((e: { operator: string }) => e.operator === 'NotIn').values;
        expect(excluded).toEqual(expect.arrayContaining([d.metadata.namespace, 'kube-system']));
        for (const r of w.rules) {
          expect(r.operations).toEqual(['CREATE', 'UPDATE']);
          for (const res of r.resources) resources.add(`${r.apiGroups[0]}/${res}`);
        }
      }
    }
    // Every built-in kind is sent to the webhook (and ephemeral containers through their subresource).
    const plural = (k: string) => k.toLowerCase() + 's';
    for (const k of BUILTIN_KINDS) expect(resources, k.kind).toContain(`${k.group}/${plural(k.kind)}`);
    expect(resources).toContain('/pods/ephemeralcontainers');
  });

  it('the Gatekeeper Provider names the server endpoint and a timeout at least the deadline', () => {
    const provider = find(gatekeeper, 'Provider');
    const svc = find(base, 'Service');
    const url = new URL(provider.spec.url);
    expect(url.protocol).toBe('https:');
    expect(url.hostname).toBe(`${svc.metadata.name}.${svc.metadata.namespace}`);
    expect(Number(url.port || 443)).toBe(svc.spec.ports[0].port);
    expect(url.pathname).toBe(PATHS.gatekeeper);
    const timeout = Number(argOf(find(base, 'Deployment').spec.template.spec.containers[0].args, 'timeout'));
    expect(provider.spec.timeout).toBeGreaterThanOrEqual(timeout);
    const template = find(gatekeeper, 'ConstraintTemplate');
    const constraint = find(gatekeeper, template.spec.crd.spec.names.kind);
    expect(template.spec.targets[0].rego).toContain(`"provider": "${provider.metadata.name}"`);
    expect(constraint.spec.match.excludedNamespaces).toContain(svc.metadata.namespace);
  });

  it('the Deployment’s own arguments start the server, whose probes and webhook paths answer', async () => {
    const d = find(base, 'Deployment');
    const c = d.spec.template.spec.containers[0];
    const mounts = Object.fromEntries(c.volumeMounts.map((m: { name: string; mountPath: string }) => [m.name, m.mountPath]));
    // The mounted volumes, in a temp dir: the ConfigMap's policy as rendered, a certificate made by openssl.
    const root = tempDir();
    const at = (p: string) => join(root, p);
    mkdirSync(at(mounts.policies), { recursive: true });
    const cm = find(base, 'ConfigMap', d.spec.template.spec.volumes.find((v: { name: string }) => v.name === 'policies').configMap.name);
    for (const [name, text] of Object.entries(cm.data as Record<string, string>)) {
      writeFileSync(join(at(mounts.policies), name), text);
      await loadPolicyText(text); // the example policy loads
    }
    mkdirSync(at(mounts.tls), { recursive: true });
    const t = makeTls(at(mounts.tls), 'serving');
    cpSync(t.certPath, join(at(mounts.tls), 'tls.crt'));
    cpSync(t.keyPath, join(at(mounts.tls), 'tls.key'));
    const args = (c.args as string[]).map((a) => a.replace(/=(\/etc\/provenant\/.*)$/, (_m, p: string) => `=${at(p)}`)).map((a) => (a.startsWith('--address=') ? '--address=127.0.0.1' : a.startsWith('--port=') ? '--port=0' : a));
    const io = captureIO();
    const running = main([...args, '--log-level', 'error'], io);
    let url: string | undefined;
    for (let i = 0; i < 400 && !url; i++) {
      url = /listening on (https:\/\/\S+)/.exec(io.stderr)?.[1];
      if (!url) await new Promise((r) => setTimeout(r, 25));
    }
    expect(url, io.stderr).toBeDefined();
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
      expect(c[probe].httpGet.scheme).toBe('HTTPS');
      expect(c[probe].httpGet.port).toBe('https');
      expect((await send(url! + c[probe].httpGet.path, t.ca, { method: 'GET' })).status, probe).toBe(200);
    }
    for (const path of [PATHS.mutate, PATHS.validate]) {
      const r = await post(url! + path, t.ca, admissionReview('Pod', objectOf('Pod', podSpec(['registry.example.test/elsewhere/app:v1']))));
      expect(r.status).toBe(200);
      expect(r.json.response.allowed).toBe(false); // the example policy's noMatch: deny, decided offline
    }
    process.emit('SIGTERM');
    expect(await running).toBe(0);
  });
});

describe('the example policy and README commands stay in step', () => {
  it('the README names the overlays that exist', () => {
    const readme = readFileSync(join(ROOT, 'deploy/kubernetes/README.md'), 'utf8');
    for (const p of ['overlays/cert-manager', 'overlays/provided-secret', 'gatekeeper']) expect(readme).toContain(p);
  });
});
