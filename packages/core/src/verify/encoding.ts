import { ProvenantError, type ProvenantErrorCode } from '../errors.js';

// Standard alphabet only (what every Sigstore client writes), padding optional. Protobuf JSON would also take the
// URL-safe alphabet, but then different texts (even one mixing both) decode to the same signed bytes.
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes protobuf-JSON base64, rejecting characters Buffer.from would silently skip. */
export function decodeBase64(value: string, code: ProvenantErrorCode, what: string): Buffer {
  // MIME-style line breaks occur in the wild (openssl | base64) and every protobuf JSON reader skips them.
  if (value.includes('\n')) value = value.replace(/\r?\n/g, '');
  if (!BASE64.test(value)) throw new ProvenantError(code, `${what} is not valid base64`);
  const bytes = Buffer.from(value, 'base64');
  // Canonical encodings only: nonzero padding bits would let different texts stand for the same bytes.
  // Only the last group of 4 characters can carry them, so only it is re-encoded and compared.
  const unpadded = value.replace(/=+$/, '');
  if (unpadded.length % 4 === 1) throw new ProvenantError(code, `${what} is not valid base64`);
  const tailChars = unpadded.length % 4;
  if (tailChars) {
    const tailBytes = tailChars - 1;
    const tail = bytes.subarray(bytes.length - tailBytes).toString('base64').replace(/=+$/, '');
    const given = unpadded.slice(-tailChars);
    if (tail !== given) throw new ProvenantError(code, `${what} is not canonical base64`);
  }
  if (value.length !== unpadded.length && value.length % 4 !== 0) throw new ProvenantError(code, `${what} has misplaced base64 padding`);
  return bytes;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** Parses an int64 field of protobuf JSON (a decimal string or a safe integer number). */
export function parseInt64(value: string | number, code: ProvenantErrorCode, what: string): bigint {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new ProvenantError(code, `${what} is not an integer`);
    return BigInt(value);
  }
  if (!/^-?[0-9]{1,20}$/.test(value)) throw new ProvenantError(code, `${what} is not an integer`);
  return BigInt(value);
}

export function toPem(der: Uint8Array, label: string): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64}-----END ${label}-----\n`;
}
