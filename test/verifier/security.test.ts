// For every rule the verifier applies, a case where that rule alone fails: the decision is deny, with the
// failing check and its code. A broken policy is a load-time error, never an allow.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTrustedRoot } from '@provenant/core/verify';
import { main } from '@provenant/cli';
import { evaluate, loadPolicyText, VerificationCache, type Decision, type Evidence, type EvidenceBundle, type Subject } from '@provenant/verifier';
import { vectorsDir } from '../vectors.js';
import { attestationBundle, makeKey, sha256, signatureBundle, simpleSigningPayload, statement, tempDir, writeFile } from './helpers.js';

const key = makeKey();
const otherKey = makeKey();
const digest = `sha256:${sha256('the image')}`;
const otherDigest = `sha256:${sha256('another image')}`;
const image = { kind: 'image', ref: 'registry.example.test/app/web:1.0', digest } satisfies Subject;
const SLSA = 'https://slsa.dev/provenance/v1';
const indent = (s: string, n: number) => s.trim().split('\n').map((l) => ' '.repeat(n) + l).join('\n');
const keyAuthority = (k = key, extra = '      ignoreTlog: true\n') => `    - name: release-key\n      key:\n        pem: |\n${indent(k.publicKeyPem, 10)}\n${extra}`;

const CONDITIONS = {
  builder: "predicate.runDetails.builder.id == 'https://ci.example.test/builder'",
  buildType: "predicate.buildDefinition.buildType.startsWith('https://ci.example.test/')",
  branch: "predicate.buildDefinition.externalParameters.ref in ['refs/heads/main', 'refs/heads/release']",
};

function policy(opts: { authorities?: string; conditions?: Record<string, string>; requireSignature?: boolean; predicateType?: string } = {}): string {
  const conds = Object.entries(opts.conditions ?? CONDITIONS)
    .map(([name, cel]) => `        - name: ${name}\n          cel: ${JSON.stringify(cel)}`)
    .join('\n');
  return `apiVersion: provenant.dev/v1
kind: Policy
metadata: { name: web }
spec:
  images: ["registry.example.test/app/*"]
${opts.requireSignature === false ? '  requireSignature: false\n' : ''}  authorities:
${opts.authorities ?? keyAuthority()}
  attestations:
    - name: provenance
      predicateType: ${opts.predicateType ?? SLSA}
      conditions:
${conds}
`;
}

function provenance(over: { builder?: string; buildType?: string; ref?: string } = {}) {
  return {
    buildDefinition: { buildType: over.buildType ?? 'https://ci.example.test/build/v1', externalParameters: { ref: over.ref ?? 'refs/heads/main' } },
    runDetails: { builder: { id: over.builder ?? 'https://ci.example.test/builder' } },
  };
}

async function evidence(over: { signatures?: EvidenceBundle[]; attestations?: EvidenceBundle[] } = {}): Promise<Evidence> {
  return {
    signatures: over.signatures ?? [await signatureBundle(key, simpleSigningPayload(image.ref, digest), 'sig', true)],
    attestations: over.attestations ?? [await attestationBundle(key, statement(digest, SLSA, provenance()))],
  };
}

/** The first failing check of the first authority: what denied it. */
function failure(d: Decision): { check: string; code: string | undefined } {
  for (const p of d.policies) for (const a of p.authorities) for (const c of a.checks) if (!c.passed) return { check: c.check, code: c.code };
  return { check: '(none)', code: undefined };
}

async function decide(policyText: string, ev: Evidence, subject: Subject = image, trust?: NonNullable<Parameters<typeof evaluate>[3]>['trust']): Promise<Decision> {
  return evaluate(subject, ev, await loadPolicyText(policyText, { source: 'security.yaml' }), { trust });
}

describe('control: everything right is allowed', () => {
  it('key authority, signature, provenance and all conditions', async () => {
    const d = await decide(policy(), await evidence());
    expect(d.allowed, d.reason).toBe(true);
  });
});

