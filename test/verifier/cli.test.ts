import { readFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseStatement } from '@provenant/core/intoto';
import { trustMaterialFromKeys, verifyBundle } from '@provenant/core/verify';
import { main } from '@provenant/cli';
import { vectorsDir } from '../vectors.js';
import { attestationBundle, makeKey, sha256, signatureBundle, statement, tempDir, writeFile } from './helpers.js';

const key = makeKey();
const vsaKey = makeKey();
const SLSA = 'https://slsa.dev/provenance/v1';
const indent = (s: string, n: number) => s.trim().split('\n').map((l) => ' '.repeat(n) + l).join('\n');

function io() {
  const o = { stdout: '', stderr: '', isTTY: false, out: (t: string) => void (o.stdout += t), err: (t: string) => void (o.stderr += t) };
  return o;
}

async function setup() {
  const dir = tempDir();
  const artifact = writeFile(dir, 'app.tgz', 'release bytes');
  const digest = `sha256:${sha256('release bytes')}`;
  const sig = await signatureBundle(key, Buffer.from('release bytes'));
  const att = await attestationBundle(key, statement(digest, SLSA, { buildDefinition: { buildType: 'https://ci.example.test/b', externalParameters: { ref: 'refs/heads/main' } }, runDetails: { builder: { id: 'https://ci.example.test/builder' } } }));
  writeFileSync(join(dir, 'app.tgz.sig.json'), JSON.stringify(sig.bundle));
  writeFileSync(join(dir, 'app.tgz.att.json'), JSON.stringify(att.bundle));
  writeFileSync(join(dir, 'vsa.key'), vsaKey.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const policy = writeFile(
    dir,
    'policy.yaml',
    `apiVersion: provenant.dev/v1
kind: Policy
metadata: { name: release }
spec:
  artifacts: ["**/*.tgz"]
  verifiedLevels: [SLSA_BUILD_LEVEL_2]
  authorities:
    - name: release-key
      key:
        pem: |
${indent(key.publicKeyPem, 10)}
      ignoreTlog: true
  attestations:
    - name: provenance
      predicateType: ${SLSA}
      conditions:
        - name: main-branch
          cel: "predicate.buildDefinition.externalParameters.ref == 'refs/heads/main'"
`,
  );
  return { dir, artifact, policy, evidence: ['--evidence', join(dir, 'app.tgz.sig.json'), '--evidence', join(dir, 'app.tgz.att.json')] };
}

function readVsa(path: string) {
  const bundle = JSON.parse(readFileSync(path, 'utf8'));
  const r = verifyBundle(bundle, null, { kind: 'key', publicKey: vsaKey.publicKeyPem }, trustMaterialFromKeys({}), { tlogThreshold: 0, timestampThreshold: 0 });
  return parseStatement(r.dsse!.payload) as unknown as {
    subject: { digest: { sha256: string } }[];
    predicate: { verificationResult: string; verifiedLevels: string[]; policy: { digest: { sha256: string } }; inputAttestations: { uri: string }[]; verifier: { id: string }; timeVerified: string };
  };
}

describe('provenant verify --policy (files, offline)', () => {
  it('allows, prints a report, and writes a signed VSA', async () => {
    const s = await setup();
    const o = io();
    const vsa = join(s.dir, 'out.vsa.json');
    expect(await main(['verify', s.artifact, '--policy', s.policy, ...s.evidence, '--vsa', vsa, '--vsa-key', join(s.dir, 'vsa.key')], o)).toBe(0);
    expect(o.stdout).toContain('ALLOWED');
    expect(o.stdout).toMatch(/authority release-key: passed/);
    expect(o.stdout).toMatch(/pass condition:provenance\/main-branch/);
    const st = readVsa(vsa);
    expect(st.subject[0]!.digest.sha256).toBe(sha256('release bytes'));
    expect(st.predicate.verificationResult).toBe('PASSED');
    expect(st.predicate.verifiedLevels).toEqual(['SLSA_BUILD_LEVEL_2']);
    expect(st.predicate.policy.digest.sha256).toBe(sha256(readFileSync(s.policy)));
    expect(st.predicate.inputAttestations.map((i) => i.uri).sort()).toEqual([join(s.dir, 'app.tgz.att.json'), join(s.dir, 'app.tgz.sig.json')]);
    expect(st.predicate.verifier.id).toMatch(/^https:\/\//);
    expect(Date.parse(st.predicate.timeVerified)).not.toBeNaN();
  });

  it('denies with exit 3, names the first failure, and a FAILED VSA', async () => {
    const s = await setup();
    writeFileSync(s.policy, readFileSync(s.policy, 'utf8').replace('refs/heads/main', 'refs/heads/release'));
    const o = io();
    const vsa = join(s.dir, 'out.vsa.json');
    expect(await main(['verify', s.artifact, '--policy', s.policy, ...s.evidence, '--vsa', vsa, '--vsa-key', join(s.dir, 'vsa.key')], o)).toBe(3);
    expect(o.stdout).toContain('DENIED');
    expect(o.stdout).toContain('first failure: authority release-key: attestation:provenance');
    expect(o.stdout).toContain('[POLICY_CONDITION_FAILED]');
    const st = readVsa(vsa);
    expect(st.predicate.verificationResult).toBe('FAILED');
    expect(st.predicate.verifiedLevels).toEqual(['FAILED']);
  });

  it('--json gives the same report as JSON', async () => {
    const s = await setup();
    const o = io();
    expect(await main(['verify', s.artifact, '--policy', s.policy, ...s.evidence, '--json'], o)).toBe(0);
    const j = JSON.parse(o.stdout);
    expect(j.ok).toBe(true);
    expect(j.decision.allowed).toBe(true);
    expect(j.decision.subject).toEqual({ kind: 'artifact', uri: s.artifact, digest: `sha256:${sha256('release bytes')}` });
    expect(j.decision.policies[0].authorities[0].checks.map((c: { check: string }) => c.check)).toEqual(['signature', 'attestation:provenance', 'condition:provenance/main-branch']);
  });

  it('no evidence: denied, exit 3; --vsa without --vsa-key: usage error and no file', async () => {
    const s = await setup();
    let o = io();
    expect(await main(['verify', s.artifact, '--policy', s.policy], o)).toBe(3);
    expect(o.stdout).toContain('IMAGE_SIGNATURE_MISSING');
    o = io();
    expect(await main(['verify', s.artifact, '--policy', s.policy, ...s.evidence, '--vsa', join(s.dir, 'x.json')], o)).toBe(2);
    expect(existsSync(join(s.dir, 'x.json'))).toBe(false);
    expect(readdirSync(s.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('keyless: --trusted-root for authorities that name none, --bundle as evidence (vector bundle)', async () => {
    const dir = tempDir();
    const assets = join(vectorsDir(), 'sigstore-conformance/test/assets/bundle-verify');
    const root = join(vectorsDir(), 'sigstore-js/packages/tuf/seeds.decoded/tuf-repo-cdn.sigstore.dev/trusted_root.json');
    const policy = (issuer: string) =>
      writeFile(
        dir,
        'keyless.yaml',
        `apiVersion: provenant.dev/v1
kind: Policy
metadata: { name: beacon }
spec:
  artifacts: ["**/a.txt"]
  authorities:
    - name: beacon
      keyless:
        subjectRegExp: "https://github\\\\.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.*"
        issuer: ${issuer}
`,
      );
    const args = (p: string) => ['verify', join(assets, 'a.txt'), '--policy', p, '--bundle', join(assets, 'happy-path-v0.3/bundle.sigstore.json'), '--trusted-root', root];
    let o = io();
    expect(await main(args(policy('https://token.actions.githubusercontent.com')), o), o.stdout + o.stderr).toBe(0);
    o = io();
    expect(await main(args(policy('https://accounts.example.test')), o)).toBe(3);
    expect(o.stdout).toContain('ISSUER_MISMATCH');
    // Without any trusted root a keyless authority cannot pass.
    o = io();
    expect(await main(args(policy('https://token.actions.githubusercontent.com')).slice(0, -2), o)).toBe(3);
  });

  it('an image whose registry cannot be reached is denied (exit 3) with the reason', async () => {
    const s = await setup();
    const o = io();
    expect(await main(['verify', '127.0.0.1:1/none/app:v1', '--policy', s.policy], o)).toBe(3);
    expect(o.stdout).toContain('DENIED');
    expect(o.stdout).toContain('REGISTRY_UNREACHABLE');
  });
});
