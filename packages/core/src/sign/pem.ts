import { ProvenantError } from '../errors.js';

/** One PEM block: its label (`EC PRIVATE KEY`, ...) and DER body. */
export interface PemBlock {
  label: string;
  der: Buffer;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/;
const BASE64_BODY = /^[A-Za-z0-9+/=\s]*$/;

/** The first PEM block of a text, as Go's pem.Decode finds it (headers such as `Proc-Type` are refused). */
export function decodePem(text: string): PemBlock {
  const m = BLOCK.exec(text);
  if (!m || m[1] === undefined || m[2] === undefined) throw new ProvenantError('KEY_INVALID', 'invalid pem block: no PEM-armored key found');
  const body = m[2];
  if (body.includes(':') || !BASE64_BODY.test(body)) {
    throw new ProvenantError('KEY_INVALID', `invalid pem block: ${m[1]} has headers or non-base64 content`);
  }
  const der = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  if (der.length === 0) throw new ProvenantError('KEY_INVALID', `invalid pem block: ${m[1]} is empty`);
  return { label: m[1], der };
}

/** PEM armor with 64-column lines, as Go's pem.Encode writes it. */
export function encodePem(label: string, der: Uint8Array): string {
  const lines = Buffer.from(der).toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
