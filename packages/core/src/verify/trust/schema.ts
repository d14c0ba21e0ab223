import { arr, obj, opt, str, type Infer } from '../shape.js';

// Sigstore TrustedRoot JSON (dev.sigstore.trustroot.v1.TrustedRoot, protobuf JSON mapping).

const TimeRange = obj({ start: opt(str), end: opt(str) });

const TransparencyLogInstance = obj({
  baseUrl: str,
  hashAlgorithm: opt(str),
  publicKey: obj({ rawBytes: opt(str), keyDetails: opt(str), validFor: opt(TimeRange) }),
  logId: obj({ keyId: str }),
  checkpointKeyId: opt(obj({ keyId: str })),
  operator: opt(str),
});

const CertificateAuthority = obj({
  subject: opt(obj({ organization: opt(str), commonName: opt(str) })),
  uri: opt(str),
  certChain: obj({ certificates: arr(obj({ rawBytes: str })) }),
  validFor: opt(TimeRange),
  operator: opt(str),
});

export const TrustedRootSchema = obj({
  mediaType: str,
  tlogs: opt(arr(TransparencyLogInstance)),
  certificateAuthorities: opt(arr(CertificateAuthority)),
  ctlogs: opt(arr(TransparencyLogInstance)),
  timestampAuthorities: opt(arr(CertificateAuthority)),
});
export type TrustedRootJSON = Infer<typeof TrustedRootSchema>;
export type TransparencyLogInstanceJSON = Infer<typeof TransparencyLogInstance>;
export type CertificateAuthorityJSON = Infer<typeof CertificateAuthority>;
