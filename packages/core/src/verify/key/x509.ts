import { createPublicKey, type KeyObject } from 'node:crypto';
import { ProvenantError, type ProvenantErrorCode } from '../../errors.js';
import { verifySignature } from '../crypto.js';
import { DerReader, encodeTlv, TAG, type Tlv } from '../der.js';

export const OID = {
  SUBJECT_KEY_ID: '2.5.29.14',
  KEY_USAGE: '2.5.29.15',
  SUBJECT_ALT_NAME: '2.5.29.17',
  BASIC_CONSTRAINTS: '2.5.29.19',
  AUTHORITY_KEY_ID: '2.5.29.35',
  EXT_KEY_USAGE: '2.5.29.37',
  SCT_LIST: '1.3.6.1.4.1.11129.2.4.2',
  EKU_CODE_SIGNING: '1.3.6.1.5.5.7.3.3',
  FULCIO_USERNAME: '1.3.6.1.4.1.57264.1.7',
} as const;

// Extensions this verifier processes; any other marked critical makes the certificate unusable (RFC 5280 §4.2).
const HANDLED_EXTENSIONS: ReadonlySet<string> = new Set([OID.SUBJECT_KEY_ID, OID.KEY_USAGE, OID.SUBJECT_ALT_NAME, OID.BASIC_CONSTRAINTS, OID.AUTHORITY_KEY_ID, OID.EXT_KEY_USAGE]);

/** The kinds of subject alternative name that name a signer: URI, email, and Fulcio's username otherName. */
export type SanKind = 'uri' | 'email' | 'username';
/** One subject alternative name that names a signer, with its kind. */
export interface SubjectAltName {
  readonly kind: SanKind;
  readonly value: string;
}

// RFC 3986 absolute URI (RFC 5280 §4.2.1.6: never relative); RFC 5321 mailbox as dot-atom@hostname.
const URI_SAN = /^[A-Za-z][A-Za-z0-9+.-]*:[\x21-\x7e]+$/;
const ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const HOSTNAME = '(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*';
const EMAIL_SAN = new RegExp(`^${ATEXT}(?:\\.${ATEXT})*@${HOSTNAME}$`);

/**
 * The kind an expected identity names, read from its syntax: a scheme makes it a URI, a mailbox an email,
 * anything else a Fulcio username. The SAN kinds are disjoint in syntax (see subjectAltNameEntries).
 */
export function identityKind(expected: string): SanKind {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(expected)) return 'uri';
  return EMAIL_SAN.test(expected) ? 'email' : 'username';
}

// Certificate signature algorithms node:crypto verifies natively; anything else is a denial.
const SIGNATURE_HASH: Record<string, string | null> = {
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.3.101.112': null, // Ed25519: no separate digest
};

export interface Extension {
  readonly oid: string;
  readonly critical: boolean;
  /** Content of the extnValue OCTET STRING. */
  readonly value: Buffer;
  /** The whole Extension element, to rebuild the TBS without it. */
  readonly raw: Buffer;
}

/** An X.509 certificate read once: the fields verification needs, plus its key on first use. */
export class Certificate {
  readonly der: Buffer;
  readonly tbs: Buffer;
  readonly signatureAlgorithm: string;
  readonly signature: Buffer;
  readonly serialNumber: Buffer;
  readonly issuer: Buffer;
  readonly subject: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly spki: Buffer;
  readonly extensions: readonly Extension[];
  /** TBS content bytes before the [3] extensions wrapper (for the SCT precertificate rebuild). */
  private readonly tbsHead: Buffer;
  private key: KeyObject | undefined;

