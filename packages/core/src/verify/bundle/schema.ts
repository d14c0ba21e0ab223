import { arr, int64, obj, opt, str, type Infer } from '../shape.js';

// Sigstore bundle JSON (protobuf JSON mapping of dev.sigstore.bundle.v1.Bundle), v0.1 to v0.3.
// Byte fields stay base64 strings here; the entity stage decodes them.

const X509Cert = obj({ rawBytes: str });

const TlogEntry = obj({
  logIndex: int64,
  logId: obj({ keyId: str }),
  kindVersion: obj({ kind: str, version: str }),
  integratedTime: opt(int64),
  inclusionPromise: opt(obj({ signedEntryTimestamp: str })),
  inclusionProof: opt(
    obj({
      logIndex: int64,
      rootHash: str,
      treeSize: int64,
      hashes: arr(str),
      checkpoint: opt(obj({ envelope: str })),
    }),
  ),
  canonicalizedBody: str,
});
export type TlogEntryJSON = Infer<typeof TlogEntry>;

const VerificationMaterial = obj(
  {
    publicKey: opt(obj({ hint: opt(str) })),
    x509CertificateChain: opt(obj({ certificates: arr(X509Cert) })),
    certificate: opt(X509Cert),
    tlogEntries: opt(arr(TlogEntry)),
    timestampVerificationData: opt(obj({ rfc3161Timestamps: opt(arr(obj({ signedTimestamp: str }))) })),
  },
  true,
);

const MessageSignature = obj({
  messageDigest: opt(obj({ algorithm: str, digest: str })),
  signature: str,
});

export const DsseEnvelopeSchema = obj({
  payload: str,
  payloadType: str,
  signatures: arr(obj({ sig: str, keyid: opt(str) })),
});
export type DsseEnvelopeJSON = Infer<typeof DsseEnvelopeSchema>;

export const BundleSchema = obj(
  {
    mediaType: str,
    verificationMaterial: VerificationMaterial,
    messageSignature: opt(MessageSignature),
    dsseEnvelope: opt(DsseEnvelopeSchema),
  },
  true,
);
export type BundleJSON = Infer<typeof BundleSchema>;
