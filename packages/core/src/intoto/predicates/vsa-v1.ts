import { z } from 'zod';
import { DigestSetSchema, ResourceDescriptorSchema } from '../resource-descriptor.js';
import { TimestampSchema } from './common.js';

export const SLSA_VSA_V1 = 'https://slsa.dev/verification_summary/v1';

// SLSA Verification Summary Attestation v1; extension fields are allowed by the spec, so objects are loose.
export const VsaV1Schema = z.looseObject({
  verifier: z.looseObject({ id: z.string().min(1, 'verifier.id is required'), version: z.record(z.string(), z.string()).optional() }),
  timeVerified: TimestampSchema.optional(),
  resourceUri: z.string().min(1, 'resourceUri is required'),
  policy: z.looseObject({ uri: z.string().optional(), digest: DigestSetSchema.optional() }),
  inputAttestations: z.array(ResourceDescriptorSchema).optional(),
  verificationResult: z.enum(['PASSED', 'FAILED']),
  verifiedLevels: z.array(z.string()),
  dependencyLevels: z.record(z.string(), z.number().int().nonnegative()).optional(),
  slsaVersion: z.string().optional(),
});
export type VsaV1 = z.infer<typeof VsaV1Schema>;
