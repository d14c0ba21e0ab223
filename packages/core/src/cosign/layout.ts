import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ProvenantError } from '../errors.js';
import type { LegacyLayer } from './legacy.js';

const MAX_JSON = 4 * 1024 * 1024;
const Descriptor = z.object({ mediaType: z.string(), digest: z.string().regex(/^sha256:[0-9a-f]{64}$/), size: z.number().int().nonnegative(), annotations: z.record(z.string(), z.string()).optional() });
const Index = z.object({ manifests: z.array(Descriptor) });
const Manifest = z.object({ layers: z.array(Descriptor) });

async function readBlob(dir: string, digest: string, size: number): Promise<Buffer> {
  if (size > MAX_JSON) throw new ProvenantError('BLOB_TOO_LARGE', `blob ${digest} is over ${MAX_JSON} bytes`);
  const path = join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length));
  const st = await stat(path).catch((cause: unknown) => {
    throw new ProvenantError('BLOB_UNKNOWN', `layout has no blob ${digest}`, { cause });
  });
  if (st.size !== size) throw new ProvenantError('DIGEST_MISMATCH', `blob ${digest} is ${st.size} bytes, descriptor says ${size}`);
  const bytes = await readFile(path);
  if (`sha256:${createHash('sha256').update(bytes).digest('hex')}` !== digest) throw new ProvenantError('DIGEST_MISMATCH', `blob ${digest} does not hash to its name`);
  return bytes;
}

function parse<T>(schema: z.ZodType<T>, bytes: Buffer, what: string): T {
  try {
    return schema.parse(JSON.parse(bytes.toString('utf8')));
  } catch (cause) {
    throw new ProvenantError('LAYOUT_INVALID', `${what} is malformed`, { cause });
  }
}

/**
 * Reads what `cosign save` wrote: the image (index.json entry of kind `dev.cosignproject.cosign/image` or
 * `imageIndex`) and the layers of its `.att` (`dev.cosignproject.cosign/atts`) and `.sig` manifests. Digests are checked.
 */
export async function readCosignLayout(dir: string): Promise<{ imageDigest: string; attestations: LegacyLayer[]; signatures: LegacyLayer[] }> {
  const st = await stat(join(dir, 'index.json')).catch((cause: unknown) => {
    throw new ProvenantError('LAYOUT_INVALID', `${dir} has no index.json`, { cause });
  });
  if (st.size > MAX_JSON) throw new ProvenantError('MANIFEST_TOO_LARGE', 'index.json is too large');
  const index = parse(Index, await readFile(join(dir, 'index.json')), 'index.json');
  const kind = (d: z.infer<typeof Descriptor>): string => d.annotations?.kind ?? '';
  const image = index.manifests.find((d) => kind(d) === 'dev.cosignproject.cosign/image' || kind(d) === 'dev.cosignproject.cosign/imageIndex');
  if (!image) throw new ProvenantError('LAYOUT_INVALID', 'cosign layout names no image');
  const layers = async (k: string): Promise<LegacyLayer[]> => {
    const out: LegacyLayer[] = [];
    for (const d of index.manifests.filter((m) => kind(m) === k)) {
      const m = parse(Manifest, await readBlob(dir, d.digest, d.size), `manifest ${d.digest}`);
      for (const l of m.layers) out.push({ mediaType: l.mediaType, annotations: l.annotations ?? {}, blob: await readBlob(dir, l.digest, l.size) });
    }
    return out;
  };
  return { imageDigest: image.digest, attestations: await layers('dev.cosignproject.cosign/atts'), signatures: await layers('dev.cosignproject.cosign/sigs') };
}
