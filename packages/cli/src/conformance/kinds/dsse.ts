import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ProvenantError } from '@provenant/core/errors';
import { verifyDsseWithKey } from '@provenant/core/verify';
import type { KindHandler } from '../types.js';

const Params = z.object({
  predicate_type_uri: z.string().optional(),
  check_claims: z.boolean().optional(),
  artifact_digest: z.string().optional(),
});

const Statement = z.object({
  _type: z.string(),
  subject: z.array(z.object({ name: z.string().optional(), digest: z.record(z.string(), z.string()) })),
  predicateType: z.string(),
});

/** A bare DSSE envelope verified with a key, then the in-toto claims checked as cosign verify-blob-attestation does. */
export const handler: KindHandler = async (c, file) => {
  const p = Params.parse(c.params);
  const env = verifyDsseWithKey(await readFile(file('envelope')), await readFile(file('public_key'), 'utf8'));
  if (env.payloadType !== 'application/vnd.in-toto+json') throw new ProvenantError('PREDICATE_TYPE_UNSUPPORTED', `payload type ${env.payloadType} is not an in-toto statement`);
  let statement: z.infer<typeof Statement>;
  try {
    statement = Statement.parse(JSON.parse(env.payload.toString('utf8')));
  } catch (cause) {
    throw new ProvenantError('STATEMENT_INVALID', 'DSSE payload is not an in-toto statement', { cause });
  }
  if (p.predicate_type_uri !== undefined && statement.predicateType !== p.predicate_type_uri) {
    throw new ProvenantError('PREDICATE_TYPE_MISMATCH', `predicateType ${statement.predicateType} is not ${p.predicate_type_uri}`);
  }
  if (p.check_claims !== false) {
    const want = p.artifact_digest ?? `sha256:${createHash('sha256').update(await readFile(file('artifact'))).digest('hex')}`;
    const hex = want.replace(/^sha256:/, '');
    if (!statement.subject.some((s) => s.digest.sha256 === hex)) throw new ProvenantError('SUBJECT_MISMATCH', `no subject has sha256 ${hex}`);
  }
  return { verdict: 'valid', detail: `predicateType ${statement.predicateType}, ${statement.subject.length} subject(s)` };
};
export default handler;
