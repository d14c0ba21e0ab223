import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { verifyBundle, trustMaterialFromKeys } from '@provenant/core/verify';
import { parseStatement } from '@provenant/core/intoto';
import { main } from '@provenant/cli';
import { RegistryClient, referrersFallbackTag, type ImageReference } from '@provenant/core/oci';
import { keyStatementSigner, loadPolicyText, promote, registryEvidence, evaluate, legacyTag, type PolicySet } from '@provenant/verifier';
import { makeKey, statement, tempDir, writeFile, attestationBundle } from './helpers.js';
import { attach, pushImage, pushLegacySignature, uniqueRepo, type PushedImage } from './images.js';

const key = makeKey();
const vsaKey = makeKey();
const SLSA = 'https://slsa.dev/provenance/v1';
const indent = (s: string, n: number) => s.trim().split('\n').map((l) => ' '.repeat(n) + l).join('\n');
const policyText = `apiVersion: provenant.dev/v1
kind: Policy
metadata: { name: loopback }
spec:
  images: ["127.0.0.1:*/verifier-*/**"]
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

// Two registry instances from the suite's setup: plain HTTP (A) and TLS with a throwaway CA (B).
const registries = inject('ociRegistries');
const A = registries.plain.host;
const B = registries.tls.host;
let clientA: RegistryClient;
let clientB: RegistryClient;
let policies: PolicySet;
let dir: string;
const at = (host: string, repository: string, tag?: string): ImageReference => ({ registry: host, repository, tag, digest: undefined });

/** An image with a legacy .sig signature and three attestation referrers, in a fresh repository of A. */
async function signedImage(name: string, tag: string, builder = 'https://ci.example.test/builder'): Promise<PushedImage & { repository: string; ref: string }> {
  const repository = uniqueRepo(name);
  const image = await pushImage(clientA, A, repository, tag);
  const ref = `${A}/${repository}:${tag}`;
  await pushLegacySignature(clientA, image, ref, key);
  await attach(clientA, image, (await attestationBundle(key, statement(image.digest, SLSA, { buildDefinition: { buildType: 'https://ci.example.test/build/v1', externalParameters: {} }, runDetails: { builder: { id: builder } } }))).bundle as object);
  await attach(clientA, image, (await attestationBundle(key, statement(image.digest, 'https://cyclonedx.org/bom', { bomFormat: 'CycloneDX', specVersion: '1.6' }))).bundle as object);
  await attach(clientA, image, (await attestationBundle(key, statement(image.digest, 'https://in-toto.io/attestation/vulns/v0.2', { scanner: { uri: 'x' } }))).bundle as object);
  return { ...image, repository, ref };
}

beforeAll(async () => {
  clientA = new RegistryClient();
  clientB = new RegistryClient({ ca: readFileSync(registries.tls.caFile) });
  policies = await loadPolicyText(policyText, { source: 'loopback.yaml' });
  dir = tempDir();
  writeFileSync(join(dir, 'policy.yaml'), policyText);
  writeFileSync(join(dir, 'vsa.key'), vsaKey.privateKey.export({ type: 'pkcs8', format: 'pem' }));
});

describe('registry evidence and promotion', () => {
  it('gathers signatures (.sig tag) and attestations (referrers) and decides', async () => {
    const image = await signedImage('app', 'v1');
    const r = await registryEvidence(image.ref, { client: clientA });
    expect(r.subject.digest).toBe(image.digest);
    expect(r.evidence.signatures).toHaveLength(1);
    expect(r.evidence.attestations).toHaveLength(3);
    const d = evaluate(r.subject, r.evidence, policies);
    expect(d.allowed, d.reason).toBe(true);
  });

  it('promotes between two repositories of one registry, by digest, with referrers, .sig and a VSA', async () => {
    const image = await signedImage('web', 'v2');
    const prod = uniqueRepo('prod-web');
    const result = await promote(image.ref, `${A}/${prod}:v2`, policies, { sourceClient: clientA, vsaSigner: await keyStatementSigner(vsaKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()) });
    expect(result.decision.allowed, result.decision.reason).toBe(true);
    expect(result.promoted!.cosignTags).toEqual([legacyTag(image.digest, 'sig')]);
    expect((await clientA.resolve(at(A, prod, 'v2'))).digest).toBe(image.digest);
    const referrers = await clientA.listReferrers(at(A, prod), image.digest);
    expect(referrers).toHaveLength(4); // three attestations + the VSA
    expect(await clientA.fetchManifest(at(A, prod, legacyTag(image.digest, 'sig')))).toBeDefined();
    // The VSA verifies under the VSA key and records the decision.
    const vsa = verifyBundle(JSON.parse(Buffer.from(result.promoted!.vsa!.bundle).toString()), null, { kind: 'key', publicKey: vsaKey.publicKeyPem }, trustMaterialFromKeys({}), { tlogThreshold: 0, timestampThreshold: 0 });
    const st = vsa.dsse!.statement as { predicateType: string; subject: { digest: { sha256: string } }[]; predicate: Record<string, unknown> };
    expect(st.predicateType).toBe('https://slsa.dev/verification_summary/v1');
    expect(() => parseStatement(vsa.dsse!.payload)).not.toThrow(); // core/intoto's VSA v1 schema
    expect(st.subject[0]!.digest.sha256).toBe(image.digest.slice(7));
    expect(st.predicate.verificationResult).toBe('PASSED');
    expect(st.predicate.verifiedLevels).toEqual(['SLSA_BUILD_LEVEL_2']);
    expect(st.predicate.resourceUri).toBe(`oci://${A}/${prod}@${image.digest}`);
    expect((st.predicate.policy as { digest: { sha256: string } }).digest.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(st.predicate.inputAttestations).toHaveLength(3); // the signature and the two required attestations
    // The promoted image decides the same at its new home.
    const again = await registryEvidence(`${A}/${prod}:v2`, { client: clientA });
    expect(again.evidence.attestations).toHaveLength(4);
    expect(evaluate(again.subject, again.evidence, policies).allowed).toBe(true);
  });

  it('promotes across two registry instances (plain HTTP -> TLS)', async () => {
    const image = await signedImage('api', 'v3');
    const prod = uniqueRepo('prod-api');
    const result = await promote(image.ref, `${B}/${prod}:v3`, policies, { sourceClient: clientA, destinationClient: clientB });
    expect(result.decision.allowed, result.decision.reason).toBe(true);
    expect((await clientB.resolve(at(B, prod, 'v3'))).digest).toBe(image.digest);
    expect(await clientB.listReferrers(at(B, prod), image.digest)).toHaveLength(3);
    expect(await clientB.fetchManifest(at(B, prod, referrersFallbackTag(image.digest)))).toBeDefined();
    expect(await clientB.fetchManifest(at(B, prod, legacyTag(image.digest, 'sig')))).toBeDefined();
  });

  it('a denied image is not copied and no tag appears', async () => {
    const image = await signedImage('bad', 'v1', 'https://attacker.example.test/builder');
    const prod = uniqueRepo('prod-bad');
    const result = await promote(image.ref, `${B}/${prod}:v1`, policies, { sourceClient: clientA, destinationClient: clientB });
    expect(result.decision.allowed).toBe(false);
    expect(result.promoted).toBeUndefined();
    expect(await clientB.listTags(at(B, prod))).toEqual([]);
    expect(await clientB.fetchManifest({ ...at(B, prod), digest: image.digest })).toBeUndefined();
  });

  it('a failure part-way (VSA signing fails) leaves no destination tag', async () => {
    const image = await signedImage('half', 'v1');
    const prod = uniqueRepo('prod-half');
    const failing = async (): Promise<Uint8Array> => {
      throw new Error('signer offline');
    };
    await expect(promote(image.ref, `${B}/${prod}:v1`, policies, { sourceClient: clientA, destinationClient: clientB, vsaSigner: failing })).rejects.toMatchObject({ code: 'PROMOTION_FAILED', message: expect.stringContaining('signer offline') });
    // The image was copied by digest, but no tag names it.
    expect(await clientB.fetchManifest({ ...at(B, prod), digest: image.digest })).toBeDefined();
    expect(await clientB.listTags(at(B, prod))).not.toContain('v1');
  });

  it('CLI: verify --policy on an image (exit 0 / 3), --attach-vsa, and promote with --json', async () => {
    const app = await signedImage('cli-app', 'v1');
    const bad = await signedImage('cli-bad', 'v1', 'https://attacker.example.test/builder');
    const policy = join(dir, 'policy.yaml');
    let io = captureIO();
    expect(await main(['verify', app.ref, '--policy', policy], io)).toBe(0);
    expect(io.stdout).toContain('ALLOWED');
    io = captureIO();
    expect(await main(['verify', bad.ref, '--policy', policy, '--json'], io)).toBe(3);
    const report = JSON.parse(io.stdout) as { ok: boolean; decision: { policies: { firstFailure: string; authorities: { checks: { check: string; code?: string }[] }[] }[] } };
    expect(report.ok).toBe(false);
    expect(report.decision.policies[0]!.authorities[0]!.checks.find((c) => c.code === 'POLICY_CONDITION_FAILED')).toBeDefined();
    // --attach-vsa: the signed VSA becomes one more referrer of the image.
    const before = (await clientA.listReferrers(app.repo, app.digest)).length;
    io = captureIO();
    expect(await main(['verify', app.ref, '--policy', policy, '--attach-vsa', '--vsa-key', join(dir, 'vsa.key')], io)).toBe(0);
    expect((await clientA.listReferrers(app.repo, app.digest)).length).toBe(before + 1);
    io = captureIO();
    const prod = uniqueRepo('cli-prod');
    const vsaOut = join(dir, 'vsa.sigstore.json');
    expect(await main(['promote', app.ref, `${A}/${prod}:v1`, '--policy', policy, '--vsa-key', join(dir, 'vsa.key'), '--vsa', vsaOut, '--json'], io)).toBe(0);
    const out = JSON.parse(io.stdout) as { ok: boolean; promoted: { digestReference: string } };
    expect(out.ok).toBe(true);
    expect(out.promoted.digestReference).toBe(`${A}/${prod}@${app.digest}`);
    expect(JSON.parse(readFileSync(vsaOut, 'utf8')).dsseEnvelope).toBeDefined();
    io = captureIO();
    expect(await main(['promote', bad.ref, `${A}/${prod}-bad:v1`, '--policy', policy], io)).toBe(3);
    expect(io.stdout).toContain('not promoted');
    io = captureIO();
    expect(await main(['promote', app.ref, `${A}/${prod}:v2`, '--policy', writeFile(dir, 'broken.yaml', 'apiVersion: provenant.dev/v1\nkind: Policy\nspec: {}\n')], io)).toBe(1);
    expect(io.stderr).toContain('POLICY_INVALID');
    io = captureIO();
    expect(await main(['promote', '127.0.0.1:1/none/app:v1', `${A}/${prod}:v3`, '--policy', policy], io)).toBe(3);
    expect(io.stdout).toContain('REGISTRY_UNREACHABLE');
  });
});