describe('each rule alone fails -> deny', () => {
  it('key authority: signature by another key', async () => {
    const d = await decide(policy(), await evidence({ signatures: [await signatureBundle(otherKey, simpleSigningPayload(image.ref, digest), 'sig', true)] }));
    expect(d.allowed).toBe(false);
    expect(failure(d)).toEqual({ check: 'signature', code: 'BUNDLE_SIGNATURE_INVALID' });
  });

  it('key authority: attestation by another key (the signature alone is not enough)', async () => {
    const d = await decide(policy(), await evidence({ attestations: [await attestationBundle(otherKey, statement(digest, SLSA, provenance()))] }));
    expect(d.allowed).toBe(false);
    expect(failure(d)).toEqual({ check: 'attestation:provenance', code: 'BUNDLE_SIGNATURE_INVALID' });
  });

  it('signature and attestation must come from the same authority', async () => {
    const two = keyAuthority() + keyAuthority(otherKey).replace('release-key', 'other-key');
    const d = await decide(policy({ authorities: two }), await evidence({ attestations: [await attestationBundle(otherKey, statement(digest, SLSA, provenance()))] }));
    expect(d.allowed).toBe(false);
  });

  it('key authority: a tampered signature', async () => {
    const good = await signatureBundle(key, simpleSigningPayload(image.ref, digest), 'sig', true);
    const b = structuredClone(good.bundle) as { messageSignature: { signature: string } };
    const sig = Buffer.from(b.messageSignature.signature, 'base64');
    sig[sig.length - 1]! ^= 1;
    b.messageSignature.signature = sig.toString('base64');
    const d = await decide(policy(), await evidence({ signatures: [{ ...good, bundle: b, digest: `sha256:${sha256(JSON.stringify(b))}` }] }));
    expect(d.allowed).toBe(false);
    expect(failure(d).check).toBe('signature');
  });

  it('key authority: an offline key signature without ignoreTlog is not enough (transparency log required)', async () => {
    const d = await decide(policy({ authorities: keyAuthority(key, '') }), await evidence());
    expect(d.allowed).toBe(false);
    expect(failure(d)).toEqual({ check: 'signature', code: 'TRUSTED_ROOT_INVALID' });
    const withRoot = await decide(policy({ authorities: keyAuthority(key, '') }), await evidence(), image, loadTrustedRoot(readFileSync(join(vectorsDir(), 'sigstore-js/packages/tuf/seeds.decoded/tuf-repo-cdn.sigstore.dev/trusted_root.json'))));
    expect(withRoot.allowed).toBe(false);
    expect(failure(withRoot)).toEqual({ check: 'signature', code: 'TLOG_THRESHOLD_NOT_MET' });
  });

  it('static authority: fail denies', async () => {
    const d = await decide(policy({ authorities: '    - name: frozen\n      static: fail\n' }), await evidence());
    expect(d.allowed).toBe(false);
    expect(failure(d)).toEqual({ check: 'static', code: 'POLICY_DENIED' });
    expect((await decide(policy({ authorities: '    - name: break-glass\n      static: pass\n' }), { signatures: [], attestations: [] })).allowed).toBe(true);
  });

  it('signature: a DSSE statement counts only when it is a cosign sign statement', async () => {
    const sign = await attestationBundle(key, statement(digest, 'https://sigstore.dev/cosign/sign/v1', {}));
    expect((await decide(policy(), await evidence({ signatures: [sign] }))).allowed).toBe(true);
    const sbom = await attestationBundle(key, statement(digest, 'https://cyclonedx.org/bom', { bomFormat: 'CycloneDX' }));
    const d = await decide(policy(), await evidence({ signatures: [sbom] }));
    expect(d.allowed).toBe(false);
    expect(failure(d)).toEqual({ check: 'signature', code: 'PREDICATE_TYPE_MISMATCH' });
  });

  it('signature: none at all', async () => {
    const d = await decide(policy(), await evidence({ signatures: [] }));
    expect(d.allowed).toBe(false);
    expect(failure(d)).toEqual({ check: 'signature', code: 'IMAGE_SIGNATURE_MISSING' });
  });

  it('digest binding: the signature signs another image digest', async () => {
    const d = await decide(policy(), await evidence({ signatures: [await signatureBundle(key, simpleSigningPayload(image.ref, otherDigest), 'sig', true)] }));
    expect(d.allowed).toBe(false);
    expect(failure(d)).toEqual({ check: 'signature', code: 'SUBJECT_MISMATCH' });
  });

  it('cache: a verified signature bundle paired with another payload is not reused for it', async () => {
    // A legacy cosign signature bundle carries no digest of its payload; the cache must key on the payload too.
    const good = await signatureBundle(key, simpleSigningPayload(image.ref, digest), 'sig', true);
    const set = await loadPolicyText(policy(), { source: 'security.yaml' });
    const cache = new VerificationCache();
    expect(evaluate(image, await evidence({ signatures: [good] }), set, { cache }).allowed).toBe(true);
    const other: Subject = { kind: 'image', ref: image.ref, digest: otherDigest };
    const swapped = { ...good, payload: simpleSigningPayload(image.ref, otherDigest) };
    const atts = [await attestationBundle(key, statement(otherDigest, SLSA, provenance()))];
    const d = evaluate(other, { signatures: [swapped], attestations: atts }, set, { cache });
    expect(d.allowed).toBe(false);
    expect(failure(d).check).toBe('signature');
  });

  it('digest binding: the attestation statement names another digest', async () => {
    const d = await decide(policy(), await evidence({ attestations: [await attestationBundle(key, statement(otherDigest, SLSA, provenance()))] }));
    expect(d.allowed).toBe(false);
    expect(failure(d)).toEqual({ check: 'attestation:provenance', code: 'SUBJECT_MISMATCH' });
  });

  it('digest binding: a blob signature over another artifact', async () => {
    const artifact: Subject = { kind: 'artifact', uri: 'dist/app.tgz', digest };
    const text = policy().replace('images: ["registry.example.test/app/*"]', 'artifacts: ["dist/*.tgz"]');
    const ok = await decide(text, await evidence({ signatures: [await signatureBundle(key, Buffer.from('the image'))] }), artifact);
    expect(ok.allowed, ok.reason).toBe(true);
    const d = await decide(text, await evidence({ signatures: [await signatureBundle(key, Buffer.from('something else'))] }), artifact);
    expect(d.allowed).toBe(false);
    expect(failure(d)).toEqual({ check: 'signature', code: 'ARTIFACT_MISMATCH' });
  });

  it('predicate type: a verified attestation of another type', async () => {
    const d = await decide(policy(), await evidence({ attestations: [await attestationBundle(key, statement(digest, 'https://slsa.dev/provenance/v0.2', { builder: { id: 'x' }, buildType: 'y' }))] }));
    expect(d.allowed).toBe(false);
    expect(failure(d).check).toBe('attestation:provenance');
    expect(['PREDICATE_TYPE_MISMATCH', 'PREDICATE_INVALID', 'STATEMENT_INVALID']).toContain(failure(d).code);
    const other = await decide(policy(), await evidence({ attestations: [await attestationBundle(key, statement(digest, 'https://example.test/custom/v1', { builder: 'x' }))] }));
    expect(other.allowed).toBe(false);
    expect(failure(other)).toEqual({ check: 'attestation:provenance', code: 'PREDICATE_TYPE_MISMATCH' });
  });

  it('attestation: none at all', async () => {
    const d = await decide(policy(), await evidence({ attestations: [] }));
    expect(d.allowed).toBe(false);
    expect(failure(d)).toEqual({ check: 'attestation:provenance', code: 'ATTESTATION_MISSING' });
  });

  it('attestation: a predicate that breaks its schema (unknown field) is denied', async () => {
    const bad = { ...provenance(), extra: true };
    const d = await decide(policy(), await evidence({ attestations: [await attestationBundle(key, statement(digest, SLSA, bad))] }));
    expect(d.allowed).toBe(false);
    expect(failure(d).check).toBe('attestation:provenance');
  });

  for (const [name, over] of [
    ['builder', { builder: 'https://attacker.example.test/builder' }],
    ['buildType', { buildType: 'https://elsewhere.example.test/build' }],
    ['branch', { ref: 'refs/heads/feature' }],
  ] as const) {
    it(`CEL condition ${name} alone fails`, async () => {
      const d = await decide(policy(), await evidence({ attestations: [await attestationBundle(key, statement(digest, SLSA, provenance(over)))] }));
      expect(d.allowed).toBe(false);
      expect(failure(d)).toEqual({ check: 'attestation:provenance', code: 'POLICY_CONDITION_FAILED' });
      const checks = d.policies[0]!.authorities[0]!.checks.filter((c) => c.check.startsWith('condition:'));
      expect(checks.filter((c) => !c.passed).map((c) => c.check)).toEqual([`condition:provenance/${name}`]);
    });
  }

  it('CEL: an evaluation error (missing field) or a non-boolean result is a deny, not an allow', async () => {
    const missing = await decide(policy({ conditions: { deep: 'predicate.runDetails.nosuch.field == 1' } }), await evidence());
    expect(missing.allowed).toBe(false);
    expect(failure(missing).code).toBe('POLICY_CONDITION_FAILED');
    const nonBool = await decide(policy({ conditions: { str: 'predicate.runDetails.builder.id' } }), await evidence());
    expect(nonBool.allowed).toBe(false);
  });

  it('every matching policy must pass', async () => {
    const strict = policy({ conditions: { never: 'false' } }).replace('name: web', 'name: strict');
    const d = await decide(policy() + '---\n' + strict, await evidence());
    expect(d.allowed).toBe(false);
    expect(d.reason).toContain('strict');
  });

  it('no matching policy denies by default; Docker Hub spellings are normalized before matching', async () => {
    const d = await decide(policy(), await evidence(), { kind: 'image', ref: 'registry.example.test/other/web:1', digest });
    expect(d.allowed).toBe(false);
    const hub = policy().replace('registry.example.test/app/*', 'docker.io/library/alpine');
    expect((await decide(hub, await evidence(), { kind: 'image', ref: 'alpine:3', digest })).allowed).toBe(true);
    for (const ref of ['docker.io/library/alpine:3', 'docker.io/alpine:3', 'index.docker.io/library/alpine:3']) {
      expect((await decide(hub, await evidence(), { kind: 'image', ref, digest })).policies, ref).toHaveLength(1);
    }
    // `*` does not cross `/`: a nested repository is not matched by app/*.
    expect((await decide(policy(), await evidence(), { kind: 'image', ref: 'registry.example.test/app/web/evil:1', digest })).allowed).toBe(false);
  });
});

