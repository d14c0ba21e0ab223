import { ProvenantError } from '../../errors.js';
import { defaultHashFor, verifySignature } from '../crypto.js';
import { DsseEnvelopeSchema } from '../bundle/schema.js';
import { decodeBase64 } from '../encoding.js';
import { loadPublicKey, type PublicKeyInput } from '../trust/material.js';
import { preAuthEncoding } from './pae.js';

export { preAuthEncoding } from './pae.js';

export interface VerifiedEnvelope {
  readonly payloadType: string;
  readonly payload: Buffer;
  /** keyid of the signature that verified, if it had one. */
  readonly keyid: string | undefined;
}

/** Verifies a bare DSSE envelope (JSON text, bytes or parsed value): at least one signature must verify under the key. */
export function verifyDsseWithKey(envelope: unknown, publicKey: PublicKeyInput): VerifiedEnvelope {
  let value = envelope;
  if (typeof envelope === 'string' || Buffer.isBuffer(envelope)) {
    try {
      value = JSON.parse(envelope.toString());
    } catch (cause) {
      throw new ProvenantError('DSSE_INVALID', 'DSSE envelope is not valid JSON', { cause });
    }
  }
  let env: ReturnType<typeof DsseEnvelopeSchema>;
  try {
    env = DsseEnvelopeSchema(value, '');
  } catch (err) {
    throw new ProvenantError('DSSE_INVALID', `DSSE envelope is malformed: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (env.signatures.length === 0) throw new ProvenantError('DSSE_SIGNATURE_INVALID', 'DSSE envelope has no signatures');
  const key = loadPublicKey(publicKey);
  const payload = decodeBase64(env.payload, 'DSSE_INVALID', 'DSSE payload');
  const pae = preAuthEncoding(env.payloadType, payload);
  const hash = defaultHashFor(key);
  for (const s of env.signatures) {
    let sig: Buffer;
    try {
      sig = decodeBase64(s.sig, 'DSSE_INVALID', 'DSSE signature');
    } catch {
      continue;
    }
    if (verifySignature(pae, key, sig, hash)) return { payloadType: env.payloadType, payload, keyid: s.keyid ?? undefined };
  }
  throw new ProvenantError('DSSE_SIGNATURE_INVALID', 'no DSSE signature verifies under the given key');
}
