import type { ProvenantErrorCode } from '@provenant/core/errors';
import type { TrustMaterial } from '@provenant/core/verify';
import type { CompiledAttestation, CompiledAuthority, CompiledPolicy, PolicySet, TrustRef } from '../policy/compile.js';
import { COSIGN_SIGN_PREDICATE, type Evidence, type EvidenceBundle } from './evidence.js';
import { canonicalSubject, checkSubject, subjectName, type Subject } from './subject.js';
import { checkBundle, STAGE, type BundleOutcome, type VerificationCache } from './verify.js';

/** A ProvenantError code; POLICY_CONDITION_FAILED is appended to core's union (listed here until core's dist is rebuilt). */
export type CheckCode = ProvenantErrorCode | 'POLICY_CONDITION_FAILED';

export interface Check {
  /** `static`, `signature`, `attestation:<name>` or `condition:<attestation>/<name>`. */
  readonly check: string;
  readonly passed: boolean;
  readonly reason: string;
  /** The error code of a failure (tests and tools branch on it). */
  readonly code?: CheckCode | undefined;
  /** The bundle that satisfied (or came closest to satisfying) the check. */
  readonly evidence?: { readonly digest: string; readonly uri?: string | undefined } | undefined;
}

export interface AuthorityResult {
  readonly name: string;
  readonly passed: boolean;
  readonly checks: readonly Check[];
}

export interface PolicyResult {
  readonly name: string;
  readonly location: string;
  readonly mode: 'enforce' | 'warn';
  readonly matched: boolean;
  readonly passed: boolean;
  readonly authorities: readonly AuthorityResult[];
  /** `authority: check: reason` of the first failure, when the policy did not pass. */
  readonly firstFailure: string | undefined;
  /** SLSA levels the policy vouches for when it passes. */
  readonly verifiedLevels: readonly string[];
}

export interface Decision {
  readonly allowed: boolean;
  /** `enforce` when any matching policy enforces; a `warn` decision is allowed with warnings. */
  readonly mode: 'enforce' | 'warn';
  readonly subject: Subject;
  readonly reason: string;
  readonly warnings: readonly string[];
  readonly policies: readonly PolicyResult[];
  readonly timeVerified: string;
  /** Bundles whose verified content satisfied a passing authority (a VSA's inputAttestations). */
  readonly inputs: readonly { readonly digest: string; readonly uri?: string | undefined }[];
}

export interface EvaluateOptions {
  /** Trust for authorities that name no trustedRoot of their own (e.g. `--trusted-root`). */
  trust?: TrustMaterial | TrustRef | undefined;
  now?: Date | undefined;
  /** Reuse verified results across decisions. */
  cache?: VerificationCache | undefined;
  /** The directory artifact paths are named relative to (decide/subject.ts artifactName); default: the current directory. */
  subjectRoot?: string | undefined;
}

const trustIds = new WeakMap<TrustMaterial, string>();
let nextTrustId = 0;
function toTrustRef(trust: TrustMaterial | TrustRef | undefined): TrustRef | undefined {
  if (trust === undefined) return undefined;
  if ('material' in trust && 'id' in trust) return trust;
  let id = trustIds.get(trust);
  if (!id) trustIds.set(trust, (id = `caller:${nextTrustId++}`));
  return { material: trust, id };
}

/** Match: the policies whose globs name this subject. */
export function matchPolicies(policies: PolicySet, subject: Subject, subjectRoot?: string): CompiledPolicy[] {
  const name = subjectName(canonicalSubject(subject, subjectRoot));
  return policies.policies.filter((p) => (subject.kind === 'image' ? p.images : p.artifacts).some((re) => re.test(name)));
}

function evidenceRef(item: EvidenceBundle): Check['evidence'] {
  return { digest: item.digest, uri: item.uri };
}

type Failed = Extract<BundleOutcome, { ok: false }>;
function better(a: Failed | undefined, b: Failed): Failed {
  return a === undefined || STAGE[b.stage] > STAGE[a.stage] ? b : a;
}

interface Context {
  readonly subject: Subject;
  readonly evidence: Evidence;
  readonly trust: TrustRef | undefined;
  readonly cache: VerificationCache | undefined;
}

