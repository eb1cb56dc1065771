// Streaming reads of a log for the panel and `airlock log`: filtered entries, and following a log as it grows.
import fs from 'node:fs';
import type { LogEntry } from './entry.js';
import { parseLine } from './format.js';

export interface LogFilter {
  task?: string;
  verdict?: string;
  action?: string;
  since?: Date;
  until?: Date;
  kinds?: string[];
}

export function matchesFilter(entry: LogEntry, filter: LogFilter): boolean {
  if (filter.task !== undefined && entry.task !== filter.task) return false;
  if (filter.verdict !== undefined && entry.verdict !== filter.verdict) return false;
  if (filter.action !== undefined && entry.action !== filter.action) return false;
  if (filter.kinds !== undefined && filter.kinds.length > 0 && !filter.kinds.includes(entry.kind)) return false;
  if (filter.since !== undefined || filter.until !== undefined) {
    const t = Date.parse(entry.ts);
    if (filter.since !== undefined && t < filter.since.getTime()) return false;
    if (filter.until !== undefined && t > filter.until.getTime()) return false;
  }
  return true;
}

/** Splits bytes into whole lines, keeping an unterminated remainder (a line being written, or torn) for later. */
class LineSplitter {
  private rest: Buffer = Buffer.alloc(0);
  lineNo = 0;
  push(chunk: Buffer, onLine: (line: string, lineNo: number) => void): void {
    const buf = this.rest.length > 0 ? Buffer.concat([this.rest, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
      this.lineNo++;
      onLine(buf.toString('utf8', start, nl), this.lineNo);
      start = nl + 1;
    }
    this.rest = Buffer.from(buf.subarray(start));
  }
}

/** Entries of a log in order, filtered; a torn last line is skipped, a malformed line throws AirlockError('log.malformed'). */
export async function* readLog(file: string, filter: LogFilter = {}): AsyncIterable<LogEntry> {
  const splitter = new LineSplitter();
  const batch: LogEntry[] = [];
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) {
    splitter.push(chunk as Buffer, (line, lineNo) => {
      const entry = parseLine(line, lineNo);
      if (matchesFilter(entry, filter)) batch.push(entry);
    });
    yield* batch.splice(0, batch.length);
  }
}

/**
 * Calls onEntry for every entry already in the log and every entry appended later, until the signal aborts.
 * Polls the file size (cheap, works on every file system, unlike fs.watch on network mounts).
 */
export async function followLog(file: string, filter: LogFilter, onEntry: (e: LogEntry) => void, signal: AbortSignal, pollMs = 100): Promise<void> {
  const splitter = new LineSplitter();
  let offset = 0;
  let fd: number | undefined;
  try {
    while (!signal.aborted) {
      if (fd === undefined) {
        try {
          fd = fs.openSync(file, 'r');
        } catch {
          fd = undefined; // not created yet
        }
      }
      if (fd !== undefined) {
        const size = fs.fstatSync(fd).size;
        while (offset < size && !signal.aborted) {
          const chunk = Buffer.allocUnsafe(Math.min(1 << 20, size - offset));
          const n = fs.readSync(fd, chunk, 0, chunk.length, offset);
          if (n === 0) break;
          offset += n;
          splitter.push(chunk.subarray(0, n), (line, lineNo) => {
            const entry = parseLine(line, lineNo);
            if (matchesFilter(entry, filter)) onEntry(entry);
          });
        }
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, pollMs);
        function done() {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        }
        signal.addEventListener('abort', done, { once: true });
      });
    }
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