  constructor(der: Buffer, code: ProvenantErrorCode = 'CERTIFICATE_INVALID') {
    const r = new DerReader(der, code, 'certificate');
    this.der = der;
    const cert = r.expect(r.root(), TAG.SEQUENCE, 'Certificate');
    const [tbsT, algT, sigT] = r.children(cert);
    const tbs = r.expect(tbsT, TAG.SEQUENCE, 'TBSCertificate');
    this.tbs = r.raw(tbs);
    const algSeq = r.expect(algT, TAG.SEQUENCE, 'signatureAlgorithm');
    this.signatureAlgorithm = r.oid(r.expect(r.children(algSeq)[0], TAG.OID, 'algorithm OID'));
    const sig = r.expect(sigT, TAG.BIT_STRING, 'signatureValue');
    // Whole octets only: an unused-bits count other than 0 would be a second encoding of the same signature.
    if (r.content(sig)[0] !== 0) r.fail('signatureValue has unused bits');
    this.signature = r.content(sig).subarray(1);

    const f = r.children(tbs);
    let i = 0;
    if (f[0]?.tag === 0xa0) i++; // explicit version
    this.serialNumber = r.content(r.expect(f[i++], TAG.INTEGER, 'serialNumber'));
    // RFC 5280 §4.1.1.2: the signed algorithm must be the one the outer signature claims, byte for byte.
    const tbsAlg = r.expect(f[i++], TAG.SEQUENCE, 'TBS signature algorithm');
    if (!r.raw(tbsAlg).equals(r.raw(algSeq))) r.fail('TBS signature algorithm differs from the certificate signature algorithm');
    this.issuer = r.raw(r.expect(f[i++], TAG.SEQUENCE, 'issuer'));
    const validity = r.children(r.expect(f[i++], TAG.SEQUENCE, 'validity'));
    if (validity.length !== 2) r.fail('validity');
    this.notBefore = r.time(validity[0]!);
    this.notAfter = r.time(validity[1]!);
    this.subject = r.raw(r.expect(f[i++], TAG.SEQUENCE, 'subject'));
    this.spki = r.raw(r.expect(f[i++], TAG.SEQUENCE, 'subjectPublicKeyInfo'));
    let extsT: Tlv | undefined;
    for (; i < f.length; i++) if (f[i]!.tag === 0xa3) extsT = f[i];
    this.tbsHead = der.subarray(tbs.contentStart, extsT ? extsT.start : tbs.end);
    const exts: Extension[] = [];
    if (extsT) {
      const seq = r.expect(r.children(extsT)[0], TAG.SEQUENCE, 'extensions');
      for (const e of r.children(seq)) {
        const parts = r.children(r.expect(e, TAG.SEQUENCE, 'extension'));
        const oid = r.oid(r.expect(parts[0], TAG.OID, 'extnID'));
        let critical = false;
        let valueT = parts[1];
        if (valueT?.tag === TAG.BOOLEAN) {
          critical = r.content(valueT)[0] !== 0;
          valueT = parts[2];
        }
        // RFC 5280 §4.2: at most one instance of an extension; a second one would be read by nobody, or by someone else.
        if (exts.some((x) => x.oid === oid)) r.fail(`extension ${oid} appears twice`);
        exts.push({ oid, critical, value: r.content(r.expect(valueT, TAG.OCTET_STRING, 'extnValue')), raw: r.raw(e) });
      }
    }
    this.extensions = exts;
  }

  extension(oid: string): Extension | undefined {
    return this.extensions.find((e) => e.oid === oid);
  }

  /** The first critical extension this verifier does not process, if any: such a certificate must be refused. */
  get unhandledCriticalExtension(): string | undefined {
    return this.extensions.find((e) => e.critical && !HANDLED_EXTENSIONS.has(e.oid))?.oid;
  }

  get publicKey(): KeyObject {
    if (!this.key) {
      try {
        this.key = spkiToKey(this.spki);
      } catch (cause) {
        throw new ProvenantError('KEY_UNSUPPORTED', 'certificate public key cannot be loaded', { cause });
      }
    }
    return this.key;
  }

  get isSelfIssued(): boolean {
    return this.issuer.equals(this.subject);
  }

  /** Checks this certificate's signature with the issuer's key. */
  verifiedBy(issuer: Certificate): boolean {
    const hash = SIGNATURE_HASH[this.signatureAlgorithm];
    if (hash === undefined) return false;
    return verifySignature(this.tbs, issuer.publicKey, this.signature, hash);
  }

  validAt(time: Date): boolean {
    return this.notBefore.getTime() <= time.getTime() && time.getTime() <= this.notAfter.getTime();
  }

  /** basicConstraints: cA flag and pathLenConstraint. */
  get basicConstraints(): { ca: boolean; pathLen: number | undefined } {
    const ext = this.extension(OID.BASIC_CONSTRAINTS);
    if (!ext) return { ca: false, pathLen: undefined };
    const r = new DerReader(ext.value, 'CERTIFICATE_INVALID', 'basicConstraints');
    const parts = r.children(r.expect(r.root(), TAG.SEQUENCE, 'BasicConstraints'));
    let ca = false;
    let pathLen: number | undefined;
    for (const p of parts) {
      if (p.tag === TAG.BOOLEAN) ca = r.content(p)[0] !== 0;
      else if (p.tag === TAG.INTEGER) pathLen = Number(r.integer(p));
    }
    return { ca, pathLen };
  }

  get subjectKeyId(): Buffer | undefined {
    const ext = this.extension(OID.SUBJECT_KEY_ID);
    if (!ext) return undefined;
    const r = new DerReader(ext.value, 'CERTIFICATE_INVALID', 'subjectKeyIdentifier');
    return r.content(r.expect(r.root(), TAG.OCTET_STRING, 'keyIdentifier'));
  }

  get authorityKeyId(): Buffer | undefined {
    const ext = this.extension(OID.AUTHORITY_KEY_ID);
    if (!ext) return undefined;
    const r = new DerReader(ext.value, 'CERTIFICATE_INVALID', 'authorityKeyIdentifier');
    const kid = r.children(r.expect(r.root(), TAG.SEQUENCE, 'AuthorityKeyIdentifier')).find((t) => t.tag === 0x80);
    return kid ? r.content(kid) : undefined;
  }

