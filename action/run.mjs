#!/usr/bin/env node
// The GitHub Action's job step (action.yml): runs one provenant command on the inputs and writes the
// step outputs (evidence directory, digests, bundles, SBOM, image digest) to $GITHUB_OUTPUT. Inputs come
// as environment variables set by action.yml (never spliced into a shell script). Keyless by default:
// provenant asks the Actions OIDC endpoint (ACTIONS_ID_TOKEN_REQUEST_URL, `permissions: id-token: write`)
// for a token with audience sigstore. Exits with provenant's exit code (3: verification failed).
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';

const COMMANDS = ['sbom', 'sign', 'attest', 'provenance', 'sign-image', 'attest-image', 'pipeline', 'verify', 'verify-image'];
const env = process.env;
const input = (name) => (env[`INPUT_${name.toUpperCase().replaceAll('-', '_')}`] ?? '').trim();
const lines = (name) =>
  input(name)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');

function fail(message) {
  console.error(`::error title=provenant::${message}`);
  process.exit(2);
}

function setOutput(name, value) {
  const file = env.GITHUB_OUTPUT;
  if (!file) return;
  const delimiter = `provenant_${randomBytes(12).toString('hex')}`;
  appendFileSync(file, `${name}<<${delimiter}\n${value}\n${delimiter}\n`);
}

const command = input('command');
if (!COMMANDS.includes(command)) fail(`input command must be one of ${COMMANDS.join(', ')} (got "${command}")`);
const bin = input('provenant');
if (!bin) fail('no provenant to run (the install step sets it)');
const workspace = env.GITHUB_WORKSPACE || process.cwd();
const at = (p) => (isAbsolute(p) ? p : resolve(workspace, p));
const evidence = at(input('evidence-dir') || join(env.RUNNER_TEMP || workspace, 'provenant-evidence'));
mkdirSync(evidence, { recursive: true });
const subjects = lines('subject');
const extra = lines('args');
const key = input('key');

/** Signing options: a key, else keyless through Fulcio (the CLI finds the Actions token itself). */
function signerArgs({ fulcio = true } = {}) {
  const out = [];
  if (key) out.push('--key', at(key));
  else if (fulcio && input('fulcio-url')) out.push('--fulcio-url', input('fulcio-url'));
  if (input('rekor-url')) out.push('--rekor-url', input('rekor-url'));
  if (input('tsa-url')) out.push('--tsa-url', input('tsa-url'));
  return out;
}

/** Verification options: a public key, else a certificate identity; a trusted root; policies. */
function verifierArgs() {
  const out = [];
  if (key) out.push('--key', at(key));
  for (const [opt, name] of [
    ['--certificate-identity', 'certificate-identity'],
    ['--certificate-identity-regexp', 'certificate-identity-regexp'],
    ['--certificate-oidc-issuer', 'certificate-oidc-issuer'],
  ]) {
    if (input(name)) out.push(opt, input(name));
  }
  if (input('trusted-root')) out.push('--trusted-root', at(input('trusted-root')));
  return out;
}

const sha256 = (file) => `sha256:${createHash('sha256').update(readFileSync(file)).digest('hex')}`;
const digests = {};
const bundles = [];
let sbom = '';
let imageDigest = '';
let status = 0;

