// Splits a byte stream into "\n"-terminated UTF-8 lines, refusing any line longer than a bound.

export type LineResult = { lines: string[]; overflow: false } | { lines: string[]; overflow: true };

/**
 * Feed chunks with push(); complete lines come back in order (without the newline, a trailing
 * "\r" kept). Once a line exceeds maxBytes the buffer reports overflow and drops everything after
 * it: the caller is expected to close the connection. Memory held is at most maxBytes + one chunk.
 */
export class LineBuffer {
  private parts: Buffer[] = [];
  private pending = 0;
  private overflowed = false;

  constructor(private readonly maxBytes: number) {}

  /** Bytes of the line being received (0 between lines). */
  get pendingBytes(): number {
    return this.pending;
  }

  push(chunk: Buffer): LineResult {
    const lines: string[] = [];
    if (this.overflowed) return { lines, overflow: true };
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl === -1 ? chunk.length : nl;
      const len = end - start;
      if (this.pending + len > this.maxBytes) {
        this.overflowed = true;
        this.parts = [];
        this.pending = 0;
        return { lines, overflow: true };
      }
      if (nl === -1) {
        this.parts.push(chunk.subarray(start));
        this.pending += len;
        break;
      }
      const piece = chunk.subarray(start, end);
      if (this.parts.length === 0) {
        lines.push(piece.toString('utf8'));
      } else {
        this.parts.push(piece);
        lines.push(Buffer.concat(this.parts).toString('utf8'));
        this.parts = [];
      }
      this.pending = 0;
      start = nl + 1;
    }
    return { lines, overflow: false };
  }
}
