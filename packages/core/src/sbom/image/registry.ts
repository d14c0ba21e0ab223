import { formatReference, parseReference, resolveImages, type PlatformChoice, type RegistryClient, type ResolvedImage } from '../../oci/index.js';
import type { RegistryImageResolver } from './target.js';

/** Resolves registry references with the core/oci distribution client (tag -> digest once, then by digest). */
export function registryImageResolver(client: RegistryClient): RegistryImageResolver {
  return {
    async resolve(reference: string, platform: PlatformChoice): Promise<ResolvedImage[]> {
      const ref = parseReference(reference);
      const root = await client.resolve(ref);
      const pinned = { ...ref, digest: root.digest as typeof ref.digest };
      return resolveImages(client.blobSource(ref), formatReference(pinned), root, platform, ref.tag ? [ref.tag] : []);
    },
  };
}
