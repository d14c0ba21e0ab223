import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProvenantError } from '@provenant/core/errors';
import { parseStatement, SLSA_PROVENANCE_V1 } from '@provenant/core/intoto';
import {
  GITHUB_ACTIONS_BUILD_TYPE,
  buildProvenance,
  detectBuildContext,
  expandPaths,
  parseChecksums,
  subjectFromImageDigest,
  subjectsFromFiles,
} from '@provenant/core/slsa';
import { loadTrustedRoot, verifyBundle } from '@provenant/core/verify';
import { exportPrivateKey, exportPublicKey, generateKeyPair } from '@provenant/core/sign';
import { cli } from '../e2e/helpers.js';
import { vectorsDir } from '../vectors.js';

const tmp = mkdtempSync(join(tmpdir(), 'provenant-slsa-gen-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

const GHA_ENV = {
  GITHUB_ACTIONS: 'true',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_REPOSITORY: 'octo/app',
  GITHUB_REF: 'refs/tags/v1.2.3',
  GITHUB_SHA: 'a'.repeat(40),
  GITHUB_WORKFLOW_REF: 'octo/app/.github/workflows/release.yml@refs/tags/v1.2.3',
  GITHUB_EVENT_NAME: 'push',
  GITHUB_REPOSITORY_ID: '123',
  GITHUB_REPOSITORY_OWNER_ID: '456',
  RUNNER_ENVIRONMENT: 'github-hosted',
  GITHUB_RUN_ID: '789',
  GITHUB_RUN_ATTEMPT: '2',
};

describe('CI detectors', () => {
  it('GitHub Actions: the fields and shapes GitHub writes in its own provenance attestations', () => {
    const ctx = detectBuildContext(GHA_ENV);
    const st = buildProvenance({ subjects: [{ name: 'a', digest: { sha256: sha('a') } }], context: ctx });
    expect(st.predicateType).toBe(SLSA_PROVENANCE_V1);
    const p = st.predicate;
    expect(p.buildDefinition?.buildType).toBe(GITHUB_ACTIONS_BUILD_TYPE);
    expect(p.buildDefinition?.externalParameters).toEqual({ workflow: { ref: 'refs/tags/v1.2.3', repository: 'https://github.com/octo/app', path: '.github/workflows/release.yml' } });
    expect(p.buildDefinition?.internalParameters).toEqual({ github: { event_name: 'push', repository_id: '123', repository_owner_id: '456', runner_environment: 'github-hosted' } });
    expect(p.buildDefinition?.resolvedDependencies).toEqual([{ uri: 'git+https://github.com/octo/app@refs/tags/v1.2.3', digest: { gitCommit: 'a'.repeat(40) } }]);
    expect(p.runDetails?.builder?.id).toBe('https://github.com/octo/app/.github/workflows/release.yml@refs/tags/v1.2.3');
    expect(p.runDetails?.metadata?.invocationId).toBe('https://github.com/octo/app/actions/runs/789/attempts/2');
    // The same shape as a real GitHub attestation in the vectors (keys of every object).
    const keys = (o: unknown): unknown => (o && typeof o === 'object' && !Array.isArray(o) ? Object.fromEntries(Object.entries(o).map(([k, v]) => [k, keys(v)])) : Array.isArray(o) ? o.map(keys) : typeof o);
    const real = JSON.parse(readFileSync(join(vectorsDir(), 'slsa-verifier/cli/slsa-verifier/testdata/bcr/MODULE.bazel.intoto.jsonl'), 'utf8')) as { dsseEnvelope: { payload: string } };
    const realPredicate = (JSON.parse(Buffer.from(real.dsseEnvelope.payload, 'base64').toString()) as { predicate: unknown }).predicate;
    expect(keys({ ...p, runDetails: { builder: p.runDetails?.builder, metadata: { invocationId: p.runDetails?.metadata?.invocationId } } })).toEqual(keys(realPredicate));
  });

  it('GitLab CI: project, ref, commit and job from CI_* variables', () => {
    const ctx = detectBuildContext({ GITLAB_CI: 'true', CI_PROJECT_URL: 'https://gitlab.example.test/g/p', CI_PROJECT_PATH: 'g/p', CI_COMMIT_SHA: 'b'.repeat(40), CI_COMMIT_REF_NAME: 'main', CI_JOB_URL: 'https://gitlab.example.test/g/p/-/jobs/9', CI_RUNNER_ID: '7', CI_JOB_NAME: 'build' });
    expect(ctx.platform).toBe('gitlab-ci');
    expect(ctx.builderId).toBe('https://gitlab.example.test/g/p/-/runners/7');
    expect(ctx.source).toEqual({ uri: 'git+https://gitlab.example.test/g/p@refs/heads/main', digest: { gitCommit: 'b'.repeat(40) } });
    expect(ctx.invocationId).toBe('https://gitlab.example.test/g/p/-/jobs/9');
  });

  it('generic mode needs an explicit builder id (CI_ENV_UNDETECTED otherwise)', () => {
    expect(() => detectBuildContext({})).toThrowError(expect.objectContaining({ code: 'CI_ENV_UNDETECTED' }) as Error);
    expect(detectBuildContext({}, { builderId: 'https://builder.example.test/b1' }).builderId).toBe('https://builder.example.test/b1');
  });

  it('an incomplete GitHub environment is CI_ENV_UNDETECTED, not a half-filled provenance', () => {
    const { GITHUB_SHA: _omit, ...partial } = GHA_ENV;
    expect(() => detectBuildContext(partial)).toThrowError(expect.objectContaining({ code: 'CI_ENV_UNDETECTED' }) as Error);
  });
});

describe('subjects', () => {
  mkdirSync(join(tmp, 'dist/sub'), { recursive: true });
  writeFileSync(join(tmp, 'dist/a.bin'), 'a');
  writeFileSync(join(tmp, 'dist/sub/b.bin'), 'b');
  writeFileSync(join(tmp, 'dist/c.txt'), 'c');

  it('files and globs (*, **), sorted, relative names', async () => {
    expect((await expandPaths(['dist/*.bin'], tmp)).map((p) => p.slice(tmp.length + 1))).toEqual(['dist/a.bin']);
    const s = await subjectsFromFiles(['dist/**/*.bin', 'dist/c.txt'], tmp);
    expect(s).toEqual([
      { name: 'dist/a.bin', digest: { sha256: sha('a') } },
      { name: 'dist/c.txt', digest: { sha256: sha('c') } },
      { name: 'dist/sub/b.bin', digest: { sha256: sha('b') } },
    ]);
    await expect(subjectsFromFiles(['dist/*.none'], tmp)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });

  it('sha256sum-format checksums (text and binary mode), bad lines rejected', () => {
    expect(parseChecksums(`${sha('a')}  a.bin\n${sha('b')} *b.bin\n`)).toEqual([
      { name: 'a.bin', digest: { sha256: sha('a') } },
      { name: 'b.bin', digest: { sha256: sha('b') } },
    ]);
    expect(() => parseChecksums('abc  x\n')).toThrow(ProvenantError);
  });

  it('image digests name the repository; tags alone are refused', () => {
    expect(subjectFromImageDigest(`registry.example.test/app:v1@sha256:${sha('i')}`)).toEqual({ name: 'registry.example.test/app', digest: { sha256: sha('i') } });
    expect(() => subjectFromImageDigest('registry.example.test/app:v1')).toThrowError(expect.objectContaining({ code: 'REFERENCE_INVALID' }) as Error);
  });

  it('the statement is valid in-toto v1 with a strict SLSA v1 predicate', () => {
    const st = buildProvenance({ subjects: [{ name: 'x', digest: { sha256: sha('x') } }], context: detectBuildContext({}, { builderId: 'https://b.example.test' }), startedOn: new Date(0), finishedOn: new Date(1000) });
    expect(() => parseStatement(JSON.stringify(st))).not.toThrow();
    expect(st.predicate.runDetails?.metadata).toEqual({ startedOn: '1970-01-01T00:00:00Z', finishedOn: '1970-01-01T00:00:01Z' });
  });
});

describe('provenant provenance', () => {
  it('writes a statement for files + checksums + an image, and signs it with --sign --key', async () => {
    writeFileSync(join(tmp, 'sums.txt'), `${sha('z')}  z.bin\n`);
    const out = join(tmp, 'prov.json');
    const r = await cli('provenance', join(tmp, 'dist/a.bin'), `registry.example.test/app@sha256:${sha('i')}`, '--checksums', join(tmp, 'sums.txt'), '--builder-id', 'https://b.example.test', '--output', out, '--quiet');
    expect(r.code, r.stderr).toBe(0);
    const st = parseStatement(readFileSync(out, 'utf8'));
    expect(st.subject.map((s) => s.name).sort()).toEqual(['registry.example.test/app', 'z.bin', expect.stringMatching(/a\.bin$/)].sort());
    const pair = generateKeyPair('ecdsa-p256');
    writeFileSync(join(tmp, 'k.pem'), exportPrivateKey(pair.privateKey));
    const signed = join(tmp, 'prov.sigstore.json');
    expect((await cli('provenance', join(tmp, 'dist/a.bin'), '--builder-id', 'https://b.example.test', '--sign', '--key', join(tmp, 'k.pem'), '--output', signed, '--quiet')).code).toBe(0);
    const v = verifyBundle(JSON.parse(readFileSync(signed, 'utf8')), { digest: `sha256:${sha('a')}` }, { kind: 'key', publicKey: exportPublicKey(pair.publicKey) }, loadTrustedRoot({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1' }), { tlogThreshold: 0, timestampThreshold: 0 });
    expect((v.dsse?.statement as { predicateType: string }).predicateType).toBe(SLSA_PROVENANCE_V1);
  });

  it('outside CI without --builder-id: exit 1, CI_ENV_UNDETECTED, no output file', async () => {
    const out = join(tmp, 'none.json');
    const env = { ...process.env };
    delete process.env.GITHUB_ACTIONS;
    delete process.env.GITLAB_CI;
    try {
      const r = await cli('provenance', join(tmp, 'dist/a.bin'), '--output', out, '--json');
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout).error.code).toBe('CI_ENV_UNDETECTED');
    } finally {
      Object.assign(process.env, env);
    }
    expect(() => readFileSync(out)).toThrow();
  });
});