function signatureCheck(authority: Exclude<CompiledAuthority, { kind: 'static' }>, ctx: Context, used: EvidenceBundle[]): Check {
  if (ctx.evidence.signatures.length === 0) return { check: 'signature', passed: false, code: 'IMAGE_SIGNATURE_MISSING', reason: 'no signatures found for the subject' };
  let best: { failure: Failed; item: EvidenceBundle } | undefined;
  for (const item of ctx.evidence.signatures) {
    let outcome = checkBundle(item, ctx.subject, authority, ctx.trust, ctx.cache);
    // A DSSE signature is a cosign "sign" statement; any other signed statement is an attestation, not a signature.
    if (outcome.ok && outcome.statement && outcome.statement.predicateType !== COSIGN_SIGN_PREDICATE) {
      outcome = { ok: false, stage: 'predicateType', code: 'PREDICATE_TYPE_MISMATCH', reason: `a DSSE signature must be a ${COSIGN_SIGN_PREDICATE} statement, not ${outcome.statement.predicateType}` };
    }
    if (outcome.ok) {
      used.push(item);
      return { check: 'signature', passed: true, reason: `verified signature ${item.uri ?? item.digest}`, evidence: evidenceRef(item) };
    }
    if (!best || better(best.failure, outcome) === outcome) best = { failure: outcome, item };
  }
  const f = best!.failure;
  const of = ctx.evidence.signatures.length === 1 ? '' : ` (best of ${ctx.evidence.signatures.length} signatures)`;
  return { check: 'signature', passed: false, code: f.code, reason: `${f.reason}${of}`, evidence: evidenceRef(best!.item) };
}

function attestationChecks(authority: Exclude<CompiledAuthority, { kind: 'static' }>, req: CompiledAttestation, ctx: Context, used: EvidenceBundle[]): Check[] {
  const check = `attestation:${req.name}`;
  if (ctx.evidence.attestations.length === 0) return [{ check, passed: false, code: 'ATTESTATION_MISSING', reason: `no attestations found; need predicate type ${req.predicateType}` }];
  let best: { failure: Failed; item: EvidenceBundle; conditions: Check[] } | undefined;
  for (const item of ctx.evidence.attestations) {
    let outcome: BundleOutcome = checkBundle(item, ctx.subject, authority, ctx.trust, ctx.cache);
    let conditions: Check[] = [];
    if (outcome.ok) {
      const statement = outcome.statement!;
      if (statement.predicateType !== req.predicateType) {
        outcome = { ok: false, stage: 'predicateType', code: 'PREDICATE_TYPE_MISMATCH', reason: `attestation has predicate type ${statement.predicateType}, need ${req.predicateType}` };
      } else {
        const vars = { predicate: statement.predicate, statement, predicateType: statement.predicateType, subject: { digest: ctx.subject.digest, name: subjectName(ctx.subject) } };
        conditions = req.conditions.map((c) => {
          const r = c.evaluate(vars);
          return r.passed
            ? { check: `condition:${req.name}/${c.name}`, passed: true, reason: `${c.expression} is true` }
            : { check: `condition:${req.name}/${c.name}`, passed: false, code: 'POLICY_CONDITION_FAILED' as const, reason: `${c.expression}: ${r.reason}` };
        });
        const failed = conditions.find((c) => !c.passed);
        if (!failed) {
          used.push(item);
          return [{ check, passed: true, reason: `verified ${req.predicateType} attestation ${item.uri ?? item.digest}`, evidence: evidenceRef(item) }, ...conditions];
        }
        outcome = { ok: false, stage: 'conditions', code: 'POLICY_CONDITION_FAILED', reason: `condition ${failed.check.slice('condition:'.length)} failed: ${failed.reason}` };
      }
    }
    if (!outcome.ok && (!best || better(best.failure, outcome) === outcome)) best = { failure: outcome, item, conditions };
  }
  const f = best!.failure;
  return [{ check, passed: false, code: f.code, reason: f.reason, evidence: evidenceRef(best!.item) }, ...best!.conditions];
}

