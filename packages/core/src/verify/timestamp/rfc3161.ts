import { DerReader, TAG, type Tlv } from '../der.js';

export const HASH_OIDS: Record<string, string> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
export const OID_TSTINFO = '1.2.840.113549.1.9.16.1.4';
export const OID_ATTR_CONTENT_TYPE = '1.2.840.113549.1.9.3';
export const OID_ATTR_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';

/** The parts of an RFC 3161 timestamp token (CMS SignedData over a TSTInfo) verification needs. */
export interface TimestampToken {
  readonly genTime: Date;
  readonly imprintAlgorithm: string | undefined;
  readonly imprint: Buffer;
  readonly eContentType: string;
  readonly eContent: Buffer;
  readonly signerIssuer: Buffer | undefined;
  readonly signerSerial: Buffer | undefined;
  readonly signerKeyId: Buffer | undefined;
  readonly digestAlgorithm: string | undefined;
  readonly signatureAlgorithm: string;
  readonly signature: Buffer;
  /** signedAttrs re-tagged as a SET: the bytes the signature covers when attributes are present. */
  readonly signedAttrs: Buffer | undefined;
  readonly attributes: ReadonlyMap<string, Buffer>;
}

/** Parses a TimeStampResp (status + token) or a bare TimeStampToken ContentInfo. */
export function parseTimestamp(der: Buffer): TimestampToken {
  const r = new DerReader(der, 'TIMESTAMP_INVALID', 'RFC 3161 timestamp');
  let top = r.expect(r.root(), TAG.SEQUENCE, 'TimeStampResp');
  let parts = r.children(top);
  if (parts[0]?.tag === TAG.SEQUENCE && parts[1]?.tag === TAG.SEQUENCE) {
    // TimeStampResp: PKIStatusInfo then the token; status must be granted (0) or grantedWithMods (1).
    const status = r.integer(r.expect(r.children(parts[0])[0], TAG.INTEGER, 'PKIStatus'));
    if (status !== 0n && status !== 1n) r.fail(`status ${status} is not granted`);
    top = parts[1];
    parts = r.children(top);
  }
  if (r.oid(r.expect(parts[0], TAG.OID, 'contentType')) !== OID_SIGNED_DATA) r.fail('token is not CMS SignedData');
  const signedData = r.expect(r.children(r.expect(parts[1], 0xa0, 'content'))[0], TAG.SEQUENCE, 'SignedData');
  const sd = r.children(signedData);
  // version, digestAlgorithms, encapContentInfo, [0] certificates?, [1] crls?, signerInfos
  const encap = r.children(r.expect(sd[2], TAG.SEQUENCE, 'encapContentInfo'));
  const eContentType = r.oid(r.expect(encap[0], TAG.OID, 'eContentType'));
  const eContentT = r.expect(r.children(r.expect(encap[1], 0xa0, 'eContent'))[0], TAG.OCTET_STRING, 'eContent');
  const eContent = r.content(eContentT);
  const signerInfos = r.expect(sd[sd.length - 1], TAG.SET, 'signerInfos');
  const infos = r.children(signerInfos);
  if (infos.length !== 1) r.fail(`expected one SignerInfo, found ${infos.length}`);
  const si = r.children(r.expect(infos[0], TAG.SEQUENCE, 'SignerInfo'));
  let i = 1;
  const sid = si[i++]!;
  let signerIssuer: Buffer | undefined;
  let signerSerial: Buffer | undefined;
  let signerKeyId: Buffer | undefined;
  if (sid.tag === TAG.SEQUENCE) {
    const [issuer, serial] = r.children(sid);
    signerIssuer = r.raw(r.expect(issuer, TAG.SEQUENCE, 'sid issuer'));
    signerSerial = r.content(r.expect(serial, TAG.INTEGER, 'sid serialNumber'));
  } else if (sid.tag === 0x80) signerKeyId = r.content(sid);
  else r.fail('unknown SignerIdentifier');
  const digestAlgorithm = HASH_OIDS[algorithmOid(r, si[i++])];
  let signedAttrs: Buffer | undefined;
  const attributes = new Map<string, Buffer>();
  if (si[i]?.tag === 0xa0) {
    const attrsT = si[i++]!;
    signedAttrs = Buffer.concat([Buffer.from([TAG.SET]), der.subarray(attrsT.start + 1, attrsT.end)]);
    for (const a of r.children(attrsT)) {
      const [typeT, valuesT] = r.children(r.expect(a, TAG.SEQUENCE, 'Attribute'));
      const values = r.children(r.expect(valuesT, TAG.SET, 'attrValues'));
      if (values.length !== 1) r.fail('attribute with other than one value');
      attributes.set(r.oid(r.expect(typeT, TAG.OID, 'attrType')), r.raw(values[0]!));
    }
  }
  const signatureAlgorithm = algorithmOid(r, si[i++]);
  const signature = r.content(r.expect(si[i++], TAG.OCTET_STRING, 'signature'));

  const tst = new DerReader(eContent, 'TIMESTAMP_INVALID', 'TSTInfo');
  const f = tst.children(tst.expect(tst.root(), TAG.SEQUENCE, 'TSTInfo'));
  // version, policy, messageImprint, serialNumber, genTime, ...
  const imprint = tst.children(tst.expect(f[2], TAG.SEQUENCE, 'messageImprint'));
  const imprintAlgorithm = HASH_OIDS[algorithmOid(tst, imprint[0])];
  const genTime = tst.time(tst.expect(f[4], TAG.GENERALIZED_TIME, 'genTime'));
  return {
    genTime,
    imprintAlgorithm,
    imprint: tst.content(tst.expect(imprint[1], TAG.OCTET_STRING, 'hashedMessage')),
    eContentType,
    eContent,
    signerIssuer,
    signerSerial,
    signerKeyId,
    digestAlgorithm,
    signatureAlgorithm,
    signature,
    signedAttrs,
    attributes,
  };
}

function algorithmOid(r: DerReader, t: Tlv | undefined): string {
  return r.oid(r.expect(r.children(r.expect(t, TAG.SEQUENCE, 'AlgorithmIdentifier'))[0], TAG.OID, 'algorithm'));
}
