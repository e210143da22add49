// ByteQueue: an ordered queue of byte chunks that can shed its oldest bytes, for log buffering.

/** Chunks in arrival order; `size` is the total number of bytes held. Chunks are never copied. */
export class ByteQueue {
  private chunks: Buffer[] = [];
  private head = 0;
  private bytes = 0;

  get size(): number {
    return this.bytes;
  }

  get empty(): boolean {
    return this.bytes === 0;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.bytes += chunk.length;
  }

  /** Puts chunks back at the front (in the order given), e.g. the unwritten tail of a failed write. */
  unshift(chunks: Buffer[]): void {
    const live = chunks.filter((c) => c.length > 0);
    if (live.length === 0) return;
    if (this.head >= live.length) {
      this.head -= live.length;
      for (let i = 0; i < live.length; i++) this.chunks[this.head + i] = live[i]!;
    } else {
      this.chunks.splice(0, this.head, ...live);
      this.head = 0;
    }
    for (const c of live) this.bytes += c.length;
  }

  /** Drops the oldest `n` bytes (or everything, if fewer are held); returns how many were dropped. */
  dropOldest(n: number): number {
    let left = Math.min(n, this.bytes);
    const dropped = left;
    while (left > 0) {
      const c = this.chunks[this.head]!;
      if (c.length <= left) {
        left -= c.length;
        this.head++;
      } else {
        this.chunks[this.head] = c.subarray(left);
        left = 0;
      }
    }
    this.bytes -= dropped;
    this.compact();
    return dropped;
  }

  /** Removes and returns chunks from the front, at most `maxChunks` and about `maxBytes` (at least one). */
  take(maxBytes: number, maxChunks: number): Buffer[] {
    const out: Buffer[] = [];
    let got = 0;
    while (this.head < this.chunks.length && out.length < maxChunks && (out.length === 0 || got < maxBytes)) {
      const c = this.chunks[this.head++]!;
      out.push(c);
      got += c.length;
    }
    this.bytes -= got;
    this.compact();
    return out;
  }

  private compact(): void {
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}
