import { z } from 'zod';
import { ProvenantError } from '../errors.js';
import { ANNOTATIONS, DSSE_MEDIA_TYPE } from './conventions.js';

// cosign's `dev.sigstore.cosign/bundle` annotation: the Rekor entry and its signed entry timestamp.
const RekorBundle = z.object({
  SignedEntryTimestamp: z.string(),
  Payload: z.object({ body: z.string(), integratedTime: z.number().int(), logIndex: z.number().int(), logID: z.string().regex(/^[0-9a-f]+$/) }),
});

function certificateDerFromPem(pem: string): string[] {
  const blocks = [...pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map((m) => m[1]!.replace(/\s+/g, ''));
  if (blocks.length === 0) throw new ProvenantError('CERTIFICATE_INVALID', 'cosign certificate annotation holds no PEM certificate');
  return blocks;
}

export interface LegacyLayer {
  mediaType: string;
  annotations: Record<string, string>;
  /** The layer blob: the simple-signing payload, or the DSSE envelope JSON. */
  blob: Buffer;
}

/**
 * Turns a cosign `.sig`/`.att` layer (signature, certificate, chain and Rekor bundle annotations) into a
 * Sigstore bundle v0.1, so one verifier checks both storage forms. Without a certificate annotation the
 * bundle names no key: verify it with the key (policy `key`).
 */
export function legacyLayerToBundle(layer: LegacyLayer): Record<string, unknown> {
  const a = layer.annotations;
  const material: Record<string, unknown> = {};
  if (a[ANNOTATIONS.certificate]) {
    const certs = [...certificateDerFromPem(a[ANNOTATIONS.certificate]!), ...(a[ANNOTATIONS.chain] ? certificateDerFromPem(a[ANNOTATIONS.chain]!) : [])];
    material.x509CertificateChain = { certificates: certs.map((rawBytes) => ({ rawBytes })) };
  } else {
    material.publicKey = { hint: '' };
  }
  material.tlogEntries = [];
  if (a[ANNOTATIONS.bundle]) {
    let parsed: z.infer<typeof RekorBundle>;
    try {
      parsed = RekorBundle.parse(JSON.parse(a[ANNOTATIONS.bundle]!));
    } catch (cause) {
      throw new ProvenantError('TLOG_ENTRY_INVALID', 'cosign bundle annotation is malformed', { cause });
    }
    let kind: { kind?: unknown; apiVersion?: unknown };
    try {
      kind = JSON.parse(Buffer.from(parsed.Payload.body, 'base64').toString('utf8')) as typeof kind;
    } catch (cause) {
      throw new ProvenantError('TLOG_ENTRY_INVALID', 'Rekor entry body is not JSON', { cause });
    }
    material.tlogEntries = [
      {
        logIndex: String(parsed.Payload.logIndex),
        logId: { keyId: Buffer.from(parsed.Payload.logID, 'hex').toString('base64') },
        kindVersion: { kind: String(kind.kind), version: String(kind.apiVersion) },
        integratedTime: String(parsed.Payload.integratedTime),
        inclusionPromise: { signedEntryTimestamp: parsed.SignedEntryTimestamp },
        canonicalizedBody: parsed.Payload.body,
      },
    ];
  }
  const bundle: Record<string, unknown> = { mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1', verificationMaterial: material };
  if (layer.mediaType === DSSE_MEDIA_TYPE) {
    let env: unknown;
    try {
      env = JSON.parse(layer.blob.toString('utf8'));
    } catch (cause) {
      throw new ProvenantError('DSSE_INVALID', 'attestation layer is not a DSSE envelope', { cause });
    }
    bundle.dsseEnvelope = env;
  } else {
    const sig = a[ANNOTATIONS.signature];
    if (!sig) throw new ProvenantError('IMAGE_SIGNATURE_MISSING', 'signature layer has no dev.cosignproject.cosign/signature annotation');
    bundle.messageSignature = { signature: sig };
  }
  return bundle;
}
