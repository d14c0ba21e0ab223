// Bad input is denied with a specific code and exit 3: subject, builder and source mismatches on real
// slsa-github-generator provenance, a wrong predicate type, unknown fields, a bare envelope without a log entry.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BuilderId, ProvenanceView, verifyProvenanceContent, verifyVsa } from '@provenant/core/slsa';
import { cli } from '../e2e/helpers.js';
import { vectorsDir } from '../vectors.js';

const V = vectorsDir();
const TD = join(V, 'slsa-verifier/cli/slsa-verifier/testdata');
const ROOT = join(V, 'sigstore-js/packages/tuf/seeds.decoded/tuf-repo-cdn.sigstore.dev/trusted_root.json');
const GO_PROV = join(TD, 'gha_go/v2.1.0/binary-linux-amd64-workflow_dispatch.intoto.jsonl');
const GO_DIGEST = 'sha256:f6ab7ad0c7549b5a4942c3b0690519d791c28c4c0f8b286208cb40da3322a066';
const GO_BUILDER = 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/builder_go_slsa3.yml';
const SOURCE = 'github.com/slsa-framework/example-package';

async function verifyArtifact(...extra: string[]) {
  const r = await cli('verify-artifact', '--provenance-path', GO_PROV, '--trusted-root', ROOT, '--json', ...extra);
  return { code: r.code, error: r.code === 0 ? undefined : (JSON.parse(r.stdout) as { error: { code: string } }).error.code, stderr: r.stderr };
}