function provenant(args) {
  console.error(`provenant ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [bin, ...args, ...extra], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.error) fail(`could not run ${bin}: ${r.error.message}`);
  if (r.stdout) process.stdout.write(r.stdout);
  if (r.status !== 0 && status === 0) status = r.status ?? 1;
  return r.stdout;
}

function needSubjects(what) {
  if (subjects.length === 0) fail(`command ${command} needs subject: ${what}`);
  return subjects;
}

/** The digest in an image command's --json line (`image` is `registry/repo@sha256:...`). */
function digestOfImage(stdout) {
  try {
    const j = JSON.parse(stdout.trim().split('\n').pop() ?? '');
    const d = typeof j.digest === 'string' ? j.digest : typeof j.image === 'string' ? j.image.slice(j.image.lastIndexOf('@') + 1) : '';
    return /^sha256:[0-9a-f]{64}$/u.test(d) ? d : '';
  } catch {
    return '';
  }
}

const bundleFor = (file, suffix) => join(evidence, `${basename(file)}${suffix}.sigstore.json`);

switch (command) {
  case 'sbom': {
    const targets = subjects.length > 0 ? subjects : ['.'];
    targets.forEach((t, i) => {
      const out = join(evidence, targets.length === 1 ? 'sbom.cdx.json' : `sbom-${i + 1}.cdx.json`);
      provenant(['sbom', /^[a-z-]+:|\//u.test(t) && !existsSync(at(t)) ? t : at(t), '--output', out]);
      sbom = sbom || out;
    });
    break;
  }
  case 'sign':
  case 'attest': {
    for (const f of needSubjects('the files to sign, one per line')) {
      const file = at(f);
      digests[f] = sha256(file);
      const bundle = bundleFor(file, command === 'attest' ? '.att' : '');
      const args = [command, file, '--bundle', bundle, ...signerArgs()];
      if (command === 'attest') {
        if (!input('predicate') || !input('predicate-type')) fail('attest needs predicate and predicate-type');
        args.push('--predicate', at(input('predicate')), '--type', input('predicate-type'));
      }
      provenant(args);
      bundles.push(bundle);
    }
    break;
  }
  case 'provenance': {
    const files = needSubjects('the artifacts, one per line').map(at);
    for (const f of files) digests[basename(f)] = sha256(f);
    const bundle = join(evidence, 'provenance.sigstore.json');
    provenant(['provenance', ...files, '--sign', '--output', bundle, ...signerArgs({ fulcio: false })]);
    bundles.push(bundle);
    break;
  }
  case 'sign-image':
  case 'attest-image': {
    const [image] = needSubjects('the image reference');
    const args = [command, image, '--json', ...signerArgs()];
    if (command === 'attest-image') {
      if (!input('predicate') || !input('predicate-type')) fail('attest-image needs predicate and predicate-type');
      args.push('--predicate', at(input('predicate')), '--type', input('predicate-type'));
    }
    imageDigest = digestOfImage(provenant(args));
    if (imageDigest) digests[image] = imageDigest;
    break;
  }
  case 'pipeline': {
    const args = ['pipeline', ...(subjects[0] ? [at(subjects[0])] : []), '--out', evidence, '--json', ...signerArgs()];
    if (input('trusted-root')) args.push('--trusted-root', at(input('trusted-root')));
    if (input('image')) args.push('--image', input('image'));
    const out = provenant(args);
    try {
      const index = JSON.parse(out);
      for (const f of index.files ?? []) if (typeof f.path === 'string' && typeof f.digest === 'string') digests[f.path] = f.digest;
    } catch {
      // the exit status says what went wrong
    }
    if (existsSync(join(evidence, 'sbom.cdx.json'))) sbom = join(evidence, 'sbom.cdx.json');
    break;
  }
  case 'verify': {
    const given = lines('bundle');
    needSubjects('the files to verify, one per line').forEach((f, i) => {
      const file = at(f);
      digests[f] = sha256(file);
      const args = ['verify', file, ...verifierArgs()];
      const policies = lines('policy');
      if (policies.length > 0) {
        args.push('--policy', ...policies.map(at));
        for (const b of given.length > 0 ? given : [bundleFor(file, '')]) args.push('--evidence', at(b));
      } else args.push('--bundle', at(given[i] ?? bundleFor(file, '')));
      provenant(args);
    });
    break;
  }
  case 'verify-image': {
    const [image] = needSubjects('the image reference');
    imageDigest = digestOfImage(provenant(['verify-image', image, '--json', ...verifierArgs()]));
    break;
  }
}

setOutput('evidence-dir', evidence);
setOutput('digests', JSON.stringify(digests));
setOutput('bundles', bundles.join('\n'));
setOutput('sbom', sbom);
setOutput('image-digest', imageDigest);
setOutput('verified', String(status === 0));
process.exitCode = status;
