import { createHash } from 'node:crypto';
import { ProvenantError } from '../../errors.js';
import type { CertAuthority } from '../trust/material.js';
import { keyValidAt } from '../trust/window.js';
import type { Certificate } from './x509.js';

// Results of CA-to-CA signature checks inside trusted chains, by certificate object (parsed once per bytes).
const trustedLinkCache = new WeakMap<Certificate, WeakMap<Certificate, boolean>>();

// Signing certificates whose signature an issuer already verified, by exact DER bytes: a deploy gate sees the
// same bundle (and one signing certificate covers several bundles) many times. Bounded; positives only.
const leafMemo = new WeakMap<Certificate, Map<string, true>>();
const LEAF_MEMO_LIMIT = 4096;

function leafVerifiedBy(leaf: Certificate, issuer: Certificate, memo: boolean): boolean {
  if (!memo) return leaf.verifiedBy(issuer);
  let m = leafMemo.get(issuer);
  if (!m) leafMemo.set(issuer, (m = new Map()));
  const key = createHash('sha256').update(leaf.der).digest('base64');
  if (m.has(key)) return true;
  const ok = leaf.verifiedBy(issuer);
  if (ok) {
    if (m.size >= LEAF_MEMO_LIMIT) m.delete(m.keys().next().value!);
    m.set(key, true);
  }
  return ok;
}

export function issuedBy(child: Certificate, issuer: Certificate, cacheable: boolean, memo = true): boolean {
  if (!child.issuer.equals(issuer.subject)) return false;
  const aki = child.authorityKeyId;
  const ski = issuer.subjectKeyId;
  if (aki && ski && !aki.equals(ski)) return false;
  if (!cacheable) return leafVerifiedBy(child, issuer, memo);
  let m = trustedLinkCache.get(child);
  if (!m) trustedLinkCache.set(child, (m = new WeakMap()));
  let ok = m.get(issuer);
  if (ok === undefined) m.set(issuer, (ok = child.verifiedBy(issuer)));
  return ok;
}

export interface ChainResult {
  readonly authority: CertAuthority;
  /** leaf, issuer, ..., trust anchor */
  readonly path: readonly Certificate[];
}

/** Builds leaf -> ... -> anchor inside one CA's chain, checking signatures, CA flags and path lengths. */
function pathWithin(leaf: Certificate, ca: CertAuthority, memo: boolean): Certificate[] | undefined {
  const path = [leaf];
  let current = leaf;
  for (let depth = 0; depth <= ca.chain.length; depth++) {
    const issuer = ca.chain.find((c) => c !== current && issuedBy(current, c, current !== leaf, memo));
    if (!issuer) {
      // The walk ends at a trusted certificate (a self-signed root or the last listed anchor).
      return current !== leaf && ca.chain.includes(current) ? path : undefined;
    }
    const { ca: isCA, pathLen } = issuer.basicConstraints;
    if (!isCA) return undefined;
    if (pathLen !== undefined && pathLen < path.length - 1) return undefined;
    path.push(issuer);
    current = issuer;
    if (issuer.isSelfIssued) return path;
  }
  return undefined;
}

/**
 * Verifies the signing certificate chains to a trusted CA, and that every certificate on the path and the
 * CA's validity window cover each verified signing time (never the wall clock).
 */
export function verifyCertificateChain(leaf: Certificate, times: readonly Date[], cas: readonly CertAuthority[], memo = true): ChainResult {
  let chainedButOutOfWindow = false;
  // CAs whose window covers every signing time first: the expensive signature check runs once when it can.
  const timesMs = times.map((t) => t.getTime());
  const inWindow = (a: CertAuthority): boolean => keyValidAt(a.validFor, timesMs);
  for (const authority of [...cas.filter(inWindow), ...cas.filter((a) => !inWindow(a))]) {
    const path = pathWithin(leaf, authority, memo);
    if (!path) continue;
    if (!inWindow(authority)) {
      chainedButOutOfWindow = true;
      continue;
    }
    const critical = path.slice(1).find((c) => c.unhandledCriticalExtension);
    if (critical) {
      throw new ProvenantError('CERTIFICATE_CHAIN_INVALID', `an issuing certificate has a critical extension ${critical.unhandledCriticalExtension!} this verifier does not process (RFC 5280 requires refusing it)`);
    }
    for (const t of times) {
      if (!leaf.validAt(t)) {
        throw new ProvenantError('CERTIFICATE_EXPIRED', `signing certificate (valid ${leaf.notBefore.toISOString()} to ${leaf.notAfter.toISOString()}) was not valid at the signing time ${t.toISOString()}`);
      }
      if (!path.slice(1).every((c) => c.validAt(t))) {
        throw new ProvenantError('CERTIFICATE_CHAIN_INVALID', `an issuing certificate was not valid at the signing time ${t.toISOString()}`);
      }
    }
    return { authority, path };
  }
  throw new ProvenantError(
    'CERTIFICATE_CHAIN_INVALID',
    chainedButOutOfWindow
      ? 'signing certificate chains to a CA whose trusted-root validity window does not cover the signing time'
      : 'signing certificate does not chain to any certificate authority in the trusted root',
  );
}
