// Reads the exact whole lines of a log from a byte offset, for the panel's paging and following (never a partial line).
import fs from 'node:fs';

export interface LinesRead {
  lines: string[];
  /** Offset after the last whole line read: where the next read starts. */
  nextOffset: number;
  size: number;
}

/** Whole lines starting at `offset` (which must be a line start), up to about `maxBytes` (a longer line is read whole). */
export function readWholeLines(file: string, offset: number, maxBytes: number): LinesRead {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    if (offset >= size) return { lines: [], nextOffset: Math.min(offset, size), size };
    let want = Math.min(maxBytes, size - offset);
    for (;;) {
      const buf = Buffer.allocUnsafe(want);
      const n = fs.readSync(fd, buf, 0, want, offset);
      const lastNl = buf.lastIndexOf(10, n - 1);
      if (lastNl < 0) {
        if (offset + n >= size) return { lines: [], nextOffset: offset, size }; // a line still being written
        want = Math.min(want * 2, size - offset);
        continue;
      }
      const text = buf.toString('utf8', 0, lastNl);
      return { lines: text.split('\n'), nextOffset: offset + lastNl + 1, size };
    }
  } finally {
    fs.closeSync(fd);
  }
}
