// action.yml: validated against SchemaStore's published schemas for action and workflow files
// (fixtures/schemastore), and run as the Actions runner runs a composite action (actions-runner.ts):
// GITHUB_* and RUNNER_TEMP set, outputs through GITHUB_OUTPUT files, the job's OIDC token served on
// loopback at ACTIONS_ID_TOKEN_REQUEST_URL, Fulcio and Rekor from test/setup/sigstore.ts. provenant is the
// checkout's built bin (the `provenant` input), so the install step, which would reach the npm
// registry, is skipped; its script is checked by bash -n.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mintIdentityToken } from '../setup/sigstore.js';
import { evaluate, readCommandFile, runCompositeAction } from './actions-runner.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'packages', 'cli', 'bin', 'provenant.cjs');
const work = mkdtempSync(join(tmpdir(), 'provenant-action-'));
const workspace = join(work, 'workspace');
const bearer = randomBytes(16).toString('hex');
const tokenRequests: Array<{ audience: string | null; authorized: boolean }> = [];
let server: Server;
let tokenURL: string;

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'packages', 'cli', 'dist', 'bundle', 'main.cjs'))) throw new Error('packages/cli/dist is missing: run npm run build first');
  spawnSync('mkdir', ['-p', workspace, join(work, 'temp')]);
  // GitHub's token endpoint: GET with `Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN` and
  // `&audience=`, answering {"value": "<JWT>"}.
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const authorized = req.headers.authorization === `bearer ${bearer}` || req.headers.authorization === `Bearer ${bearer}`;
    tokenRequests.push({ audience: url.searchParams.get('audience'), authorized });
    if (!authorized || url.searchParams.get('api-version') !== '2.0') return void res.writeHead(401).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value: mintIdentityToken({ aud: url.searchParams.get('audience') }) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  tokenURL = `http://127.0.0.1:${(server.address() as { port: number }).port}/_apis/distributedtask/hubs/build/plans/p/jobs/j/idtoken?api-version=2.0`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

function jobEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const k of ['PATH', 'HOME', 'PROVENANT_COMPILE_CACHE']) if (process.env[k] !== undefined) env[k] = process.env[k];
  return {
    ...env,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_REPOSITORY: 'example-org/example-repo',
    GITHUB_REPOSITORY_ID: '1',
    GITHUB_REPOSITORY_OWNER: 'example-org',
    GITHUB_REPOSITORY_OWNER_ID: '2',
    GITHUB_SHA: 'a'.repeat(40),
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REF_NAME: 'main',
    GITHUB_REF_TYPE: 'branch',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_WORKFLOW: 'release',
    GITHUB_WORKFLOW_REF: 'example-org/example-repo/.github/workflows/release.yml@refs/heads/main',
    GITHUB_WORKFLOW_SHA: 'a'.repeat(40),
    GITHUB_EVENT_NAME: 'push',
    GITHUB_RUN_ID: '12345',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'release',
    GITHUB_ACTOR: 'example-user',
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_ENVIRONMENT: 'github-hosted',
    RUNNER_TEMP: join(work, 'temp'),
    ACTIONS_ID_TOKEN_REQUEST_URL: tokenURL,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: bearer,
  };
}

const run = (inputs: Record<string, string>) => runCompositeAction(ROOT, { provenant: BIN, ...inputs }, jobEnv());

