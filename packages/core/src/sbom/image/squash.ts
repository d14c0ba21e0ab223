import { ProvenantError } from '../../errors.js';
import { verifyWhileReading } from '../../digest/index.js';
import { basename, dirname, maybeDecompress, readTar, type DecompressLimits, type ImageLayer } from '../../oci/index.js';
import { SquashedView, type FsNode, type NodeType } from './view.js';
import { isCatalogedFile, MAX_CATALOGED_FILE_BYTES } from './wanted.js';

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

/** What one layer does to the filesystem, in archive order; contents only for cataloged files. */
type LayerOp = { kind: 'put'; path: string; node: FsNode } | { kind: 'whiteout'; path: string } | { kind: 'opaque'; dir: string };

export interface SquashOptions {
  limits?: DecompressLimits;
  /** Which files to keep the contents of (default: what the image catalogers read). */
  keepContent?: (path: string) => boolean;
  /** Layers read at the same time (default 2); they are applied in order regardless. */
  concurrency?: number;
  /**
   * Also hash each uncompressed layer against the config's diff_id (default false). The stored blob
   * is always verified against its manifest digest, which already fixes the uncompressed bytes, so
   * this only checks that the config agrees; it costs a second sha256 pass over every layer.
   * Layers stored uncompressed under their diff_id (docker-archive) are verified either way.
   */
  verifyDiffIds?: boolean;
  /** Most archive members across all layers (default 2,000,000): a tar of tiny entries must not exhaust memory. */
  maxEntries?: number;
  /** Most bytes of cataloged file contents kept in memory (default 256 MiB). */
  maxContentBytes?: number;
  /** Called when a layer has been read. */
  onLayer?: (index: number, layer: ImageLayer) => void;
}

function nodeType(t: string): NodeType {
  return t === 'file' || t === 'directory' || t === 'symlink' || t === 'hardlink' ? t : 'other';
}

/** Streams one layer: verified blob -> gunzip (bomb limits) -> verified diff_id -> tar members -> ops. */
/** Shared by the layer scans of one squash: cancellation and the memory budgets. */
interface ScanState {
  cancelled: boolean;
  entries: number;
  contentBytes: number;
}

async function scanLayer(layer: ImageLayer, index: number, opts: SquashOptions, cancel: ScanState): Promise<LayerOp[]> {
  const raw = new Tap(layer.open(), cancel);
  try {
    const ops = await scanLayerStream(raw, layer, index, opts, cancel);
    await raw.drain();
    return ops;
  } catch (err) {
    // A corrupt blob usually breaks gunzip or tar first; report the digest failure when that is the cause.
    if (!(err instanceof ProvenantError) || !BLOB_ERRORS.has(err.code)) {
      try {
        await raw.drain();
      } catch (blobErr) {
        if (blobErr instanceof ProvenantError && BLOB_ERRORS.has(blobErr.code)) throw blobErr;
      }
    }
    throw err;
  } finally {
    await raw.close();
  }
}

const BLOB_ERRORS = new Set(['DIGEST_MISMATCH', 'SIZE_LIMIT_EXCEEDED', 'BLOB_TOO_LARGE', 'BLOB_TRUNCATED', 'BLOB_UNKNOWN']);

/** Lets the decompressor stop reading early while we keep the right to finish (and verify) the blob. */
class Tap implements AsyncIterable<Buffer> {
  private readonly it: AsyncIterator<Buffer>;
  /** The source's own failure (e.g. a digest mismatch), even if a consumer swallowed it. */
  private error: unknown;
  constructor(
    source: AsyncIterable<Buffer>,
    private readonly cancel: ScanState,
  ) {
    this.it = source[Symbol.asyncIterator]();
  }
  private async next(): Promise<IteratorResult<Buffer>> {
    // Another layer failed: stop reading (and downloading) this one at the next chunk.
    if (this.cancel.cancelled) throw new ProvenantError('INTERNAL', 'layer read cancelled');
    try {
      return await this.it.next();
    } catch (err) {
      this.error ??= err;
      throw err;
    }
  }
  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return { next: () => this.next(), return: async () => ({ done: true, value: undefined }) };
  }
  async drain(): Promise<void> {
    // A read-ahead by the decompressor may already have received the source's failure: check after.
    if (this.error === undefined) {
      try {
        while (!(await this.next()).done);
      } catch {
        // recorded in this.error
      }
    }
    if (this.error !== undefined) throw this.error;
  }
  async close(): Promise<void> {
    await this.it.return?.();
  }
}

