// The single writer of one log file: redacts, chains, writes each entry before returning, groups fsyncs, checkpoints.
import fs from 'node:fs';
import path from 'node:path';
import { AirlockError } from '../errors.js';
import type { EntryInput, LogEntry } from './entry.js';
import { buildEntry } from './build.js';
import { checkpointMessage, entryHash, genesisPrev, LineEncoder, parseLine } from './format.js';
import { fsyncDir, readHead, writeHead } from './head.js';
import { loadOrCreateSigningKey, signCheckpoint, type SigningKey } from './keys.js';
import { NextMatch, readTail, scanLines } from './lines.js';
import { acquireLock, type LogLock } from './lock.js';
import { defaultKeyDir } from './paths.js';
import { redactValue } from './redact.js';
import { digest } from './digest.js';
import { isWellFormed } from './unicode.js';

export { digest } from './digest.js';
export { defaultLogDir } from './paths.js';

export interface ActionLogOptions {
  file: string;
  session: string;
  /** Hash of the policy in force; the first entry commits to it. */
  policyHash: string;
  /** Where the Ed25519 checkpoint key lives (default: `<state>/airlock/keys`). */
  keyDir?: string;
  /** A checkpoint every N entries (default 4096), and one at close. */
  checkpointEvery?: number;
  /** fsync at most this long after an append (default 5 ms). */
  fsyncWindowMs?: number;
  /** Extra session-header fields (workspace, agent, version ...), redacted. */
  header?: Record<string, unknown>;
}

function writeAll(fd: number, buf: Buffer): number {
  let off = 0;
  while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
  return buf.length;
}

/** ISO timestamps, formatted once per millisecond (toISOString costs as much as hashing an entry). */
class Clock {
  private ms = -1;
  private iso = '';
  now(): string {
    const ms = Date.now();
    if (ms !== this.ms) {
      this.ms = ms;
      this.iso = new Date(ms).toISOString();
    }
    return this.iso;
  }
}

export class ActionLog {
  readonly file: string;
  readonly session: string;
  readonly keyId: string;
  private readonly fd: number;
  private readonly lock: LogLock;
  private readonly key: SigningKey;
  private readonly checkpointEvery: number;
  private readonly fsyncWindowMs: number;
  private readonly listeners = new Set<(e: LogEntry) => void>();
  private readonly encoder = new LineEncoder();
  private readonly clock = new Clock();
  private seq = 0;
  private prev = '';
  private bytes = 0;
  private checkpoints = 0;
  private sinceCheckpoint = 0;
  private syncTimer: NodeJS.Timeout | undefined;
  private syncsInFlight = 0;
  /** Seq of the newest head written, so a late group fsync never replaces a checkpoint's newer head. */
  private headSeqWritten = 0;
  private closed = false;
  private fdClosed = false;

  private constructor(file: string, session: string, fd: number, lock: LogLock, key: SigningKey, opts: ActionLogOptions) {
    this.file = file;
    this.session = session;
    this.fd = fd;
    this.lock = lock;
    this.key = key;
    this.keyId = key.keyId;
    this.checkpointEvery = Math.max(1, opts.checkpointEvery ?? 4096);
    this.fsyncWindowMs = Math.max(0, opts.fsyncWindowMs ?? 5);
  }

