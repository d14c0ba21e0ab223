import { z } from 'zod';

// Sigstore bundle JSON (protobuf JSON mapping of dev.sigstore.bundle.v1.Bundle), v0.1 to v0.3.
// Byte fields stay base64 strings here; the entity stage decodes them.

const Int64 = z.union([z.string(), z.number()]);
const Bytes = z.string();

const X509Cert = z.object({ rawBytes: Bytes });

const TlogEntry = z.object({
  logIndex: Int64,
  logId: z.object({ keyId: Bytes }),
  kindVersion: z.object({ kind: z.string(), version: z.string() }),
  integratedTime: Int64.nullish(),
  inclusionPromise: z.object({ signedEntryTimestamp: Bytes }).nullish(),
  inclusionProof: z
    .object({
      logIndex: Int64,
      rootHash: Bytes,
      treeSize: Int64,
      hashes: z.array(Bytes),
      checkpoint: z.object({ envelope: z.string() }).nullish(),
    })
    .nullish(),
  canonicalizedBody: Bytes,
});
export type TlogEntryJSON = z.infer<typeof TlogEntry>;

const VerificationMaterial = z.strictObject({
  publicKey: z.object({ hint: z.string().nullish() }).nullish(),
  x509CertificateChain: z.object({ certificates: z.array(X509Cert) }).nullish(),
  certificate: X509Cert.nullish(),
  tlogEntries: z.array(TlogEntry).nullish(),
  timestampVerificationData: z
    .object({ rfc3161Timestamps: z.array(z.object({ signedTimestamp: Bytes })).nullish() })
    .nullish(),
});

const MessageSignature = z.object({
  messageDigest: z.object({ algorithm: z.string(), digest: Bytes }).nullish(),
  signature: Bytes,
});

export const DsseEnvelopeSchema = z.object({
  payload: Bytes,
  payloadType: z.string(),
  signatures: z.array(z.object({ sig: Bytes, keyid: z.string().nullish() })),
});
export type DsseEnvelopeJSON = z.infer<typeof DsseEnvelopeSchema>;

export const BundleSchema = z.strictObject({
  mediaType: z.string(),
  verificationMaterial: VerificationMaterial,
  messageSignature: MessageSignature.nullish(),
  dsseEnvelope: DsseEnvelopeSchema.nullish(),
});
export type BundleJSON = z.infer<typeof BundleSchema>;