async function scanLayerStream(raw: AsyncIterable<Buffer>, layer: ImageLayer, index: number, opts: SquashOptions, state: ScanState): Promise<LayerOp[]> {
  const keep = opts.keepContent ?? isCatalogedFile;
  const maxEntries = opts.maxEntries ?? 2_000_000;
  const maxContent = opts.maxContentBytes ?? 256 * 1024 * 1024;
  let stream: AsyncIterable<Buffer> = maybeDecompress(raw, opts.limits);
  // For docker-archive the stored blob is the diff: open() has verified it already.
  if (opts.verifyDiffIds === true && layer.diffId !== undefined && layer.diffId !== layer.digest) stream = verifyWhileReading(stream, { digest: layer.diffId, what: `layer ${layer.digest} (uncompressed)` });
  const ops: LayerOp[] = [];
  for await (const m of readTar(stream)) {
    if (++state.entries > maxEntries) throw new ProvenantError('SIZE_LIMIT_EXCEEDED', `the image has more than ${maxEntries} archive members`, { details: { limit: maxEntries } });
    const base = basename(m.path);
    if (base.startsWith(WHITEOUT)) {
      if (base === OPAQUE) ops.push({ kind: 'opaque', dir: dirname(m.path) });
      else {
        const dir = dirname(m.path);
        const target = base.slice(WHITEOUT.length);
        if (target === '' || target === '.' || target === '..') throw new ProvenantError('TAR_INVALID', `layer ${index}: invalid whiteout ${m.path}`);
        ops.push({ kind: 'whiteout', path: dir ? `${dir}/${target}` : target });
      }
      continue;
    }
    const node: FsNode = { type: nodeType(m.type), layer: index, size: m.size };
    if (m.linkPath !== undefined) node.linkPath = m.linkPath;
    if (m.type === 'file' && m.size <= MAX_CATALOGED_FILE_BYTES && keep(m.path)) {
      state.contentBytes += m.size;
      if (state.contentBytes > maxContent) throw new ProvenantError('SIZE_LIMIT_EXCEEDED', `package databases and metadata in the image exceed ${maxContent} bytes`, { details: { limit: maxContent } });
      node.content = await m.content(MAX_CATALOGED_FILE_BYTES);
    }
    ops.push({ kind: 'put', path: m.path, node });
  }
  return ops;
}

function apply(view: SquashedView, ops: LayerOp[], layer: number): void {
  for (const op of ops) {
    if (op.kind === 'put') view.put(op.path, op.node);
    else if (op.kind === 'whiteout') view.whiteout(op.path, layer);
    else view.opaque(op.dir, layer);
  }
}

/**
 * Squashes an image's layers into one view, honouring whiteouts and opaque whiteouts. Layers are
 * read concurrently (each fully verified before its changes apply) and applied strictly in order.
 */
export async function squashLayers(layers: ImageLayer[], opts: SquashOptions = {}): Promise<SquashedView> {
  const view = new SquashedView();
  const concurrency = Math.max(1, opts.concurrency ?? 2);
  const pending = new Map<number, Promise<LayerOp[]>>();
  const cancel: ScanState = { cancelled: false, entries: 0, contentBytes: 0 };
  let next = 0;
  const launch = (): void => {
    while (next < layers.length && pending.size < concurrency) {
      const i = next++;
      const p = scanLayer(layers[i]!, i, opts, cancel);
      p.catch(() => undefined); // observed below, in order
      pending.set(i, p);
    }
  };
  try {
    for (let i = 0; i < layers.length; i++) {
      launch();
      const ops = await pending.get(i)!;
      pending.delete(i);
      apply(view, ops, i);
      opts.onLayer?.(i, layers[i]!);
    }
  } finally {
    // After a failure, stop the other scans and wait for their streams to close.
    cancel.cancelled = true;
    await Promise.allSettled(pending.values());
  }
  return view;
}
