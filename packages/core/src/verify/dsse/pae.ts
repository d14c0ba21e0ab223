// DSSE v1 pre-authentication encoding. core/intoto has the same (pae.test.ts checks they agree), but importing it
// would load its zod schemas on the cold verify-bundle path.
export function preAuthEncoding(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}
