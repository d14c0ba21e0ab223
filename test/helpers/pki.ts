import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

// A test PKI built in the test: a small DER writer and an X.509 v3 certificate builder over node:crypto,
// so a test can make any CA or leaf it needs, including the malformed ones a real CA would never issue
// (duplicate extensions, unknown critical extensions, mismatched signature algorithms, odd SANs).

export function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  const n = body.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : n < 0x10000 ? Buffer.from([0x82, n >> 8, n & 0xff]) : Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}
export const seq = (...c: Buffer[]): Buffer => tlv(0x30, ...c);
export const set = (...c: Buffer[]): Buffer => tlv(0x31, ...c);
export const octets = (b: Buffer): Buffer => tlv(0x04, b);
export const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'));
export const bool = (v: boolean): Buffer => tlv(0x01, Buffer.from([v ? 0xff : 0x00]));
export const bits = (b: Buffer, unused = 0): Buffer => tlv(0x03, Buffer.from([unused]), b);

export function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [a! * 40 + b!];
  for (const n of rest) {
    const chunk = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

export function integer(v: bigint): Buffer {
  let hex = v.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  let b = Buffer.from(hex, 'hex');
  if (b[0]! & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}

function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2) + 'Z')) : tlv(0x18, Buffer.from(iso + 'Z'));
}

export const name = (cn: string): Buffer => seq(set(seq(oid('2.5.4.3'), utf8(cn))));
export const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));
export const ECDSA_SHA384 = seq(oid('1.2.840.10045.4.3.3'));

export interface Ext {
  readonly oid: string;
  readonly critical?: boolean;
  /** DER of the extension value (what goes inside extnValue's OCTET STRING). */
  readonly value: Buffer;
}
export const extension = (e: Ext): Buffer => seq(oid(e.oid), ...(e.critical ? [bool(true)] : []), octets(e.value));

/** Common extensions. */
export const ext = {
  ca: (): Ext => ({ oid: '2.5.29.19', critical: true, value: seq(bool(true)) }),
  caKeyUsage: (): Ext => ({ oid: '2.5.29.15', critical: true, value: bits(Buffer.from([0x06]), 1) }),
  leafKeyUsage: (): Ext => ({ oid: '2.5.29.15', critical: true, value: bits(Buffer.from([0x80]), 7) }),
  codeSigning: (): Ext => ({ oid: '2.5.29.37', value: seq(oid('1.3.6.1.5.5.7.3.3')) }),
  /** subjectAltName from GeneralName elements (see san). */
  san: (critical: boolean, ...names: Buffer[]): Ext => ({ oid: '2.5.29.17', critical, value: seq(...names) }),
  /** Fulcio OIDC issuer (1.3.6.1.4.1.57264.1.8), a DER UTF8String. */
  fulcioIssuer: (issuer: string): Ext => ({ oid: '1.3.6.1.4.1.57264.1.8', value: utf8(issuer) }),
  /** basicConstraints cA with a pathLenConstraint. */
  caPathLen: (n: number): Ext => ({ oid: '2.5.29.19', critical: true, value: seq(bool(true), integer(BigInt(n))) }),
  /** basicConstraints present with cA absent (false). */
  notCa: (): Ext => ({ oid: '2.5.29.19', critical: true, value: seq() }),
  subjectKeyId: (id: Buffer): Ext => ({ oid: '2.5.29.14', value: octets(id) }),
  authorityKeyId: (id: Buffer): Ext => ({ oid: '2.5.29.35', value: seq(tlv(0x80, id)) }),
};
export const san = {
  uri: (s: string): Buffer => tlv(0x86, Buffer.from(s)),
  email: (s: string): Buffer => tlv(0x81, Buffer.from(s)),
  dns: (s: string): Buffer => tlv(0x82, Buffer.from(s)),
  otherName: (typeId: string, value: string): Buffer => tlv(0xa0, oid(typeId), tlv(0xa0, utf8(value))),
};

export interface CertSpec {
  readonly subject: string;
  readonly publicKey: KeyObject;
  readonly issuer: { readonly name: string; readonly privateKey: KeyObject };
  readonly extensions: readonly Ext[];
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly serial?: bigint;
  /** The algorithm named inside the TBS; defaults to the outer one. */
  readonly tbsAlgorithm?: Buffer;
  /** The signature BIT STRING's unused-bits count (0 in DER; anything else is a second encoding). */
  readonly unusedBits?: number;
}

let serials = 1000n;