  /**
   * Subject alternative names that name a signer, with their kind: URIs (absolute), emails (a mailbox) and
   * Fulcio username otherNames (no ':'), so the three kinds never share a spelling. Other otherName types,
   * DNS names and IP addresses name no signer and are skipped; a malformed URI, email or username refuses
   * the certificate.
   */
  get subjectAltNameEntries(): SubjectAltName[] {
    const ext = this.extension(OID.SUBJECT_ALT_NAME);
    if (!ext) return [];
    const r = new DerReader(ext.value, 'CERTIFICATE_INVALID', 'subjectAltName');
    const out: SubjectAltName[] = [];
    const text = (t: Tlv, what: string): string => {
      const raw = r.content(t);
      const s = raw.toString('utf8');
      if (!Buffer.from(s, 'utf8').equals(raw) || [...s].some((ch) => ch.charCodeAt(0) < 0x20 || ch === '\u007f')) r.fail(`${what} is not valid text`);
      return s;
    };
    for (const gn of r.children(r.expect(r.root(), TAG.SEQUENCE, 'GeneralNames'))) {
      if (gn.tag === 0x86) {
        const value = text(gn, 'URI name');
        if (!URI_SAN.test(value)) r.fail('URI name is not an absolute URI');
        out.push({ kind: 'uri', value });
      } else if (gn.tag === 0x81) {
        const value = text(gn, 'email name');
        if (!EMAIL_SAN.test(value)) r.fail('email name is not a mailbox');
        out.push({ kind: 'email', value });
      } else if (gn.tag === 0xa0) {
        // otherName: type-id OID, [0] EXPLICIT value. Only Fulcio's username (a UTF8String) names a signer.
        const [typeId, val] = r.children(gn);
        if (r.oid(r.expect(typeId, TAG.OID, 'otherName type-id')) !== OID.FULCIO_USERNAME) continue;
        const inner = r.expect(val && val.tag === 0xa0 ? r.children(val)[0] : undefined, TAG.UTF8_STRING, 'username otherName value');
        const value = text(inner, 'username name');
        if (value === '' || value.includes(':')) r.fail('username name is empty or contains ":"');
        out.push({ kind: 'username', value });
      }
    }
    return out;
  }

  /** The values of subjectAltNameEntries. */
  get subjectAltNames(): string[] {
    return this.subjectAltNameEntries.map((e) => e.value);
  }

  /** The TBS re-encoded without the SCT list extension: the precertificate TBS of RFC 6962 §3.2. */
  tbsWithoutSct(): Buffer {
    const kept = this.extensions.filter((e) => e.oid !== OID.SCT_LIST).map((e) => e.raw);
    const exts = encodeTlv(0xa3, encodeTlv(TAG.SEQUENCE, Buffer.concat(kept)));
    return encodeTlv(TAG.SEQUENCE, Buffer.concat([this.tbsHead, exts]));
  }
}

const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const OID_P256 = '1.2.840.10045.3.1.7';

/**
 * Loads an SPKI key. P-256 keys (every Fulcio leaf) go through JWK import, which skips OpenSSL's
 * decoder framework and is about twice as fast as DER import; anything else is imported as DER.
 */
export function spkiToKey(spki: Buffer): KeyObject {
  try {
    const r = new DerReader(spki, 'KEY_INVALID', 'public key');
    const [alg, bits] = r.children(r.expect(r.root(), TAG.SEQUENCE, 'SubjectPublicKeyInfo'));
    const [algOid, params] = r.children(r.expect(alg, TAG.SEQUENCE, 'AlgorithmIdentifier'));
    const point = r.content(r.expect(bits, TAG.BIT_STRING, 'subjectPublicKey'));
    if (params && r.oid(algOid!) === OID_EC_PUBLIC_KEY && params.tag === TAG.OID && r.oid(params) === OID_P256 && point.length === 66 && point[0] === 0 && point[1] === 4) {
      return createPublicKey({
        key: { kty: 'EC', crv: 'P-256', x: point.subarray(2, 34).toString('base64url'), y: point.subarray(34, 66).toString('base64url') },
        format: 'jwk',
      });
    }
  } catch {
    // fall through to the DER import, which reports the real problem
  }
  return createPublicKey({ key: spki, format: 'der', type: 'spki' });
}

// Parsed trust-root certificates, by DER bytes: parsing and key loading happen once per process.
const parsedCache = new Map<string, Certificate>();
const CACHE_LIMIT = 256;

/** Parses a certificate, reusing an earlier parse of the same bytes (used for CA and TSA certs). */
export function cachedCertificate(der: Buffer): Certificate {
  const k = der.toString('base64');
  let c = parsedCache.get(k);
  if (!c) {
    c = new Certificate(der, 'TRUSTED_ROOT_INVALID');
    if (parsedCache.size >= CACHE_LIMIT) parsedCache.delete(parsedCache.keys().next().value!);
    parsedCache.set(k, c);
  }
  return c;
}