describe('keyless rules (vector bundles with their trusted root)', () => {
  const dir = join(vectorsDir(), 'sigstore-conformance/test/assets/bundle-verify');
  const rootPath = join(vectorsDir(), 'sigstore-js/packages/tuf/seeds.decoded/tuf-repo-cdn.sigstore.dev/trusted_root.json');
  const subject: Subject = { kind: 'artifact', uri: 'a.txt', digest: `sha256:${sha256(readFileSync(join(dir, 'a.txt')))}` };
  const bytes = readFileSync(join(dir, 'happy-path-v0.3/bundle.sigstore.json'));
  const ev: Evidence = { signatures: [{ bundle: JSON.parse(bytes.toString()), digest: `sha256:${sha256(bytes)}`, uri: 'happy-path-v0.3' }], attestations: [] };
  const SAN = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
  const ISSUER = 'https://token.actions.githubusercontent.com';
  const keyless = (identity: string, issuer = ISSUER, extra = '', root = rootPath) => `apiVersion: provenant.dev/v1
kind: Policy
metadata: { name: blob }
spec:
  artifacts: ["a.txt"]
  authorities:
    - name: beacon
      keyless:
        ${identity}
        issuer: ${JSON.stringify(issuer)}
${extra}      trustedRoot: ${root}
`;

  it('control: exact identity, issuer and an extension allow', async () => {
    const d = await decide(keyless(`subject: ${JSON.stringify(SAN)}`, ISSUER, '        extensions: { sourceRepositoryRef: refs/heads/main }\n'), ev, subject);
    expect(d.allowed, d.reason).toBe(true);
  });

  it('identity: another exact subject', async () => {
    const d = await decide(keyless(`subject: ${JSON.stringify(SAN.replace('main', 'evil'))}`), ev, subject);
    expect(d.allowed).toBe(false);
    expect(failure(d)).toEqual({ check: 'signature', code: 'IDENTITY_MISMATCH' });
  });

  it('identity: a regex is anchored (a prefix pattern does not match the whole SAN)', async () => {
    const d = await decide(keyless(`subjectRegExp: "https://github\\\\.com/sigstore-conformance/"`), ev, subject);
    expect(d.allowed).toBe(false);
    expect(failure(d)).toEqual({ check: 'signature', code: 'IDENTITY_MISMATCH' });
    expect((await decide(keyless(`subjectRegExp: "https://github\\\\.com/sigstore-conformance/.*"`), ev, subject)).allowed).toBe(true);
  });

  it('issuer: another issuer', async () => {
    const d = await decide(keyless(`subject: ${JSON.stringify(SAN)}`, 'https://accounts.example.test'), ev, subject);
    expect(d.allowed).toBe(false);
    expect(failure(d)).toEqual({ check: 'signature', code: 'ISSUER_MISMATCH' });
  });

  it('certificate extension: another value', async () => {
    const d = await decide(keyless(`subject: ${JSON.stringify(SAN)}`, ISSUER, '        extensions: { sourceRepositoryRef: refs/heads/evil }\n'), ev, subject);
    expect(d.allowed).toBe(false);
    expect(failure(d)).toEqual({ check: 'signature', code: 'EXTENSION_MISMATCH' });
  });

  it('trusted root: a root that does not vouch for the signer', async () => {
    const otherRoot = join(vectorsDir(), 'sigstore-js/extracted/packages/verify/__fixtures__/trusted_root.json');
    const d = await decide(keyless(`subject: ${JSON.stringify(SAN)}`, ISSUER, '', otherRoot), ev, subject);
    expect(d.allowed).toBe(false);
    expect(failure(d).check).toBe('signature');
    expect(['TLOG_KEY_UNKNOWN', 'TLOG_CHECKPOINT_INVALID', 'TLOG_SET_INVALID', 'CERTIFICATE_CHAIN_INVALID']).toContain(failure(d).code);
  });

  it('keyless authority: a key-signed bundle does not count', async () => {
    const keyEv = await evidence({ signatures: [await signatureBundle(key, Buffer.from('x'))] });
    const d = await decide(keyless(`subject: ${JSON.stringify(SAN)}`), keyEv, subject);
    expect(d.allowed).toBe(false);
  });
});

