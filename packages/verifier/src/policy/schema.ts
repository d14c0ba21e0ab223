import { z } from 'zod';
import { FULCIO_EXTENSIONS, type FulcioExtensionName } from '@provenant/core/verify';

// Policy documents are a trust boundary: every object is strict, so an unknown (or misspelt) field is an error.

export const API_VERSION = 'provenant.dev/v1';

const nonEmpty = z.string().min(1, 'must not be empty');

const extensionNames = Object.keys(FULCIO_EXTENSIONS) as [FulcioExtensionName, ...FulcioExtensionName[]];

export const KeyRefSchema = z
  .object({
    /** PEM public key inline. */
    pem: nonEmpty.optional(),
    /** PEM public key file, relative to the policy file. */
    file: nonEmpty.optional(),
  })
  .strict()
  .refine((k) => (k.pem === undefined) !== (k.file === undefined), { message: 'give exactly one of pem or file' });

export const KeylessSchema = z
  .object({
    /** Exact certificate subject (SAN: URI or email). */
    subject: nonEmpty.optional(),
    /** Regular expression the whole SAN must match; anchored for you (`^(?:…)$`). */
    subjectRegExp: nonEmpty.optional(),
    /** Exact OIDC issuer. */
    issuer: nonEmpty,
    /** Fulcio certificate extensions that must be present with exactly these values. */
    extensions: z.partialRecord(z.enum(extensionNames), nonEmpty).optional(),
  })
  .strict()
  .refine((k) => (k.subject === undefined) !== (k.subjectRegExp === undefined), { message: 'give exactly one of subject or subjectRegExp' });

export const AuthoritySchema = z
  .object({
    name: nonEmpty,
    key: KeyRefSchema.optional(),
    keyless: KeylessSchema.optional(),
    /** A fixed verdict: `pass` admits without evidence (break-glass), `fail` always denies. */
    static: z.enum(['pass', 'fail']).optional(),
    /** Sigstore TrustedRoot JSON file (relative to the policy file); keyless authorities need one here or from the caller. */
    trustedRoot: nonEmpty.optional(),
    /** Key-signed bundles made offline carry no transparency-log entry; accept them only when this is set. */
    ignoreTlog: z.boolean().optional(),
  })
  .strict()
  .refine((a) => [a.key, a.keyless, a.static].filter((x) => x !== undefined).length === 1, { message: 'an authority has exactly one of key, keyless or static' })
  .refine((a) => a.static === undefined || (a.trustedRoot === undefined && a.ignoreTlog === undefined), { message: 'a static authority takes no trustedRoot or ignoreTlog' });

export const ConditionSchema = z
  .object({
    name: nonEmpty.optional(),
    /** CEL over `predicate`, `statement`, `predicateType` and `subject`; must evaluate to true. */
    cel: nonEmpty,
  })
  .strict();

export const AttestationRequirementSchema = z
  .object({
    name: nonEmpty,
    predicateType: nonEmpty,
    conditions: z.array(ConditionSchema).optional(),
  })
  .strict();

export const PolicySpecSchema = z
  .object({
    /** Globs over image names (`registry/repository`, no tag or digest); `*` stops at `/`, `**` does not. */
    images: z.array(nonEmpty).optional(),
    /** Globs over artifact URIs or paths. */
    artifacts: z.array(nonEmpty).optional(),
    mode: z.enum(['enforce', 'warn']).optional(),
    /** A verified signature over the subject is required (default true); attestations are required when listed. */
    requireSignature: z.boolean().optional(),
    authorities: z.array(AuthoritySchema).min(1, 'at least one authority is required'),
    attestations: z.array(AttestationRequirementSchema).optional(),
    /** SLSA levels a VSA claims when this policy passes in enforce mode (e.g. SLSA_BUILD_LEVEL_3); read by core/slsa's strict parser at compile. */
    verifiedLevels: z.array(nonEmpty).optional(),
  })
  .strict()
  .refine((s) => (s.images?.length ?? 0) + (s.artifacts?.length ?? 0) > 0, { message: 'a policy must match something: give images or artifacts globs' })
  .refine((s) => s.requireSignature !== false || (s.attestations?.length ?? 0) > 0 || s.authorities.every((a) => a.static !== undefined), {
    message: 'requireSignature: false needs at least one required attestation',
  });

export const MetadataSchema = z
  .object({
    name: nonEmpty,
    description: z.string().optional(),
  })
  .strict();

export const PolicySchema = z
  .object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('Policy'),
    metadata: MetadataSchema,
    spec: PolicySpecSchema,
  })
  .strict();

export const PolicyListSchema = z
  .object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('PolicyList'),
    /** What happens to a subject no policy matches (default deny). */
    noMatch: z.enum(['deny', 'allow']).optional(),
    items: z.array(PolicySchema),
  })
  .strict();

export type PolicyDocument = z.infer<typeof PolicySchema>;
export type PolicyListDocument = z.infer<typeof PolicyListSchema>;
export type AuthorityDocument = z.infer<typeof AuthoritySchema>;
export type AttestationRequirementDocument = z.infer<typeof AttestationRequirementSchema>;