describe('action.yml against the published schemas', () => {
  const ajv = () => new Ajv({ strict: false, allErrors: true });
  it('is a valid action file (SchemaStore github-action.json)', () => {
    const validate = ajv().compile(JSON.parse(readFileSync(join(ROOT, 'fixtures', 'schemastore', 'github-action.json'), 'utf8')));
    const ok = validate(parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')));
    expect(validate.errors ?? [], JSON.stringify(validate.errors)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the workflows are valid workflow files (SchemaStore github-workflow.json)', () => {
    const validate = ajv().compile(JSON.parse(readFileSync(join(ROOT, 'fixtures', 'schemastore', 'github-workflow.json'), 'utf8')));
    const files = readdirSync(join(ROOT, '.github', 'workflows')).filter((f) => f.endsWith('.yml'));
    expect(files).toContain('ci.yml');
    for (const f of files) {
      const ok = validate(parse(readFileSync(join(ROOT, '.github', 'workflows', f), 'utf8')));
      expect(validate.errors ?? [], `${f}: ${JSON.stringify(validate.errors)}`).toEqual([]);
      expect(ok).toBe(true);
    }
  });

  it('the schema refuses an action without runs (the check is real)', () => {
    const validate = ajv().compile(JSON.parse(readFileSync(join(ROOT, 'fixtures', 'schemastore', 'github-action.json'), 'utf8')));
    expect(validate({ name: 'x', description: 'y' })).toBe(false);
  });
});

describe('action.yml run as the runner runs it', () => {
  it('installs only when no provenant is given; the install script parses', () => {
    const steps = (parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as { runs: { steps: Array<{ id: string; if?: string; run: string }> } }).runs.steps;
    const install = steps.find((s) => s.id === 'install')!;
    expect(evaluate(install.if!, { inputs: { provenant: '' } })).toBe(true);
    expect(evaluate(install.if!, { inputs: { provenant: BIN } })).toBe(false);
    const script = join(work, 'install.sh');
    writeFileSync(script, install.run);
    expect(spawnSync('bash', ['-n', script]).status).toBe(0);
  });

  it('sign: keyless with the job OIDC token (audience sigstore), then verify by identity; a changed file fails', async () => {
    const sigstore = inject('sigstore');
    writeFileSync(join(workspace, 'app.tgz'), 'release artifact\n');
    const before = tokenRequests.length;
    const signed = await run({ command: 'sign', subject: 'app.tgz', 'fulcio-url': sigstore.fulcioURL, 'rekor-url': sigstore.rekorURL });
    expect(signed.status, JSON.stringify(signed.steps)).toBe(0);
    expect(signed.steps[0]!.ran).toBe(false);
    expect(tokenRequests.slice(before)).toEqual([{ audience: 'sigstore', authorized: true }]);
    const bundle = signed.outputs.bundles!;
    expect(bundle).toBe(join(work, 'temp', 'provenant-evidence', 'app.tgz.sigstore.json'));
    expect(JSON.parse(signed.outputs.digests!)['app.tgz']).toMatch(/^sha256:[0-9a-f]{64}$/u);
    expect(signed.outputs['evidence-dir']).toBe(join(work, 'temp', 'provenant-evidence'));

    const identity = { 'certificate-identity': sigstore.identity.subjectAlternativeName, 'certificate-oidc-issuer': sigstore.identity.issuer, 'trusted-root': sigstore.trustedRootPath };
    const verified = await run({ command: 'verify', subject: 'app.tgz', ...identity });
    expect(verified.status, verified.steps.map((s) => s.stderr).join('\n')).toBe(0);
    expect(verified.outputs.verified).toBe('true');

    writeFileSync(join(workspace, 'app.tgz'), 'another artifact\n');
    const denied = await run({ command: 'verify', subject: 'app.tgz', bundle, ...identity });
    expect(denied.status).toBe(3);
    expect(denied.outputs.verified).toBe('false');
    const wrongSigner = await run({ command: 'verify', subject: 'app.tgz', bundle, ...identity, 'certificate-identity': 'https://github.com/other/repo/.github/workflows/x.yml@refs/heads/main' });
    expect(wrongSigner.status).toBe(3);
  });

  it('sbom: writes the SBOM into the evidence directory and names it in the outputs', async () => {
    const r = await run({ command: 'sbom', subject: join(ROOT, 'fixtures', 'sample-app'), 'evidence-dir': 'out' });
    expect(r.status, r.steps.map((s) => s.stderr).join('\n')).toBe(0);
    expect(r.outputs.sbom).toBe(join(workspace, 'out', 'sbom.cdx.json'));
    expect(JSON.parse(readFileSync(r.outputs.sbom!, 'utf8')).bomFormat).toBe('CycloneDX');
  });

  it('attest: a keyless in-toto attestation about a file', async () => {
    const sigstore = inject('sigstore');
    writeFileSync(join(workspace, 'lib.tgz'), 'library\n');
    writeFileSync(join(workspace, 'predicate.json'), JSON.stringify({ reviewed: true }));
    const r = await run({ command: 'attest', subject: 'lib.tgz', predicate: 'predicate.json', 'predicate-type': 'https://example.test/review/v1', 'fulcio-url': sigstore.fulcioURL, 'rekor-url': sigstore.rekorURL });
    expect(r.status, r.steps.map((s) => s.stderr).join('\n')).toBe(0);
    const bundle = JSON.parse(readFileSync(r.outputs.bundles!, 'utf8')) as { dsseEnvelope?: { payloadType: string } };
    expect(bundle.dsseEnvelope?.payloadType).toBe('application/vnd.in-toto+json');
  });

  it('refuses an unknown command with a usage error and no outputs', async () => {
    const r = await run({ command: 'deploy' });
    expect(r.status).toBe(2);
    expect(r.steps[1]!.stdout + r.steps[1]!.stderr).toContain('::error');
  });

  it('reads both GITHUB_OUTPUT forms', () => {
    expect(readCommandFile('a=1\nb<<EOF_X\nline 1\nline 2\nEOF_X\n')).toEqual({ a: '1', b: 'line 1\nline 2' });
  });
});
