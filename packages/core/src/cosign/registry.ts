import { digestOf, type Digest } from '../digest/index.js';
import { ProvenantError } from '../errors.js';
import { createStatement, type Statement } from '../intoto/index.js';
import { OCI_EMPTY_DIGEST, OCI_EMPTY_JSON, OCI_EMPTY_MEDIA_TYPE, RegistryWork, formatReference, parseReference, withReference, type Descriptor, type ImageReference, type RegistryClient } from '../oci/index.js';
import type { SerializedBundle, Signer, SignOptions } from '../sign/index.js';

// core/sign (and @sigstore/bundle, tweetnacl) loads only when signing: readers and verifiers never need it.
const loadSign = (): Promise<typeof import('../sign/index.js')> => import('../sign/index.js');
import { ANNOTATIONS, DSSE_MEDIA_TYPE, SIGSTORE_BUNDLE_ARTIFACT_TYPE, SIMPLE_SIGNING_MEDIA_TYPE, cosignTag, dockerReference, simpleSigningPayload } from './conventions.js';
import type { LegacyLayer } from './legacy.js';

/** Where signatures go: the `.sig`/`.att` tags cosign v2 reads, the bundle referrer cosign v3 writes, or both. */
export type StorageFormat = 'legacy' | 'referrer' | 'both';

/** cosign v3's predicate type for a plain image signature carried as a DSSE bundle. */
export const COSIGN_SIGN_PREDICATE_TYPE = 'https://sigstore.dev/cosign/sign/v1';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';

/** A tag on the command line is resolved to a digest once; only the digest is used after that. */
export async function resolveImage(client: RegistryClient, ref: string | ImageReference): Promise<ImageReference & { digest: Digest; descriptor: Descriptor }> {
  const r = typeof ref === 'string' ? parseReference(ref) : ref;
  const descriptor = await client.resolve(r);
  if (r.digest !== undefined && descriptor.digest !== r.digest) throw new ProvenantError('DIGEST_MISMATCH', `registry returned ${descriptor.digest} for ${formatReference(r)}`);
  return { ...withReference(r, { digest: descriptor.digest as Digest }), digest: descriptor.digest as Digest, descriptor: { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size } };
}

