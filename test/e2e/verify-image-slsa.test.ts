// slsa-github-generator container provenance (a `cosign save` layout from the vectors) pushed to the
// loopback registry as cosign stores it (`sha256-<hex>.att`); `verify-image --source-uri` checks it as
// slsa-verifier verify-image does, offline against the production trusted root.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { createClient, parseReference } from '@provenant/core/oci';
import { cli } from './helpers.js';
import { vectorsDir } from '../vectors.js';

const V = vectorsDir();
const LAYOUT = join(V, 'slsa-verifier/cli/slsa-verifier/testdata/gha_generic_container/v2.1.0/container_workflow_dispatch');
const ROOT = join(V, 'sigstore-js/packages/tuf/seeds.decoded/tuf-repo-cdn.sigstore.dev/trusted_root.json');
const host = inject('ociRegistries').plain.host;
const REPO = 'slsa/container';
const SOURCE = 'github.com/slsa-framework/example-package';

interface Desc {
  mediaType: string;
  digest: string;
  annotations?: Record<string, string>;
}

async function pushCosignLayout(): Promise<string> {
  const client = await createClient({});
  try {
    const repo = parseReference(`${host}/${REPO}:x`);
    const blobDir = join(LAYOUT, 'blobs/sha256');
    for (const name of readdirSync(blobDir)) await client.pushBlob(repo, readFileSync(join(blobDir, name)));
    const read = (d: string): Buffer => readFileSync(join(blobDir, d.slice(7)));
    const index = JSON.parse(readFileSync(join(LAYOUT, 'index.json'), 'utf8')) as { manifests: Desc[] };
    const image = index.manifests.find((m) => m.annotations?.kind === 'dev.cosignproject.cosign/imageIndex')!;
    const att = index.manifests.find((m) => m.annotations?.kind === 'dev.cosignproject.cosign/atts')!;
    const children = (JSON.parse(read(image.digest).toString()) as { manifests: Desc[] }).manifests;
    for (const c of children) await client.putManifest(parseReference(`${host}/${REPO}@${c.digest}`), read(c.digest), { mediaType: c.mediaType });
    await client.putManifest(parseReference(`${host}/${REPO}:latest`), read(image.digest), { mediaType: image.mediaType });
    await client.putManifest(parseReference(`${host}/${REPO}:sha256-${image.digest.slice(7)}.att`), read(att.digest), { mediaType: att.mediaType });
    return image.digest;
  } finally {
    client.close();
  }
}

describe('verify-image --source-uri (slsa-verifier verify-image semantics)', () => {
  it('passes for the generator provenance, and denies wrong source, branch and builder', async () => {
    const digest = await pushCosignLayout();
    const run = (...a: string[]) => cli('verify-image', `${host}/${REPO}:latest`, '--trusted-root', ROOT, '--format', 'legacy', '--json', ...a);
    const ok = await run('--source-uri', SOURCE);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).image).toBe(`${host}/${REPO}@${digest}`);
    expect((await run('--source-uri', SOURCE, '--builder-id', 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@v2.1.0')).code).toBe(0);
    for (const [args, code] of [
      [['--source-uri', 'github.com/slsa-framework/other'], 'SOURCE_MISMATCH'],
      [['--source-uri', SOURCE, '--source-branch', 'release'], 'SOURCE_BRANCH_MISMATCH'],
      [['--source-uri', SOURCE, '--builder-id', 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/not-trusted.yml'], 'BUILDER_MISMATCH'],
    ] as const) {
      const r = await run(...args);
      expect([args, r.code, JSON.parse(r.stdout).error.code]).toEqual([args, 3, code]);
    }
  }, 120_000);
});
