import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTrustedRoot } from '@provenant/core/verify';
import { evaluate, loadPolicyText, VerificationCache, type Evidence, type Subject } from '@provenant/verifier';
import { vectorsDir } from '../vectors.js';
import { attestationBundle, makeKey, sha256, signatureBundle, simpleSigningPayload, statement } from './helpers.js';

const key = makeKey();
const digest = `sha256:${sha256('image manifest bytes')}`;
const image = { kind: 'image', ref: 'registry.example.test/app/web:1.0', digest } satisfies Subject;
const SLSA = 'https://slsa.dev/provenance/v1';
const indent = (s: string, n: number) => s.trim().split('\n').map((l) => ' '.repeat(n) + l).join('\n');

function keyPolicy(opts: { mode?: string; conditions?: string[]; requireSignature?: boolean } = {}): string {
  return `apiVersion: provenant.dev/v1
kind: Policy
metadata: { name: web }
spec:
  images: ["registry.example.test/app/*"]
  mode: ${opts.mode ?? 'enforce'}
${opts.requireSignature === false ? '  requireSignature: false\n' : ''}  authorities:
    - name: release-key
      key:
        pem: |
${indent(key.publicKeyPem, 10)}
      ignoreTlog: true
  attestations:
    - name: provenance
      predicateType: ${SLSA}
      conditions:
${(opts.conditions ?? ["predicate.runDetails.builder.id == 'https://ci.example.test/builder'"]).map((c) => `        - cel: ${JSON.stringify(c)}`).join('\n')}
`;
}

const provenance = { buildDefinition: { buildType: 'https://ci.example.test/build/v1', externalParameters: { ref: 'refs/heads/main' } }, runDetails: { builder: { id: 'https://ci.example.test/builder' } } };

async function goodEvidence(): Promise<Evidence> {
  return {
    signatures: [await signatureBundle(key, simpleSigningPayload(image.ref, digest), 'sig', true)],
    attestations: [await attestationBundle(key, statement(digest, SLSA, provenance))],
  };
}

describe('evaluate', () => {
  it('allows a signed image with a verified provenance attestation that meets the conditions', async () => {
    const set = await loadPolicyText(keyPolicy());
    const d = evaluate(image, await goodEvidence(), set);
    expect(d.reason).toContain('allowed');
    expect(d.allowed).toBe(true);
    expect(d.policies[0]!.authorities[0]!.checks.map((c) => [c.check, c.passed])).toEqual([
      ['signature', true],
      ['attestation:provenance', true],
      ['condition:provenance/provenance[0]', true],
    ]);
    expect(d.inputs).toHaveLength(2);
  });

  it('denies when no policy matches, unless noMatch is allow', async () => {
    const other: Subject = { kind: 'image', ref: 'registry.example.test/other/db:1', digest };
    const set = await loadPolicyText(keyPolicy());
    expect(evaluate(other, await goodEvidence(), set).allowed).toBe(false);
    const allowSet = await loadPolicyText(keyPolicy(), { noMatch: 'allow' });
    expect(evaluate(other, await goodEvidence(), allowSet).allowed).toBe(true);
  });

  it('warn mode allows a failing subject with a warning', async () => {
    const set = await loadPolicyText(keyPolicy({ mode: 'warn', conditions: ['false'] }));
    const d = evaluate(image, await goodEvidence(), set);
    expect(d.allowed).toBe(true);
    expect(d.mode).toBe('warn');
    expect(d.warnings[0]).toContain('condition');
  });

  it('any authority may satisfy a policy; every matching policy must pass', async () => {
    const other = makeKey();
    const text = keyPolicy().replace('  authorities:\n', `  authorities:\n    - name: other-key\n      key:\n        pem: |\n${indent(other.publicKeyPem, 10)}\n      ignoreTlog: true\n`);
    const set = await loadPolicyText(text);
    const d = evaluate(image, await goodEvidence(), set);
    expect(d.allowed).toBe(true);
    expect(d.policies[0]!.authorities.map((a) => [a.name, a.passed])).toEqual([['other-key', false], ['release-key', true]]);
    const two = await loadPolicyText(keyPolicy() + '---\n' + keyPolicy({ conditions: ['false'] }).replace('name: web', 'name: strict'));
    const d2 = evaluate(image, await goodEvidence(), two);
    expect(d2.allowed).toBe(false);
    expect(d2.reason).toContain('strict');
  });

  it('caches verified results across decisions', async () => {
    const set = await loadPolicyText(keyPolicy());
    const cache = new VerificationCache();
    const ev = await goodEvidence();
    expect(evaluate(image, ev, set, { cache }).allowed).toBe(true);
    const size = cache.size;
    expect(size).toBeGreaterThan(0);
    expect(evaluate(image, ev, set, { cache }).allowed).toBe(true);
    expect(cache.size).toBe(size);
  });

  it('decides on keyless vector bundles (artifact, message signature + DSSE provenance) with their trusted root', async () => {
    const dir = join(vectorsDir(), 'sigstore-conformance/test/assets/bundle-verify');
    const root = join(vectorsDir(), 'sigstore-js/packages/tuf/seeds.decoded/tuf-repo-cdn.sigstore.dev/trusted_root.json');
    const artifact = readFileSync(join(dir, 'a.txt'));
    const sigBytes = readFileSync(join(dir, 'happy-path-v0.3/bundle.sigstore.json'));
    const attBytes = readFileSync(join(dir, 'happy-path-intoto-in-dsse-v3/bundle.sigstore.json'));
    const evidence: Evidence = {
      signatures: [{ bundle: JSON.parse(sigBytes.toString()), digest: `sha256:${sha256(sigBytes)}`, uri: 'happy-path-v0.3' }],
      attestations: [{ bundle: JSON.parse(attBytes.toString()), digest: `sha256:${sha256(attBytes)}`, uri: 'happy-path-intoto-in-dsse-v3' }],
    };
    const subject: Subject = { kind: 'artifact', uri: 'a.txt', digest: `sha256:${sha256(artifact)}` };
    const policy = `apiVersion: provenant.dev/v1
kind: Policy
metadata: { name: a }
spec:
  artifacts: ["a.txt"]
  requireSignature: false
  authorities:
    - name: beacon
      keyless:
        subjectRegExp: "https://github\\\\.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.*"
        issuer: https://token.actions.githubusercontent.com
      trustedRoot: ${root}
  attestations:
    - name: provenance
      predicateType: ${SLSA}
      conditions:
        - cel: "predicate.buildDefinition.buildType == 'https://actions.github.io/buildtypes/workflow/v1'"
`;
    const set = await loadPolicyText(policy);
    const d = evaluate(subject, evidence, set);
    expect(d.allowed, JSON.stringify(d.policies)).toBe(true);
    const sigOnly = await loadPolicyText(policy.replace('  requireSignature: false\n', '').replace(/ {2}attestations:[\s\S]*$/, ''));
    const d2 = evaluate(subject, evidence, sigOnly);
    expect(d2.allowed, JSON.stringify(d2.policies)).toBe(true);
    expect(d.policies[0]!.authorities[0]!.checks[0]!.check).toBe('attestation:provenance');
    const global = evaluate(subject, evidence, await loadPolicyText(policy.replace(/ {6}trustedRoot: .*\n/, '').replace('  requireSignature: false\n', '').replace(/ {2}attestations:[\s\S]*$/, '')), { trust: loadTrustedRoot(readFileSync(root)) });
    expect(global.allowed).toBe(true);
  });
});
