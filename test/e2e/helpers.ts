// Real parts for the image tests: an image built with umoci from one directory, pushed with skopeo.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '@provenant/cli';
import { captureIO } from '../helpers/cli.js';

export { captureIO };

export function sh(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...(input !== undefined ? { input } : {}) });
}

/** Builds a one-layer image with umoci (content `text` in /hello.txt), pushes it as host/repo:tag; returns its digest. */
export function buildAndPushImage(work: string, host: string, repo: string, tag: string, text: string): string {
  const layout = join(work, `layout-${tag}`);
  const root = join(work, `root-${tag}`);
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'hello.txt'), text);
  const tar = join(work, `layer-${tag}.tar`);
  sh('tar', ['-C', root, '-cf', tar, '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', 'hello.txt']);
  sh('umoci', ['init', '--layout', layout]);
  sh('umoci', ['new', '--image', `${layout}:${tag}`]);
  sh('umoci', ['config', '--image', `${layout}:${tag}`, '--os', 'linux', '--architecture', 'amd64', '--created', '1970-01-01T00:00:00Z', '--no-history']);
  sh('umoci', ['raw', 'add-layer', '--image', `${layout}:${tag}`, '--history.created', '1970-01-01T00:00:00Z', tar]);
  sh('skopeo', ['--insecure-policy', 'copy', '-q', '--dest-tls-verify=false', `oci:${layout}:${tag}`, `docker://${host}/${repo}:${tag}`]);
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  return index.manifests[0]!.digest;
}


export async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captureIO();
  const code = await main(argv, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}
