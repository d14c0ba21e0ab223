// templates/provenant.yml, the GitLab CI/CD component: its spec header and job, with inputs
// interpolated as GitLab does ($[[ inputs.name ]], defaults, options), run as a runner runs the job:
// GitLab's predefined CI variables, the job's variables, the id_tokens token in SIGSTORE_ID_TOKEN (minted
// here; the loopback Fulcio of test/setup accepts it), the script in bash. provenant is the checkout's
// built bin (the `provenant` input), so nothing is installed from the npm registry. Both documents are
// validated against GitLab's published CI schema (fixtures/gitlab-ci/ci.json).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parseAllDocuments } from 'yaml';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { mintIdentityToken } from '../setup/sigstore.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'packages', 'cli', 'bin', 'provenant.cjs');
const TEMPLATE = join(ROOT, 'templates', 'provenant.yml');
const work = mkdtempSync(join(tmpdir(), 'provenant-gitlab-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface InputSpec {
  default?: string;
  options?: string[];
  description?: string;
}
interface Job {
  stage: string;
  image: string;
  id_tokens: Record<string, { aud: string }>;
  variables: Record<string, string>;
  script: string[];
  artifacts: { paths: string[] };
}

function documents(): [{ spec: { inputs: Record<string, InputSpec> } }, string] {
  const text = readFileSync(TEMPLATE, 'utf8');
  const docs = parseAllDocuments(text);
  expect(docs).toHaveLength(2);
  const body = text.slice(text.indexOf('\n---\n') + 5);
  return [docs[0]!.toJSON() as { spec: { inputs: Record<string, InputSpec> } }, body];
}

/** The component as GitLab includes it: inputs checked against the spec and interpolated. */
function include(given: Record<string, string>): [string, Job] {
  const [header, body] = documents();
  const inputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(header.spec.inputs)) {
    const v = given[name] ?? spec.default;
    if (v === undefined) throw new Error(`input ${name} is required`);
    if (spec.options && !spec.options.includes(v)) throw new Error(`input ${name}: ${v} is not one of ${spec.options.join(', ')}`);
    inputs[name] = v;
  }
  for (const name of Object.keys(given)) if (!(name in inputs)) throw new Error(`unknown input ${name}`);
  const interpolated = body.replace(/\$\[\[\s*inputs\.([a-z0-9_-]+)\s*\]\]/gu, (_m, name: string) => {
    if (!(name in inputs)) throw new Error(`unknown input ${name} in the template`);
    return inputs[name]!;
  });
  const jobs = parseAllDocuments(interpolated)[0]!.toJSON() as Record<string, Job>;
  const [name, job] = Object.entries(jobs)[0]!;
  return [name, job];
}

const project = join(work, 'project');
mkdirSync(project, { recursive: true });

/** Runs the job's script as a runner does, with GitLab's predefined variables. */
function runJob(job: Job): Promise<{ status: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    CI: 'true',
    GITLAB_CI: 'true',
    CI_SERVER_URL: 'https://gitlab.example.test',
    CI_SERVER_FQDN: 'gitlab.example.test',
    CI_SERVER_HOST: 'gitlab.example.test',
    CI_PROJECT_DIR: project,
    CI_PROJECT_PATH: 'example-group/example-project',
    CI_PROJECT_URL: 'https://gitlab.example.test/example-group/example-project',
    CI_PROJECT_ID: '7',
    CI_COMMIT_SHA: 'b'.repeat(40),
    CI_COMMIT_REF_NAME: 'main',
    CI_COMMIT_BRANCH: 'main',
    CI_DEFAULT_BRANCH: 'main',
    CI_PIPELINE_ID: '99',
    CI_PIPELINE_SOURCE: 'push',
    CI_JOB_ID: '1234',
    CI_JOB_NAME: 'provenant',
    CI_JOB_URL: 'https://gitlab.example.test/example-group/example-project/-/jobs/1234',
    CI_CONFIG_PATH: '.gitlab-ci.yml',
    CI_RUNNER_ID: '5',
    CI_RUNNER_DESCRIPTION: 'test runner',
    ...job.variables,
  };
  // id_tokens: each named variable holds a token with the requested audience.
  for (const [name, spec] of Object.entries(job.id_tokens)) env[name] = mintIdentityToken({ aud: spec.aud });
  const script = join(work, `job-${Date.now()}.sh`);
  writeFileSync(script, job.script.join('\n'));
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script], { env, cwd: project, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ status: code ?? 1, stdout, stderr }));
  });
}

