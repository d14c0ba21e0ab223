// Specifications of verifier/decide's rules beyond one bundle: which failure a decision reports among
// many candidates, what a cached verdict may be reused for, policy matching, warn mode, the inputs a
// decision names, and how evidence is sorted. Key-signed bundles are made in the test (helpers.ts).
import { describe, expect, it } from 'vitest';
import { keySigner, signDsse } from '@provenant/core/sign';
import { trustMaterialFromKeys } from '@provenant/core/verify';
import { classify, COSIGN_SIGN_PREDICATE, evaluate, loadPolicyText, VerificationCache, type Decision, type Evidence, type EvidenceBundle, type Subject } from '@provenant/verifier';
import { attestationBundle, makeKey, sha256, signatureBundle, simpleSigningPayload, statement, type TestKey } from './helpers.js';

const key = makeKey();
const otherKey = makeKey();
const digest = `sha256:${sha256('the image')}`;
const otherDigest = `sha256:${sha256('another image')}`;
const image = { kind: 'image', ref: 'registry.example.test/app/web:1.0', digest } satisfies Subject;
// A predicate type core/intoto does not validate, so these tests are about decide alone.
const SLSA = 'https://example.test/attestation/v1';
const indent = (s: string, n: number) => s.trim().split('\n').map((l) => ' '.repeat(n) + l).join('\n');
const keyAuthority = (name: string, k: TestKey, extra = '      ignoreTlog: true\n') => `    - name: ${name}\n      key:\n        pem: |\n${indent(k.publicKeyPem, 10)}\n${extra}`;

function policyText(o: { name?: string; images?: string; mode?: string; authorities?: string; attestation?: boolean; requireSignature?: boolean } = {}): string {
  return `apiVersion: provenant.dev/v1
kind: Policy
metadata: { name: ${o.name ?? 'web'} }
spec:
  images: [${o.images ?? '"registry.example.test/app/*"'}]
${o.mode ? `  mode: ${o.mode}\n` : ''}${o.requireSignature === false ? '  requireSignature: false\n' : ''}  authorities:
${o.authorities ?? keyAuthority('release-key', key)}${o.attestation ? `  attestations:\n    - name: provenance\n      predicateType: ${SLSA}\n` : ''}`;
}

const signature = (k: TestKey, d = digest, uri = 'sig') => signatureBundle(k, simpleSigningPayload(image.ref, d), uri, true);
const decide = async (text: string | string[], ev: Evidence, o: Parameters<typeof evaluate>[3] = {}, subject: Subject = image): Promise<Decision> =>
  evaluate(subject, ev, await loadPolicyText(Array.isArray(text) ? text.join('---\n') : text, { source: 'decide-checks.yaml' }), o);
const firstFailed = (d: Decision) => d.policies.flatMap((p) => p.authorities.flatMap((a) => a.checks)).find((c) => !c.passed);

describe('subject', () => {
  it('the subject digest must be sha256:<64 lowercase hex>: DIGEST_INVALID', async () => {
    const set = await loadPolicyText(policyText());
    for (const bad of ['sha256:ABC', `sha512:${'a'.repeat(128)}`, `sha256:${'A'.repeat(64)}`, `${digest}x`]) {
      expect(() => evaluate({ ...image, digest: bad }, { signatures: [], attestations: [] }, set)).toThrow(expect.objectContaining({ code: 'DIGEST_INVALID' }));
    }
  });
});

describe('the most telling failure among many candidates', () => {
  it('a signature by the right key over another image beats one by a wrong key, in either order', async () => {
    const wrongKey = await signature(otherKey, digest, 'wrong-key');
    const wrongImage = await signature(key, otherDigest, 'wrong-image');
    for (const signatures of [
      [wrongKey, wrongImage],
      [wrongImage, wrongKey],
    ]) {
      const c = firstFailed(await decide(policyText(), { signatures, attestations: [] }))!;
      expect(c.code).toBe('SUBJECT_MISMATCH');
      expect(c.evidence).toEqual({ digest: wrongImage.digest, uri: 'wrong-image' });
    }
  });

  it('an attestation by the right key with the wrong predicate type beats one by a wrong key, in either order', async () => {
    const wrongKey = await attestationBundle(otherKey, statement(digest, SLSA, {}), 'wrong-key');
    const wrongType = await attestationBundle(key, statement(digest, 'https://example.test/other', {}), 'wrong-type');
    for (const attestations of [
      [wrongKey, wrongType],
      [wrongType, wrongKey],
    ]) {
      const d = await decide(policyText({ attestation: true, requireSignature: false }), { signatures: [], attestations });
      const c = firstFailed(d)!;
      expect(c.code).toBe('PREDICATE_TYPE_MISMATCH');
      expect(c.evidence).toEqual({ digest: wrongType.digest, uri: 'wrong-type' });
    }
  });

  it('a passing check names the bundle that satisfied it', async () => {
    const good = await signature(key, digest, 'good');
    const d = await decide(policyText(), { signatures: [await signature(otherKey, digest, 'bad'), good], attestations: [] });
    expect(d.allowed).toBe(true);
    expect(d.policies[0]!.authorities[0]!.checks[0]!.evidence).toEqual({ digest: good.digest, uri: 'good' });
  });
});

