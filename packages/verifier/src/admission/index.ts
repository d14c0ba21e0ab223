// @provenant/verifier/admission: the Kubernetes admission webhook and Gatekeeper external data provider.
// A subpath of its own so that `provenant verify` and library users never load its HTTP, log and metrics code.
export { serveAdmission, AdmissionHandler, REVIEW_LIMIT, PATHS } from './server.js';
export type { AdmissionServer, AdmissionServerOptions, AdmissionHandlerOptions, HttpAnswer } from './server.js';
export { createReviewer, provide, withDeadline, DEFAULT_DEADLINE_MS } from './reviewer.js';
export type { ReviewEndpoint, ReviewOutcome, ReviewerOptions, ProviderResponse } from './reviewer.js';
export { ImageDecider, TtlCache, Semaphore, policySetDigest } from './decide.js';
export type { ImageVerdict, DecisionInputs, ImageDeciderOptions } from './decide.js';
export { BUILTIN_KINDS, parseKindSpec, kindName, kindTable, containerImages } from './kinds.js';
export type { PodTemplateKind, ContainerImage } from './kinds.js';
export { parseAdmissionReview, admissionResponse, ADMISSION_API_VERSION } from './review.js';
export type { AdmissionRequest, AdmissionResponse } from './review.js';
export { createAdmissionMetrics } from './metrics.js';
export type { AdmissionMetrics } from './metrics.js';
