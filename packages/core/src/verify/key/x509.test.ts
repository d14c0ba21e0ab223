import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProvenantError } from '../../errors.js';
import { certificateIdentity } from './identity.js';
import { Certificate, OID } from './x509.js';

const VECTORS = process.env.PROVENANT_VECTORS ?? join(import.meta.dirname, '../../../../../fixtures/vectors');
const bundle = JSON.parse(readFileSync(join(VECTORS, 'sigstore-conformance/test/assets/bundle-verify/happy-path-v0.1/bundle.sigstore.json'), 'utf8'));
const der = Buffer.from(bundle.verificationMaterial.x509CertificateChain.certificates[0].rawBytes, 'base64');

describe('Certificate', () => {
  it('reads a Fulcio certificate: validity, SAN, issuer and GitHub extensions', () => {
    const c = new Certificate(der);
    expect(c.notBefore.toISOString()).toBe('2023-07-12T15:56:35.000Z');
    expect(c.notAfter.getTime() - c.notBefore.getTime()).toBe(10 * 60 * 1000);
    expect(c.basicConstraints.ca).toBe(false);
    const id = certificateIdentity(c);
    expect(id.subjectAlternativeNames).toEqual(['https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main']);
    expect(id.issuer).toBe('https://token.actions.githubusercontent.com');
    expect(id.extensions).toMatchObject({ githubWorkflowTrigger: 'workflow_dispatch', githubWorkflowRepository: 'sigstore-conformance/extremely-dangerous-public-oidc-beacon', githubWorkflowRef: 'refs/heads/main', runnerEnvironment: 'github-hosted' });
  });

  it('throws only ProvenantError on any truncation or byte flip', () => {
    fc.assert(
      fc.property(fc.nat(der.length - 1), fc.integer({ min: 1, max: 255 }), fc.boolean(), (at, x, truncate) => {
        const mutated = truncate ? der.subarray(0, at) : Buffer.from(der).fill(der[at]! ^ x, at, at + 1);
        try {
          const c = new Certificate(mutated);
          certificateIdentity(c);
          void c.basicConstraints;
          void c.authorityKeyId;
          c.tbsWithoutSct();
        } catch (e) {
          expect(e).toBeInstanceOf(ProvenantError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('keeps extension order and bytes when dropping the SCT list', () => {
    const c = new Certificate(der);
    const tbs = c.tbsWithoutSct();
    expect(c.extension(OID.SCT_LIST)).toBeDefined();
    expect(tbs.length).toBeLessThan(c.tbs.length);
    for (const e of c.extensions) if (e.oid !== OID.SCT_LIST) expect(tbs.includes(e.raw)).toBe(true);
    expect(createHash('sha256').update(tbs).digest('hex')).not.toBe(createHash('sha256').update(c.tbs).digest('hex'));
  });
});
