import { z } from 'zod';
import { ProvenantError } from '../errors.js';
import { describeIssues } from './issues.js';

/** The payloadType of an in-toto statement carried in DSSE. */
export const INTOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const URL_BASE64 = /^[A-Za-z0-9_-]*={0,2}$/;

/** Base64 as DSSE implementations write it: standard, or URL-safe (go-securesystemslib accepts both). */
export const Base64Schema = z.string().refine((s) => STD_BASE64.test(s) || URL_BASE64.test(s), 'not base64');

export const DsseSignatureSchema = z.strictObject({
  keyid: z.string().optional(),
  sig: Base64Schema,
});
export type DsseSignature = z.infer<typeof DsseSignatureSchema>;

/** DSSE envelope (JSON form). Unknown fields are rejected. */
export const DsseEnvelopeSchema = z.strictObject({
  payload: Base64Schema,
  payloadType: z.string().min(1, 'payloadType is required'),
  signatures: z.array(DsseSignatureSchema),
});
export type DsseEnvelope = z.infer<typeof DsseEnvelopeSchema>;

/** Decodes base64 in either alphabet; the schema has already checked the characters. */
export function decodeBase64(text: string): Buffer {
  return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

export interface ParseEnvelopeOptions {
  /** Accept an envelope with no signatures (e.g. before signing). Default false. */
  allowUnsigned?: boolean;
  /** Largest accepted JSON text in bytes. Default 16 MiB. */
  maxBytes?: number;
}

/** Parses DSSE envelope JSON (text, bytes or an already parsed value); throws DSSE_INVALID. */
export function parseEnvelope(input: string | Uint8Array | unknown, options: ParseEnvelopeOptions = {}): DsseEnvelope {
  const value = parseJsonInput(input, options.maxBytes ?? 16 * 1024 * 1024, 'DSSE_INVALID', 'DSSE envelope');
  const r = DsseEnvelopeSchema.safeParse(value);
  if (!r.success) throw new ProvenantError('DSSE_INVALID', `invalid DSSE envelope: ${describeIssues(r.error)}`);
  if (!options.allowUnsigned && r.data.signatures.length === 0) throw new ProvenantError('DSSE_INVALID', 'DSSE envelope has no signatures');
  return r.data;
}

/** The payload bytes of an envelope. */
export function envelopePayload(envelope: DsseEnvelope): Buffer {
  return decodeBase64(envelope.payload);
}

/** Builds an (unsigned) envelope around a payload; signers append to `signatures`. */
export function createEnvelope(payloadType: string, payload: Uint8Array | string, signatures: DsseSignature[] = []): DsseEnvelope {
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload);
  return { payload: bytes.toString('base64'), payloadType, signatures };
}

/** JSON text or bytes are size-checked and parsed; anything else is taken as already parsed. */
export function parseJsonInput(
  input: unknown,
  maxBytes: number,
  code: 'DSSE_INVALID' | 'STATEMENT_INVALID' | 'RESOURCE_DESCRIPTOR_INVALID' | 'PREDICATE_INVALID',
  what: string,
): unknown {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) return input;
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
  if (size > maxBytes) throw new ProvenantError('SIZE_LIMIT_EXCEEDED', `${what} is ${size} bytes, over the ${maxBytes}-byte limit`);
  const text = typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new ProvenantError(code, `${what} is not valid JSON`, { cause });
  }
}
