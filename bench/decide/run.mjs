#!/usr/bin/env node
// Policy decisions on an image carrying a signature and 3 attestations in a loopback registry (our own
// docker-registry on 127.0.0.1:0, stopped by pid). Prints one JSON line:
//  - cold: `provenant verify <ref> --policy P` in a new process (hyperfine: median wall ms and CPU ms),
//    beside a bare `node` start (and the difference) and `provenant --version` measured in the same run,
//    all without NODE_EXTRA_CA_CERTS (Node 20 parses that file at every start, which distorts the ratios);
//  - warm: in-process decisions with verified results cached (decisions/s), beside the same decisions
//    with no cache, and beside decisions that also re-fetch the evidence from the registry.
// Needs `npm run build` first (it runs the built CLI and loads the built packages).
//   node bench/decide/run.mjs [--cold-runs 15] [--warm-seconds 2] [--cli path/to/provenant.cjs] [--cpu-prof DIR] [--serve]
import { spawn, spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { preAuthEncoding } from '@provenant/core/verify';
import { RegistryClient } from '@provenant/core/oci';
import { attachBundle, evaluate, legacyTag, loadPolicy, registryEvidence, VerificationCache } from '@provenant/verifier';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? (typeof dflt === 'number' ? Number(process.argv[i + 1]) : process.argv[i + 1]) : dflt;
};
// --cli lets the same run time another build of the CLI (e.g. a bundled one) against the same registry.
const cli = resolve(arg('--cli', join(repo, 'packages/cli/bin/provenant.cjs')));
// The bin's #!/usr/bin/env node runs the `node` on PATH: this one.
process.env.PATH = `${dirname(process.execPath)}:${process.env.PATH ?? ''}`;
delete process.env.NODE_EXTRA_CA_CERTS;
const COLD_RUNS = arg('--cold-runs', 15);
const WARM_SECONDS = arg('--warm-seconds', 2);
const REGISTRY_BIN = '/usr/bin/docker-registry';
if (!existsSync(REGISTRY_BIN)) throw new Error(`${REGISTRY_BIN} is missing (apt package docker-registry)`);
if (!existsSync(join(repo, 'packages/cli/dist/main.js'))) throw new Error('run `npm run build` first');

const sha256 = (b) => createHash('sha256').update(b).digest('hex');

async function startRegistry(dir) {
  writeFileSync(join(dir, 'config.yml'), `version: 0.1\nlog: {level: info, formatter: text}\nstorage:\n  filesystem: {rootdirectory: "${dir}/data"}\n  delete: {enabled: true}\nhttp:\n  addr: 127.0.0.1:0\n  secret: bench-not-secret\n`);
  // Logs go to a file, not a pipe: the bench blocks in spawnSync/hyperfine, and a full pipe would stall the registry.
  const logPath = join(dir, 'registry.log');
  const log = openSync(logPath, 'a');
  const child = spawn(REGISTRY_BIN, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', log, log] });
  closeSync(log);
  let exited = false;
  child.once('exit', () => (exited = true));
  for (let i = 0; i < 300; i++) {
    const m = /listening on 127\.0\.0\.1:(\d+)/.exec(readFileSync(logPath, 'utf8'));
    if (m) return { host: `127.0.0.1:${m[1]}`, pid: child.pid, child };
    if (exited) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  process.kill(child.pid, 'SIGTERM');
  throw new Error(`registry did not start:\n${readFileSync(logPath, 'utf8')}`);
}

function keyBundle(privateKey, content) {
  return { mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', verificationMaterial: { publicKey: { hint: 'bench' }, tlogEntries: [], timestampVerificationData: { rfc3161Timestamps: [] } }, ...content };
}

function attestation(privateKey, digest, predicateType, predicate) {
  const payload = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'image', digest: { sha256: digest.slice(7) } }], predicateType, predicate }));
  const sig = sign('sha256', preAuthEncoding('application/vnd.in-toto+json', payload), privateKey);
  return Buffer.from(JSON.stringify(keyBundle(privateKey, { dsseEnvelope: { payload: payload.toString('base64'), payloadType: 'application/vnd.in-toto+json', signatures: [{ sig: sig.toString('base64'), keyid: '' }] } })));
}

