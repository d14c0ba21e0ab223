import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ProvenantError } from '@provenant/core/errors';
import { INTOTO_PAYLOAD_TYPE, parseStatement } from '@provenant/core/intoto';
import { verifyDsseWithKey } from '@provenant/core/verify';
import type { KindHandler } from '../types.js';

const Params = z.object({
  predicate_type_uri: z.string().optional(),
  check_claims: z.boolean().optional(),
  artifact_digest: z.string().optional(),
});

/** A bare DSSE envelope verified with a key, then its in-toto claims checked as cosign verify-blob-attestation does. */
export const handler: KindHandler = async (c, file) => {
  const p = Params.parse(c.params);
  const env = verifyDsseWithKey(await readFile(file('envelope')), await readFile(file('public_key'), 'utf8'));
  if (env.payloadType !== INTOTO_PAYLOAD_TYPE) throw new ProvenantError('PREDICATE_TYPE_UNSUPPORTED', `payload type ${env.payloadType} is not an in-toto statement`);
  const statement = parseStatement(env.payload, {
    ...(p.predicate_type_uri !== undefined ? { predicateType: p.predicate_type_uri } : {}),
    validatePredicate: false,
  });
  if (p.check_claims !== false) {
    const want = p.artifact_digest ?? `sha256:${createHash('sha256').update(await readFile(file('artifact'))).digest('hex')}`;
    const hex = want.replace(/^sha256:/, '');
    if (!statement.subject.some((s) => s.digest.sha256 === hex)) throw new ProvenantError('SUBJECT_MISMATCH', `no subject has sha256 ${hex}`);
  }
  return { verdict: 'valid', detail: `predicateType ${statement.predicateType}, ${statement.subject.length} subject(s)` };
};
export default handler;
