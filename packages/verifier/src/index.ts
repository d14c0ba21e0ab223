// @provenant/verifier public API: policy parse -> compile -> match -> decide, reports, VSAs, promotion, admission.
export { loadPolicy, loadPolicyText } from './policy/load.js';
export type { LoadPolicyOptions } from './policy/load.js';
export { parsePolicyText } from './policy/parse.js';
export type { ParsedPolicyFile, ParsedPolicy } from './policy/parse.js';
export { compilePolicies } from './policy/compile.js';
export type { PolicySet, CompiledPolicy, CompiledAuthority, CompiledAttestation, TrustRef } from './policy/compile.js';
export { API_VERSION } from './policy/schema.js';
export type { PolicyDocument, PolicyListDocument } from './policy/schema.js';
export { evaluate, matchPolicies } from './decide/evaluate.js';
export type { Decision, PolicyResult, AuthorityResult, Check, CheckCode, EvaluateOptions } from './decide/evaluate.js';
export { VerificationCache } from './decide/verify.js';
export type { Subject } from './decide/subject.js';
export { imageName } from './decide/subject.js';
export type { Evidence, EvidenceBundle } from './decide/evidence.js';
