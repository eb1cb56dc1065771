// The head file kept apart from the log: the last durable { seq, hash, bytes, checkpoint }, replaced atomically.
import fs from 'node:fs';
import path from 'node:path';
import { headFileOf } from './paths.js';

export interface LogHead {
  v: 1;
  /** Seq of the last entry known to be in the log. */
  seq: number;
  /** Its hash. */
  hash: string;
  /** Size of the log in bytes up to and including that entry's line. */
  bytes: number;
  /** Number of checkpoints in the log so far. */
  checkpoint: number;
}

export function readHead(logFile: string): LogHead | undefined {
  try {
    const head = JSON.parse(fs.readFileSync(headFileOf(logFile), 'utf8')) as LogHead;
    if (typeof head.seq !== 'number' || typeof head.hash !== 'string') return undefined;
    return head;
  } catch {
    return undefined;
  }
}

export function writeHead(logFile: string, head: LogHead, durable: boolean): void {
  const file = headFileOf(logFile);
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, JSON.stringify(head));
    if (durable) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  if (durable) fsyncDir(path.dirname(file));
}

/** Makes a directory's entries (a new log file, a renamed head) survive a power loss. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on directories; the data itself was fsynced.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
