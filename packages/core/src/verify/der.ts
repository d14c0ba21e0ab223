import { ProvenantError, type ProvenantErrorCode } from '../errors.js';

/** One DER element located inside a buffer: tag byte, where its content starts and ends. */
export interface Tlv {
  readonly tag: number;
  /** Offset of the tag byte. */
  readonly start: number;
  /** Offset of the first content byte. */
  readonly contentStart: number;
  /** Offset just past the last content byte. */
  readonly end: number;
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/**
 * A small DER reader: reads only what the verifier asks for, never a whole tree, and throws the
 * caller's error code on any malformed length so bad input maps to a specific denial.
 */
export class DerReader {
  constructor(
    readonly buf: Buffer,
    private readonly code: ProvenantErrorCode,
    private readonly what: string,
  ) {}

  fail(reason: string): never {
    throw new ProvenantError(this.code, `${this.what}: malformed DER (${reason})`);
  }

  read(offset: number, limit: number = this.buf.length): Tlv {
    const buf = this.buf;
    if (offset + 2 > limit) this.fail('truncated header');
    const tag = buf[offset]!;
    if ((tag & 0x1f) === 0x1f) this.fail('multi-byte tags are not used here');
    let len = buf[offset + 1]!;
    let p = offset + 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 4) this.fail('unsupported length form');
      if (p + n > limit) this.fail('truncated length');
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + buf[p + i]!;
      p += n;
      if (len < 128 || (n > 1 && buf[p - n] === 0)) this.fail('non-minimal length');
    }
    const end = p + len;
    if (end > limit) this.fail('length beyond its container');
    return { tag, start: offset, contentStart: p, end };
  }

  /** The element that must span exactly `buf` (a top-level structure). */
  root(): Tlv {
    const t = this.read(0);
    if (t.end !== this.buf.length) this.fail('trailing bytes');
    return t;
  }

  children(parent: Tlv): Tlv[] {
    const out: Tlv[] = [];
    let p = parent.contentStart;
    while (p < parent.end) {
      const t = this.read(p, parent.end);
      out.push(t);
      p = t.end;
    }
    return out;
  }

  expect(t: Tlv | undefined, tag: number, field: string): Tlv {
    if (!t || t.tag !== tag) this.fail(`expected ${field}`);
    return t;
  }

  content(t: Tlv): Buffer {
    return this.buf.subarray(t.contentStart, t.end);
  }

  raw(t: Tlv): Buffer {
    return this.buf.subarray(t.start, t.end);
  }

  oid(t: Tlv): string {
    if (t.tag !== TAG.OID) this.fail('expected an OID');
    return decodeOid(this.content(t));
  }

  integer(t: Tlv): bigint {
    if (t.tag !== TAG.INTEGER || t.end === t.contentStart) this.fail('expected an INTEGER');
    const b = this.content(t);
    // DER: the shortest two's complement form (X.690 §8.3.2), so one value has one encoding.
    if (b.length > 1 && ((b[0] === 0x00 && !(b[1]! & 0x80)) || (b[0] === 0xff && b[1]! & 0x80))) this.fail('non-minimal INTEGER');
    let v = BigInt('0x' + b.toString('hex'));
    if (b[0]! & 0x80) v -= 1n << BigInt(b.length * 8);
    return v;
  }

  time(t: Tlv): Date {
    const s = this.content(t).toString('latin1');
    let m: RegExpExecArray | null;
    if (t.tag === TAG.UTC_TIME && (m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s))) {
      const yy = Number(m[1]);
      return utc(yy < 50 ? 2000 + yy : 1900 + yy, m[2]!, m[3]!, m[4]!, m[5]!, m[6]!, '');
    }
    if (t.tag === TAG.GENERALIZED_TIME && (m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{1,9}))?Z$/.exec(s))) {
      return utc(Number(m[1]), m[2]!, m[3]!, m[4]!, m[5]!, m[6]!, m[7] ?? '');
    }
    return this.fail('expected a UTCTime or GeneralizedTime');
  }
}

function utc(y: number, mo: string, d: string, h: string, mi: string, s: string, frac: string): Date {
  const ms = frac ? Math.floor(Number('0.' + frac) * 1000) : 0;
  return new Date(Date.UTC(y, Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms));
}

export function decodeOid(b: Buffer): string {
  if (b.length === 0) return '';
  const parts: number[] = [];
  const first = b[0]!;
  let value = 0;
  let started = false;
  for (let i = 0; i < b.length; i++) {
    value = value * 128 + (b[i]! & 0x7f);
    if (b[i]! & 0x80) continue;
    if (!started) {
      const a = first < 80 ? Math.floor(value / 40) : 2;
      parts.push(a, value - a * 40);
      started = true;
    } else parts.push(value);
    value = 0;
  }
  return parts.join('.');
}

/** Encodes one DER element (used to rebuild a TBSCertificate without its SCT extension). */
export function encodeTlv(tag: number, content: Buffer): Buffer {
  const len = content.length;
  let header: Buffer;
  if (len < 128) header = Buffer.from([tag, len]);
  else if (len < 256) header = Buffer.from([tag, 0x81, len]);
  else if (len < 65536) header = Buffer.from([tag, 0x82, len >> 8, len & 0xff]);
  else header = Buffer.from([tag, 0x83, len >> 16, (len >> 8) & 0xff, len & 0xff]);
  return Buffer.concat([header, content]);
}
