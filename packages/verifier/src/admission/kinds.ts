// Which kinds run containers, and where their pod spec is: built-in workload kinds plus configured ones
// (an Argo Rollout, an OpenShift DeploymentConfig, ...). A kind not listed is denied, never passed over.
import { ProvenantError } from '@provenant/core/errors';

/** A kind that carries a pod template: `group/Kind` plus the path of the pod template (an object with `.spec`). */
export interface PodTemplateKind {
  /** API group; '' is the core group. */
  readonly group: string;
  readonly kind: string;
  /** Path of the pod spec inside the object, e.g. ['spec', 'template', 'spec']. */
  readonly podSpecPath: readonly string[];
}

const template = ['spec', 'template', 'spec'] as const;
export const BUILTIN_KINDS: readonly PodTemplateKind[] = [
  { group: '', kind: 'Pod', podSpecPath: ['spec'] },
  { group: '', kind: 'PodTemplate', podSpecPath: ['template', 'spec'] },
  { group: '', kind: 'ReplicationController', podSpecPath: template },
  { group: 'apps', kind: 'Deployment', podSpecPath: template },
  { group: 'apps', kind: 'ReplicaSet', podSpecPath: template },
  { group: 'apps', kind: 'StatefulSet', podSpecPath: template },
  { group: 'apps', kind: 'DaemonSet', podSpecPath: template },
  { group: 'batch', kind: 'Job', podSpecPath: template },
  { group: 'batch', kind: 'CronJob', podSpecPath: ['spec', 'jobTemplate', 'spec', 'template', 'spec'] },
];

const SEGMENT = /^[A-Za-z0-9_-]+$/;
const GROUP = /^([a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)?$/;

/**
 * Parses `group/Kind=path.of.pod.template` (`Kind=...` or `/Kind=...` for the core group), e.g.
 * `argoproj.io/Rollout=spec.template`: the pod spec is the template's `spec`.
 */
export function parseKindSpec(spec: string): PodTemplateKind {
  const m = /^(?:([^/=]*)\/)?([A-Za-z][A-Za-z0-9]*)=([^=]+)$/.exec(spec.trim());
  const usage = `expected group/Kind=path.of.pod.template, e.g. argoproj.io/Rollout=spec.template`;
  if (!m) throw new ProvenantError('INVALID_ARGUMENT', `kind ${JSON.stringify(spec)}: ${usage}`);
  const group = m[1] ?? '';
  const path = m[3]!.split('.');
  if (!GROUP.test(group)) throw new ProvenantError('INVALID_ARGUMENT', `kind ${JSON.stringify(spec)}: ${JSON.stringify(group)} is not an API group name`);
  if (path.some((s) => !SEGMENT.test(s) || s === '__proto__' || s === 'constructor' || s === 'prototype')) {
    throw new ProvenantError('INVALID_ARGUMENT', `kind ${JSON.stringify(spec)}: the pod template path must be field names joined by dots; ${usage}`);
  }
  return { group, kind: m[2]!, podSpecPath: [...path, 'spec'] };
}

export function kindName(k: { group: string; kind: string }): string {
  return k.group === '' ? k.kind : `${k.group}/${k.kind}`;
}

/** Built-in kinds plus configured ones; a configured kind replaces a built-in one of the same group/kind. */
export function kindTable(extra: readonly PodTemplateKind[] = []): Map<string, PodTemplateKind> {
  const table = new Map<string, PodTemplateKind>();
  for (const k of [...BUILTIN_KINDS, ...extra]) table.set(kindName(k), k);
  return table;
}

/** One container image and the JSON pointer of its `image` field. */
export interface ContainerImage {
  readonly image: string;
  readonly pointer: string;
}

const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
export const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

/**
 * Every container image of an object of a pod-bearing kind, with where it is. A pod spec that is absent,
 * or a container without a string image, is ADMISSION_ERROR: what cannot be read is not admitted.
 */
export function containerImages(kind: PodTemplateKind, object: unknown): ContainerImage[] {
  let node: unknown = object;
  for (const seg of kind.podSpecPath) {
    node = isObject(node) && Object.hasOwn(node, seg) ? node[seg] : undefined;
    if (node === undefined) break;
  }
  const where = kind.podSpecPath.join('.');
  if (!isObject(node)) throw new ProvenantError('ADMISSION_ERROR', `${kindName(kind)} has no pod spec at ${where}`);
  const base = '/' + kind.podSpecPath.map(escapePointer).join('/');
  const out: ContainerImage[] = [];
  for (const list of CONTAINER_LISTS) {
    const containers = node[list];
    if (containers === undefined || containers === null) continue;
    if (!Array.isArray(containers)) throw new ProvenantError('ADMISSION_ERROR', `${kindName(kind)}: ${where}.${list} is not a list`);
    containers.forEach((c: unknown, i) => {
      const image = isObject(c) ? c.image : undefined;
      if (typeof image !== 'string' || image.length === 0) throw new ProvenantError('ADMISSION_ERROR', `${kindName(kind)}: ${where}.${list}[${i}] has no image`);
      out.push({ image, pointer: `${base}/${list}/${i}/image` });
    });
  }
  return out;
}