const work = mkdtempSync(join(tmpdir(), 'provenant-bench-decide-'));
const registry = await startRegistry(work);
try {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const client = new RegistryClient();
  const repoName = 'bench/app';
  const repo = { registry: registry.host, repository: repoName, tag: undefined, digest: undefined };
  const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
  const layer = randomBytes(4096);
  await client.pushBlob(repo, config);
  await client.pushBlob(repo, layer);
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha256(config)}`, size: config.length }, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${sha256(layer)}`, size: layer.length }] }));
  const { digest } = await client.putManifest({ ...repo, tag: 'v1' }, manifest, { mediaType: 'application/vnd.oci.image.manifest.v1+json' });
  const image = { digest, size: manifest.length, mediaType: 'application/vnd.oci.image.manifest.v1+json' };
  const ref = `${registry.host}/${repoName}:v1`;
  // Signature: a legacy cosign .sig manifest (simple-signing payload, key, no log).
  const payload = Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': ref }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' }, optional: null }));
  const empty = Buffer.from('{}');
  await client.pushBlob(repo, empty);
  await client.pushBlob(repo, payload);
  const sigManifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha256(empty)}`, size: 2 }, layers: [{ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', digest: `sha256:${sha256(payload)}`, size: payload.length, annotations: { 'dev.cosignproject.cosign/signature': sign('sha256', payload, privateKey).toString('base64') } }] }));
  await client.putManifest({ ...repo, tag: legacyTag(digest, 'sig') }, sigManifest, { mediaType: 'application/vnd.oci.image.manifest.v1+json' });
  // Three attestations as bundle referrers.
  await attachBundle(client, repo, image, attestation(privateKey, digest, 'https://slsa.dev/provenance/v1', { buildDefinition: { buildType: 'https://ci.example.test/build/v1', externalParameters: { ref: 'refs/heads/main' } }, runDetails: { builder: { id: 'https://ci.example.test/builder' } } }));
  await attachBundle(client, repo, image, attestation(privateKey, digest, 'https://cyclonedx.org/bom', { bomFormat: 'CycloneDX', specVersion: '1.6', components: [] }));
  await attachBundle(client, repo, image, attestation(privateKey, digest, 'https://in-toto.io/attestation/vulns/v0.2', { scanner: { uri: 'https://scanner.example.test', result: [] } }));

  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString().trim().split('\n').map((l) => `          ${l}`).join('\n');
  const policyPath = join(work, 'policy.yaml');
  writeFileSync(
    policyPath,
    `apiVersion: provenant.dev/v1
kind: Policy
metadata: { name: bench }
spec:
  images: ["127.0.0.1:*/**"]
  authorities:
    - name: release-key
      key:
        pem: |
${pem}
      ignoreTlog: true
  attestations:
    - name: provenance
      predicateType: https://slsa.dev/provenance/v1
      conditions:
        - cel: "predicate.runDetails.builder.id == 'https://ci.example.test/builder'"
        - cel: "predicate.buildDefinition.externalParameters.ref == 'refs/heads/main'"
    - name: sbom
      predicateType: https://cyclonedx.org/bom
      conditions:
        - cel: "predicate.bomFormat == 'CycloneDX'"
    - name: vulns
      predicateType: https://in-toto.io/attestation/vulns/v0.2
      conditions:
        - cel: "size(predicate.scanner.result) == 0"