/** Decide one authority: a static verdict, or a signature and every required attestation under it. */
function decideAuthority(policy: CompiledPolicy, authority: CompiledAuthority, ctx: Context, used: EvidenceBundle[]): AuthorityResult {
  if (authority.kind === 'static') {
    const passed = authority.verdict === 'pass';
    return { name: authority.name, passed, checks: [{ check: 'static', passed, reason: `static ${authority.verdict}`, ...(passed ? {} : { code: 'POLICY_DENIED' as const }) }] };
  }
  const mine: EvidenceBundle[] = [];
  const checks: Check[] = [];
  if (policy.requireSignature) checks.push(signatureCheck(authority, ctx, mine));
  for (const req of policy.attestations) checks.push(...attestationChecks(authority, req, ctx, mine));
  const passed = checks.every((c) => c.passed);
  if (passed) used.push(...mine);
  return { name: authority.name, passed, checks };
}

/** Decide one policy: any authority may satisfy it. */
function decidePolicy(policy: CompiledPolicy, ctx: Context, used: EvidenceBundle[]): PolicyResult {
  const authorities: AuthorityResult[] = [];
  let passed = false;
  for (const a of policy.authorities) {
    const r = decideAuthority(policy, a, ctx, used);
    authorities.push(r);
    if (r.passed) {
      passed = true;
      break; // one authority suffices; the rest need not be checked
    }
  }
  let firstFailure: string | undefined;
  if (!passed) {
    for (const a of authorities) {
      const c = a.checks.find((x) => !x.passed);
      if (c) {
        firstFailure = `authority ${a.name}: ${c.check}: ${c.reason}`;
        break;
      }
    }
  }
  return { name: policy.name, location: policy.location, mode: policy.mode, matched: true, passed, authorities, firstFailure, verifiedLevels: policy.verifiedLevels };
}

/**
 * Decides whether `subject` (named canonically first: artifactName) may pass: every matching policy must pass (warn-mode failures only warn);
 * within a policy any authority may satisfy it; no matching policy means the policy set's `noMatch`.
 * Evidence is verified here (core/verify), bound to the subject digest, then matched to authorities.
 */
export function evaluate(given: Subject, evidence: Evidence, policies: PolicySet, options: EvaluateOptions = {}): Decision {
  checkSubject(given);
  // One spelling per subject before anything is matched: `./release/x` and its absolute path are `release/x`.
  const subject = canonicalSubject(given, options.subjectRoot);
  const ctx: Context = { subject, evidence, trust: toTrustRef(options.trust), cache: options.cache };
  const timeVerified = (options.now ?? new Date()).toISOString();
  const matched = matchPolicies(policies, subject, options.subjectRoot);
  if (matched.length === 0) {
    const allowed = policies.noMatch === 'allow';
    const reason = `no policy matches ${subjectName(subject)}; noMatch is ${policies.noMatch}`;
    return { allowed, mode: 'enforce', subject, reason, warnings: [], policies: [], timeVerified, inputs: [] };
  }
  const used: EvidenceBundle[] = [];
  const results = matched.map((p) => decidePolicy(p, ctx, used));
  const failedEnforced = results.filter((r) => !r.passed && r.mode === 'enforce');
  const warnings = results.filter((r) => !r.passed && r.mode === 'warn').map((r) => `policy ${r.name} (warn): ${r.firstFailure ?? 'failed'}`);
  const allowed = failedEnforced.length === 0;
  const reason = allowed
    ? `allowed by ${results.filter((r) => r.passed).map((r) => r.name).join(', ') || '(warn-mode policies only)'}`
    : `denied by policy ${failedEnforced[0]!.name}: ${failedEnforced[0]!.firstFailure ?? 'failed'}`;
  const seen = new Set<string>();
  const inputs = used.filter((u) => !seen.has(u.digest) && seen.add(u.digest)).map((u) => ({ digest: u.digest, uri: u.uri }));
  return { allowed, mode: results.some((r) => r.mode === 'enforce') ? 'enforce' : 'warn', subject, reason, warnings, policies: results, timeVerified, inputs };
}