describe("templates/provenant.yml against GitLab's published CI schema (fixtures/gitlab-ci)", () => {
  // ajv-formats is CommonJS with its function on `default`; an ES import sees module.exports.
  const formats = addFormatsModule as unknown as ((ajv: Ajv) => Ajv) & { default?: (ajv: Ajv) => Ajv };
  const addFormats = formats.default ?? formats;
  const validator = () => addFormats(new Ajv({ strict: false, allErrors: true })).compile(JSON.parse(readFileSync(join(ROOT, 'fixtures', 'gitlab-ci', 'ci.json'), 'utf8')));
  it('both documents, the spec header and the job, are valid', () => {
    const validate = validator();
    const docs = parseAllDocuments(readFileSync(TEMPLATE, 'utf8')).map((d) => d.toJSON() as unknown);
    expect(docs).toHaveLength(2);
    for (const doc of docs) {
      const ok = validate(doc);
      expect(validate.errors ?? [], JSON.stringify(validate.errors)).toEqual([]);
      expect(ok).toBe(true);
    }
  });

  it('the schema refuses an unknown spec key and a job whose script is not a list (the check is real)', () => {
    const validate = validator();
    expect(validate({ spec: { inputs: {}, includes: [] } })).toBe(false);
    expect(validate({ job: { script: 42 } })).toBe(false);
  });
});

describe('templates/provenant.yml', () => {
  it('declares spec inputs with defaults, asks for an id_token with audience sigstore, keeps the evidence', () => {
    const [header] = documents();
    expect(header.spec.inputs.command!.options).toContain('sign');
    const [name, job] = include({});
    expect(name).toBe('provenant');
    expect(job.id_tokens).toEqual({ SIGSTORE_ID_TOKEN: { aud: 'sigstore' } });
    expect(job.artifacts.paths).toEqual(['provenant-evidence']);
    expect(() => include({ command: 'deploy' })).toThrow(/not one of/u);
  });

  it('sign: keyless with the job token, then verify by identity; a changed file is denied', async () => {
    const sigstore = inject('sigstore');
    writeFileSync(join(project, 'app.tgz'), 'gitlab artifact\n');
    const [, sign] = include({ command: 'sign', subject: 'app.tgz', provenant: BIN, 'fulcio-url': sigstore.fulcioURL, 'rekor-url': sigstore.rekorURL });
    const signed = await runJob(sign);
    expect(signed.status, signed.stderr).toBe(0);
    expect(existsSync(join(project, 'provenant-evidence', 'app.tgz.sigstore.json'))).toBe(true);

    const identity = { 'certificate-identity': sigstore.identity.subjectAlternativeName, 'certificate-oidc-issuer': sigstore.identity.issuer, 'trusted-root': sigstore.trustedRootPath };
    const [, verify] = include({ command: 'verify', subject: 'app.tgz', provenant: BIN, ...identity });
    const ok = await runJob(verify);
    expect(ok.status, ok.stderr).toBe(0);
    writeFileSync(join(project, 'app.tgz'), 'changed\n');
    expect((await runJob(verify)).status).toBe(3);
  });

  it('sbom: of the project directory, into the evidence directory', async () => {
    const [, job] = include({ command: 'sbom', subject: join(ROOT, 'fixtures', 'sample-app'), provenant: BIN });
    const r = await runJob(job);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(project, 'provenant-evidence', 'sbom.cdx.json'), 'utf8')).bomFormat).toBe('CycloneDX');
  });
});
