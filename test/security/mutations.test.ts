// Issue #20 item 9: fast-check properties over statement and policy mutations. A mutant statement,
// re-signed by the trusted key (so only its content is wrong) or tampered after signing, is never
// allowed; a mutant policy either fails to load with a coded error or, loaded, never allows evidence
// signed by a key it does not name. Nothing throws anything but a ProvenantError.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { evaluate, loadPolicyText, type Decision, type Evidence, type EvidenceBundle, type Subject } from '@provenant/verifier';
import { attestationBundle, makeKey, sha256, signatureBundle, simpleSigningPayload, statement } from '../verifier/helpers.js';

const key = makeKey();
const attacker = makeKey();
const digest = `sha256:${sha256('the image')}`;
const image = { kind: 'image', ref: 'registry.example.test/app/web:1.0', digest } satisfies Subject;
const SLSA = 'https://slsa.dev/provenance/v1';
const BUILDER = 'https://ci.example.test/builder';
const indent = (s: string, n: number) => s.trim().split('\n').map((l) => ' '.repeat(n) + l).join('\n');

const policyText = (k = key) => `apiVersion: provenant.dev/v1
kind: Policy
metadata: { name: web }
spec:
  images: ["registry.example.test/app/*"]
  mode: enforce
  requireSignature: true
  verifiedLevels: [SLSA_BUILD_LEVEL_3]
  authorities:
    - name: release-key
      key:
        pem: |
${indent(k.publicKeyPem, 10)}
      ignoreTlog: true
  attestations:
    - name: provenance
      predicateType: ${SLSA}
      conditions:
        - name: builder
          cel: "predicate.runDetails.builder.id == '${BUILDER}'"
`;

const provenance = () => ({ buildDefinition: { buildType: 'https://ci.example.test/build/v1', externalParameters: { ref: 'refs/heads/main' } }, runDetails: { builder: { id: BUILDER } } });

/** Every failed check carries a code: a denial always says why, in a form tools branch on. */
function expectCodedDenial(d: Decision): void {
  expect(d.allowed).toBe(false);
  for (const p of d.policies) for (const a of p.authorities) for (const c of a.checks) if (!c.passed) expect(typeof c.code).toBe('string');
}

const isProvenantError = (err: unknown): boolean => err instanceof Error && err.name === 'ProvenantError' && typeof (err as { code?: unknown }).code === 'string';

type Json = Record<string, unknown>;
const flip = (hex: string, i: number) => hex.slice(0, i) + (hex[i] === '0' ? '1' : '0') + hex.slice(i + 1);

/** Mutations of a statement that must each make it unusable for this subject and policy. */
const statementMutation: fc.Arbitrary<[string, (s: Json) => Json]> = fc.oneof(
  fc.integer({ min: 0, max: 63 }).map((i) => [`subject digest bit ${i}`, (s: Json) => ({ ...s, subject: [{ name: 'x', digest: { sha256: flip(digest.slice(7), i) } }] })] as [string, (s: Json) => Json]),
  fc.constantFrom<[string, (s: Json) => Json]>(
    ['no subject', (s) => ({ ...s, subject: [] })],
    ['subject digest as sha512 only', (s) => ({ ...s, subject: [{ name: 'x', digest: { sha512: digest.slice(7) } }] })],
    ['subject digest upper case', (s) => ({ ...s, subject: [{ name: 'x', digest: { sha256: digest.slice(7).toUpperCase() } }] })],
    ['predicate type v0.2', (s) => ({ ...s, predicateType: 'https://slsa.dev/provenance/v0.2' })],
    ['predicate type with a trailing slash', (s) => ({ ...s, predicateType: `${SLSA}/` })],
    ['statement type v0.1', (s) => ({ ...s, _type: 'https://in-toto.io/Statement/v0.1x' })],
    ['unknown top-level field', (s) => ({ ...s, extra: true })],
    ['predicate not an object', (s) => ({ ...s, predicate: 'x' })],
    ['no predicate', (s) => ({ _type: s._type, subject: s.subject, predicateType: s.predicateType })],
  ),
  fc.string({ maxLength: 40 }).filter((b) => b !== BUILDER).map((b) => [`builder ${JSON.stringify(b)}`, (s: Json) => ({ ...s, predicate: { ...(s.predicate as Json), runDetails: { builder: { id: b } } } })] as [string, (s: Json) => Json]),
);

