import { ProvenantError } from '@provenant/core/errors';
import { evaluate, type Decision, type EvaluateOptions } from './decide/evaluate.js';
import type { Subject } from './decide/subject.js';
import type { PolicySet } from './policy/compile.js';
import { formatReference, parseImageReference, RegistryClient, type Descriptor, type Manifest, type RegistryClientOptions } from './registry/client.js';
import { attachBundle, fetchImageEvidence, legacyTag } from './registry/evidence.js';
import { buildVsa, type StatementSigner, type VsaOptions } from './vsa.js';

export interface PromoteOptions extends EvaluateOptions {
  /** Registry options per side (plain HTTP for loopback tests). */
  source?: RegistryClientOptions;
  destination?: RegistryClientOptions;
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
    readonly blobs: number;
    readonly referrers: number;
    readonly vsa?: { readonly referrer: string; readonly bundle: Uint8Array } | undefined;
  };
}

class Copier {
  manifests = 0;
  blobs = 0;
  constructor(
    private readonly src: RegistryClient,
    private readonly srcRepo: string,
    private readonly dst: RegistryClient,
    private readonly dstRepo: string,
  ) {}

  private async blob(d: Descriptor): Promise<void> {
    if (await this.dst.hasBlob(this.dstRepo, d.digest)) return;
    await this.dst.putBlob(this.dstRepo, await this.src.getBlob(this.srcRepo, d.digest, Math.max(d.size, 0) || undefined), d.digest);
    this.blobs++;
  }

  /** Copies a manifest and everything it points to, children first, by digest. */
  async manifest(m: Manifest): Promise<void> {
    for (const child of m.json.manifests ?? []) await this.manifest(await this.src.resolve(this.srcRepo, child.digest));
    if (m.json.config) await this.blob(m.json.config);
    for (const layer of m.json.layers ?? []) await this.blob(layer);
    await this.dst.putManifest(this.dstRepo, m.digest, m.bytes, m.mediaType);
    this.manifests++;
  }
}

/**
 * Promotes an image: resolves the source tag to a digest once, decides under the policies (subject =
 * the destination name, pinned to that digest), and only when allowed copies the image, its referrers,
 * its cosign `.sig`/`.att` manifests and a new signed VSA to the destination, by digest. The destination
 * tag is written last, so a failure part-way leaves no tag pointing at a half-copied image.
 */
export async function promote(source: string, destination: string, policies: PolicySet, options: PromoteOptions = {}): Promise<PromotionResult> {
  const s = parseImageReference(source);
  const d = parseImageReference(destination);
  if (d.digest) throw new ProvenantError('INVALID_ARGUMENT', `destination ${destination} names a digest; give a repository and tag (the digest is the source's)`);
  const tag = d.tag ?? s.tag;
  if (!tag) throw new ProvenantError('INVALID_ARGUMENT', 'destination needs a tag (or the source must have one)');
  const src = new RegistryClient(s.registry, options.source);
  const dst = new RegistryClient(d.registry, options.destination);

  const manifest = await src.resolve(s.repository, s.digest ?? s.tag ?? 'latest');
  const digest = manifest.digest;
  const evidence = await fetchImageEvidence(src, s.repository, digest);
  const subject: Subject = { kind: 'image', ref: formatReference(d, { tag }), digest };
  const decision = evaluate(subject, evidence, policies, options);
  if (!decision.allowed) return { decision };

  const copier = new Copier(src, s.repository, dst, d.repository);
  await copier.manifest(manifest);
  // Referrers (bundles, SBOMs, ...): copy each, then publish them at the destination.
  const referrers = await src.referrers(s.repository, digest);
  for (const r of referrers) {
    const m = await src.getManifest(s.repository, r.digest);
    if (!m || m.json.subject?.digest !== digest) continue;
    await copier.manifest(m);
    await dst.addReferrer(d.repository, digest, r);
  }
  for (const suffix of ['sig', 'att'] as const) {
    const m = await src.getManifest(s.repository, legacyTag(digest, suffix));
    if (!m) continue;
    await copier.manifest(m);
    await dst.putManifest(d.repository, legacyTag(digest, suffix), m.bytes, m.mediaType);
  }
  let vsa: { referrer: string; bundle: Uint8Array } | undefined;
  if (options.vsaSigner) {
    const bundle = await options.vsaSigner(buildVsa(decision, policies, options.vsa));
    const referrer = await attachBundle(dst, d.repository, { digest, size: manifest.bytes.length, mediaType: manifest.mediaType }, bundle, { 'dev.provenant.kind': 'vsa' });
    vsa = { referrer, bundle };
  }
  // Last: the tag. Everything it points to is already in place.
  await dst.putManifest(d.repository, tag, manifest.bytes, manifest.mediaType);
  return {
    decision,
    promoted: {
      reference: formatReference(d, { tag }),
      digestReference: formatReference(d, { digest }),
      manifests: copier.manifests,
      blobs: copier.blobs,
      referrers: referrers.length,
      vsa,
    },
  };
}

