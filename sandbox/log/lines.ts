// Chunked line scanning over a log file's bytes (no per-line strings), shared by verify, open and the tail reader.
import fs from 'node:fs';

const CHUNK = 8 << 20;

/**
 * Calls `onLine(buf, start, end, fileOffset)` for every whole line (end = index of its '\n') between `from` and `to`,
 * and returns the offset where the unterminated remainder starts (=== `to` when the file ends with a newline).
 * The buffer is reused between chunks: `onLine` must copy what it keeps. `chunk` changes whenever the buffer's
 * contents move, so a caller may cache a forward search position (see NextMatch) within one chunk.
 */
export function scanLines(
  fd: number,
  from: number,
  to: number,
  onLine: (buf: Buffer, start: number, end: number, fileOffset: number, chunk: number) => boolean | void,
): number {
  let buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(1, to - from)));
  let filled = 0; // bytes of buf holding data
  let bufOffset = from; // file offset of buf[0]
  let readPos = from;
  let chunk = 0;
  for (;;) {
    if (filled === buf.length) {
      const bigger = Buffer.allocUnsafe(buf.length * 2); // one line longer than the buffer
      buf.copy(bigger, 0, 0, filled);
      buf = bigger;
    }
    const want = Math.min(buf.length - filled, to - readPos);
    const n = want > 0 ? fs.readSync(fd, buf, filled, want, readPos) : 0;
    readPos += n;
    filled += n;
    chunk++;
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(10, start);
      if (nl < 0 || nl >= filled) break;
      if (onLine(buf, start, nl, bufOffset + start, chunk) === false) return bufOffset + start;
      start = nl + 1;
    }
    if (n === 0) return bufOffset + start;
    buf.copy(buf, 0, start, filled);
    filled -= start;
    bufOffset += start;
  }
}

/** The last whole line of a file (without its '\n') and where the unterminated tail, if any, begins. */
export function readTail(fd: number, size: number): { lastLine?: Buffer; lastLineStart: number; wholeEnd: number } {
  let window = Math.min(size, 64 << 10);
  for (;;) {
    const from = size - window;
    const buf = Buffer.allocUnsafe(window);
    fs.readSync(fd, buf, 0, window, from);
    const lastNl = buf.lastIndexOf(10);
    if (lastNl < 0) {
      if (from === 0) return { lastLineStart: 0, wholeEnd: 0 };
      window = Math.min(size, window * 4);
      continue;
    }
    const prevNl = lastNl === 0 ? -1 : buf.lastIndexOf(10, lastNl - 1);
    if (prevNl < 0 && from > 0) {
      window = Math.min(size, window * 4);
      continue;
    }
    return { lastLine: Buffer.from(buf.subarray(prevNl + 1, lastNl)), lastLineStart: from + prevNl + 1, wholeEnd: from + lastNl + 1 };
  }
}

/**
 * Finds a needle inside lines without rescanning: Buffer#indexOf has no end bound, so a needle that is rare (one
 * checkpoint per thousands of lines) would be searched to the end of the chunk from every line. The next match is
 * remembered per chunk and reused until a line passes it.
 */
export class NextMatch {
  private chunk = -1;
  private at = -1;
  private readonly needle: Buffer;
  constructor(needle: string) {
    this.needle = Buffer.from(needle);
  }

  /** Index of the needle within [start, end), or -1. */
  within(buf: Buffer, start: number, end: number, chunk: number): number {
    if (chunk !== this.chunk || (this.at !== Infinity && this.at < start)) {
      this.chunk = chunk;
      const found = buf.indexOf(this.needle, start);
      this.at = found < 0 ? Infinity : found;
    }
    return this.at < end ? this.at : -1;
  }
}