describe('the verification cache', () => {
  it('a verdict cached for one key is not reused for another key', async () => {
    const cache = new VerificationCache();
    const ev = { signatures: [await signature(key)], attestations: [] };
    expect((await decide(policyText(), ev, { cache })).allowed).toBe(true);
    const d = await decide(policyText({ authorities: keyAuthority('other', otherKey) }), ev, { cache });
    expect(d.allowed).toBe(false);
  });

  it('a verdict cached without the log is not reused for an authority that requires it', async () => {
    const cache = new VerificationCache();
    const ev = { signatures: [await signature(key)], attestations: [] };
    const trust = trustMaterialFromKeys({});
    expect((await decide(policyText(), ev, { cache, trust })).allowed).toBe(true);
    const d = await decide(policyText({ authorities: keyAuthority('release-key', key, '') }), ev, { cache, trust });
    expect(firstFailed(d)?.code).toBe('TLOG_THRESHOLD_NOT_MET');
  });

  it('a verdict cached under one caller trust is not reused under another', async () => {
    const cache = new VerificationCache();
    const ev = { signatures: [await signature(key)], attestations: [] };
    const text = policyText({ authorities: keyAuthority('release-key', key, '') });
    const a = trustMaterialFromKeys({});
    const b = trustMaterialFromKeys({});
    // Both fail the same way; each trust gets its own entry.
    await decide(text, ev, { cache, trust: a });
    await decide(text, ev, { cache, trust: a });
    expect(cache.size).toBe(1);
    await decide(text, ev, { cache, trust: b });
    expect(cache.size).toBe(2);
  });

  it('a trust given as {material, id} is used as such', async () => {
    const ev = { signatures: [await signature(key)], attestations: [] };
    const d = await decide(policyText(), ev, { trust: { material: trustMaterialFromKeys({}), id: 'mine' } });
    expect(d.allowed).toBe(true);
  });

  it('is bounded: the oldest entry goes first', () => {
    const cache = new VerificationCache(2);
    const v = { ok: false as const, code: 'VERIFICATION_FAILED' as const, reason: 'x' };
    cache.set('a', v);
    cache.set('b', v);
    expect(cache.size).toBe(2);
    cache.set('c', v);
    expect(cache.size).toBe(2);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('c')).toBe(v);
  });
});

describe('trust', () => {
  it('an authority with no trusted root and no ignoreTlog is TRUSTED_ROOT_INVALID, key or keyless', async () => {
    const ev = { signatures: [await signature(key)], attestations: [] };
    expect(firstFailed(await decide(policyText({ authorities: keyAuthority('k', key, '') }), ev))?.code).toBe('TRUSTED_ROOT_INVALID');
    const keyless = '    - name: ci\n      keyless:\n        issuer: https://token.actions.githubusercontent.com\n        subject: someone\n      ignoreTlog: true\n';
    expect(firstFailed(await decide(policyText({ authorities: keyless }), ev))?.code).toBe('TRUSTED_ROOT_INVALID');
  });

  it('a keyless authority refuses a key-signed bundle: IDENTITY_MISMATCH', async () => {
    const sig = await signature(key);
    const hint = (sig.bundle as { verificationMaterial: { publicKey: { hint: string } } }).verificationMaterial.publicKey.hint;
    const keyless = '    - name: ci\n      keyless:\n        issuer: https://token.actions.githubusercontent.com\n        subject: someone\n      ignoreTlog: true\n';
    // The trust vouches for the key, so the bundle verifies; the authority still wants a certificate identity.
    const d = await decide(policyText({ authorities: keyless }), { signatures: [sig], attestations: [] }, { trust: trustMaterialFromKeys({ [hint]: key.publicKeyPem }) });
    expect(d.allowed).toBe(false);
    expect(firstFailed(d)?.code).toBe('IDENTITY_MISMATCH');
  });
});

describe('binding to the subject', () => {
  it('a statement binds when any of its subjects is the digest', async () => {
    const two = { ...statement(digest, SLSA, {}), subject: [{ name: 'other', digest: { sha256: otherDigest.slice(7) } }, { name: 'mine', digest: { sha256: digest.slice(7) } }] };
    const d = await decide(policyText({ attestation: true, requireSignature: false }), { signatures: [], attestations: [await attestationBundle(key, two)] });
    expect(d.allowed, d.reason).toBe(true);
    const none = await decide(policyText({ attestation: true, requireSignature: false }), { signatures: [], attestations: [await attestationBundle(key, statement(otherDigest, SLSA, {}))] });
    expect(firstFailed(none)?.code).toBe('SUBJECT_MISMATCH');
  });

  it('a DSSE payload that is not an in-toto statement is STATEMENT_INVALID', async () => {
    const env = await signDsse(Buffer.from(JSON.stringify(statement(digest, SLSA, {}))), 'text/plain', keySigner(key.privateKey));
    const bytes = Buffer.from(JSON.stringify(env));
    const item: EvidenceBundle = { bundle: JSON.parse(bytes.toString()), digest: `sha256:${sha256(bytes)}`, uri: 'plain' };
    const d = await decide(policyText({ attestation: true, requireSignature: false }), { signatures: [], attestations: [item] });
    expect(firstFailed(d)?.code).toBe('STATEMENT_INVALID');
  });

  it('a signed payload that is not a simple-signing payload is refused with its own code, not as another image', async () => {
    const junk = await signatureBundle(key, Buffer.from('{"critical":{}}'), 'junk', true);
    const d = await decide(policyText(), { signatures: [junk], attestations: [] });
    expect(firstFailed(d)?.code).toBe('IMAGE_SIGNATURE_INVALID');
  });
});

