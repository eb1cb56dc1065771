// Verifies a log file end to end: every line's hash, the chain, seq order, checkpoint signatures, the head kept apart.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { AirlockError } from '../errors.js';
import type { LogEntry } from './entry.js';
import { checkpointMessage, ENTRY_DOMAIN, genesisPrev, HASH_HEX_LENGTH, parseLine } from './format.js';
import { readHead } from './head.js';
import { checkSignature, keysFromFiles, trustedKeys } from './keys.js';
import { NextMatch, scanLines } from './lines.js';
import { defaultKeyDir, headFileOf } from './paths.js';

export type VerifyProblemKind = 'hash-mismatch' | 'seq-gap' | 'reordered' | 'truncated' | 'bad-signature' | 'torn-line' | 'unknown-key' | 'malformed'
  | 'head-missing';

export interface VerifyReport {
  ok: boolean;
  entries: number;
  /** Whether the head kept apart from the log was there to check truncation against (`missing`: it cannot be checked). */
  head: 'checked' | 'missing';
  lastCheckpoint?: { index: number; keyId: string; seq?: number };
  problem?: { seq?: number; line: number; kind: VerifyProblemKind; message: string };
  /** The head kept apart (`<log>.head`) is missing: a cut at a line boundary after the last checkpoint goes unnoticed. */
  headMissing?: true;
}

/** Where a verification stopped, so the next one (of a log that grows) checks only the new lines. */
export interface VerifyState {
  /** File offset after the last verified line, and where that line starts. */
  offset: number;
  lastLineStart: number;
  /** The next expected seq, the line number of the last verified line, and its hash. */
  expected: number;
  lineNo: number;
  head: string;
  checkpoints: number;
  lastCheckpoint?: { index: number; keyId: string; seq?: number };
}

export interface VerifyFromOptions {
  keyDir?: string;
  /**
   * `required`: a log whose head file is missing fails (truncation at a line boundary cannot be checked without it).
   * `optional` (the default for callers that only want the chain): it passes, with `head: 'missing'` in the report.
   */
  head?: 'required' | 'optional';
  /** Trust exactly these public keys (PEM files from `airlock keys export`) instead of the key dir. */
  keyFiles?: readonly string[];
  /** Continue after a previous verification of the same file (its prefix is checked to still end where it did). */
  resume?: VerifyState;
  /** The log is being written: an unterminated last line is a line in progress, not a torn one. */
  live?: boolean;
}

const DOMAIN = Buffer.from(ENTRY_DOMAIN, 'utf8');
const DL = DOMAIN.length;
const BODY = HASH_HEX_LENGTH + 1; // the json starts after `<hash> `
const PREV_NEEDLE = Buffer.from(',"prev":"');
const SEQ_NEEDLE = Buffer.from(',"seq":');
/** How far past a seq jump the verifier looks for the missing seq, to tell a reordering from a gap. */
const LOOKAHEAD_LINES = 10_000;

