// Verifies a slice of a log (an export of some of its lines): every line matches its hash, consecutive entries chain, and
// with the full log at hand, every line is the very line that log holds at that seq (and the full log verifies).
import fs from 'node:fs';
import { AirlockError } from '../errors.js';
import { entryHash, HASH_HEX_LENGTH } from './format.js';
import { verifyLog, type VerifyReport } from './verify.js';

export interface SliceReport {
  ok: boolean;
  entries: number;
  /** Runs of consecutive seqs (each run is a chained stretch of the log). */
  runs: number;
  /** The full log's own verification, when one was given. */
  against?: { file: string; report: VerifyReport };
  problem?: { line: number; seq?: number; kind: 'malformed' | 'hash-mismatch' | 'reordered' | 'not-in-log' | 'log-broken'; message: string };
}

const HEX = /^[0-9a-f]{64}$/;

function readLines(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new AirlockError({ code: 'log.unreadable', message: `Cannot read ${file}: ${(err as Error).message}`, place: { file } });
  }
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

export function verifySlice(file: string, opts: { against?: string; keyDir?: string } = {}): SliceReport {
  const lines = readLines(file);
  let against: SliceReport['against'];
  let full: Map<number, string> | undefined;
  if (opts.against !== undefined) {
    const report = verifyLog(opts.against, opts.keyDir !== undefined ? { keyDir: opts.keyDir } : {});
    against = { file: opts.against, report };
    if (!report.ok) {
      return { ok: false, entries: 0, runs: 0, against, problem: { line: 0, kind: 'log-broken', message: `the full log ${opts.against} does not verify: ${report.problem?.message ?? 'unknown problem'}` } };
    }
    full = new Map();
    for (const line of readLines(opts.against)) full.set((JSON.parse(line.slice(HASH_HEX_LENGTH + 1)) as { seq: number }).seq, line);
  }
  let runs = 0;
  let last: { seq: number; hash: string; session: unknown } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i] as string;
    const hash = line.slice(0, HASH_HEX_LENGTH);
    const json = line.slice(HASH_HEX_LENGTH + 1);
    let entry: { seq?: unknown; prev?: unknown; session?: unknown };
    try {
      if (!HEX.test(hash) || line[HASH_HEX_LENGTH] !== ' ') throw new Error('framing');
      entry = JSON.parse(json) as typeof entry;
    } catch {
      return { ok: false, entries: i, runs, ...(against ? { against } : {}), problem: { line: lineNo, kind: 'malformed', message: `line ${lineNo} is not \`<hash> <json>\`: it is not an exported log line.` } };
    }
    const seq = typeof entry.seq === 'number' ? entry.seq : undefined;
    const bad = (kind: NonNullable<SliceReport['problem']>['kind'], message: string): SliceReport =>
      ({ ok: false, entries: i, runs, ...(against ? { against } : {}), problem: { line: lineNo, ...(seq !== undefined ? { seq } : {}), kind, message } });
    if (seq === undefined || typeof entry.prev !== 'string' || !HEX.test(entry.prev)) return bad('malformed', `line ${lineNo} has no seq or prev: it is not a log entry.`);
    if (entryHash(entry.prev, json) !== hash) return bad('hash-mismatch', `hash mismatch: entry ${seq} (line ${lineNo}) was altered: its bytes do not match its hash.`);
    if (last && entry.session !== last.session) return bad('malformed', `entry ${seq} (line ${lineNo}) belongs to another session: a slice comes from one log.`);
    if (last && seq <= last.seq) return bad('reordered', `reordered: entry ${seq} (line ${lineNo}) comes after entry ${last.seq}.`);
    if (last && seq === last.seq + 1) {
      if (entry.prev !== last.hash) return bad('hash-mismatch', `hash mismatch: entry ${seq} (line ${lineNo}) does not chain to entry ${last.seq}.`);
    } else runs++;
    if (full && full.get(seq) !== line) return bad('not-in-log', `entry ${seq} (line ${lineNo}) is not the line ${opts.against} holds at seq ${seq}.`);
    last = { seq, hash, session: entry.session };
  }
  return { ok: true, entries: lines.length, runs, ...(against ? { against } : {}) };
}

export function describeSlice(r: SliceReport): string {
  if (!r.ok) return `line ${r.problem?.line ?? 0}: ${r.problem?.message ?? 'not verified'}`;
  const where = r.against ? `; every line is the one ${r.against.file} holds, and that log verifies (${r.against.report.entries} entries)` : '';
  return `${r.entries} entries in ${r.runs} run${r.runs === 1 ? '' : 's'}: each line matches its hash and consecutive entries chain${where}`;
}
