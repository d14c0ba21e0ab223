import { z } from 'zod';
import { ResourceDescriptorSchema } from '../resource-descriptor.js';
import { JsonObjectSchema, TimestampSchema } from './common.js';

export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';

// Field rules follow in-toto go/predicates/provenance/v1 Validate(); unknown fields are rejected, as protojson does.
const rule = (name: string) => ({ params: { rule: name } });
// proto3 has no difference between an empty message and an absent one: `{}` counts as missing.
const missing = (o: object | undefined): o is undefined => o === undefined || Object.keys(o).length === 0;

export const BuildDefinitionSchema = z.strictObject({
  buildType: z.string().optional(),
  externalParameters: JsonObjectSchema.optional(),
  internalParameters: JsonObjectSchema.optional(),
  resolvedDependencies: z.array(ResourceDescriptorSchema).optional(),
});

export const BuilderSchema = z.strictObject({
  id: z.string().optional(),
  version: z.record(z.string(), z.string()).optional(),
  builderDependencies: z.array(ResourceDescriptorSchema).optional(),
});

export const BuildMetadataSchema = z.strictObject({
  invocationId: z.string().optional(),
  startedOn: TimestampSchema.optional(),
  finishedOn: TimestampSchema.optional(),
});

export const RunDetailsSchema = z.strictObject({
  builder: BuilderSchema.optional(),
  metadata: BuildMetadataSchema.optional(),
  byproducts: z.array(ResourceDescriptorSchema).optional(),
});

/** SLSA Provenance v1 predicate. */
export const SlsaProvenanceV1Schema = z
  .strictObject({
    buildDefinition: BuildDefinitionSchema.optional(),
    runDetails: RunDetailsSchema.optional(),
  })
  .superRefine((p, ctx) => {
    // Required-ness is checked here so each missing part reports the reference's rule name.
    if (missing(p.buildDefinition)) ctx.addIssue({ code: 'custom', path: ['buildDefinition'], message: 'buildDefinition is required', ...rule('ErrBuildDefinitionRequired') });
    else if (!p.buildDefinition.buildType) {
      ctx.addIssue({ code: 'custom', path: ['buildDefinition', 'buildType'], message: 'buildType is required', ...rule('ErrBuildTypeRequired') });
    } else if (!p.buildDefinition.externalParameters) {
      ctx.addIssue({ code: 'custom', path: ['buildDefinition', 'externalParameters'], message: 'externalParameters is required', ...rule('ErrExternalParamsRequired') });
    }
    if (missing(p.runDetails)) ctx.addIssue({ code: 'custom', path: ['runDetails'], message: 'runDetails is required', ...rule('ErrRunDetailsRequired') });
    else if (missing(p.runDetails.builder)) ctx.addIssue({ code: 'custom', path: ['runDetails', 'builder'], message: 'builder is required', ...rule('ErrBuilderRequired') });
    else if (!p.runDetails.builder.id) ctx.addIssue({ code: 'custom', path: ['runDetails', 'builder', 'id'], message: 'builder.id is required', ...rule('ErrBuilderIdRequired') });
  });
export type SlsaProvenanceV1 = z.infer<typeof SlsaProvenanceV1Schema>;