describe('matching, warn mode and the decision', () => {
  it('a policy matches when any of its globs names the subject', async () => {
    const d = await decide(policyText({ images: '"registry.example.test/other/*", "registry.example.test/app/*"' }), { signatures: [await signature(key)], attestations: [] });
    expect(d.policies.map((p) => [p.name, p.matched])).toEqual([['web', true]]);
  });

  it('no matching policy: noMatch decides, with no policies, warnings or inputs', async () => {
    const d = await decide(policyText({ images: '"registry.example.test/other/*"' }), { signatures: [await signature(key)], attestations: [] });
    expect(d).toMatchObject({ allowed: false, mode: 'enforce', policies: [], warnings: [], inputs: [] });
  });

  it('a passing policy has no firstFailure; a failing one names it', async () => {
    const ok = await decide(policyText(), { signatures: [await signature(key)], attestations: [] });
    expect(ok.policies[0]!.firstFailure).toBeUndefined();
    expect(ok.policies[0]!.passed).toBe(true);
    const bad = await decide(policyText(), { signatures: [await signature(otherKey)], attestations: [] });
    expect(bad.policies[0]!.firstFailure).toBeDefined();
  });

  it('warn mode: a failing warn policy only warns; a passing one does not; mode is enforce when any matching policy enforces', async () => {
    const bad = { signatures: [await signature(otherKey)], attestations: [] };
    const good = { signatures: [await signature(key)], attestations: [] };
    const warnOnly = await decide(policyText({ mode: 'warn' }), bad);
    expect(warnOnly).toMatchObject({ allowed: true, mode: 'warn' });
    expect(warnOnly.warnings).toHaveLength(1);
    const passingWarn = await decide(policyText({ mode: 'warn' }), good);
    expect(passingWarn.warnings).toEqual([]);
    const mixed = await decide([policyText({ name: 'a', mode: 'warn' }), policyText({ name: 'b' })], bad);
    expect(mixed).toMatchObject({ allowed: false, mode: 'enforce' });
    expect(mixed.warnings).toHaveLength(1);
  });

  it('inputs: the bundles that satisfied a passing authority, once each; a failed authority contributes none', async () => {
    const sig = await signature(key, digest, 'sig');
    const att = await attestationBundle(key, statement(digest, SLSA, {}), 'att');
    const two = keyAuthority('other', otherKey) + keyAuthority('release-key', key);
    const d = await decide([policyText({ name: 'a', attestation: true, authorities: two }), policyText({ name: 'b' })], { signatures: [sig], attestations: [att] });
    expect(d.allowed, d.reason).toBe(true);
    expect(d.inputs).toEqual([
      { digest: sig.digest, uri: 'sig' },
      { digest: att.digest, uri: 'att' },
    ]);
    // An authority that fails adds nothing, even bundles that passed one of its checks.
    const otherAtt = await attestationBundle(otherKey, statement(digest, SLSA, {}), 'other-att');
    const half = await decide(policyText({ attestation: true }), { signatures: [sig], attestations: [otherAtt] });
    expect(half.policies[0]!.authorities[0]!.checks.map((c) => c.passed)).toEqual([true, false]);
    expect(half.inputs).toEqual([]);
  });
});

describe('sorting evidence', () => {
  it('message signatures and cosign sign statements are signatures; other DSSE bundles attestations; odd bundles are signatures', async () => {
    const msg = await signature(key);
    const sign = await attestationBundle(key, statement(digest, COSIGN_SIGN_PREDICATE, {}));
    const att = await attestationBundle(key, statement(digest, SLSA, {}));
    const odd: EvidenceBundle[] = [
      { bundle: null, digest: 'sha256:0' },
      { bundle: 'text', digest: 'sha256:1' },
    ];
    const brokenDsse: EvidenceBundle = { bundle: { dsseEnvelope: { payload: '%%%' } }, digest: 'sha256:2' };
    const { signatures, attestations } = classify([msg, sign, att, ...odd, brokenDsse]);
    expect(signatures).toEqual([msg, sign, ...odd]);
    expect(attestations).toEqual([att, brokenDsse]);
  });
});
