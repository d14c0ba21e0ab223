/**
 * DSSE v1 pre-authentication encoding: what a DSSE signature actually signs.
 * `DSSEv1 <len(type)> <type> <len(payload)> <payload>`, lengths in bytes, ASCII decimal.
 */
export function pae(payloadType: string, payload: Uint8Array | string): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `, 'ascii'), type, Buffer.from(` ${body.length} `, 'ascii'), body]);
}