function isHexHash(buf: Buffer, start: number): boolean {
  for (let i = start; i < start + HASH_HEX_LENGTH; i++) {
    const c = buf[i] as number;
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}

/** Where the top-level `,"seq":` of a line is (see format.ts for why the last one is top-level), or -1. */
function seqAt(buf: Buffer, start: number, end: number): number {
  const at = buf.lastIndexOf(SEQ_NEEDLE, end);
  return at < start + BODY ? -1 : at;
}

/** The top-level seq of a line, or -1. */
function seqOf(buf: Buffer, start: number, end: number, at = seqAt(buf, start, end)): number {
  if (at < 0) return -1;
  let seq = 0;
  let i = at + SEQ_NEEDLE.length;
  for (; i < end; i++) {
    const c = buf[i] as number;
    if (c < 0x30 || c > 0x39) break;
    seq = seq * 10 + (c - 0x30);
  }
  const stop = buf[i];
  return i > at + SEQ_NEEDLE.length && (stop === 0x2c || stop === 0x7d) ? seq : -1;
}

export function verifyLog(file: string, opts: VerifyFromOptions = {}): VerifyReport {
  return verifyLogFrom(file, opts).report;
}

/** Verifies a log, or only what was appended since `resume`; returns the report and the state to resume from (when intact). */
export function verifyLogFrom(file: string, opts: VerifyFromOptions = {}): { report: VerifyReport; state?: VerifyState; from: number } {
  // Given key files replace the key dir: a reviewer trusts exactly the key the log's author shared.
  const keyDir = opts.keyFiles?.length ? opts.keyFiles.join(', ') : opts.keyDir ?? defaultKeyDir();
  const keys = opts.keyFiles?.length ? keysFromFiles(opts.keyFiles) : trustedKeys(keyDir);
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    throw new AirlockError({ code: 'log.unreadable', message: `Cannot read the log ${file}: ${(err as Error).message}`, place: { file } });
  }
  try {
    const resume = opts.resume && stillEndsAt(fd, opts.resume) ? opts.resume : undefined;
    return { ...verifyOpen(fd, file, keyDir, keys, resume, opts.live === true, opts.head ?? 'optional'), from: resume?.expected ?? 1 };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Whether the verified prefix still ends with the very line it ended with (its bytes hash to the head we accepted): a
 * cut or a rewrite of that line means start over. Earlier lines are not re-read: a full verification covers them.
 */
function stillEndsAt(fd: number, state: VerifyState): boolean {
  if (fs.fstatSync(fd).size < state.offset || state.offset <= state.lastLineStart + BODY) return false;
  const buf = Buffer.alloc(state.offset - state.lastLineStart);
  fs.readSync(fd, buf, 0, buf.length, state.lastLineStart);
  if (buf[buf.length - 1] !== 0x0a || buf.toString('latin1', 0, HASH_HEX_LENGTH) !== state.head) return false;
  const json = buf.toString('utf8', BODY, buf.length - 1);
  try {
    const prev = (JSON.parse(json) as { prev?: unknown }).prev;
    return typeof prev === 'string' && crypto.hash('sha256', ENTRY_DOMAIN + prev + json, 'hex') === state.head;
  } catch {
    return false;
  }
}

function verifyOpen(fd: number, file: string, keyDir: string, keys: Map<string, crypto.KeyObject>, resume: VerifyState | undefined, live: boolean, headRule: 'required' | 'optional'): { report: VerifyReport; state?: VerifyState } {
  const size = fs.fstatSync(fd).size;
  const recordedHead = readHead(file);
  let scratch = Buffer.allocUnsafe(64 << 10);
  DOMAIN.copy(scratch, 0);
  const head = Buffer.alloc(HASH_HEX_LENGTH); // hash of the last good entry, as hex text
  if (resume) head.write(resume.head, 0, 'latin1');
  const computed = Buffer.alloc(HASH_HEX_LENGTH);
  let expected = resume?.expected ?? 1;
  let lineNo = resume?.lineNo ?? 0;
  let checkpoints = resume?.checkpoints ?? 0;
  let lastCheckpoint: VerifyReport['lastCheckpoint'] = resume?.lastCheckpoint;
  let lastLineStart = resume?.lastLineStart ?? 0;
  let hashAtRecordedHead: string | undefined = resume && recordedHead && recordedHead.seq === resume.expected - 1 ? resume.head : undefined;
  let problem: VerifyReport['problem'];
  let pendingGap: { line: number; found: number; searched: number } | undefined;
  const checkpointKind = new NextMatch('"kind":"checkpoint"');

  const hashMatches = (buf: Buffer, start: number, end: number, prev: Buffer): boolean => {
    const jsonLen = end - start - BODY;
    if (scratch.length < DL + HASH_HEX_LENGTH + jsonLen) {
      scratch = Buffer.allocUnsafe((DL + HASH_HEX_LENGTH + jsonLen) * 2);
      DOMAIN.copy(scratch, 0);
    }
    prev.copy(scratch, DL);
    buf.copy(scratch, DL + HASH_HEX_LENGTH, start + BODY, end);
    computed.write(crypto.hash('sha256', scratch.subarray(0, DL + HASH_HEX_LENGTH + jsonLen), 'hex'), 0, 'latin1');
    return computed.compare(buf, start, start + HASH_HEX_LENGTH) === 0;
  };

  const accept = (buf: Buffer, start: number, fileOffset: number) => {
    lastLineStart = fileOffset;
    if (recordedHead && expected === recordedHead.seq) hashAtRecordedHead = buf.toString('latin1', start, start + HASH_HEX_LENGTH);
    buf.copy(head, 0, start, start + HASH_HEX_LENGTH);
    expected++;
  };

  const checkCheckpoint = (entry: LogEntry): VerifyReport['problem'] | undefined => {
    checkpoints++;
    const k = checkpoints;
    const data = (entry.data ?? {}) as { size?: unknown; head?: unknown; time?: unknown; keyId?: unknown; sig?: unknown };
    const where = { seq: entry.seq, line: lineNo };
    if (data.size !== entry.seq - 1 || data.head !== entry.prev || typeof data.time !== 'string' || typeof data.sig !== 'string') {
      return { ...where, kind: 'bad-signature', message: `bad signature: checkpoint #${k} (seq ${entry.seq}) does not sign the chain it closes (it names size ${String(data.size)} and another head).` };
    }
    const keyId = String(data.keyId);
    const key = keys.get(keyId);
    if (!key) {
      return { ...where, kind: 'unknown-key', message: `checkpoint #${k} (seq ${entry.seq}) is signed by an unknown key ${keyId} (not in ${keyDir}; pass --key-dir, or --key with the author's key from airlock keys export).` };
    }
    if (!checkSignature(key, checkpointMessage({ size: data.size, head: data.head, time: data.time }), data.sig)) {
      return { ...where, kind: 'bad-signature', message: `bad signature: checkpoint #${k} (seq ${entry.seq}) does not verify with key ${keyId}: the entries up to seq ${data.size} are not the ones it signed.` };
    }
    lastCheckpoint = { index: k, keyId, seq: entry.seq };
    return undefined;
  };

  /** The careful path: parse the line to tell exactly what is wrong, or accept it (a nested `prev` fooled the fast path). */
  const diagnose = (buf: Buffer, start: number, end: number, fileStart: number): VerifyReport['problem'] | undefined => {
    const line = lineNo;
    if (end - start < BODY + 2 || buf[start + HASH_HEX_LENGTH] !== 0x20 || !isHexHash(buf, start)) {
      return { seq: expected, line, kind: 'malformed', message: `line ${line} is not \`<hash> <json>\`: it was altered or is not an Airlock log line.` };
    }
    let entry: LogEntry | undefined;
    try {
      entry = parseLine(buf.toString('utf8', start, end), line);
    } catch {
      entry = undefined;
    }
    const storedPrev = entry && /^[0-9a-f]{64}$/.test(entry.prev) ? Buffer.from(entry.prev, 'latin1') : undefined;
    if (!entry || !storedPrev || !hashMatches(buf, start, end, storedPrev)) {
      return { seq: expected, line, kind: 'hash-mismatch', message: `hash mismatch: entry ${expected} (line ${line}) was altered: its bytes do not match its hash.` };
    }
    if (entry.seq < expected) {
      return { seq: entry.seq, line, kind: 'reordered', message: `reordered: line ${line} holds seq ${entry.seq} where seq ${expected} belongs (lines were moved or duplicated).` };
    } else if (entry.seq > expected) {
      pendingGap = { line, found: entry.seq, searched: 0 };
      return undefined;
    } else if (line === 1) {
      const header = entry.data;
      if (entry.kind !== 'session.start' || !header || genesisPrev(header) !== entry.prev) {
        return { seq: entry.seq, line, kind: 'hash-mismatch', message: 'hash mismatch: the first entry does not commit to its session header (the start of the log was replaced).' };
      }
    } else if (!storedPrev.equals(head)) {
      return { seq: entry.seq, line, kind: 'hash-mismatch', message: `hash mismatch: entry ${entry.seq} (line ${line}) does not chain to entry ${entry.seq - 1}: that entry was altered and re-hashed, or replaced.` };
    }
    if (entry.kind === 'checkpoint') {
      const bad = checkCheckpoint(entry);
      if (bad) return bad;
    }
    accept(buf, start, fileStart);
    return undefined;
  };

  const stoppedAt = scanLines(fd, resume?.offset ?? 0, size, (buf, start, end, fileOffset, chunk) => {
    lineNo++;
    if (pendingGap) {
      // Looking for the missing seq: found later means the lines were reordered, never found means a gap.
      if (seqOf(buf, start, end) === expected) {
        problem = { seq: pendingGap.found, line: pendingGap.line, kind: 'reordered', message: `reordered: line ${pendingGap.line} holds seq ${pendingGap.found} but seq ${expected} comes later, at line ${lineNo}.` };
        return false;
      }
      if (++pendingGap.searched >= LOOKAHEAD_LINES) return false;
      return true;
    }
    // Fast path: framing, top-level prev and seq found in place, hash of the stored bytes matches.
    const len = end - start;
    if (lineNo > 1 && len > BODY + 2 && buf[start + HASH_HEX_LENGTH] === 0x20) {
      // `prev` sorts before `seq`, so its search starts at seq and only crosses ref/rule/script.
      const s = seqAt(buf, start, end);
      const p = s < 0 ? -1 : buf.lastIndexOf(PREV_NEEDLE, s);
      const v = p + PREV_NEEDLE.length;
      if (p >= start + BODY && buf[v + HASH_HEX_LENGTH] === 0x22 && head.compare(buf, v, v + HASH_HEX_LENGTH) === 0
        && seqOf(buf, start, end, s) === expected && hashMatches(buf, start, end, head)) {
        if (checkpointKind.within(buf, start, end, chunk) >= 0) {
          let entry: LogEntry;
          try {
            entry = parseLine(buf.toString('utf8', start, end), lineNo);
          } catch {
            problem = { seq: expected, line: lineNo, kind: 'malformed', message: `line ${lineNo} matches its hash but is not a valid entry: it was forged.` };
            return false;
          }
          if (entry.kind === 'checkpoint') {
            problem = checkCheckpoint(entry);
            if (problem) return false;
          }
        }
        accept(buf, start, fileOffset);
        return true;
      }
    }
    problem = diagnose(buf, start, end, fileOffset);
    return problem === undefined;
  });

  const entries = expected - 1;
  if (pendingGap && !problem) {
    problem = { seq: expected, line: pendingGap.line, kind: 'seq-gap', message: `seq gap: entry ${expected} is missing (line ${pendingGap.line} holds seq ${pendingGap.found}).` };
  }
  const since = lastCheckpoint ? `after checkpoint #${lastCheckpoint.index}` : 'before any checkpoint';
  // A torn last line is reported as torn, before the head is compared: the head may already name the torn entry.
  if (!problem && stoppedAt < size && !live) {
    problem = {
      seq: expected,
      line: lineNo + 1,
      kind: 'torn-line',
      message: `torn last line: ${size - stoppedAt} bytes without a newline after entry ${entries} (the writer was interrupted); the next open cuts it and logs the recovery.`,
    };
  }
  if (!problem && recordedHead && recordedHead.seq > entries) {
    problem = {
      seq: entries + 1,
      line: lineNo + 1,
      kind: 'truncated',
      message: `truncated ${since}: the log ends at seq ${entries} but its head, kept apart, records seq ${recordedHead.seq}.`,
    };
  }
  if (!problem && recordedHead && hashAtRecordedHead !== undefined && hashAtRecordedHead !== recordedHead.hash) {
    problem = { seq: recordedHead.seq, line: recordedHead.seq, kind: 'hash-mismatch', message: `hash mismatch: entry ${recordedHead.seq} differs from the head recorded apart from the log (the log was rewritten).` };
  }
  if (!problem && entries === 0) {
    problem = { line: 1, kind: 'truncated', message: 'truncated: the log holds no entries.' };
  }
  if (!problem && !recordedHead && headRule === 'required') {
    problem = {
      seq: entries + 1, line: lineNo + 1, kind: 'head-missing',
      message: `the head kept apart from the log (${headFileOf(file)}) is missing, so whether entries were cut from the end cannot be checked: `
        + `the ${entries} entries there chain intact ${lastCheckpoint ? `up to checkpoint #${lastCheckpoint.index} and beyond` : '(no checkpoint)'}. `
        + 'Copy the .head file with the log, or pass --no-head to accept an unchecked end.',
    };
  }
  const report: VerifyReport = {
    ok: problem === undefined, entries, head: recordedHead ? 'checked' : 'missing',
    ...(lastCheckpoint ? { lastCheckpoint } : {}), ...(problem ? { problem } : {}),
    ...(recordedHead ? {} : { headMissing: true as const }),
  };
  if (problem || entries === 0) return { report };
  const state: VerifyState = {
    offset: live ? stoppedAt : size, lastLineStart, expected, lineNo, head: head.toString('latin1'), checkpoints,
    ...(lastCheckpoint ? { lastCheckpoint } : {}),
  };
  return { report, state };
}

/** The one-line summary `airlock verify` prints. */
export function describeReport(report: VerifyReport): string {
  if (report.ok) {
    const cp = report.lastCheckpoint ? `last checkpoint #${report.lastCheckpoint.index} signed by ${report.lastCheckpoint.keyId}` : 'no checkpoint yet';
    const end = report.head === 'missing' ? '; no head kept apart: truncation at the end was NOT checked (--no-head)' : '';
    return `${report.entries} entries, chain intact, ${cp}${end}`;
  }
  const p = report.problem;
  if (!p) return `${report.entries} entries, not verified`;
  return `${p.seq !== undefined ? `entry ${p.seq}, ` : ''}line ${p.line}: ${p.message}`;
}