`,
  );

  // --serve: set up, print the cold decision's command, and keep the registry up until SIGINT/SIGTERM
  // (for profiling one cold decision by hand: perf, valgrind, --cpu-prof).
  if (process.argv.includes('--serve')) {
    process.stdout.write(`${process.execPath} ${cli} verify ${ref} --policy ${policyPath}\n`);
    await new Promise((r) => {
      process.once('SIGINT', r);
      process.once('SIGTERM', r);
    });
    process.exitCode = 0;
  } else {
  // Cold: new processes. hyperfine times each command (median wall, and user+system CPU, which a
  // loaded machine inflates less); the first decision is checked to allow.
  const first = spawnSync(cli, ['verify', ref, '--policy', policyPath], { encoding: 'utf8' });
  if (first.status !== 0) throw new Error(`cold decision did not allow (exit ${first.status}):\n${first.stdout}${first.stderr}`);
  // --cpu-prof DIR: also write a V8 CPU profile of one cold decision (where the cold time goes).
  const profDir = arg('--cpu-prof', '');
  if (profDir) spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', resolve(profDir), cli, 'verify', ref, '--policy', policyPath], { encoding: 'utf8' });
  const q = (s) => `'${s.replace(/'/g, "'\\''")}'`;
  const commands = {
    node: `${q(process.execPath)} -e ''`,
    // provenant runs as a user runs it: its bin, which starts the `node` on PATH (set above).
    version: `${q(cli)} --version`,
    decision: `${q(cli)} verify ${q(ref)} --policy ${q(policyPath)}`,
  };
  const hfOut = join(work, 'hyperfine.json');
  const hf = spawnSync('hyperfine', ['--runs', String(COLD_RUNS), '--warmup', '1', '-N', '--export-json', hfOut, ...Object.values(commands)], { encoding: 'utf8' });
  if (hf.status !== 0) throw new Error(`hyperfine failed: ${hf.stderr}`);
  const results = JSON.parse(readFileSync(hfOut, 'utf8')).results;
  const cold = Object.fromEntries(Object.keys(commands).map((k, i) => [k, { wall: results[i].median * 1000, cpu: (results[i].user + results[i].system) * 1000, min: results[i].min * 1000 }]));

  // Warm: the same decision in process with the verification cache; then without it; then with re-fetching.
  const policies = await loadPolicy(policyPath);
  const { subject, evidence } = await registryEvidence(ref, { client });
  const cache = new VerificationCache();
  // Decisions per wall second, and per CPU second of this process (what a loaded machine distorts least).
  const rate = (fn) => {
    let n = 0;
    const end = performance.now() + WARM_SECONDS * 1000;
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    while (performance.now() < end) {
      fn();
      n++;
    }
    const cpu = process.cpuUsage(c0);
    return { wall: n / ((performance.now() - t0) / 1000), cpu: n / ((cpu.user + cpu.system) / 1e6) };
  };
  if (!evaluate(subject, evidence, policies, { cache }).allowed) throw new Error('warm decision did not allow');
  const warm = rate(() => evaluate(subject, evidence, policies, { cache }));
  const uncached = rate(() => evaluate(subject, evidence, policies));
  let fetched = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < WARM_SECONDS * 1000) {
    const r = await registryEvidence(ref, { client });
    evaluate(r.subject, r.evidence, policies, { cache });
    fetched++;
  }
  const fetchedRate = fetched / ((performance.now() - t0) / 1000);

  console.log(
    JSON.stringify({
      bench: 'decide',
      attestations: evidence.attestations.length,
      signatures: evidence.signatures.length,
      cold_decision_ms: Math.round(cold.decision.wall),
      cold_decision_ms_min: Math.round(cold.decision.min),
      cold_decision_cpu_ms: Math.round(cold.decision.cpu),
      cold_runs: COLD_RUNS,
      cold_target_ms: 300,
      cold_ok: cold.decision.wall <= 300,
      node_start_ms: Math.round(cold.node.wall),
      // What the decision adds to a bare node start (medians of the same run): the 300 ms assumes ~60 ms of node.
      cold_decision_over_node_ms: Math.round(cold.decision.wall - cold.node.wall),
      node_extra_ca_certs_set: false,
      provenant_version_ms: Math.round(cold.version.wall),
      provenant_version_cpu_ms: Math.round(cold.version.cpu),
      warm_decisions_per_s: Math.round(warm.wall),
      warm_decisions_per_cpu_s: Math.round(warm.cpu),
      warm_target_per_s: 5000,
      warm_ok: warm.wall >= 5000,
      uncached_decisions_per_s: Math.round(uncached.wall),
      uncached_decisions_per_cpu_s: Math.round(uncached.cpu),
      warm_with_registry_fetch_per_s: Math.round(fetchedRate),
      load_average_1m: Number(loadavg()[0].toFixed(2)),
    }),
  );
  }
} finally {
  process.kill(registry.pid, 'SIGTERM');
  await new Promise((r) => (registry.child.exitCode === null ? registry.child.once('exit', r) : r()));
  rmSync(work, { recursive: true, force: true });
}
