// Public API of core/intoto. Other modules import only this file.
export { pae } from './pae.js';
export {
  Base64Schema,
  DsseEnvelopeSchema,
  DsseSignatureSchema,
  INTOTO_PAYLOAD_TYPE,
  createEnvelope,
  decodeBase64,
  envelopePayload,
  parseEnvelope,
  type DsseEnvelope,
  type DsseSignature,
  type ParseEnvelopeOptions,
} from './dsse.js';
export {
  DigestSetSchema,
  KNOWN_DIGEST_SIZES,
  ResourceDescriptorSchema,
  checkDigestValue,
  parseResourceDescriptor,
  type DigestSet,
  type ResourceDescriptor,
} from './resource-descriptor.js';
export {
  STATEMENT_TYPE_V01,
  STATEMENT_TYPE_V1,
  StatementSchema,
  createStatement,
  parseStatement,
  statementFromEnvelope,
  type ParseStatementOptions,
  type Statement,
} from './statement.js';
export { isKnownPredicateType, knownPredicateTypes, parsePredicate, registerPredicateType } from './predicates/registry.js';
export { SLSA_PROVENANCE_V1, SlsaProvenanceV1Schema, type SlsaProvenanceV1 } from './predicates/slsa-provenance-v1.js';
export { SLSA_PROVENANCE_V02, SlsaProvenanceV02Schema, type SlsaProvenanceV02 } from './predicates/slsa-provenance-v02.js';
export { SLSA_VSA_V1, VsaV1Schema, type VsaV1 } from './predicates/vsa-v1.js';
