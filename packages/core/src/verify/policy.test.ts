import { describe, expect, it } from 'vitest';
import { ProvenantError } from '../errors.js';
import type { CertificateIdentity } from './key/identity.js';
import { checkIdentityPolicyShape, matchIdentity, type IdentityPolicy } from './policy.js';

const id: CertificateIdentity = {
  subjectAlternativeNames: ['https://github.com/org/repo/.github/workflows/release.yml@refs/tags/v1.2.3'],
  subjectAlternativeNameEntries: [{ kind: 'uri', value: 'https://github.com/org/repo/.github/workflows/release.yml@refs/tags/v1.2.3' }],
  issuer: 'https://token.actions.githubusercontent.com',
  extensions: { githubWorkflowRepository: 'org/repo', sourceRepositoryRef: 'refs/tags/v1.2.3' },
};
const code = (p: IdentityPolicy): string => {
  try {
    checkIdentityPolicyShape(p);
    matchIdentity(id, p);
    return 'OK';
  } catch (e) {
    return e instanceof ProvenantError ? e.code : 'THROWN';
  }
};

describe('identity policy', () => {
  it('matches exactly, by anchored regex, issuer and extensions', () => {
    expect(code({ subjectAlternativeName: id.subjectAlternativeNames[0], issuer: id.issuer })).toBe('OK');
    expect(code({ subjectAlternativeNameRegExp: 'https://github\\.com/org/repo/\\.github/workflows/release\\.yml@refs/tags/v.*' })).toBe('OK');
    expect(code({ issuer: id.issuer, extensions: { githubWorkflowRepository: 'org/repo' } })).toBe('OK');
  });

  it('denies near misses with the specific code', () => {
    expect(code({ subjectAlternativeName: 'https://github.com/org/repo' })).toBe('IDENTITY_MISMATCH');
    expect(code({ subjectAlternativeNameRegExp: 'org/repo' })).toBe('IDENTITY_MISMATCH');
    expect(code({ subjectAlternativeNameRegExp: 'https://github.com/org/repo/.*|x' })).toBe('OK');
    expect(code({ subjectAlternativeNameRegExp: 'x|https://github.com/org/rep' })).toBe('IDENTITY_MISMATCH');
    expect(code({ issuer: 'https://token.actions.githubusercontent.com/' })).toBe('ISSUER_MISMATCH');
    expect(code({ issuer: id.issuer, extensions: { githubWorkflowRepository: 'org/repo2' } })).toBe('EXTENSION_MISMATCH');
    expect(code({ issuer: id.issuer, extensions: { buildTrigger: 'push' } })).toBe('EXTENSION_MISMATCH');
  });

  it('rejects an empty identity policy and invalid regexes', () => {
    expect(code({})).toBe('INVALID_ARGUMENT');
    expect(code({ subjectAlternativeNameRegExp: '[' })).toBe('POLICY_REGEX_INVALID');
  });
});
