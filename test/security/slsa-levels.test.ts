// Item 5 of issue #20: SLSA levels are read by one strict parser (core/slsa/levels) everywhere: a VSA's
// verifiedLevels, the levels a caller requires of a VSA, and a policy's verifiedLevels. Before it,
// `SLSA_BUILD_LEVEL_0x10` and `SLSA_BUILD_LEVEL_1e1` were read with Number() as 16 and 10 and met a minimum of 3.
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { pae } from '@provenant/core/intoto';
import { parseSlsaResult, summarizeLevels, verifyVsa } from '@provenant/core/slsa';
import { loadPolicyText } from '@provenant/verifier';
import { expectCode, expectCodeAsync } from './helpers.js';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const DIGEST = 'a'.repeat(64);

/** A key-signed DSSE VSA whose only variable is verifiedLevels. */
function signedVsa(verifiedLevels: unknown[], verificationResult = 'PASSED'): unknown {
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'app.tgz', digest: { sha256: DIGEST } }],
    predicateType: 'https://slsa.dev/verification_summary/v1',
    predicate: { verifier: { id: 'https://verifier.example.test' }, timeVerified: '2026-01-01T00:00:00Z', resourceUri: 'https://example.test/app.tgz', policy: { uri: 'https://example.test/policy' }, verificationResult, verifiedLevels },
  };
  const payload = Buffer.from(JSON.stringify(statement));
  const sig = sign('sha256', pae('application/vnd.in-toto+json', payload), privateKey);
  return { payloadType: 'application/vnd.in-toto+json', payload: payload.toString('base64'), signatures: [{ keyid: '', sig: sig.toString('base64') }] };
}

const expectations = (levels: string[]) => ({ subjectDigests: [`sha256:${DIGEST}`], verifierId: 'https://verifier.example.test', resourceUri: 'https://example.test/app.tgz', verifiedLevels: levels });

const MISSPELT = ['SLSA_BUILD_LEVEL_0x10', 'SLSA_BUILD_LEVEL_1e1', 'SLSA_BUILD_LEVEL_03', 'SLSA_BUILD_LEVEL_ 3', 'SLSA_BUILD_LEVEL_3 ', 'SLSA_BUILD_LEVEL_3.0', 'SLSA_BUILD_LEVEL_+3', 'SLSA_BUILD_LEVEL_5', 'SLSA_BUILD_LEVEL_10', 'SLSA_BUILD_LEVEL_-1', 'SLSA_BUILD_LEVEL_Infinity', 'SLSA_BUILD_LEVEL_', 'SLSA_BUILD_LEVEL_٣', 'slsa_build_level_3', 'SLSA_SOURCE_LEVEL_0', 'SLSA_DEPS_LEVEL_3', 'SLSA_BUILD_3'];

describe('SLSA levels are parsed strictly (issue #20 item 5)', () => {
  it('a VSA claiming a misspelt level never meets a minimum: SLSA_LEVEL_INVALID', () => {
    for (const level of MISSPELT) expectCode(() => verifyVsa(signedVsa([level]), publicKeyPem, expectations(['SLSA_BUILD_LEVEL_3'])), 'SLSA_LEVEL_INVALID');
  });

  it('the genuine level still verifies, and a lower one is VSA_INVALID', () => {
    expect(verifyVsa(signedVsa(['SLSA_BUILD_LEVEL_3']), publicKeyPem, expectations(['SLSA_BUILD_LEVEL_3'])).verificationResult).toBe('PASSED');
    expect(verifyVsa(signedVsa(['SLSA_BUILD_LEVEL_3', 'BCID_L1']), publicKeyPem, expectations(['SLSA_BUILD_LEVEL_2', 'BCID_L1'])).verificationResult).toBe('PASSED');
    expectCode(() => verifyVsa(signedVsa(['SLSA_BUILD_LEVEL_2']), publicKeyPem, expectations(['SLSA_BUILD_LEVEL_3'])), 'VSA_INVALID');
    expectCode(() => verifyVsa(signedVsa(['FAILED']), publicKeyPem, expectations([])), 'VSA_INVALID');
  });

  it('a misspelt required level (the caller side) is SLSA_LEVEL_INVALID, not a weaker minimum', () => {
    for (const level of MISSPELT) expectCode(() => verifyVsa(signedVsa(['SLSA_BUILD_LEVEL_3']), publicKeyPem, expectations([level])), 'SLSA_LEVEL_INVALID');
  });

  it('a policy vouching for a misspelt level is POLICY_INVALID at load, with file:line', async () => {
    for (const level of ['SLSA_BUILD_LEVEL_0x10', 'SLSA_BUILD_LEVEL_1e1', 'FAILED']) {
      const text = `apiVersion: provenant.dev/v1
kind: Policy
metadata: { name: p }
spec:
  artifacts: ["**"]
  verifiedLevels: [SLSA_BUILD_LEVEL_1, "${level}"]
  authorities: [{ name: pass, static: pass }]
`;
      const err = await expectCodeAsync(loadPolicyText(text, { source: 'levels.yaml' }), 'POLICY_INVALID');
      expect(err.message).toMatch(/^levels\.yaml:6:/);
    }
  });

  it('parses exactly the spec forms', () => {
    expect(parseSlsaResult('SLSA_BUILD_LEVEL_0')).toMatchObject({ kind: 'level', track: 'BUILD', level: 0 });
    expect(parseSlsaResult('SLSA_SOURCE_LEVEL_4')).toMatchObject({ kind: 'level', track: 'SOURCE', level: 4 });
    expect(parseSlsaResult('SLSA_BUILD_LEVEL_UNEVALUATED')).toMatchObject({ kind: 'unevaluated', track: 'BUILD' });
    expect(parseSlsaResult('FAILED')).toMatchObject({ kind: 'failed' });
    expect(parseSlsaResult('BCID_L1')).toMatchObject({ kind: 'custom' });
    expect(summarizeLevels(['SLSA_BUILD_LEVEL_2', 'SLSA_BUILD_LEVEL_3', 'SLSA_BUILD_LEVEL_UNEVALUATED', 'BCID_L1'])).toEqual(['BCID_L1', 'SLSA_BUILD_LEVEL_3']);
  });

  it('property: any string is a level only in its canonical spelling; everything else is a coded error or a custom value', () => {
    const levelish = fc.oneof(
      fc.string(),
      fc.tuple(fc.constantFrom('SLSA_', 'slsa_', 'SLSA'), fc.constantFrom('BUILD', 'SOURCE', 'build', 'X'), fc.constantFrom('_LEVEL_', '_LEVEL', 'LEVEL_'), fc.oneof(fc.string({ maxLength: 4 }), fc.integer({ min: -20, max: 20 }).map(String), fc.constantFrom('0x3', '3e0', '03', ' 3', '3 ', '３'))).map((p) => p.join('')),
    );
    fc.assert(
      fc.property(levelish, (text) => {
        let r;
        try {
          r = parseSlsaResult(text);
        } catch (err) {
          expect((err as { code?: string }).code).toBe('SLSA_LEVEL_INVALID');
          return;
        }
        if (r.kind === 'level') expect(text).toBe(`SLSA_${r.track}_LEVEL_${r.level}`);
        if (r.kind === 'custom') expect(text.toUpperCase().startsWith('SLSA_')).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});
