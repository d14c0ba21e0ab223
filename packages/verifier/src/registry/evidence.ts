// Evidence from a registry, in the places cosign and Sigstore put it: bundle referrers (OCI 1.1 referrers
// API or the `sha256-<hex>` fallback tag) and the legacy `sha256-<hex>.sig` / `.att` tags.
import { X509Certificate } from 'node:crypto';
import { ProvenantError } from '@provenant/core/errors';
import { isDsseBundle, type Evidence, type EvidenceBundle } from '../decide/evidence.js';
import type { Subject } from '../decide/subject.js';
import { evidenceBundleFromBytes } from '../evidence/files.js';
import { createHash } from 'node:crypto';
import type { Digest } from '@provenant/core/digest';
import { formatReference, OCI_EMPTY_DIGEST, OCI_EMPTY_JSON, OCI_EMPTY_MEDIA_TYPE, parseReference, RegistryClient, type Descriptor, type ImageReference, type RegistryClientOptions } from '@provenant/core/oci';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const sha256Digest = (data: Uint8Array): Digest => `sha256:${createHash('sha256').update(data).digest('hex')}`;

export const SIGSTORE_BUNDLE_ARTIFACT = /^application\/vnd\.dev\.sigstore\.bundle(\.v0\.3)?\+json/;
export const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';
const ANN = {
  signature: 'dev.cosignproject.cosign/signature',
  certificate: 'dev.sigstore.cosign/certificate',
  chain: 'dev.sigstore.cosign/chain',
  bundle: 'dev.sigstore.cosign/bundle',
} as const;
const DSSE_LAYER = 'application/vnd.dsse.envelope.v1+json';
// A hostile registry must not make a decision fetch thousands of blobs.
const MAX_EVIDENCE = 64;

export function legacyTag(digest: string, suffix: 'sig' | 'att'): string {
  return `${digest.replace(':', '-')}.${suffix}`;
}

function pemToDerBase64(pem: string): string[] {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map((m) => new X509Certificate(m[0]).raw.toString('base64'));
}

interface RekorBundle {
  SignedEntryTimestamp?: string;
  Payload?: { body?: string; integratedTime?: number; logIndex?: number; logID?: string };
}

/** cosign's `dev.sigstore.cosign/bundle` annotation (Rekor SET) as a bundle tlog entry. */
function tlogEntryFromAnnotation(json: string | undefined): object[] {
  if (!json) return [];
  let rb: RekorBundle;
  try {
    rb = JSON.parse(json) as RekorBundle;
  } catch {
    return [];
  }
  const p = rb.Payload;
  if (!p?.body || p.integratedTime === undefined || p.logIndex === undefined || !p.logID || !rb.SignedEntryTimestamp) return [];
  let kind = 'hashedrekord';
  let version = '0.0.1';
  try {
    const body = JSON.parse(Buffer.from(p.body, 'base64').toString('utf8')) as { kind?: string; apiVersion?: string };
    kind = body.kind ?? kind;
    version = body.apiVersion ?? version;
  } catch {
    /* verification will reject the body */
  }
  return [
    {
      logIndex: String(p.logIndex),
      logId: { keyId: Buffer.from(p.logID, 'hex').toString('base64') },
      kindVersion: { kind, version },
      integratedTime: String(p.integratedTime),
      inclusionPromise: { signedEntryTimestamp: rb.SignedEntryTimestamp },
      canonicalizedBody: p.body,
    },
  ];
}

/** A legacy cosign signature/attestation layer as a Sigstore bundle v0.1 (certificate or key, SET). */
function legacyLayerToBundle(layer: Descriptor, blob: Buffer): { bundle: object; payload?: Buffer } {
  const ann = layer.annotations ?? {};
  const certs = ann[ANN.certificate] ? [...pemToDerBase64(ann[ANN.certificate]!), ...pemToDerBase64(ann[ANN.chain] ?? '')] : [];
  const verificationMaterial = {
    ...(certs.length ? { x509CertificateChain: { certificates: certs.map((rawBytes) => ({ rawBytes })) } } : { publicKey: { hint: '' } }),
    tlogEntries: tlogEntryFromAnnotation(ann[ANN.bundle]),
  };
  const mediaType = 'application/vnd.dev.sigstore.bundle+json;version=0.1';
  if (layer.mediaType === DSSE_LAYER) {
    const envelope = JSON.parse(blob.toString('utf8')) as unknown;
    return { bundle: { mediaType, verificationMaterial, dsseEnvelope: envelope } };
  }
  const signature = ann[ANN.signature];
  if (!signature) throw new ProvenantError('IMAGE_SIGNATURE_INVALID', `cosign signature layer ${layer.digest} has no ${ANN.signature} annotation`);
  const digest = sha256Digest(blob).slice('sha256:'.length);
  return { bundle: { mediaType, verificationMaterial, messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: Buffer.from(digest, 'hex').toString('base64') }, signature } }, payload: blob };
}

/** Unverified peek at a DSSE bundle's predicate type, only to sort signatures from attestations. */
function dssePredicateType(bundle: unknown): string | undefined {
  try {
    const env = (bundle as { dsseEnvelope: { payload: string } }).dsseEnvelope;
    return (JSON.parse(Buffer.from(env.payload, 'base64').toString('utf8')) as { predicateType?: string }).predicateType;
  } catch {
    return undefined;
  }
}

