// DSSE signatures are over PAE(payloadType, payload), never over the payload alone: a signature made over
// the raw statement bytes, or over PAE with another payload type, is refused even from the trusted key.
// (Bypass class "DSSE PAE"; the encoding itself is tested in packages/core/src/verify/dsse/pae.test.ts.)
import { createHash, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { pae } from '@provenant/core/intoto';
import { evaluate, loadPolicyText, type EvidenceBundle, type Subject } from '@provenant/verifier';
import { attestationBundle, makeKey, sha256, statement } from '../verifier/helpers.js';

const key = makeKey();
const digest = `sha256:${sha256('artifact')}`;
const subject: Subject = { kind: 'artifact', uri: 'dist/app.tgz', digest };
const SLSA = 'https://slsa.dev/provenance/v1';
const indent = (s: string, n: number) => s.trim().split('\n').map((l) => ' '.repeat(n) + l).join('\n');
const policy = `apiVersion: provenant.dev/v1
kind: Policy
metadata: { name: dist }
spec:
  artifacts: ["dist/**"]
  requireSignature: false
  authorities:
    - name: release-key
      key:
        pem: |
${indent(key.publicKeyPem, 10)}
      ignoreTlog: true
  attestations:
    - name: provenance
      predicateType: ${SLSA}
`;

function resigned(bundle: EvidenceBundle, message: (payload: Buffer, payloadType: string) => Buffer, payloadType?: string): EvidenceBundle {
  const b = structuredClone(bundle.bundle) as { dsseEnvelope: { payload: string; payloadType: string; signatures: { sig: string }[] } };
  const payload = Buffer.from(b.dsseEnvelope.payload, 'base64');
  b.dsseEnvelope.signatures[0]!.sig = sign('sha256', message(payload, b.dsseEnvelope.payloadType), key.privateKey).toString('base64');
  if (payloadType !== undefined) b.dsseEnvelope.payloadType = payloadType;
  const bytes = Buffer.from(JSON.stringify(b));
  return { bundle: b, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}` };
}

describe('DSSE signatures are over PAE (bypass class: DSSE PAE)', () => {
  it('control: PAE-signed is allowed; raw-payload-signed and payloadType-swapped are denied with a code', async () => {
    const set = await loadPolicyText(policy);
    const genuine = await attestationBundle(key, statement(digest, SLSA, { buildDefinition: { buildType: 'https://ci.example.test/b', externalParameters: {} }, runDetails: { builder: { id: 'https://ci.example.test/builder' } } }));
    expect(evaluate(subject, { signatures: [], attestations: [genuine] }, set).allowed).toBe(true);
    const cases = [
      resigned(genuine, (payload) => payload),
      resigned(genuine, (payload) => pae('application/json', payload), 'application/json'),
      resigned(genuine, (payload) => pae('application/json', payload)),
    ];
    for (const bundle of cases) {
      const d = evaluate(subject, { signatures: [], attestations: [bundle] }, set);
      expect(d.allowed).toBe(false);
      const check = d.policies[0]!.authorities[0]!.checks[0]!;
      expect(check.passed).toBe(false);
      expect(check.code).toMatch(/SIGNATURE_INVALID|STATEMENT_INVALID/);
    }
  });
});
