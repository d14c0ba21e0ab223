// Item 4 of issue #20: a VSA says PASSED only when an enforce-mode policy that matched the subject
// passed. Before, an allowed decision was PASSED whatever allowed it: the only matching policy failing
// in warn mode (an attacker's signature, say), or no policy matching under `noMatch: allow`. Those now
// give FAILED with verifiedLevels ["FAILED"] (vsaVerdict says why), and verifiedLevels lists only the
// levels of enforce-mode policies that passed, one per track.
import { describe, expect, it } from 'vitest';
import { buildVsa, evaluate, loadPolicyText, vsaVerdict, type Evidence, type Subject } from '@provenant/verifier';
import { main } from '@provenant/cli';
import { makeKey, sha256, signatureBundle, tempDir, writeFile } from '../verifier/helpers.js';
import { captureIO } from '../helpers/cli.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const release = makeKey();
const attacker = makeKey();
const indent = (s: string, n: number) => s.trim().split('\n').map((l) => ' '.repeat(n) + l).join('\n');
const bytes = Buffer.from('release bytes');
const subject: Subject = { kind: 'artifact', uri: 'release/app.tgz', digest: `sha256:${sha256(bytes)}` };

function policy(name: string, glob: string, mode: 'enforce' | 'warn', levels: string[]): string {
  return `apiVersion: provenant.dev/v1
kind: Policy
metadata: { name: ${name} }
spec:
  artifacts: ["${glob}"]
  mode: ${mode}
  verifiedLevels: [${levels.join(', ')}]
  authorities:
    - name: release-key
      key:
        pem: |
${indent(release.publicKeyPem, 10)}
      ignoreTlog: true
`;
}

const list = (noMatch: 'deny' | 'allow', ...items: string[]) => `apiVersion: provenant.dev/v1
kind: PolicyList
noMatch: ${noMatch}
items:
${items.map((i) => '  - ' + i.trim().split('\n').join('\n    ')).join('\n')}
`;

async function evidence(key = release): Promise<Evidence> {
  return { signatures: [await signatureBundle(key, bytes)], attestations: [] };
}

describe('VSA semantics (issue #20 item 4)', () => {
  it('the only matching policy failing in warn mode (attacker key): allowed, but the VSA is FAILED', async () => {
    const set = await loadPolicyText(policy('warn-only', 'release/**', 'warn', ['SLSA_BUILD_LEVEL_3']));
    const d = evaluate(subject, await evidence(attacker), set);
    expect(d.allowed).toBe(true);
    const vsa = buildVsa(d, set);
    expect(vsa.predicate.verificationResult).toBe('FAILED');
    expect(vsa.predicate.verifiedLevels).toEqual(['FAILED']);
  });

  it('a warn-mode policy that passes does not vouch either', async () => {
    const set = await loadPolicyText(policy('warn-only', 'release/**', 'warn', ['SLSA_BUILD_LEVEL_3']));
    const d = evaluate(subject, await evidence(), set);
    expect(d.allowed).toBe(true);
    expect(buildVsa(d, set).predicate.verificationResult).toBe('FAILED');
  });

  it('no policy matched under noMatch: allow: FAILED', async () => {
    const set = await loadPolicyText(list('allow', policy('other', 'elsewhere/**', 'enforce', ['SLSA_BUILD_LEVEL_3'])));
    const d = evaluate(subject, await evidence(), set);
    expect(d.allowed).toBe(true);
    expect(vsaVerdict(d)).toMatchObject({ result: 'FAILED', verifiedLevels: ['FAILED'] });
  });

  it('a denial: FAILED', async () => {
    const set = await loadPolicyText(policy('gate', 'release/**', 'enforce', ['SLSA_BUILD_LEVEL_3']));
    const d = evaluate(subject, await evidence(attacker), set);
    expect(d.allowed).toBe(false);
    expect(vsaVerdict(d)).toMatchObject({ result: 'FAILED', verifiedLevels: ['FAILED'] });
  });

  it('an enforce-mode pass is PASSED, with only enforce-mode levels, the highest per track', async () => {
    const set = await loadPolicyText(
      list('deny', policy('gate', 'release/**', 'enforce', ['SLSA_BUILD_LEVEL_2']), policy('gate3', '**/*.tgz', 'enforce', ['SLSA_BUILD_LEVEL_3', 'BCID_L1']), policy('observe', '**', 'warn', ['SLSA_SOURCE_LEVEL_4'])),
    );
    const d = evaluate(subject, await evidence(), set);
    const vsa = buildVsa(d, set);
    expect(vsa.predicate.verificationResult).toBe('PASSED');
    expect(vsa.predicate.verifiedLevels).toEqual(['BCID_L1', 'SLSA_BUILD_LEVEL_3']);
  });

  it('the CLI writes the FAILED VSA for a warn-only allow, and says why on stderr', async () => {
    const dir = tempDir();
    const artifact = writeFile(dir, 'app.tgz', 'release bytes');
    writeFileSync(join(dir, 'sig.json'), JSON.stringify((await signatureBundle(attacker, bytes)).bundle));
    writeFileSync(join(dir, 'vsa.key'), release.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const p = writeFile(dir, 'policy.yaml', policy('warn-only', '**', 'warn', ['SLSA_BUILD_LEVEL_3']));
    const io = captureIO();
    const code = await main(['verify', artifact, '--policy', p, '--evidence', join(dir, 'sig.json'), '--vsa', join(dir, 'out.vsa.json'), '--vsa-key', join(dir, 'vsa.key'), '--json'], io);
    expect(code).toBe(0);
    expect(JSON.parse(io.stdout).vsa).toMatchObject({ verificationResult: 'FAILED', verifiedLevels: ['FAILED'] });
    expect(io.stderr).toContain('FAILED');
  });
});
