import { z } from 'zod';
import { ProvenantError } from '../errors.js';
import { INTOTO_PAYLOAD_TYPE, envelopePayload, parseJsonInput, type DsseEnvelope } from './dsse.js';
import { describeIssues, ruleOf } from './issues.js';
import { isKnownPredicateType, parsePredicate } from './predicates/registry.js';
import { ResourceDescriptorSchema, type ResourceDescriptor } from './resource-descriptor.js';

export const STATEMENT_TYPE_V1 = 'https://in-toto.io/Statement/v1';
/** Legacy type the Go reference still accepts. */
export const STATEMENT_TYPE_V01 = 'https://in-toto.io/Statement/v0.1';

const rule = (name: string) => ({ params: { rule: name } });

/**
 * in-toto Statement (v1, or legacy v0.1). Checks run in the Go reference's order (go/v1 Statement.Validate):
 * type, subject present, each subject a valid ResourceDescriptor with a digest, predicateType, predicate.
 */
export const StatementSchema = z
  .strictObject({
    _type: z.string(),
    subject: z.array(ResourceDescriptorSchema).optional(),
    predicateType: z.string().optional(),
    predicate: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((s, ctx) => {
    if (s._type !== STATEMENT_TYPE_V1 && s._type !== STATEMENT_TYPE_V01) {
      ctx.addIssue({ code: 'custom', path: ['_type'], message: `_type ${JSON.stringify(s._type)} is not ${STATEMENT_TYPE_V1}`, ...rule('ErrInvalidStatementType') });
    }
    if (!s.subject || s.subject.length === 0) ctx.addIssue({ code: 'custom', path: ['subject'], message: 'at least one subject is required', ...rule('ErrSubjectRequired') });
    s.subject?.forEach((sub, i) => {
      if (!sub.digest || Object.keys(sub.digest).length === 0) {
        ctx.addIssue({ code: 'custom', path: ['subject', i, 'digest'], message: 'a subject needs a digest', ...rule('ErrDigestRequired') });
      }
    });
    if (!s.predicateType) ctx.addIssue({ code: 'custom', path: ['predicateType'], message: 'predicateType is required', ...rule('ErrPredicateTypeRequired') });
    if (!s.predicate) ctx.addIssue({ code: 'custom', path: ['predicate'], message: 'predicate is required', ...rule('ErrPredicateRequired') });
  });

export interface Statement<P = Record<string, unknown>> {
  _type: typeof STATEMENT_TYPE_V1 | typeof STATEMENT_TYPE_V01;
  subject: (ResourceDescriptor & { digest: Record<string, string> })[];
  predicateType: string;
  predicate: P;
}

export interface ParseStatementOptions {
  /** Require this predicateType (PREDICATE_TYPE_MISMATCH otherwise). */
  predicateType?: string;
  /** Validate predicates of registered types (default true); unregistered types pass as plain objects. */
  validatePredicate?: boolean;
  /** Largest accepted JSON text in bytes. Default 16 MiB. */
  maxBytes?: number;
}

/** Parses and validates an in-toto Statement from JSON text, bytes or a parsed value; throws STATEMENT_INVALID. */
export function parseStatement<P = Record<string, unknown>>(input: string | Uint8Array | unknown, options: ParseStatementOptions = {}): Statement<P> {
  const value = parseJsonInput(input, options.maxBytes ?? 16 * 1024 * 1024, 'STATEMENT_INVALID', 'in-toto statement');
  const r = StatementSchema.safeParse(value);
  if (!r.success) {
    throw new ProvenantError('STATEMENT_INVALID', `invalid in-toto statement: ${describeIssues(r.error)}`, { details: { rule: ruleOf(r.error) ?? 'schema' } });
  }
  const statement = r.data as unknown as Statement;
  if (options.predicateType !== undefined && statement.predicateType !== options.predicateType) {
    throw new ProvenantError('PREDICATE_TYPE_MISMATCH', `predicateType is ${statement.predicateType}, want ${options.predicateType}`);
  }
  if (options.validatePredicate !== false && isKnownPredicateType(statement.predicateType)) {
    statement.predicate = parsePredicate<Record<string, unknown>>(statement.predicateType, statement.predicate);
  }
  return statement as unknown as Statement<P>;
}

/** The statement inside a DSSE envelope (signatures are not checked here: that is core/verify's job). */
export function statementFromEnvelope<P = Record<string, unknown>>(envelope: DsseEnvelope, options: ParseStatementOptions = {}): Statement<P> {
  if (envelope.payloadType !== INTOTO_PAYLOAD_TYPE) {
    throw new ProvenantError('STATEMENT_INVALID', `DSSE payloadType is ${envelope.payloadType}, want ${INTOTO_PAYLOAD_TYPE}`);
  }
  return parseStatement<P>(envelopePayload(envelope), options);
}

/** Builds a v1 statement; the result is validated so a bad subject fails here, not at the verifier. */
export function createStatement<P extends Record<string, unknown>>(subject: Statement['subject'], predicateType: string, predicate: P): Statement<P> {
  return parseStatement<P>({ _type: STATEMENT_TYPE_V1, subject, predicateType, predicate });
}