/** Byte-level tampering of a signed bundle (the signature is not redone). */
function tamper(bundle: EvidenceBundle, at: number, bit: number): EvidenceBundle {
  const b = structuredClone(bundle.bundle) as { dsseEnvelope: { payload: string; signatures: { sig: string }[] } };
  const payload = Buffer.from(b.dsseEnvelope.payload, 'base64');
  const i = at % payload.length;
  payload[i] = payload[i]! ^ (1 << bit);
  b.dsseEnvelope.payload = payload.toString('base64');
  const bytes = Buffer.from(JSON.stringify(b));
  return { bundle: b, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, uri: 'tampered' };
}

describe('mutation properties (issue #20 item 9)', async () => {
  const set = await loadPolicyText(policyText());
  const signature = await signatureBundle(key, simpleSigningPayload(image.ref, digest), 'sig', true);
  const genuine = statement(digest, SLSA, provenance());
  const genuineBundle = await attestationBundle(key, genuine);

  it('control: the genuine statement is allowed', () => {
    expect(evaluate(image, { signatures: [signature], attestations: [genuineBundle] }, set).allowed).toBe(true);
  });

  it('no statement mutant, re-signed by the trusted key, is allowed; each denial is coded', async () => {
    await fc.assert(
      fc.asyncProperty(statementMutation, async ([, mutate]) => {
        const mutant = await attestationBundle(key, mutate(structuredClone(genuine)));
        const evidence: Evidence = { signatures: [signature], attestations: [mutant] };
        expectCodedDenial(evaluate(image, evidence, set));
      }),
      { numRuns: 150 },
    );
  });

  it('no bit flip in a signed statement is allowed', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 0, max: 7 }), (at, bit) => {
        expectCodedDenial(evaluate(image, { signatures: [signature], attestations: [tamper(genuineBundle, at, bit)] }, set));
      }),
      { numRuns: 300 },
    );
  });

  it('no policy mutant allows evidence signed by a key it does not name; failures to load are coded', async () => {
    const text = policyText();
    const attackerEvidence: Evidence = {
      signatures: [await signatureBundle(attacker, simpleSigningPayload(image.ref, digest), 'sig', true)],
      attestations: [await attestationBundle(attacker, genuine)],
    };
    const edit = fc.oneof(
      fc.record({ at: fc.nat({ max: text.length - 1 }), op: fc.constant('delete' as const), char: fc.constant('') }),
      fc.record({ at: fc.nat({ max: text.length - 1 }), op: fc.constantFrom('insert' as const, 'replace' as const), char: fc.constantFrom('*', '#', ' ', '\n', '-', ':', '"', "'", '[', '{', 'x', '0', '.', '/', '\\', '\t', '&', '!', '%') }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 3 }), async (edits) => {
        let mutant = text;
        for (const e of edits) {
          const at = Math.min(e.at, mutant.length - 1);
          mutant = e.op === 'delete' ? mutant.slice(0, at) + mutant.slice(at + 1) : e.op === 'insert' ? mutant.slice(0, at) + e.char + mutant.slice(at) : mutant.slice(0, at) + e.char + mutant.slice(at + 1);
        }
        let loaded;
        try {
          loaded = await loadPolicyText(mutant, { source: 'mutant.yaml' });
        } catch (err) {
          expect(isProvenantError(err), String(err)).toBe(true);
          return;
        }
        expectCodedDenial(evaluate(image, attackerEvidence, loaded));
      }),
      { numRuns: 400 },
    );
  });
});
