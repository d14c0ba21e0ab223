import { ProvenantError } from '@provenant/core/errors';
import { copyImage, formatReference, parseReference, RegistryClient, type FetchedManifest, type ImageReference, type RegistryClientOptions } from '@provenant/core/oci';
import { evaluate, type Decision, type EvaluateOptions } from './decide/evaluate.js';
import type { Subject } from './decide/subject.js';
import type { PolicySet } from './policy/compile.js';
import { attachBundle, fetchImageEvidence, legacyTag } from './registry/evidence.js';
import { buildVsa, type StatementSigner, type VsaOptions } from './vsa.js';

export interface PromoteOptions extends EvaluateOptions {
  /** Clients per side (credentials, CA); made from `registry` options when absent. */
  sourceClient?: RegistryClient;
  destinationClient?: RegistryClient;
  registry?: RegistryClientOptions;
  /** Signs the VSA attached to the promoted image; without it no VSA is attached. */
  vsaSigner?: StatementSigner | undefined;
  vsa?: VsaOptions;
}

export interface PromotionResult {
  readonly decision: Decision;
  /** Set when the image was copied: the destination reference by tag and by digest. */
  readonly promoted?: {
    readonly reference: string;
    readonly digestReference: string;
    readonly manifests: number;
    readonly blobs: { readonly copied: number; readonly mounted: number; readonly existed: number };
    readonly referrers: number;
    readonly cosignTags: readonly string[];
    readonly vsa?: { readonly referrer: string; readonly bundle: Uint8Array } | undefined;
  };
}

interface Copy {
  readonly src: RegistryClient;
  readonly dst: RegistryClient;
  readonly source: ImageReference;
  readonly destination: ImageReference;
  readonly tag: string;
  readonly root: FetchedManifest;
}

/** Copies the allowed image, its referrers, its cosign tags and the VSA by digest, then writes the tag. */
async function copyThenTag(c: Copy, decision: Decision, policies: PolicySet, options: PromoteOptions): Promise<NonNullable<PromotionResult['promoted']>> {
  const digest = c.root.digest;
  const pinned: ImageReference = { ...c.source, tag: undefined, digest };
  const target: ImageReference = { ...c.destination, tag: undefined, digest };
  // By digest (no tag): the image, its children and its referrers.
  const copied = await copyImage(c.src, pinned, target, { destinationClient: c.dst });
  const cosignTags: string[] = [];
  for (const suffix of ['sig', 'att'] as const) {
    const legacy = legacyTag(digest, suffix);
    const found = await c.src.fetchManifest({ ...c.source, tag: legacy, digest: undefined });
    if (!found) continue;
    await copyImage(c.src, { ...c.source, tag: undefined, digest: found.digest }, { ...c.destination, tag: legacy, digest: undefined }, { destinationClient: c.dst, referrers: false });
    cosignTags.push(legacy);
  }
  let vsa: { referrer: string; bundle: Uint8Array } | undefined;
  if (options.vsaSigner) {
    const bundle = await options.vsaSigner(buildVsa(decision, policies, options.vsa));
    const referrer = await attachBundle(c.dst, target, { digest, size: c.root.size, mediaType: c.root.mediaType }, bundle, { 'dev.provenant.kind': 'vsa' });
    vsa = { referrer, bundle };
  }
  // Last: the tag. Everything it points to is already in place.
  const tagged: ImageReference = { ...c.destination, tag: c.tag, digest: undefined };
  await c.dst.putManifest(tagged, c.root.bytes, { mediaType: c.root.mediaType });
  return {
    reference: formatReference(tagged),
    digestReference: formatReference(target),
    manifests: copied.manifests,
    blobs: copied.blobs,
    referrers: copied.referrers.length,
    cosignTags,
    vsa,
  };
}

/**
 * Promotes an image: resolves the source tag to a digest once, decides under the policies (subject =
 * the destination name, pinned to that digest), and only when allowed copies the image with its
 * referrers (core/oci copyImage, by digest), its cosign `.sig`/`.att` manifests and a new signed VSA.
 * The destination tag is written last, so a failure part-way leaves no tag on a half-copied image
 * (PROMOTION_FAILED, with the cause).
 */
export async function promote(source: string, destination: string, policies: PolicySet, options: PromoteOptions = {}): Promise<PromotionResult> {
  const s = parseReference(source);
  const d = parseReference(destination);
  if (d.digest) throw new ProvenantError('INVALID_ARGUMENT', `destination ${destination} names a digest; give a repository and tag (the digest is the source's)`);
  const tag = d.tag ?? s.tag;
  if (!tag) throw new ProvenantError('INVALID_ARGUMENT', 'destination needs a tag (or the source must have one)');
  const src = options.sourceClient ?? new RegistryClient(options.registry);
  const dst = options.destinationClient ?? (options.sourceClient && s.registry === d.registry ? options.sourceClient : new RegistryClient(options.registry));

  // The one resolution of the source tag; everything after works on this digest.
  const root = await src.getManifest(s);
  const evidence = await fetchImageEvidence(src, { ...s, tag: undefined, digest: root.digest }, root.digest);
  const subject: Subject = { kind: 'image', ref: formatReference({ ...d, tag, digest: undefined }), digest: root.digest };
  const decision = evaluate(subject, evidence, policies, options);
  if (!decision.allowed) return { decision };
  try {
    return { decision, promoted: await copyThenTag({ src, dst, source: s, destination: d, tag, root }, decision, policies, options) };
  } catch (err) {
    const why = err instanceof ProvenantError ? `[${err.code}] ${err.message}` : err instanceof Error ? err.message : String(err);
    throw new ProvenantError('PROMOTION_FAILED', `promotion of ${root.digest} to ${formatReference({ ...d, tag, digest: undefined })} failed; no tag was written: ${why}`, { cause: err });
  }
}
