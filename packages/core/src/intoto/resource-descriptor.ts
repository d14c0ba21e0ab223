import { z } from 'zod';
import { ProvenantError } from '../errors.js';
import { parseJsonInput } from './dsse.js';
import { describeIssues, ruleOf } from './issues.js';

/**
 * Digest sizes in bytes for the algorithms the in-toto reference knows; any other algorithm name is
 * a custom one and its value is not checked (go/v1 ResourceDescriptor.Validate).
 */
export const KNOWN_DIGEST_SIZES: Readonly<Record<string, readonly number[]>> = {
  md5: [16],
  sha1: [20],
  sha224: [28],
  sha512_224: [28],
  sha256: [32],
  sha512_256: [32],
  sha384: [48],
  sha512: [64],
  sha3_224: [28],
  sha3_256: [32],
  sha3_384: [48],
  sha3_512: [64],
  dirHash: [32],
  // git object ids are SHA-1 or SHA-256 depending on the repository's object format
  gitBlob: [20, 32],
  gitCommit: [20, 32],
  gitTag: [20, 32],
  gitTree: [20, 32],
};

const HEX = /^(?:[0-9a-fA-F]{2})*$/;
// protojson accepts standard and URL-safe base64, padded or not, for `bytes` fields.
const BASE64 = /^(?:[A-Za-z0-9+/]*|[A-Za-z0-9_-]*)={0,2}$/;

/** Checks one digest set entry the way go/v1 does; returns the rule broken, or undefined. */
export function checkDigestValue(alg: string, value: string): 'ErrInvalidDigestEncoding' | 'ErrIncorrectDigestLength' | undefined {
  const sizes = Object.hasOwn(KNOWN_DIGEST_SIZES, alg) ? KNOWN_DIGEST_SIZES[alg] : undefined;
  if (!sizes) return undefined;
  if (!HEX.test(value)) return 'ErrInvalidDigestEncoding';
  if (!sizes.includes(value.length / 2)) return 'ErrIncorrectDigestLength';
  return undefined;
}

export const DigestSetSchema = z.record(z.string(), z.string()).superRefine((set, ctx) => {
  for (const [alg, value] of Object.entries(set)) {
    const rule = checkDigestValue(alg, value);
    if (rule === 'ErrInvalidDigestEncoding') {
      ctx.addIssue({ code: 'custom', path: [alg], message: `${alg} digest is not a hex string`, params: { rule } });
    } else if (rule === 'ErrIncorrectDigestLength') {
      const want = (KNOWN_DIGEST_SIZES[alg] ?? []).map((n) => n * 2).join(' or ');
      ctx.addIssue({ code: 'custom', path: [alg], message: `${alg} digest has ${value.length} hex characters, want ${want}`, params: { rule } });
    }
  }
});
export type DigestSet = z.infer<typeof DigestSetSchema>;

/** in-toto v1 ResourceDescriptor: unknown fields are rejected, as protojson does. */
export const ResourceDescriptorSchema = z
  .strictObject({
    name: z.string().optional(),
    uri: z.string().optional(),
    digest: DigestSetSchema.optional(),
    content: z.string().regex(BASE64, 'content must be base64').optional(),
    downloadLocation: z.string().optional(),
    mediaType: z.string().optional(),
    annotations: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((rd, ctx) => {
    const hasDigest = rd.digest !== undefined && Object.keys(rd.digest).length > 0;
    if (!rd.name && !rd.uri && !hasDigest) {
      ctx.addIssue({ code: 'custom', message: 'at least one of name, uri or digest is required', params: { rule: 'ErrRDRequiredField' } });
    }
  });
export type ResourceDescriptor = z.infer<typeof ResourceDescriptorSchema>;

/** Validates a ResourceDescriptor from JSON text, bytes or a parsed value; throws RESOURCE_DESCRIPTOR_INVALID. */
export function parseResourceDescriptor(input: string | Uint8Array | unknown): ResourceDescriptor {
  const value = parseJsonInput(input, 16 * 1024 * 1024, 'RESOURCE_DESCRIPTOR_INVALID', 'ResourceDescriptor');
  const r = ResourceDescriptorSchema.safeParse(value);
  if (!r.success) {
    throw new ProvenantError('RESOURCE_DESCRIPTOR_INVALID', `invalid in-toto ResourceDescriptor: ${describeIssues(r.error)}`, {
      details: { rule: ruleOf(r.error) ?? 'schema' },
    });
  }
  return r.data;
}
