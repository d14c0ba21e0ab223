import type { KeyObject } from 'node:crypto';
import { ProvenantError } from '../errors.js';
import { hasSubjectAlternativeName, type CertificateIdentity, type FulcioExtensions } from './key/identity.js';
import type { TimeRange } from './trust/window.js';

/** Who must have signed a keyless (certificate) bundle. */
export interface IdentityPolicy {
  /** Exact subject alternative name (URI or email). */
  subjectAlternativeName?: string;
  /** Regular expression the whole SAN must match (anchored for you: `^(?:…)$`). */
  subjectAlternativeNameRegExp?: string;
  /** Exact OIDC issuer (Fulcio extension 1.3.6.1.4.1.57264.1.8, or .1.1 on older certificates). */
  issuer?: string;
  /** Fulcio extensions that must be present with exactly these values. */
  extensions?: FulcioExtensions;
}

/**
 * What a bundle must prove. `identity`: a Fulcio certificate chaining to the trusted root whose identity
 * matches; `key`: a key-signed bundle verified with exactly this key; `any`: any signer the trust material
 * vouches for (certificates chaining to a trusted CA, or keys registered by hint) — no identity constraint.
 */
export type VerificationPolicy =
  | ({ kind: 'identity' } & IdentityPolicy)
  | {
      kind: 'key';
      publicKey: string | Buffer | KeyObject;
      /** The window the key may sign in, when trust material states one (npm registry keys): enforced at every verified signing time. */
      validFor?: TimeRange | undefined;
    }
  | { kind: 'any' };

function compileAnchored(pattern: string): RegExp {
  try {
    return new RegExp(`^(?:${pattern})$`, 'u');
  } catch (cause) {
    throw new ProvenantError('POLICY_REGEX_INVALID', `identity regular expression is invalid: ${pattern}`, { cause });
  }
}

export function checkIdentityPolicyShape(policy: IdentityPolicy): void {
  if (policy.subjectAlternativeName === undefined && policy.subjectAlternativeNameRegExp === undefined && policy.issuer === undefined) {
    throw new ProvenantError('INVALID_ARGUMENT', 'an identity policy needs a subjectAlternativeName, a subjectAlternativeNameRegExp or an issuer (use kind "any" to accept any signer)');
  }
  if (policy.subjectAlternativeNameRegExp !== undefined) compileAnchored(policy.subjectAlternativeNameRegExp);
}

/** Matches a certificate identity against the policy: SAN exactly or by anchored regex, issuer exactly, extensions exactly. */
export function matchIdentity(identity: CertificateIdentity, policy: IdentityPolicy): void {
  const sans = identity.subjectAlternativeNames;
  if (policy.subjectAlternativeName !== undefined && !hasSubjectAlternativeName(identity.subjectAlternativeNameEntries, policy.subjectAlternativeName)) {
    throw new ProvenantError('IDENTITY_MISMATCH', `certificate identity ${JSON.stringify(sans)} is not ${policy.subjectAlternativeName}`);
  }
  if (policy.subjectAlternativeNameRegExp !== undefined) {
    const re = compileAnchored(policy.subjectAlternativeNameRegExp);
    if (!sans.some((s) => re.test(s))) {
      throw new ProvenantError('IDENTITY_MISMATCH', `certificate identity ${JSON.stringify(sans)} does not match ${policy.subjectAlternativeNameRegExp}`);
    }
  }
  if (policy.issuer !== undefined && identity.issuer !== policy.issuer) {
    throw new ProvenantError('ISSUER_MISMATCH', `certificate OIDC issuer ${identity.issuer ?? '(none)'} is not ${policy.issuer}`);
  }
  for (const [name, want] of Object.entries(policy.extensions ?? {})) {
    const got = identity.extensions[name as keyof FulcioExtensions];
    if (want !== undefined && got !== want) {
      throw new ProvenantError('EXTENSION_MISMATCH', `certificate extension ${name} is ${got ?? '(absent)'}, policy requires ${want}`);
    }
  }
}