describe('broken policies are load-time errors, never an allow', () => {
  const cases: [string, string, string][] = [
    ['bad YAML', 'apiVersion: provenant.dev/v1\nkind: Policy\nmetadata: { name: [\n', 'POLICY_INVALID'],
    ['bad CEL', policy({ conditions: { broken: 'predicate.x ==' } }), 'POLICY_CEL_INVALID'],
    ['unknown field', policy().replace('  attestations:', '  attestation:'), 'POLICY_INVALID'],
    ['regex that does not compile', policy({ authorities: `    - name: ci\n      keyless:\n        subjectRegExp: "(unclosed"\n        issuer: https://issuer.example.test\n` }), 'POLICY_REGEX_INVALID'],
  ];
  for (const [name, text, code] of cases) {
    it(`${name}: ${code} from the library, exit 1 and no ALLOWED from the CLI`, async () => {
      await expect(loadPolicyText(text, { source: 'broken.yaml' })).rejects.toMatchObject({ code });
      const dir = tempDir();
      const file = writeFile(dir, 'broken.yaml', text);
      const artifact = writeFile(dir, 'a.txt', 'hello');
      const io = { stdout: '', stderr: '', isTTY: false, out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
      expect(await main(['verify', artifact, '--policy', file], io)).toBe(1);
      expect(io.stdout).not.toContain('ALLOWED');
      expect(io.stderr).toContain(code);
    });
  }
});