export function classify(items: readonly EvidenceBundle[]): Evidence {
  const signatures: EvidenceBundle[] = [];
  const attestations: EvidenceBundle[] = [];
  for (const i of items) {
    if (!isDsseBundle(i.bundle) || dssePredicateType(i.bundle) === COSIGN_SIGN_PREDICATE) signatures.push(i);
    else attestations.push(i);
  }
  return { signatures, attestations };
}

/** Every signature and attestation the registry holds for one image digest. */
export async function fetchImageEvidence(client: RegistryClient, repo: ImageReference, digest: Digest): Promise<Evidence> {
  const at = (d: Digest): ImageReference => ({ registry: repo.registry, repository: repo.repository, tag: undefined, digest: d });
  const tagged = (tag: string): ImageReference => ({ registry: repo.registry, repository: repo.repository, tag, digest: undefined });
  const base = `oci://${repo.registry}/${repo.repository}`;
  // Referrers and both legacy tags are independent: fetch them concurrently (a cold decision waits on this).
  const fromReferrers = async (): Promise<EvidenceBundle[]> => {
    const referrers = (await client.listReferrers(repo, digest)).filter((d) => SIGSTORE_BUNDLE_ARTIFACT.test(d.artifactType ?? ''));
    const found = await Promise.all(
      referrers.slice(0, MAX_EVIDENCE).map(async (ref) => {
        const m = await client.fetchManifest(at(ref.digest as Digest));
        if (!m || m.parsed.kind !== 'manifest') return undefined;
        const layer = m.parsed.manifest.layers[0];
        // A referrer must name this image as its subject.
        if (!layer || m.parsed.manifest.subject?.digest !== digest) return undefined;
        return evidenceBundleFromBytes(await client.getBlob(repo, layer), `${base}@${ref.digest}`);
      }),
    );
    return found.filter((x): x is EvidenceBundle => x !== undefined);
  };
  const fromLegacyTag = async (suffix: 'sig' | 'att'): Promise<EvidenceBundle[]> => {
    const m = await client.fetchManifest(tagged(legacyTag(digest, suffix)));
    if (!m || m.parsed.kind !== 'manifest') return [];
    return Promise.all(
      m.parsed.manifest.layers.slice(0, MAX_EVIDENCE).map(async (layer, i) => {
        const { bundle, payload } = legacyLayerToBundle(layer, await client.getBlob(repo, layer));
        return evidenceBundleFromBytes(Buffer.from(JSON.stringify(bundle)), `${base}:${legacyTag(digest, suffix)}#${i}`, payload);
      }),
    );
  };
  const parts = await Promise.all([fromReferrers(), fromLegacyTag('sig'), fromLegacyTag('att')]);
  return classify(parts.flat());
}

export interface RegistryEvidence {
  readonly subject: Subject;
  readonly evidence: Evidence;
  readonly client: RegistryClient;
  /** The image, pinned to the digest its tag named when it was resolved. */
  readonly image: ImageReference & { readonly digest: Digest };
  /** The resolved manifest, as a referrer's subject descriptor needs it. */
  readonly manifest: { readonly digest: Digest; readonly size: number; readonly mediaType: string };
}

export interface RegistryEvidenceOptions extends RegistryClientOptions {
  /** Use this client (credentials, CA, connection reuse) instead of making one. */
  client?: RegistryClient;
}

/** Resolves the reference to a digest once, then gathers the evidence for that digest. */
export async function registryEvidence(ref: string, options: RegistryEvidenceOptions = {}): Promise<RegistryEvidence> {
  const r = parseReference(ref);
  const { client: given, ...clientOptions } = options;
  const client = given ?? new RegistryClient(clientOptions);
  const manifest = await client.getManifest(r);
  const image = { ...r, digest: manifest.digest };
  const subject: Subject = { kind: 'image', ref: formatReference({ ...r, digest: undefined }), digest: manifest.digest };
  return {
    subject,
    evidence: await fetchImageEvidence(client, image, manifest.digest),
    client,
    image,
    manifest: { digest: manifest.digest, size: manifest.size, mediaType: manifest.mediaType },
  };
}

/** Attaches a Sigstore bundle (e.g. a signed VSA) to an image as an OCI referrer; returns its manifest digest. */
export async function attachBundle(client: RegistryClient, repo: ImageReference, subject: { digest: string; size: number; mediaType: string }, bundle: Uint8Array, annotations: Record<string, string> = {}): Promise<Digest> {
  const artifactType = 'application/vnd.dev.sigstore.bundle.v0.3+json';
  const bytes = Buffer.from(bundle);
  await client.pushBlob(repo, Buffer.from(OCI_EMPTY_JSON));
  const layer = await client.pushBlob(repo, bytes);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType,
      config: { mediaType: OCI_EMPTY_MEDIA_TYPE, digest: OCI_EMPTY_DIGEST, size: Buffer.from(OCI_EMPTY_JSON).length },
      layers: [{ mediaType: artifactType, digest: layer.digest, size: bytes.length }],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
      ...(Object.keys(annotations).length ? { annotations } : {}),
    }),
  );
  // Pushed by digest; core/oci updates the referrers fallback tag when the registry has no referrers API.
  const pushed = await client.putManifest({ ...repo, tag: undefined, digest: sha256Digest(manifest) }, manifest, { mediaType: OCI_MANIFEST });
  return pushed.digest;
}