function certificateAnnotations(bundle: SerializedBundle): Record<string, string> {
  const vm = bundle.verificationMaterial as { certificate?: { rawBytes: string }; x509CertificateChain?: { certificates: { rawBytes: string }[] } };
  const der = vm.certificate?.rawBytes ?? vm.x509CertificateChain?.certificates[0]?.rawBytes;
  if (!der) return {};
  const pem = `-----BEGIN CERTIFICATE-----\n${der.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
  return { [ANNOTATIONS.certificate]: pem };
}

function rekorAnnotation(bundle: SerializedBundle): Record<string, string> {
  const e = (bundle.verificationMaterial as { tlogEntries?: { logIndex: string; logId: { keyId: string }; integratedTime: string; inclusionPromise?: { signedEntryTimestamp: string }; canonicalizedBody: string }[] }).tlogEntries?.[0];
  if (!e?.inclusionPromise) return {};
  const payload = { body: e.canonicalizedBody, integratedTime: Number(e.integratedTime), logIndex: Number(e.logIndex), logID: Buffer.from(e.logId.keyId, 'base64').toString('hex') };
  return { [ANNOTATIONS.bundle]: JSON.stringify({ SignedEntryTimestamp: e.inclusionPromise.signedEntryTimestamp, Payload: payload }) };
}

/** Adds a layer to the `sha256-<hex>.sig`/`.att` manifest (creating it), as cosign appends signatures. */
async function appendLegacyLayer(client: RegistryClient, image: ImageReference & { digest: Digest }, suffix: 'sig' | 'att', layer: { mediaType: string; blob: Buffer; annotations: Record<string, string> }): Promise<Digest> {
  const tagRef = withReference(image, { tag: cosignTag(image.digest, suffix) });
  const existing = await client.fetchManifest(tagRef);
  const layers: Descriptor[] = existing?.parsed.kind === 'manifest' ? [...existing.parsed.manifest.layers] : [];
  const pushed = await client.pushBlob(image, layer.blob);
  const desc: Descriptor = { mediaType: layer.mediaType, digest: pushed.digest, size: layer.blob.length, annotations: layer.annotations };
  if (!layers.some((l) => l.digest === desc.digest && JSON.stringify(l.annotations) === JSON.stringify(desc.annotations))) layers.push(desc);
  // cosign's config: an image config whose rootfs lists the layers (so registries and skopeo treat it as an image).
  const config = Buffer.from(JSON.stringify({ architecture: '', config: {}, created: '0001-01-01T00:00:00Z', history: [{ created: '0001-01-01T00:00:00Z' }], os: '', rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) } }));
  const cfg = await client.pushBlob(image, config);
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: OCI_CONFIG, digest: cfg.digest, size: config.length }, layers }));
  return (await client.putManifest(tagRef, manifest, { mediaType: OCI_MANIFEST })).digest;
}

/** Pushes a Sigstore bundle as an OCI referrer of the image (artifactType = bundle media type), as cosign v3 does. */
async function pushBundleReferrer(client: RegistryClient, image: ImageReference & { digest: Digest; descriptor: Descriptor }, bundle: SerializedBundle, annotations: Record<string, string>): Promise<Digest> {
  const bytes = Buffer.from(JSON.stringify(bundle));
  const pushed = await client.pushBlob(image, bytes);
  await client.pushBlob(image, OCI_EMPTY_JSON);
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: SIGSTORE_BUNDLE_ARTIFACT_TYPE,
    config: { mediaType: OCI_EMPTY_MEDIA_TYPE, digest: OCI_EMPTY_DIGEST, size: OCI_EMPTY_JSON.length },
    layers: [{ mediaType: SIGSTORE_BUNDLE_ARTIFACT_TYPE, digest: pushed.digest, size: bytes.length }],
    subject: image.descriptor,
    // As cosign's bundle spec: what the bundle holds, its predicate type, and when it was made.
    annotations: { ...annotations, 'org.opencontainers.image.created': new Date().toISOString() },
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  return (await client.putManifest(withReference(image, { digest: digestOf(manifestBytes) }), manifestBytes, { mediaType: OCI_MANIFEST })).digest;
}

export interface AttachResult {
  readonly image: string;
  readonly legacy: Digest | undefined;
  readonly referrer: Digest | undefined;
  readonly bundle: SerializedBundle;
}

/**
 * Signs an image digest: the simple-signing payload as a `.sig` layer, and/or a DSSE bundle
 * (predicate https://sigstore.dev/cosign/sign/v1, subject = the digest) as a referrer.
 */
export async function signImage(client: RegistryClient, image: string | ImageReference, signer: Signer, options: { format?: StorageFormat; sign?: SignOptions } = {}): Promise<AttachResult & { payload: Buffer; signature: string }> {
  const format = options.format ?? 'both';
  const img = await resolveImage(client, image);
  const payload = simpleSigningPayload(dockerReference(img.registry, img.repository), img.digest);
  const messageBundle = await (await loadSign()).signBlob(payload, signer, options.sign);
  const signature = (messageBundle as { messageSignature?: { signature: string } }).messageSignature?.signature ?? '';
  let legacy: Digest | undefined;
  let referrer: Digest | undefined;
  let bundle = messageBundle;
  if (format !== 'referrer') {
    legacy = await appendLegacyLayer(client, img, 'sig', {
      mediaType: SIMPLE_SIGNING_MEDIA_TYPE,
      blob: payload,
      annotations: { [ANNOTATIONS.signature]: signature, ...certificateAnnotations(messageBundle), ...rekorAnnotation(messageBundle) },
    });
  }
  if (format !== 'legacy') {
    const statement = createStatement([{ name: dockerReference(img.registry, img.repository), digest: { sha256: img.digest.slice('sha256:'.length) } }], COSIGN_SIGN_PREDICATE_TYPE, {});
    bundle = await (await loadSign()).signStatement(statement, signer, options.sign);
    referrer = await pushBundleReferrer(client, img, bundle, { [ANNOTATIONS.predicateType]: COSIGN_SIGN_PREDICATE_TYPE, [ANNOTATIONS.bundleContent]: 'dsse-envelope' });
  }
  return { image: formatReference(img), legacy, referrer, bundle, payload, signature };
}

/** Attests an image digest: the statement (its subject must be the digest) as a `.att` DSSE layer and/or a bundle referrer. */
export async function attestImage(client: RegistryClient, image: string | ImageReference, statement: Statement | Record<string, unknown>, signer: Signer, options: { format?: StorageFormat; sign?: SignOptions } = {}): Promise<AttachResult> {
  const format = options.format ?? 'both';
  const img = await resolveImage(client, image);
  const subjects = (statement as { subject?: { digest?: Record<string, string> }[] }).subject ?? [];
  const hex = img.digest.slice('sha256:'.length);
  if (!subjects.some((s) => s.digest?.sha256 === hex)) throw new ProvenantError('SUBJECT_MISMATCH', `statement has no subject with the image digest ${img.digest}`);
  const bundle = await (await loadSign()).signStatement(statement, signer, options.sign);
  const predicateType = String((statement as { predicateType?: unknown }).predicateType);
  let legacy: Digest | undefined;
  let referrer: Digest | undefined;
  if (format !== 'referrer') {
    const env = (bundle as { dsseEnvelope?: unknown }).dsseEnvelope;
    legacy = await appendLegacyLayer(client, img, 'att', {
      mediaType: DSSE_MEDIA_TYPE,
      blob: Buffer.from(JSON.stringify(env)),
      annotations: { [ANNOTATIONS.signature]: '', [ANNOTATIONS.inTotoPredicateType]: predicateType, ...certificateAnnotations(bundle), ...rekorAnnotation(bundle) },
    });
  }
  if (format !== 'legacy') referrer = await pushBundleReferrer(client, img, bundle, { [ANNOTATIONS.predicateType]: predicateType, [ANNOTATIONS.bundleContent]: 'dsse-envelope' });
  return { image: formatReference(img), legacy, referrer, bundle };
}

export interface ImageSignatures {
  /** Layers of `sha256-<hex>.sig` (simple signing) and `.att` (DSSE). */
  readonly signatureLayers: readonly LegacyLayer[];
  readonly attestationLayers: readonly LegacyLayer[];
  /** Sigstore bundles attached as referrers. */
  readonly bundles: readonly { digest: string; predicateType: string | undefined; bundle: unknown }[];
}

async function readLegacy(client: RegistryClient, img: ImageReference & { digest: Digest }, suffix: 'sig' | 'att', work: RegistryWork): Promise<LegacyLayer[]> {
  const m = await client.fetchManifest(withReference(img, { tag: cosignTag(img.digest, suffix) }));
  if (!m || m.parsed.kind !== 'manifest') return [];
  const out: LegacyLayer[] = [];
  const kind = suffix === 'sig' ? 'signatureLayer' : 'attestationLayer';
  for (const l of m.parsed.manifest.layers) out.push({ mediaType: l.mediaType, annotations: (l.annotations ?? {}) as Record<string, string>, blob: await work.readBlob(client, img, l, kind) });
  return out;
}

/** Everything attached to an image digest, in the forms selected; every read is bounded (core/oci limits, one RegistryWork). */
export async function readImageSignatures(client: RegistryClient, image: ImageReference & { digest: Digest }, format: StorageFormat = 'both', work: RegistryWork = new RegistryWork()): Promise<ImageSignatures> {
  const legacy = format !== 'referrer';
  const signatureLayers = legacy ? await readLegacy(client, image, 'sig', work) : [];
  const attestationLayers = legacy ? await readLegacy(client, image, 'att', work) : [];
  const bundles: ImageSignatures['bundles'][number][] = [];
  if (format !== 'legacy') {
    for (const d of await client.listReferrers(image, image.digest, { artifactType: SIGSTORE_BUNDLE_ARTIFACT_TYPE })) {
      const m = await client.getManifest(withReference(image, { digest: d.digest as Digest }), { kind: 'referrerManifest' });
      if (m.parsed.kind !== 'manifest') continue;
      const layer = m.parsed.manifest.layers.find((l) => l.mediaType === SIGSTORE_BUNDLE_ARTIFACT_TYPE);
      if (!layer) continue;
      const bytes = await work.readBlob(client, image, layer, 'bundle');
      let bundle: unknown;
      try {
        bundle = JSON.parse(bytes.toString('utf8'));
      } catch (cause) {
        throw new ProvenantError('BUNDLE_INVALID', `referrer ${d.digest} holds no JSON bundle`, { cause });
      }
      const annotations = (m.parsed.manifest.annotations ?? {}) as Record<string, string>;
      bundles.push({ digest: d.digest, predicateType: annotations[ANNOTATIONS.predicateType], bundle });
    }
  }
  return { signatureLayers, attestationLayers, bundles };
}

