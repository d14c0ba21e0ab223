import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle, trustMaterialFromKeys } from '@provenant/core/verify';
import { parseStatement } from '@provenant/core/intoto';
import { main } from '@provenant/cli';
import { keyStatementSigner, loadPolicyText, promote, registryEvidence, evaluate, RegistryClient, referrersTag, legacyTag, type PolicySet } from '@provenant/verifier';
import { makeKey, statement, tempDir, writeFile, attestationBundle } from './helpers.js';
import { attach, pushImage, pushLegacySignature, type PushedImage } from './images.js';
import { startRegistry, type RunningRegistry } from './registry-part.js';

const key = makeKey();
const vsaKey = makeKey();
const SLSA = 'https://slsa.dev/provenance/v1';
const indent = (s: string, n: number) => s.trim().split('\n').map((l) => ' '.repeat(n) + l).join('\n');
const policyText = `apiVersion: provenant.dev/v1
kind: Policy
metadata: { name: loopback }
spec:
  images: ["127.0.0.1:*/**"]
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
        - cel: "predicate.runDetails.builder.id == 'https://ci.example.test/builder'"
    - name: sbom
      predicateType: https://cyclonedx.org/bom
`;

function captureIO() {
  const io = { stdout: '', stderr: '', isTTY: false, out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
  return io;
}

let a: RunningRegistry;
let b: RunningRegistry;
let clientA: RegistryClient;
let clientB: RegistryClient;
let policies: PolicySet;
let dir: string;

/** An image with a legacy .sig signature and three attestation referrers. */
async function signedImage(repo: string, tag: string, builder = 'https://ci.example.test/builder'): Promise<PushedImage> {
  const image = await pushImage(clientA, repo, tag);
  const ref = `${a.host}/${repo}:${tag}`;
  await pushLegacySignature(clientA, repo, image, ref, key);
  await attach(clientA, repo, image, attestationBundle(key, statement(image.digest, SLSA, { buildDefinition: { buildType: 'https://ci.example.test/build/v1', externalParameters: {} }, runDetails: { builder: { id: builder } } })).bundle as object);
  await attach(clientA, repo, image, attestationBundle(key, statement(image.digest, 'https://cyclonedx.org/bom', { bomFormat: 'CycloneDX', specVersion: '1.6' })).bundle as object);
  await attach(clientA, repo, image, attestationBundle(key, statement(image.digest, 'https://in-toto.io/attestation/vulns/v0.2', { scanner: { uri: 'x' } })).bundle as object);
  return image;
}

beforeAll(async () => {
  [a, b] = await Promise.all([startRegistry(), startRegistry()]);
  clientA = new RegistryClient(a.host);
  clientB = new RegistryClient(b.host);
  policies = await loadPolicyText(policyText, { source: 'loopback.yaml' });
  dir = tempDir();
  writeFileSync(join(dir, 'policy.yaml'), policyText);
  writeFileSync(join(dir, 'vsa.key'), vsaKey.privateKey.export({ type: 'pkcs8', format: 'pem' }));
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

describe('registry evidence and promotion', () => {
  it('gathers signatures (.sig tag) and attestations (referrers) and decides', async () => {
    const image = await signedImage('demo/app', 'v1');
    const r = await registryEvidence(`${a.host}/demo/app:v1`);
    expect(r.subject.digest).toBe(image.digest);
    expect(r.evidence.signatures).toHaveLength(1);
    expect(r.evidence.attestations).toHaveLength(3);
    const d = evaluate(r.subject, r.evidence, policies);
    expect(d.allowed, d.reason).toBe(true);
  });

  it('promotes between two repositories of one registry, by digest, with referrers, .sig and a VSA', async () => {
    const image = await signedImage('demo/web', 'v2');
    const result = await promote(`${a.host}/demo/web:v2`, `${a.host}/prod/web:v2`, policies, { vsaSigner: keyStatementSigner(vsaKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()) });
    expect(result.decision.allowed, result.decision.reason).toBe(true);
    const tagged = await clientA.resolve('prod/web', 'v2');
    expect(tagged.digest).toBe(image.digest);
    const referrers = await clientA.referrers('prod/web', image.digest);
    expect(referrers).toHaveLength(4); // three attestations + the VSA
    expect(await clientA.getManifest('prod/web', legacyTag(image.digest, 'sig'))).toBeDefined();
    // The VSA verifies under the VSA key and records the decision.
    const vsa = verifyBundle(JSON.parse(Buffer.from(result.promoted!.vsa!.bundle).toString()), null, { kind: 'key', publicKey: vsaKey.publicKeyPem }, trustMaterialFromKeys({}), { tlogThreshold: 0, timestampThreshold: 0 });
    const st = vsa.dsse!.statement as { predicateType: string; subject: { digest: { sha256: string } }[]; predicate: Record<string, unknown> };
    expect(st.predicateType).toBe('https://slsa.dev/verification_summary/v1');
    expect(() => parseStatement(vsa.dsse!.payload)).not.toThrow(); // core/intoto's VSA v1 schema
    expect(st.subject[0]!.digest.sha256).toBe(image.digest.slice(7));
    expect(st.predicate.verificationResult).toBe('PASSED');
    expect(st.predicate.verifiedLevels).toEqual(['SLSA_BUILD_LEVEL_2']);
    expect(st.predicate.resourceUri).toBe(`oci://${a.host}/prod/web@${image.digest}`);
    expect((st.predicate.policy as { digest: { sha256: string } }).digest.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(st.predicate.inputAttestations).toHaveLength(3); // the signature and the two required attestations
    // The promoted image decides the same at its new home.
    const again = await registryEvidence(`${a.host}/prod/web:v2`);
    expect(again.evidence.attestations).toHaveLength(4);
    expect(evaluate(again.subject, again.evidence, policies).allowed).toBe(true);
  });

  it('promotes across two registry instances', async () => {
    const image = await signedImage('demo/api', 'v3');
    const result = await promote(`${a.host}/demo/api:v3`, `${b.host}/prod/api:v3`, policies, {});
    expect(result.decision.allowed, result.decision.reason).toBe(true);
    expect((await clientB.resolve('prod/api', 'v3')).digest).toBe(image.digest);
    expect(await clientB.referrers('prod/api', image.digest)).toHaveLength(3);
    expect(await clientB.getManifest('prod/api', referrersTag(image.digest))).toBeDefined();
  });

  it('a denied image is not copied and no tag appears', async () => {
    await signedImage('demo/bad', 'v1', 'https://attacker.example.test/builder');
    const result = await promote(`${a.host}/demo/bad:v1`, `${b.host}/prod/bad:v1`, policies, {});
    expect(result.decision.allowed).toBe(false);
    expect(result.promoted).toBeUndefined();
    expect(await clientB.listTags('prod/bad')).toEqual([]);
  });

  it('a failure part-way (VSA signing fails) leaves no destination tag', async () => {
    await signedImage('demo/half', 'v1');
    const failing = async () => {
      throw new Error('signer offline');
    };
    await expect(promote(`${a.host}/demo/half:v1`, `${b.host}/prod/half:v1`, policies, { vsaSigner: failing })).rejects.toThrow('signer offline');
    expect(await clientB.listTags('prod/half')).not.toContain('v1');
  });

  it('CLI: verify --policy on an image (exit 0 / 3), and promote with --json', async () => {
    await signedImage('cli/app', 'v1');
    await signedImage('cli/bad', 'v1', 'https://attacker.example.test/builder');
    const policy = join(dir, 'policy.yaml');
    let io = captureIO();
    expect(await main(['verify', `${a.host}/cli/app:v1`, '--policy', policy], io)).toBe(0);
    expect(io.stdout).toContain('ALLOWED');
    io = captureIO();
    expect(await main(['verify', `${a.host}/cli/bad:v1`, '--policy', policy, '--json'], io)).toBe(3);
    const report = JSON.parse(io.stdout) as { ok: boolean; decision: { policies: { firstFailure: string; authorities: { checks: { check: string; code?: string }[] }[] }[] } };
    expect(report.ok).toBe(false);
    expect(report.decision.policies[0]!.authorities[0]!.checks.find((c) => c.code === 'POLICY_CONDITION_FAILED')).toBeDefined();
    // --attach-vsa: the signed VSA becomes one more referrer of the image.
    const before = (await clientA.referrers('cli/app', (await clientA.resolve('cli/app', 'v1')).digest)).length;
    io = captureIO();
    expect(await main(['verify', `${a.host}/cli/app:v1`, '--policy', policy, '--attach-vsa', '--vsa-key', join(dir, 'vsa.key')], io)).toBe(0);
    expect((await clientA.referrers('cli/app', (await clientA.resolve('cli/app', 'v1')).digest)).length).toBe(before + 1);
    io = captureIO();
    const vsaOut = join(dir, 'vsa.sigstore.json');
    expect(await main(['promote', `${a.host}/cli/app:v1`, `${b.host}/cli/app:v1`, '--policy', policy, '--vsa-key', join(dir, 'vsa.key'), '--vsa', vsaOut, '--json'], io)).toBe(0);
    const out = JSON.parse(io.stdout) as { ok: boolean; promoted: { digestReference: string } };
    expect(out.ok).toBe(true);
    expect(out.promoted.digestReference).toContain(`${b.host}/cli/app@sha256:`);
    io = captureIO();
    expect(await main(['promote', `${a.host}/cli/bad:v1`, `${b.host}/cli/bad:v1`, '--policy', policy], io)).toBe(3);
    expect(io.stdout).toContain('not promoted');
    io = captureIO();
    expect(await main(['promote', `${a.host}/cli/app:v1`, `${b.host}/cli/app:v1`, '--policy', writeFile(dir, 'broken.yaml', 'apiVersion: provenant.dev/v1\nkind: Policy\nspec: {}\n')], io)).toBe(1);
    expect(io.stderr).toContain('POLICY_INVALID');
  });
});
