// Evidence from a registry, in the places cosign and Sigstore put it: bundle referrers (OCI 1.1 referrers
// API or the `sha256-<hex>` fallback tag) and the legacy `sha256-<hex>.sig` / `.att` tags.
import { cosignTag, DSSE_MEDIA_TYPE, legacyLayerToBundle } from '@provenant/core/cosign';
import { classify, type Evidence, type EvidenceBundle } from '../decide/evidence.js';
import type { Subject } from '../decide/subject.js';
import { evidenceBundleFromBytes } from '../evidence/files.js';
import { createHash } from 'node:crypto';
import type { Digest } from '@provenant/core/digest';
import { formatReference, OCI_EMPTY_DIGEST, OCI_EMPTY_JSON, OCI_EMPTY_MEDIA_TYPE, parseReference, RegistryClient, RegistryWork, type ImageReference, type RegistryClientOptions, type RegistryWorkOptions } from '@provenant/core/oci';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const sha256Digest = (data: Uint8Array): Digest => `sha256:${createHash('sha256').update(data).digest('hex')}`;

export const SIGSTORE_BUNDLE_ARTIFACT = /^application\/vnd\.dev\.sigstore\.bundle(\.v0\.3)?\+json/;
// A hostile registry must not make a decision fetch thousands of blobs.
const MAX_EVIDENCE = 64;

/** `sha256-<hex>.sig` / `.att`: where cosign keeps a digest's signatures and attestations. */
export function legacyTag(digest: string, suffix: 'sig' | 'att'): string {
  return cosignTag(digest, suffix);
}

/**
 * Every signature and attestation the registry holds for one image digest. Every read is bounded by
 * core/oci's size policy (per kind: referrer manifests, `.sig`/`.att` layers, bundles; never the size
 * the registry declares), and the whole gathering by one RegistryWork: at most `concurrency` requests
 * in flight and `maxBytes` of evidence held, however many blobs a hostile registry lists.
 */
export async function fetchImageEvidence(client: RegistryClient, repo: ImageReference, digest: Digest, work: RegistryWork | RegistryWorkOptions = {}): Promise<Evidence> {
  const bounds = work instanceof RegistryWork ? work : new RegistryWork(work);
  const at = (d: Digest): ImageReference => ({ registry: repo.registry, repository: repo.repository, tag: undefined, digest: d });
  const tagged = (tag: string): ImageReference => ({ registry: repo.registry, repository: repo.repository, tag, digest: undefined });
  const base = `oci://${repo.registry}/${repo.repository}`;
  // Referrers and both legacy tags are independent: fetched concurrently, within the work's slots.
  const fromReferrers = async (): Promise<EvidenceBundle[]> => {
    const referrers = (await bounds.run(() => client.listReferrers(repo, digest))).filter((d) => SIGSTORE_BUNDLE_ARTIFACT.test(d.artifactType ?? ''));
    const found = await Promise.all(
      referrers.slice(0, MAX_EVIDENCE).map(async (ref) => {
        const m = await bounds.run(() => client.fetchManifest(at(ref.digest as Digest), { kind: 'referrerManifest' }));
        if (!m || m.parsed.kind !== 'manifest') return undefined;
        const layer = m.parsed.manifest.layers[0];
        // A referrer must name this image as its subject.
        if (!layer || m.parsed.manifest.subject?.digest !== digest) return undefined;
        return evidenceBundleFromBytes(await bounds.readBlob(client, repo, layer, 'bundle'), `${base}@${ref.digest}`);
      }),
    );
    return found.filter((x): x is EvidenceBundle => x !== undefined);
  };
  const fromLegacyTag = async (suffix: 'sig' | 'att'): Promise<EvidenceBundle[]> => {
    const m = await bounds.run(() => client.fetchManifest(tagged(legacyTag(digest, suffix))));
    if (!m || m.parsed.kind !== 'manifest') return [];
    return Promise.all(
      m.parsed.manifest.layers.slice(0, MAX_EVIDENCE).map(async (layer, i) => {
        const blob = await bounds.readBlob(client, repo, layer, suffix === 'sig' ? 'signatureLayer' : 'attestationLayer');
        const bundle = legacyLayerToBundle({ mediaType: layer.mediaType, annotations: layer.annotations ?? {}, blob });
        // A simple-signing signature signs the payload blob, which names the image digest.
        const payload = layer.mediaType === DSSE_MEDIA_TYPE ? undefined : blob;
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
  /** Bounds on this decision's registry work (requests in flight, evidence bytes): core/oci RegistryWork. */
  work?: RegistryWorkOptions;
}

/** Resolves the reference to a digest once, then gathers the evidence for that digest. */
export async function registryEvidence(ref: string, options: RegistryEvidenceOptions = {}): Promise<RegistryEvidence> {
  const r = parseReference(ref);
  const { client: given, work, ...clientOptions } = options;
  const client = given ?? new RegistryClient(clientOptions);
  const manifest = await client.getManifest(r);
  const image = { ...r, digest: manifest.digest };
  const subject: Subject = { kind: 'image', ref: formatReference({ ...r, digest: undefined }), digest: manifest.digest };
  return {
    subject,
    evidence: await fetchImageEvidence(client, image, manifest.digest, work),
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