/** A certificate signed with ecdsa-with-SHA256 by `issuer.privateKey`. */
export function certificate(spec: CertSpec): Buffer {
  const now = Date.now();
  const tbs = seq(
    tlv(0xa0, integer(2n)),
    integer(spec.serial ?? serials++),
    spec.tbsAlgorithm ?? ECDSA_SHA256,
    name(spec.issuer.name),
    seq(time(spec.notBefore ?? new Date(now - 3600_000)), time(spec.notAfter ?? new Date(now + 3600_000))),
    name(spec.subject),
    spec.publicKey.export({ format: 'der', type: 'spki' }),
    tlv(0xa3, seq(...spec.extensions.map(extension))),
  );
  return seq(tbs, ECDSA_SHA256, bits(sign('sha256', tbs, spec.issuer.privateKey), spec.unusedBits ?? 0));
}

export const p256 = (): { publicKey: KeyObject; privateKey: KeyObject } => generateKeyPairSync('ec', { namedCurve: 'P-256' });

/** A private root CA (self-signed) and a helper to issue from it. */
export function privateCa(cn = 'Private Test Root') {
  const keys = p256();
  const root = certificate({ subject: cn, publicKey: keys.publicKey, issuer: { name: cn, privateKey: keys.privateKey }, extensions: [ext.ca(), ext.caKeyUsage()], notBefore: new Date('2000-01-01T00:00:00Z'), notAfter: new Date('2099-01-01T00:00:00Z') });
  return { name: cn, privateKey: keys.privateKey, publicKey: keys.publicKey, certificate: root };
}

/** A certificate with its keys, as issue() returns it and takes it as an issuer. */
export interface Issued {
  readonly name: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly certificate: Buffer;
}

/** A key id: SHA-1 of the SPKI (the same for an issuer's SKI and its children's AKI, which is all tests need). */
export const keyIdOf = (key: KeyObject): Buffer => createHash('sha1').update(key.export({ format: 'der', type: 'spki' })).digest();

/**
 * Issues a certificate from `issuer` (self-signed without one), with the given extensions. `issuerName`
 * writes another issuer DN than the issuer's; `keys` certifies an existing key pair.
 */
export function issue(o: { subject: string; issuer?: Issued; issuerName?: string; extensions: readonly Ext[]; keys?: { publicKey: KeyObject; privateKey: KeyObject }; notBefore?: Date; notAfter?: Date }): Issued {
  const keys = o.keys ?? p256();
  const signer = o.issuer ?? { name: o.subject, privateKey: keys.privateKey };
  const notBefore = o.notBefore ?? new Date('2020-01-01T00:00:00Z');
  const notAfter = o.notAfter ?? new Date('2030-01-01T00:00:00Z');
  const der = certificate({ subject: o.subject, publicKey: keys.publicKey, issuer: { name: o.issuerName ?? signer.name, privateKey: signer.privateKey }, extensions: o.extensions, notBefore, notAfter });
  return { name: o.subject, privateKey: keys.privateKey, publicKey: keys.publicKey, certificate: der };
}

/** CA extensions: cA (with a path length when given), CA key usage, SKI, and AKI when issued. */
export function caExtensions(keys: { publicKey: KeyObject }, issuer?: Issued, pathLen?: number): Ext[] {
  return [pathLen === undefined ? ext.ca() : ext.caPathLen(pathLen), ext.caKeyUsage(), ext.subjectKeyId(keyIdOf(keys.publicKey)), ...(issuer ? [ext.authorityKeyId(keyIdOf(issuer.publicKey))] : [])];
}

export const TEST_SAN = 'https://github.com/example-org/example-repo/.github/workflows/release.yml@refs/heads/main';
export const TEST_ISSUER = 'https://token.actions.githubusercontent.com';

/** Fulcio-style leaf extensions: digital signature, code signing, a URI SAN, the OIDC issuer, AKI of the issuer. */
export function leafExtensions(issuer: Issued, sanUri = TEST_SAN): Ext[] {
  return [ext.leafKeyUsage(), ext.codeSigning(), ext.san(true, san.uri(sanUri)), ext.fulcioIssuer(TEST_ISSUER), ext.authorityKeyId(keyIdOf(issuer.publicKey))];
}

/** root -> intermediate (pathLen 0) -> leaf, all valid 2020-2030: the control a test changes one field of. */
export function testChain(): { root: Issued; intermediate: Issued; leaf: Issued } {
  const rootKeys = p256();
  const root = issue({ subject: 'provenant test root', keys: rootKeys, extensions: caExtensions(rootKeys) });
  const intKeys = p256();
  const intermediate = issue({ subject: 'provenant test intermediate', issuer: root, keys: intKeys, extensions: caExtensions(intKeys, root, 0) });
  const leaf = issue({ subject: 'sigstore', issuer: intermediate, extensions: leafExtensions(intermediate) });
  return { root, intermediate, leaf };
}
