import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { ProvenantError, type ProvenantErrorCode } from '@provenant/core/errors';
import { classify, type Evidence, type EvidenceBundle } from '../decide/evidence.js';

const BUNDLE_LIMIT = 64 * 1024 * 1024;

async function readBundleFile(path: string): Promise<Buffer> {
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new ProvenantError('FILE_UNREADABLE', `bundle ${path} is not a file`);
    if (s.size > BUNDLE_LIMIT) throw new ProvenantError('FILE_TOO_LARGE', `bundle ${path} is larger than ${BUNDLE_LIMIT} bytes`);
    return await readFile(path);
  } catch (err) {
    if (err instanceof ProvenantError) throw err;
    const code: ProvenantErrorCode = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE';
    throw new ProvenantError(code, `cannot read bundle ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** Evidence from bytes: JSON-parsed, digested, sorted into signatures (message) and attestations (DSSE). */
export function evidenceBundleFromBytes(bytes: Uint8Array, uri: string, payload?: Uint8Array): EvidenceBundle {
  let bundle: unknown;
  try {
    bundle = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (cause) {
    throw new ProvenantError('BUNDLE_INVALID', `bundle ${uri} is not JSON`, { cause });
  }
  return { bundle, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, uri, ...(payload ? { payload } : {}) };
}

export function sortEvidence(items: readonly EvidenceBundle[]): Evidence {
  return classify(items);
}

/** Evidence from Sigstore bundle files (offline), sorted into signatures and attestations. */
export async function evidenceFromFiles(paths: readonly string[]): Promise<Evidence> {
  const items = await Promise.all(paths.map(async (p) => evidenceBundleFromBytes(await readBundleFile(p), p)));
  return sortEvidence(items);
}

export function mergeEvidence(...parts: Evidence[]): Evidence {
  return { signatures: parts.flatMap((p) => p.signatures), attestations: parts.flatMap((p) => p.attestations) };
}
