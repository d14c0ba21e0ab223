// Builds real OCI layouts with umoci (and GNU tar for the layer tars, so .wh.* names stay verbatim).
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

function run(cmd: string, args: string[], opts: { input?: string } = {}): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...(opts.input !== undefined ? { input: opts.input } : {}) });
}

/** A deterministic tar of a directory's contents (sorted, uid/gid 0, mtime 0, no "./" prefix). */
export function tarDir(dir: string, out: string): void {
  const names = listRecursive(dir).sort();
  run('tar', ['-C', dir, '--null', '--no-recursion', '-T', '-', '-cf', out, '--format=posix', '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0'], { input: names.map((n) => `${n}\0`).join('') });
}

function listRecursive(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    out.push(rel);
    if (e.isDirectory()) out.push(...listRecursive(dir, rel));
  }
  return out;
}

/** Builds `layout:tag` from the given rootfs dirs, one layer each; returns the manifest digest. */
export function umociImage(layout: string, tag: string, layerDirs: string[], work: string, platform = { os: 'linux', architecture: 'amd64' }): string {
  try {
    readdirSync(layout);
  } catch {
    run('umoci', ['init', '--layout', layout]);
  }
  run('umoci', ['new', '--image', `${layout}:${tag}`]);
  run('umoci', ['config', '--image', `${layout}:${tag}`, '--os', platform.os, '--architecture', platform.architecture, '--created', '1970-01-01T00:00:00Z', '--no-history']);
  layerDirs.forEach((d, i) => {
    const t = join(work, `${tag}-layer${i}.tar`);
    tarDir(d, t);
    run('umoci', ['raw', 'add-layer', '--image', `${layout}:${tag}`, '--history.created', '1970-01-01T00:00:00Z', t]);
  });
  const index = JSON.parse(run('cat', [join(layout, 'index.json')])) as { manifests: Array<{ digest: string; annotations?: Record<string, string> }> };
  const d = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
  if (!d) throw new Error(`umoci did not tag ${tag}`);
  return d.digest;
}

export function skopeo(args: string[]): string {
  return run('skopeo', ['--insecure-policy', ...args]);
}
