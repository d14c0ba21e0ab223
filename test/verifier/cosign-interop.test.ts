// Images signed and attested by core/cosign (as `provenant sign-image` / `attest-image` do, in both the
// legacy .sig/.att tags and as bundle referrers) are decided by the verifier, and promoted with all of it.
import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { attestImage, signImage } from '@provenant/core/cosign';
import { RegistryClient } from '@provenant/core/oci';
import { keylessSigner, keySigner } from '@provenant/core/sign';
import { evaluate, loadPolicyText, promote, registryEvidence } from '@provenant/verifier';
import { makeKey, statement } from './helpers.js';
import { pushImage, uniqueRepo } from './images.js';

const key = makeKey();
const SLSA = 'https://slsa.dev/provenance/v1';
const indent = (s: string, n: number) => s.trim().split('\n').map((l) => ' '.repeat(n) + l).join('\n');
const policyText = `apiVersion: provenant.dev/v1
kind: Policy
metadata: { name: cosign-made }
spec:
  images: ["127.0.0.1:*/verifier-*/**"]
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
`;
const host = inject('ociRegistries').plain.host;

describe('images signed by core/cosign', () => {
  for (const format of ['legacy', 'referrer', 'both'] as const) {
    it(`are allowed when signed and attested (${format}), denied when only signed`, async () => {
      const client = new RegistryClient();
      const policies = await loadPolicyText(policyText);
      const repository = uniqueRepo(`cosign-${format}`);
      const image = await pushImage(client, host, repository, 'v1');
      const ref = `${host}/${repository}:v1`;
      const signer = keySigner(key.privateKey);
      await signImage(client, ref, signer, { format });
      const onlySigned = await registryEvidence(ref, { client });
      expect(onlySigned.evidence.signatures.length).toBe(format === 'both' ? 2 : 1);
      const denied = evaluate(onlySigned.subject, onlySigned.evidence, policies);
      expect(denied.allowed).toBe(false);
      expect(denied.policies[0]!.authorities[0]!.checks.find((c) => !c.passed)!.code).toBe('ATTESTATION_MISSING');

      const provenance = { buildDefinition: { buildType: 'https://ci.example.test/b', externalParameters: { nonce: randomBytes(4).toString('hex') } }, runDetails: { builder: { id: 'https://ci.example.test/builder' } } };
      await attestImage(client, ref, statement(image.digest, SLSA, provenance), signer, { format });
      const full = await registryEvidence(ref, { client });
      const d = evaluate(full.subject, full.evidence, policies);
      expect(d.allowed, d.reason).toBe(true);

      const dst = `${host}/${uniqueRepo(`cosign-${format}-prod`)}:v1`;
      const promoted = await promote(ref, dst, policies, { sourceClient: client });
      expect(promoted.decision.allowed).toBe(true);
      const there = await registryEvidence(dst, { client });
      expect(there.subject.digest).toBe(image.digest);
      expect(evaluate(there.subject, there.evidence, policies).allowed).toBe(true);
    });
  }

  it('keyless: signed via the loopback Fulcio/Rekor/TSA, allowed for the exact identity and issuer, denied for near misses', async () => {
    const sigstore = inject('sigstore');
    const client = new RegistryClient();
    const repository = uniqueRepo('keyless');
    const image = await pushImage(client, host, repository, 'v1');
    const ref = `${host}/${repository}:v1`;
    const signer = keylessSigner({ fulcioURL: sigstore.fulcioURL, identityToken: sigstore.identityToken });
    const witness = { rekorURL: sigstore.rekorURL, tsaURL: sigstore.tsaURL };
    await signImage(client, ref, signer, { format: 'both', sign: witness });
    const provenance = { buildDefinition: { buildType: 'https://ci.example.test/b', externalParameters: {} }, runDetails: { builder: { id: 'https://ci.example.test/builder' } } };
    await attestImage(client, ref, statement(image.digest, SLSA, provenance), signer, { format: 'referrer', sign: witness });
    const { subject, evidence } = await registryEvidence(ref, { client });
    const keyless = (san: string, issuer: string) => `apiVersion: provenant.dev/v1
kind: Policy
metadata: { name: keyless }
spec:
  images: ["127.0.0.1:*/verifier-*/**"]
  authorities:
    - name: ci
      keyless:
        subject: ${JSON.stringify(san)}
        issuer: ${JSON.stringify(issuer)}
      trustedRoot: ${JSON.stringify(sigstore.trustedRootPath)}
  attestations:
    - name: provenance
      predicateType: ${SLSA}
`;
    const { subjectAlternativeName: san, issuer } = sigstore.identity;
    const ok = evaluate(subject, evidence, await loadPolicyText(keyless(san, issuer)));
    expect(ok.allowed, ok.reason).toBe(true);
    for (const [s, i, code] of [
      [san.replace('refs/heads/main', 'refs/heads/mainx'), issuer, 'IDENTITY_MISMATCH'],
      [san + '/', issuer, 'IDENTITY_MISMATCH'],
      [san, issuer + '/', 'ISSUER_MISMATCH'],
    ] as const) {
      const d = evaluate(subject, evidence, await loadPolicyText(keyless(s, i)));
      expect(d.allowed, `${s} ${i}`).toBe(false);
      expect(d.policies[0]!.authorities[0]!.checks[0]!.code).toBe(code);
    }
  });
});
