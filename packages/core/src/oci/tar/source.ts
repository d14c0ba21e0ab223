import { ProvenantError } from '../../errors.js';

const EMPTY = Buffer.alloc(0);

/** Pull-style byte reader over an async chunk stream: exact reads and skips without copying when it can. */
export class ByteSource {
  private buf: Buffer = EMPTY;
  private off = 0;
  private ended = false;
  private readonly it: AsyncIterator<Uint8Array>;
  /** Bytes handed out or skipped so far. */
  position = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.it = source[Symbol.asyncIterator]();
  }

  private get available(): number {
    return this.buf.length - this.off;
  }

  private async fill(): Promise<boolean> {
    while (!this.ended) {
      const r = await this.it.next();
      if (r.done) {
        this.ended = true;
        return false;
      }
      const v = r.value;
      if (v.length === 0) continue;
      this.buf = Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.length);
      this.off = 0;
      return true;
    }
    return false;
  }

  /** True when no byte is left. */
  async atEnd(): Promise<boolean> {
    if (this.available > 0) return false;
    return !(await this.fill());
  }

  /** Exactly n bytes, or null when the stream ended before any of them; a partial read is TAR_INVALID. */
  async read(n: number, what: string): Promise<Buffer | null> {
    if (this.available >= n) {
      const out = this.buf.subarray(this.off, this.off + n);
      this.off += n;
      this.position += n;
      return out;
    }
    const parts: Buffer[] = [];
    let got = 0;
    while (got < n) {
      if (this.available === 0 && !(await this.fill())) {
        if (got === 0) return null;
        throw truncated(what, this.position);
      }
      const take = Math.min(n - got, this.available);
      parts.push(this.buf.subarray(this.off, this.off + take));
      this.off += take;
      got += take;
      this.position += take;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
  }

  /** Yields exactly n bytes as slices of the underlying chunks. */
  async *take(n: number, what: string): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.available === 0 && !(await this.fill())) throw truncated(what, this.position);
      const take = Math.min(left, this.available);
      const out = this.buf.subarray(this.off, this.off + take);
      this.off += take;
      left -= take;
      this.position += take;
      yield out;
    }
  }

  async skip(n: number, what: string): Promise<void> {
    let left = n;
    while (left > 0) {
      if (this.available === 0 && !(await this.fill())) throw truncated(what, this.position);
      const step = Math.min(left, this.available);
      this.off += step;
      this.position += step;
      left -= step;
    }
  }

  /** Reads and discards everything left, so verifying wrappers upstream see the whole stream. */
  async drain(): Promise<void> {
    this.position += this.available;
    this.off = this.buf.length;
    while (await this.fill()) {
      this.position += this.available;
      this.off = this.buf.length;
    }
  }

  /** Releases the underlying iterator (closes streams) when the caller stops early. */
  async close(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      await this.it.return?.();
    }
  }
}

function truncated(what: string, at: number): ProvenantError {
  return new ProvenantError('TAR_INVALID', `archive is truncated: ${what} ends early at byte ${at}`, { details: { offset: at } });
}