  /** Opens (or creates) a log file for one writer; recovers a torn tail (logging it) and continues an existing chain. */
  static open(opts: ActionLogOptions): ActionLog {
    const file = path.resolve(opts.file);
    if (typeof opts.session !== 'string' || opts.session === '' || !isWellFormed(opts.session)) {
      throw new AirlockError({ code: 'log.bad-entry', message: 'A log session id must be a non-empty string.' });
    }
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const lock = acquireLock(file);
    let fd: number | undefined;
    let log: ActionLog | undefined;
    try {
      const key = loadOrCreateSigningKey(opts.keyDir ?? defaultKeyDir());
      const existed = fs.existsSync(file);
      fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_APPEND, 0o600);
      if (!existed) fsyncDir(path.dirname(file));
      log = new ActionLog(file, opts.session, fd, lock, key, opts);
      const recovery = log.resume();
      const header: Record<string, unknown> = {
        ...(redactValue(opts.header ?? {}) as Record<string, unknown>),
        v: 1,
        session: opts.session,
        policyHash: opts.policyHash,
        keyId: key.keyId,
        publicKey: key.publicKey,
        created: new Date().toISOString(),
        pid: process.pid,
      };
      if (log.seq === 0) {
        log.prev = genesisPrev(header);
        log.write({ kind: 'session.start', data: header }, false);
        if (recovery) log.write({ kind: 'recovery', data: recovery }, false);
      } else {
        if (recovery) log.write({ kind: 'recovery', data: recovery }, false);
        log.write({ kind: 'session.start', data: header }, false);
      }
      fs.fsyncSync(fd);
      log.saveHead(true);
      return log;
    } catch (err) {
      if (log) log.abandon();
      if (fd !== undefined) fs.closeSync(fd);
      lock.release();
      throw err;
    }
  }

  /** Reads the existing tail: cuts a torn last line, picks up seq/prev/checkpoints, and says what was recovered. */
  private resume(): Record<string, unknown> | undefined {
    const size = fs.fstatSync(this.fd).size;
    if (size === 0) return undefined;
    const recovery: Record<string, unknown> = {};
    const tail = readTail(this.fd, size);
    if (tail.wholeEnd < size) {
      const torn = Buffer.allocUnsafe(size - tail.wholeEnd);
      fs.readSync(this.fd, torn, 0, torn.length, tail.wholeEnd);
      fs.ftruncateSync(this.fd, tail.wholeEnd);
      fs.fsyncSync(this.fd);
      recovery['tornLine'] = { offset: tail.wholeEnd, bytes: torn.length, digest: digest(torn) };
    }
    if (tail.lastLine) {
      const text = tail.lastLine.toString('utf8');
      const last = parseLine(text, undefined);
      if (entryHash(last.prev, text.slice(65)) !== last.hash) {
        throw new AirlockError({
          code: 'log.corrupt',
          message: `The last entry of ${this.file} (seq ${last.seq}) does not match its hash; run \`airlock verify\` and start a new log file.`,
          place: { file: this.file },
        });
      }
      this.seq = last.seq;
      this.prev = last.hash;
      this.bytes = tail.wholeEnd;
    }
    const head = readHead(this.file);
    if (tail.lastLine) {
      // A head written at exactly this tail (same entry, hash and size) holds the checkpoint count then: no need to scan
      // the whole file, which a long agent session (one hook process per tool call) would otherwise pay on every call.
      // Only the index later checkpoints carry depends on it (a number in their data), never the chain or a signature.
      const exact = head && head.seq === this.seq && head.hash === this.prev && head.bytes === this.bytes
        && typeof head.checkpoint === 'number' && Number.isSafeInteger(head.checkpoint) && head.checkpoint >= 0;
      this.checkpoints = exact ? head.checkpoint : this.countCheckpoints(tail.wholeEnd);
    }
    if (head && head.seq > this.seq) {
      recovery['lostEntries'] = { from: this.seq + 1, to: head.seq, headHash: head.hash };
    }
    return Object.keys(recovery).length > 0 ? recovery : undefined;
  }

  private countCheckpoints(end: number): number {
    let count = 0;
    const checkpointKind = new NextMatch('"kind":"checkpoint"');
    scanLines(this.fd, 0, end, (buf, start, lineEnd, _offset, chunk) => {
      if (checkpointKind.within(buf, start, lineEnd, chunk) < 0) return;
      try {
        if (parseLine(buf.toString('utf8', start, lineEnd)).kind === 'checkpoint') count++;
      } catch {
        // verify reports malformed lines; counting skips them
      }
    });
    return count;
  }

  /** Redacts, chains and writes one entry; returns once write(2) has returned, so the entry is in the file. */
  append(entry: EntryInput): LogEntry {
    if (this.closed) {
      throw new AirlockError({ code: 'log.closed', message: `The log ${this.file} is closed; no action may run without its entry.` });
    }
    if (entry.kind === 'checkpoint' || entry.kind === 'session.start') {
      throw new AirlockError({ code: 'log.bad-entry', message: `"${entry.kind}" entries are written by the log itself.` });
    }
    return this.write(entry, true);
  }

  /** A failed write (disk full, I/O error) may leave part of a line: cut it so the chain stays whole for the next entry. */
  private undoPartialWrite(): void {
    try {
      if (fs.fstatSync(this.fd).size !== this.bytes) fs.ftruncateSync(this.fd, this.bytes);
    } catch {
      // Left as a torn tail: verify reports it and the next open recovers it.
    }
  }

  onAppend(listener: (e: LogEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Builds (validating, and redacting unless it is the log's own entry), chains, writes; the one path to the file. */
  private write(input: EntryInput, redact: boolean): LogEntry {
    const seq = this.seq + 1;
    const { body, json } = buildEntry(input, { seq, ts: this.clock.now(), session: this.session, prev: this.prev }, redact);
    const { hash, line } = this.encoder.encode(this.prev, json);
    try {
      this.bytes += writeAll(this.fd, line);
    } catch (err) {
      this.undoPartialWrite();
      throw new AirlockError({
        code: 'log.write-failed',
        message: `Could not write the action log ${this.file} (${(err as Error).message}); no action runs without its entry, so this one is denied.`,
        place: { file: this.file },
      });
    }
    this.seq = seq;
    this.prev = hash;
    const entry = body as LogEntry;
    entry.hash = hash;
    for (const listener of this.listeners) {
      try {
        listener(entry);
      } catch {
        // A failing listener (a panel) must not stop the log.
      }
    }
    this.scheduleSync();
    if (input.kind !== 'checkpoint' && ++this.sinceCheckpoint >= this.checkpointEvery) this.checkpoint();
    return entry;
  }

  private scheduleSync(): void {
    if (this.syncTimer !== undefined || this.closed) return;
    this.syncTimer = setTimeout(() => this.groupSync(), this.fsyncWindowMs);
    this.syncTimer.unref();
  }

  private groupSync(): void {
    this.syncTimer = undefined;
    if (this.closed) return;
    this.syncsInFlight++;
    const head = this.headNow();
    fs.fsync(this.fd, (err) => {
      this.syncsInFlight--;
      if (this.closed) {
        if (this.syncsInFlight === 0 && !this.fdClosed) this.closeFd();
        return;
      }
      if (!err && head.seq > this.headSeqWritten) {
        try {
          writeHead(this.file, head, false);
          this.headSeqWritten = head.seq;
        } catch {
          // The head file is advisory between checkpoints; the next checkpoint rewrites it durably.
        }
      }
    });
  }

  private headNow() {
    return { v: 1 as const, seq: this.seq, hash: this.prev, bytes: this.bytes, checkpoint: this.checkpoints };
  }

  private saveHead(durable: boolean): void {
    writeHead(this.file, this.headNow(), durable);
    this.headSeqWritten = this.seq;
  }

  /** Makes every entry written so far durable now (a writer that answers only after its entry is on disk). */
  sync(): void {
    if (this.closed) return;
    fs.fsyncSync(this.fd);
    // The head file follows with the group fsync already scheduled (advisory between checkpoints, as there).
  }

  /** Signs { size, head, time } with the checkpoint key and logs it; fsyncs the log and the head file at once. */
  checkpoint(): void {
    if (this.closed) {
      throw new AirlockError({ code: 'log.closed', message: `The log ${this.file} is closed.` });
    }
    fs.fsyncSync(this.fd);
    const cp = { size: this.seq, head: this.prev, time: new Date().toISOString() };
    const sig = signCheckpoint(this.key, checkpointMessage(cp));
    this.checkpoints++;
    this.write({ kind: 'checkpoint', data: { index: this.checkpoints, ...cp, keyId: this.key.keyId, sig } }, false);
    this.sinceCheckpoint = 0;
    fs.fsyncSync(this.fd);
    this.saveHead(true);
  }

  /** Logs the session's end, checkpoints it, fsyncs and releases the lock; idempotent. */
  close(): void {
    if (this.closed) return;
    try {
      this.write({ kind: 'session.end' }, false);
      this.checkpoint();
    } finally {
      this.closed = true;
      if (this.syncTimer !== undefined) clearTimeout(this.syncTimer);
      this.syncTimer = undefined;
      // An async group fsync still holds the fd: it is closed when that fsync returns, never reused under it.
      if (this.syncsInFlight === 0) this.closeFd();
      this.lock.release();
    }
  }

  /** A failed open: no group fsync may touch the fd once it is closed (it could be reused by then). */
  private abandon(): void {
    this.closed = true;
    this.fdClosed = true;
    if (this.syncTimer !== undefined) clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
  }

  private closeFd(): void {
    this.fdClosed = true;
    fs.closeSync(this.fd);
  }
}
