export { BuilderId, checkBuilderTag, checkVersionedTag } from './builder-id.js';
export { slsaError, type UpstreamError } from './errors.js';
export { workflowIdentity, type CertificateFacts, type WorkflowIdentity } from './identity.js';
export { BUILDERS, BUILD_TYPES, ProvenanceView, type ProvenanceFlavor } from './provenance.js';
export { TRUSTED_BUILDERS, digestAlgorithmOf, verifyBuilderIdentity, verifyCommonExpectations, verifyProvenanceContent, type ProvenanceExpectations } from './checks.js';
export { verifySignedProvenance, type SignedProvenance } from './signed.js';
export { trustedBuildersFor, verifyArtifactProvenance, verifyImageProvenance, verifyProvenanceIdentity, type ProvenanceMode, type VerifiedProvenance, type VerifyProvenanceOptions } from './artifact.js';
export { NPM_PUBLISH_PREDICATE_PREFIX, NpmAttestations, parseNpmRegistryKeys, verifyNpmPackage, type NpmRegistryKeys, type VerifiedNpmPackage, type VerifyNpmPackageOptions } from './npm.js';
export { verifyVsa, type VsaExpectations } from './vsa.js';
