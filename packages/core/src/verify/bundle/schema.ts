import { arr, int64, obj, opt, str, type Infer } from '../shape.js';

// Sigstore bundle JSON (protobuf JSON mapping of dev.sigstore.bundle.v1.Bundle), v0.1 to v0.3.
// Byte fields stay base64 strings here; the entity stage decodes them. Every object is strict: an unknown
// (or misspelt) field is a denial, never silently dropped.
const strictObj: typeof obj = (shape) => obj(shape, true);

const X509Cert = strictObj({ rawBytes: str });

// Protobuf JSON omits fields holding their default (0, empty list): a first log entry has no logIndex.
const TlogEntry = strictObj({
  logIndex: opt(int64),
  logId: strictObj({ keyId: str }),
  kindVersion: strictObj({ kind: str, version: str }),
  integratedTime: opt(int64),
  inclusionPromise: opt(strictObj({ signedEntryTimestamp: str })),
  inclusionProof: opt(
    strictObj({
      logIndex: opt(int64),
      rootHash: str,
      treeSize: int64,
      hashes: opt(arr(str)),
      checkpoint: opt(strictObj({ envelope: str })),
    }),
  ),
  canonicalizedBody: str,
});
export type TlogEntryJSON = Infer<typeof TlogEntry>;

const VerificationMaterial = strictObj(
  {
    publicKey: opt(strictObj({ hint: opt(str) })),
    x509CertificateChain: opt(strictObj({ certificates: arr(X509Cert) })),
    certificate: opt(X509Cert),
    tlogEntries: opt(arr(TlogEntry)),
    timestampVerificationData: opt(strictObj({ rfc3161Timestamps: opt(arr(strictObj({ signedTimestamp: str }))) })),
  },
);

const MessageSignature = strictObj({
  messageDigest: opt(strictObj({ algorithm: str, digest: str })),
  signature: str,
});

export const DsseEnvelopeSchema = strictObj({
  payload: str,
  payloadType: str,
  signatures: arr(strictObj({ sig: str, keyid: opt(str) })),
});
export type DsseEnvelopeJSON = Infer<typeof DsseEnvelopeSchema>;

export const BundleSchema = strictObj(
  {
    mediaType: str,
    verificationMaterial: VerificationMaterial,
    messageSignature: opt(MessageSignature),
    dsseEnvelope: opt(DsseEnvelopeSchema),
  },
);
export type BundleJSON = Infer<typeof BundleSchema>;
