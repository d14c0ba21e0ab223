import { statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { ProvenantError } from '../../errors.js';
import { DockerArchive, OciLayout, parseReference, type PlatformChoice, type ResolvedImage } from '../../oci/index.js';

export type ImageTarget =
  | { kind: 'oci-layout'; dir: string; ref: string | undefined }
  | { kind: 'docker-archive'; file: string; selector: string | undefined }
  | { kind: 'registry'; reference: string };

function exists(p: string): 'dir' | 'file' | undefined {
  try {
    const s = statSync(p);
    return s.isDirectory() ? 'dir' : 'file';
  } catch {
    return undefined;
  }
}

/** Splits `PATH[:REF]`: the longest prefix that exists on disk is the path (paths may contain ':'). */
function splitPathRef(rest: string, want: 'dir' | 'file'): { path: string; ref: string | undefined } {
  if (exists(rest) === want) return { path: rest, ref: undefined };
  for (let i = rest.lastIndexOf(':'); i > 0; i = rest.lastIndexOf(':', i - 1)) {
    const path = rest.slice(0, i);
    if (exists(path) === want) return { path, ref: rest.slice(i + 1) };
  }
  throw new ProvenantError('FILE_NOT_FOUND', `${want === 'dir' ? 'OCI layout directory' : 'docker-archive file'} not found in ${JSON.stringify(rest)}`);
}

/** `oci:DIR[:ref]`, `docker-archive:FILE[:repo:tag|@N]`, or a registry image reference. */
export function parseImageTarget(target: string): ImageTarget {
  if (target.startsWith('oci:')) {
    const { path, ref } = splitPathRef(target.slice(4), 'dir');
    return { kind: 'oci-layout', dir: resolve(path), ref };
  }
  if (target.startsWith('docker-archive:')) {
    const { path, ref } = splitPathRef(target.slice('docker-archive:'.length), 'file');
    return { kind: 'docker-archive', file: resolve(path), selector: ref };
  }
  if (target.startsWith('docker://')) return { kind: 'registry', reference: target.slice('docker://'.length) };
  return { kind: 'registry', reference: target };
}

/** A way to fetch images from a registry (the core/oci distribution client, adapted). */
export interface RegistryImageResolver {
  resolve(reference: string, platform: PlatformChoice): Promise<ResolvedImage[]>;
}

export interface OpenTargetOptions {
  platform: PlatformChoice;
  registry?: RegistryImageResolver;
}

/** The images a target names (several for an index with platform 'all'). */
export async function openImageTarget(t: ImageTarget, opts: OpenTargetOptions): Promise<ResolvedImage[]> {
  switch (t.kind) {
    case 'oci-layout':
      return (await OciLayout.open(t.dir)).images(t.ref, opts.platform);
    case 'docker-archive':
      return [await (await DockerArchive.open(t.file)).image(t.selector)];
    case 'registry':
      if (!opts.registry) throw new ProvenantError('UNSUPPORTED', `no registry client available to pull ${t.reference}`);
      return opts.registry.resolve(t.reference, opts.platform);
  }
}

/** Name of the root component: repository for registries, the tag/dir for layouts, the first RepoTag for archives. */
export function subjectName(t: ImageTarget, image: ResolvedImage): string {
  switch (t.kind) {
    case 'registry': {
      const r = parseReference(t.reference);
      return `${r.registry}/${r.repository}`;
    }
    case 'oci-layout':
      return basename(t.dir);
    case 'docker-archive': {
      const tag = image.tags[0];
      return tag ? tag.replace(/:[^:/]+$/, '') : basename(t.file);
    }
  }
}
