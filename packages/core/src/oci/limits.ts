// The one size policy for everything read from a registry. Every manifest and blob read names what it
// is reading (a kind), and its bound is that kind's limit: a default here, overridable per client
// (RegistryClientOptions.limits), never the size the registry or a descriptor declares. A declared size
// over the limit is refused before anything is fetched; a stream is stopped at the limit (or at the
// declared size, if smaller). Either way: BLOB_TOO_LARGE / MANIFEST_TOO_LARGE, with the kind and limit.
import { ProvenantError } from '../errors.js';
import type { RepositoryRef } from './reference.js';
import type { RegistryClient } from './client.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** Manifest-like documents, read whole into memory and parsed. */
export type ManifestKind =
  /** An image manifest or index read by tag or digest, and the `.sig`/`.att` manifests cosign tags. */
  | 'manifest'
  /** The manifest of one referrer artifact (a bundle, an SBOM): small by construction. */
  | 'referrerManifest'
  /** One page of the referrers API, or the `sha256-<hex>` fallback index. */
  | 'referrers'
  /** One page of a tag list. */
  | 'tagList';

/** Blobs: all but `layer` are read whole into memory. */
export type BlobKind =
  /** A `.sig` layer: a cosign simple-signing payload (a few hundred bytes). */
  | 'signatureLayer'
  /** A `.att` layer: a DSSE envelope around an in-toto statement (an SBOM predicate can be large). */
  | 'attestationLayer'
  /** A Sigstore bundle held by a referrer (it may carry an attestation). */
  | 'bundle'
  /** An image configuration. */
  | 'config'
  /** Any other blob read into memory. */
  | 'blob'
  /** An image layer, streamed (copied or unpacked), never held whole. */
  | 'layer';

export type ReadKind = ManifestKind | BlobKind;
export type ReadLimits = Readonly<Record<ReadKind, number>>;

export const DEFAULT_READ_LIMITS: ReadLimits = {
  manifest: 4 * MiB,
  referrerManifest: 1 * MiB,
  referrers: 4 * MiB,
  tagList: 4 * MiB,
  signatureLayer: 4 * MiB,
  attestationLayer: 32 * MiB,
  bundle: 32 * MiB,
  config: 8 * MiB,
  blob: 64 * MiB,
  layer: 32 * GiB,
};

/** The defaults with the caller's overrides; each must be a positive safe integer (INVALID_ARGUMENT otherwise). */
export function readLimits(overrides: Partial<Record<ReadKind, number>> | undefined): ReadLimits {
  if (overrides === undefined) return DEFAULT_READ_LIMITS;
  const out: Record<string, number> = { ...DEFAULT_READ_LIMITS };
  for (const [kind, limit] of Object.entries(overrides)) {
    if (limit === undefined) continue;
    if (!Object.hasOwn(DEFAULT_READ_LIMITS, kind)) throw new ProvenantError('INVALID_ARGUMENT', `unknown registry read kind ${JSON.stringify(kind)} (kinds: ${Object.keys(DEFAULT_READ_LIMITS).join(', ')})`);
    if (!Number.isSafeInteger(limit) || limit <= 0) throw new ProvenantError('INVALID_ARGUMENT', `the ${kind} read limit must be a positive whole number of bytes, not ${String(limit)}`);
    out[kind] = limit;
  }
  return out as ReadLimits;
}

/** Bounds on the registry work one decision does: requests in flight, and evidence bytes held in memory. */
export interface RegistryWorkOptions {
  /** Registry requests in flight at once (default 8). */
  concurrency?: number;
  /** Evidence bytes (signature, attestation and bundle blobs) read for one decision (default 64 MiB). */
  maxBytes?: number;
}

export const DEFAULT_REGISTRY_WORK = { concurrency: 8, maxBytes: 64 * MiB } as const;

/**
 * One decision's share of registry work: a semaphore over its requests, and a byte budget that every
 * blob read into memory reserves before it is fetched (its declared size, which the read is then held
 * to), so a hostile registry cannot make one decision hold more than maxBytes, however many blobs it lists.
 */
export class RegistryWork {
  readonly concurrency: number;
  readonly maxBytes: number;
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private reserved = 0;
  /** Set when the budget is exceeded: the decision has failed, so work not yet started is not started. */
  private failure: ProvenantError | undefined;

  constructor(options: RegistryWorkOptions = {}) {
    this.concurrency = options.concurrency ?? DEFAULT_REGISTRY_WORK.concurrency;
    this.maxBytes = options.maxBytes ?? DEFAULT_REGISTRY_WORK.maxBytes;
    if (!Number.isSafeInteger(this.concurrency) || this.concurrency < 1) throw new ProvenantError('INVALID_ARGUMENT', `registry concurrency must be a whole number >= 1, not ${String(options.concurrency)}`);
    if (!Number.isSafeInteger(this.maxBytes) || this.maxBytes < 1) throw new ProvenantError('INVALID_ARGUMENT', `the evidence byte budget must be a positive whole number, not ${String(options.maxBytes)}`);
  }

  /** Runs fn when a slot is free. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    // A finishing task hands its slot straight to the next waiter, so `running` never passes the bound.
    if (this.running >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      if (this.failure) throw this.failure;
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  /**
   * Reads an evidence blob into memory under this decision's bounds: its declared size must be within
   * the kind's limit (else BLOB_TOO_LARGE before any request), is reserved from the byte budget, and
   * the read (held to that size) takes one of the request slots.
   */
  async readBlob(client: RegistryClient, repo: RepositoryRef, desc: { digest: string; size: number }, kind: Exclude<BlobKind, 'layer'>): Promise<Buffer> {
    const limit = client.readLimit(kind);
    const what = `${kind} blob ${desc.digest}`;
    if (!Number.isSafeInteger(desc.size) || desc.size < 0 || desc.size > limit) {
      throw new ProvenantError('BLOB_TOO_LARGE', `${what} declares ${desc.size} bytes, over the ${limit} byte limit for a ${kind}`, { details: { kind, limit, declared: desc.size } });
    }
    this.reserve(desc.size, what);
    return this.run(() => client.getBlob(repo, desc, { kind }));
  }

  /** Reserves `bytes` of the budget; BLOB_TOO_LARGE when the decision's evidence would exceed it. */
  reserve(bytes: number, what: string): void {
    if (this.failure) throw this.failure;
    if (this.reserved + bytes > this.maxBytes) {
      throw (this.failure = new ProvenantError('BLOB_TOO_LARGE', `${what}: ${bytes} more bytes would take this decision's evidence past its ${this.maxBytes} byte budget (${this.reserved} already read)`, {
        details: { limit: this.maxBytes, reserved: this.reserved, requested: bytes },
      }));
    }
    this.reserved += bytes;
  }
}
