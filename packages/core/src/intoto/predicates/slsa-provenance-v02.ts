import { z } from 'zod';
import { DigestSetSchema } from '../resource-descriptor.js';
import { TimestampSchema } from './common.js';

export const SLSA_PROVENANCE_V02 = 'https://slsa.dev/provenance/v0.2';

// v0.2 was defined with Go structs and encoding/json (unknown fields ignored), so objects here are loose.
export const SlsaProvenanceV02Schema = z.looseObject({
  builder: z.looseObject({ id: z.string().min(1, 'builder.id is required') }),
  buildType: z.string().min(1, 'buildType is required'),
  invocation: z
    .looseObject({
      configSource: z.looseObject({ uri: z.string().optional(), digest: DigestSetSchema.optional(), entryPoint: z.string().optional() }).optional(),
      parameters: z.unknown().optional(),
      environment: z.unknown().optional(),
    })
    .optional(),
  buildConfig: z.unknown().optional(),
  metadata: z
    .looseObject({
      buildInvocationId: z.string().optional(),
      buildStartedOn: TimestampSchema.optional(),
      buildFinishedOn: TimestampSchema.optional(),
      completeness: z.looseObject({ parameters: z.boolean().optional(), environment: z.boolean().optional(), materials: z.boolean().optional() }).optional(),
      reproducible: z.boolean().optional(),
    })
    .optional(),
  materials: z.array(z.looseObject({ uri: z.string().optional(), digest: DigestSetSchema.optional() })).optional(),
});
export type SlsaProvenanceV02 = z.infer<typeof SlsaProvenanceV02Schema>;
