import { z } from 'zod';

// Sigstore TrustedRoot JSON (dev.sigstore.trustroot.v1.TrustedRoot, protobuf JSON mapping).

const TimeRange = z.object({ start: z.string().optional(), end: z.string().optional() });

const TransparencyLogInstance = z.object({
  baseUrl: z.string(),
  hashAlgorithm: z.string().optional(),
  publicKey: z.object({
    rawBytes: z.string().optional(),
    keyDetails: z.string().optional(),
    validFor: TimeRange.optional(),
  }),
  logId: z.object({ keyId: z.string() }),
  checkpointKeyId: z.object({ keyId: z.string() }).optional(),
  operator: z.string().optional(),
});

const CertificateAuthority = z.object({
  subject: z.object({ organization: z.string().optional(), commonName: z.string().optional() }).optional(),
  uri: z.string().optional(),
  certChain: z.object({ certificates: z.array(z.object({ rawBytes: z.string() })) }),
  validFor: TimeRange.optional(),
  operator: z.string().optional(),
});

export const TrustedRootSchema = z.object({
  mediaType: z.string(),
  tlogs: z.array(TransparencyLogInstance).optional(),
  certificateAuthorities: z.array(CertificateAuthority).optional(),
  ctlogs: z.array(TransparencyLogInstance).optional(),
  timestampAuthorities: z.array(CertificateAuthority).optional(),
});
export type TrustedRootJSON = z.infer<typeof TrustedRootSchema>;
export type TransparencyLogInstanceJSON = z.infer<typeof TransparencyLogInstance>;
export type CertificateAuthorityJSON = z.infer<typeof CertificateAuthority>;