describe('verify-artifact (slsa-verifier flags)', () => {
  it('passes with the right digest, source and builder (with or without @version / @refs/tags/version)', async () => {
    for (const b of [[], ['--builder-id', GO_BUILDER], ['--builder-id', `${GO_BUILDER}@v2.1.0`], ['--builder-id', `${GO_BUILDER}@refs/tags/v2.1.0`]]) {
      const r = await verifyArtifact('--artifact-digest', GO_DIGEST, '--source-uri', SOURCE, '--source-branch', 'main', ...b);
      expect(r.code, r.stderr).toBe(0);
    }
    expect((await verifyArtifact('--artifact-digest', GO_DIGEST, '--source-uri', `git+https://${SOURCE}`)).code).toBe(0);
  });

  it('denies with exit 3 and a specific code', async () => {
    const cases: [string[], string][] = [
      [['--artifact-digest', `sha256:${'0'.repeat(64)}`, '--source-uri', SOURCE], 'SUBJECT_MISMATCH'],
      [['--artifact-digest', GO_DIGEST, '--source-uri', 'github.com/slsa-framework/other-repo'], 'SOURCE_MISMATCH'],
      [['--artifact-digest', GO_DIGEST, '--source-uri', SOURCE, '--source-branch', 'release'], 'SOURCE_BRANCH_MISMATCH'],
      [['--artifact-digest', GO_DIGEST, '--source-uri', SOURCE, '--builder-id', 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/not-trusted.yml'], 'BUILDER_MISMATCH'],
      [['--artifact-digest', GO_DIGEST, '--source-uri', SOURCE, '--builder-id', `${GO_BUILDER}@v2.0.0`], 'BUILDER_MISMATCH'],
    ];
    for (const [args, code] of cases) {
      const r = await verifyArtifact(...args);
      expect({ args, code: r.code, error: r.error }).toEqual({ args, code: 3, error: code });
    }
  });

  it('a tag build: --source-tag and --source-versioned-tag semver prefixes', async () => {
    const prov = join(TD, 'gha_go/v2.1.0/binary-linux-amd64-push-v13.0.30.intoto.jsonl');
    const digest = `sha256:${(JSON.parse(readFileSync(join(V, 'manifest.json'), 'utf8')) as { files: Record<string, string>; params: { artifact_sha256?: string } }[]).find((c) => c.files.provenance?.endsWith('gha_go/v2.1.0/binary-linux-amd64-push-v13.0.30.intoto.jsonl'))!.params.artifact_sha256}`;
    const run = (...a: string[]) => cli('verify-artifact', '--provenance-path', prov, '--trusted-root', ROOT, '--artifact-digest', digest, '--source-uri', SOURCE, '--json', ...a);
    expect((await run('--source-tag', 'v13.0.30')).code).toBe(0);
    for (const ok of ['v13', 'v13.0', 'v13.0.30']) expect((await run('--source-versioned-tag', ok)).code, ok).toBe(0);
    const badTag = await run('--source-tag', 'v13.0.31');
    expect([badTag.code, JSON.parse(badTag.stdout).error.code]).toEqual([3, 'SOURCE_TAG_MISMATCH']);
    for (const bad of ['v14', 'v13.1', 'v13.0.29']) {
      const r = await run('--source-versioned-tag', bad);
      expect([bad, r.code, JSON.parse(r.stdout).error.code]).toEqual([bad, 3, 'SOURCE_VERSIONED_TAG_MISMATCH']);
    }
  });

  it('a bare DSSE envelope without a transparency-log entry is denied offline (TLOG_THRESHOLD_NOT_MET)', async () => {
    const r = await cli('verify-artifact', join(TD, 'annotated-tag'), '--provenance-path', join(TD, 'annotated-tag.intoto.jsonl'), '--trusted-root', ROOT, '--source-uri', 'github.com/asraa/slsa-on-github-test', '--json');
    expect([r.code, JSON.parse(r.stdout).error.code]).toEqual([3, 'TLOG_THRESHOLD_NOT_MET']);
  });
});

describe('provenance content', () => {
  const bundle = JSON.parse(readFileSync(GO_PROV, 'utf8')) as { dsseEnvelope: { payload: string } };
  const payload = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8')) as Record<string, unknown> & { predicate: Record<string, unknown> };
  const certBuilder = BuilderId.parse(`${GO_BUILDER}@refs/tags/v2.1.0`, true);
  const expectations = { artifactDigest: GO_DIGEST, sourceUri: SOURCE };
  const check = (statement: unknown) => verifyProvenanceContent(ProvenanceView.from(GO_BUILDER, Buffer.from(JSON.stringify(statement))), certBuilder, false, undefined, expectations);

  it('the original passes', () => {
    expect(check(payload).toString()).toBe(`${GO_BUILDER}@refs/tags/v2.1.0`);
  });

  it('a wrong predicate type is PROVENANCE_INVALID', () => {
    expect(() => check({ ...payload, predicateType: 'https://example.test/not-provenance/v1' })).toThrowError(expect.objectContaining({ code: 'PROVENANCE_INVALID' }) as Error);
  });

  it('unknown fields where the schema forbids them are PROVENANCE_INVALID (statement and predicate)', () => {
    expect(() => check({ ...payload, extra: 1 })).toThrowError(expect.objectContaining({ code: 'PROVENANCE_INVALID' }) as Error);
    expect(() => check({ ...payload, predicate: { ...payload.predicate, surprise: true } })).toThrowError(expect.objectContaining({ code: 'PROVENANCE_INVALID' }) as Error);
  });

  it('a buildType the builder does not write is denied', () => {
    expect(() => check({ ...payload, predicate: { ...payload.predicate, buildType: 'https://example.test/other@v1' } })).toThrowError(expect.objectContaining({ code: 'PROVENANCE_INVALID' }) as Error);
  });

  it('a builder id in the provenance that is not the certificate builder is BUILDER_MISMATCH', () => {
    const pred = payload.predicate as { builder: { id: string } };
    expect(() => check({ ...payload, predicate: { ...payload.predicate, builder: { id: `${GO_BUILDER}@refs/tags/v2.0.9` } } })).toThrowError(expect.objectContaining({ code: 'BUILDER_MISMATCH' }) as Error);
    expect(pred.builder.id).toContain('builder_go_slsa3.yml');
  });
});

describe('VSA', () => {
  const vsa = JSON.parse(readFileSync(join(TD, 'vsa/gce/v1/gke-gce-pre.bcid-vsa.jsonl'), 'utf8')) as unknown;
  const key = readFileSync(join(TD, 'vsa/gce/v1/vsa_signing_public_key.pem'), 'utf8');
  const e = {
    subjectDigests: ['gce_image_id:8970095005306000053'],
    verifierId: 'https://bcid.corp.google.com/verifier/bcid_package_enforcer/v0.1',
    resourceUri: 'gce_image://gke-node-images:gke-12615-gke1418000-cos-101-17162-463-29-c-cgpv1-pre',
    verifiedLevels: ['BCID_L1', 'SLSA_BUILD_LEVEL_2'],
    publicKeyId: 'keystore://76574:prod:vsa_signing_public_key',
  };
  it('passes with the expected values, and denies a higher level, another resource or key id', () => {
    expect(verifyVsa(vsa, key, e).verificationResult).toBe('PASSED');
    expect(() => verifyVsa(vsa, key, { ...e, verifiedLevels: ['SLSA_BUILD_LEVEL_3'] })).toThrowError(expect.objectContaining({ code: 'VSA_INVALID' }) as Error);
    expect(() => verifyVsa(vsa, key, { ...e, resourceUri: 'gce_image://other' })).toThrowError(expect.objectContaining({ code: 'VSA_INVALID' }) as Error);
    expect(() => verifyVsa(vsa, key, { ...e, subjectDigests: ['gce_image_id:1'] })).toThrowError(expect.objectContaining({ code: 'SUBJECT_MISMATCH' }) as Error);
    expect(() => verifyVsa(vsa, key, { ...e, publicKeyId: 'other' })).toThrowError(expect.objectContaining({ code: 'DSSE_SIGNATURE_INVALID' }) as Error);
  });
});

describe('verify-npm-package', () => {
  const NPM = join(TD, 'npm/gha');
  const KEYS = join(V, 'sigstore-js/packages/tuf/seeds.decoded/tuf-repo-cdn.sigstore.dev/npm-registry_keys.json');
  const run = (...a: string[]) =>
    cli('verify-npm-package', join(NPM, 'supreme-googles-cli-v02-tag.tgz'), '--attestations-path', join(NPM, 'supreme-googles-cli-v02-tag.tgz.json'), '--npm-registry-keys', KEYS, '--trusted-root', ROOT, '--source-uri', 'github.com/trishankatdatadog/supreme-goggles', '--json', ...a);
  it('passes with the registry attestations, and denies another name, version, source or builder', async () => {
    const ok = await run('--builder-id', 'https://github.com/actions/runner/github-hosted', '--package-name', '@trishankatdatadog/supreme-goggles', '--package-version', '1.0.5');
    expect(ok.code, ok.stderr).toBe(0);
    for (const [args, code] of [
      [['--builder-id', 'https://github.com/actions/runner/github-hosted', '--package-name', '@trishankatdatadog/other'], 'PACKAGE_NAME_MISMATCH'],
      [['--builder-id', 'https://github.com/actions/runner/github-hosted', '--package-version', '1.0.6'], 'PACKAGE_VERSION_MISMATCH'],
      [['--builder-id', 'https://github.com/actions/runner/self-hosted'], 'BUILDER_MISMATCH'],
      [[], 'BUILDER_MISMATCH'],
    ] as const) {
      const r = await run(...args);
      expect([args, r.code, JSON.parse(r.stdout).error.code]).toEqual([args, 3, code]);
    }
  });
});
