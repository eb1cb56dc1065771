// The on-disk line format of the action log: how an entry becomes bytes, how its hash is computed, how a line is read back.
/*
 * Design (decided for issue 4):
 *
 * - A log file holds one entry per line:   `<hash> <json>\n`
 *     hash = lowercase hex SHA-256( ENTRY_DOMAIN ‖ prev ‖ json )
 *     json = RFC 8785 canonical JSON (the `canonicalize` package) of the entry with every field but `hash`, so it
 *            includes `v`, `seq`, `ts`, `session`, `prev` and the redacted body. UTF-8, no newline inside (JSON escapes).
 *     prev = the previous line's hash; for the first line, SHA-256( GENESIS_DOMAIN ‖ canonical JSON of the session
 *            header ), and the header (with the policy's hash and the signing key id) is that entry's `data`.
 *   The writer canonicalises once: build.ts clones the entry with canonical.ts's cloner, which inserts keys in
 *   canonical order (redacting on the way), so one JSON.stringify emits RFC 8785 JSON; values JSON.stringify cannot
 *   render canonically (index-like keys, toJSON, lone surrogates ...) go through the `canonicalize` package instead
 *   (tests check both against the package, and that a log written before this cloner verifies and rebuilds byte for
 *   byte: test/log/fixtures/format-v1).
 *   The verifier never re-canonicalises: it hashes ENTRY_DOMAIN ‖ running head ‖ the stored json bytes and compares
 *   with the stored hash text, so every byte of a line is covered (the json by the hash, the hash text by the
 *   comparison, the separator and newline by the framing). Readers JSON.parse those same verified bytes.
 * - The verifier finds `seq` and `prev` without parsing: canonical JSON sorts keys, `kind` always precedes `prev` and
 *   `seq`, and every key sorted after `seq` (session, target, task, ts, v, verdict) is a scalar, so the last `,"seq":`
 *   in a line is the top-level one; the last `,"prev":"` is top-level unless `rule` nests a `prev` key, in which case
 *   the verifier falls back to JSON.parse for that line. Any line that fails the fast path is parsed to tell what is
 *   wrong (altered entry, seq gap, reordering, broken link).
 * - Checkpoints are entries of kind `checkpoint` whose data holds { index, size, head, time, keyId, sig }: `size`
 *   entries (seqs 1..size) ending at `head` were signed with Ed25519 over CHECKPOINT_DOMAIN ‖ canonical JSON of
 *   { size, head, time }. Keys live outside the workspace (keys.ts); the verifier trusts the keys in its key dir.
 * - The latest head { seq, hash, bytes, checkpoint } is also kept apart from the log in `<log>.head` (replaced
 *   atomically after each group fsync and at every checkpoint), so a log shorter than its recorded head is reported
 *   as truncated, even when the cut falls on a line boundary.
 * - One writer per file (an O_EXCL `<log>.lock` holding the pid; a dead holder's lock is taken over); each session
 *   writes its own file (`<ISO time>-<session>.jsonl`) in a per-workspace folder of the user's state directory.
 * - Durability: append() returns only after write(2) of the whole line returned, so a killed harness (SIGKILL) never
 *   leaves an action without its decision in the file (the kernel has it). fsync is grouped: one fsync per window
 *   (fsyncWindowMs, default 5 ms) after appends, and at once at every checkpoint and at close. A power loss can
 *   therefore cost the entries appended in the last window (~5 ms) before the crash, and can tear the last line; a
 *   torn final line is reported by verify and cut (its digest logged in a `recovery` entry) by the next open, and
 *   entries lost behind a recorded head are recorded in that `recovery` entry too.
 */
import crypto from 'node:crypto';
import { AirlockError } from '../errors.js';
import { canonicalJson } from './canonical.js';
import type { LogEntry } from './entry.js';

export const ENTRY_DOMAIN = 'airlock.log.entry.v1\0';
export const GENESIS_DOMAIN = 'airlock.log.genesis.v1\0';
export const CHECKPOINT_DOMAIN = 'airlock.log.checkpoint.v1\0';
export const HASH_HEX_LENGTH = 64;

export function sha256Hex(data: string | Uint8Array): string {
  return crypto.hash('sha256', data, 'hex');
}

/** The `prev` of a file's first entry: it commits to the session header (and so to the policy's hash). */
export function genesisPrev(header: Record<string, unknown>): string {
  return sha256Hex(GENESIS_DOMAIN + canonicalJson(header));
}

export function entryHash(prev: string, json: string): string {
  return sha256Hex(ENTRY_DOMAIN + prev + json);
}

const DOMAIN_BYTES = Buffer.from(ENTRY_DOMAIN, 'utf8');
const LINE_START = DOMAIN_BYTES.length + HASH_HEX_LENGTH - (HASH_HEX_LENGTH + 1);

/**
 * Encodes an entry's line into one reusable buffer with a single UTF-8 encoding and a single hash:
 * the buffer holds `DOMAIN ‖ prev ‖ json ‖ \n`, the hash covers all but the newline, then `<hash> ` overwrites the
 * tail of `DOMAIN ‖ prev` in place, so the line is a contiguous slice ready for one write(2).
 */
export class LineEncoder {
  private buf = Buffer.allocUnsafe(16 << 10);

  /**
   * The hash and the line of the entry whose canonical JSON is `json` (build.ts renders it) and whose predecessor's
   * hash is `prev`; the line is a view into the encoder's buffer, valid until the next call.
   */
  encode(prev: string, json: string): { hash: string; line: Buffer } {
    DOMAIN_BYTES.copy(this.buf, 0); // its last byte was overwritten by the previous line's hash
    const jsonAt = DOMAIN_BYTES.length + HASH_HEX_LENGTH;
    let room = this.buf.length - jsonAt - 1;
    if (json.length * 3 > room) {
      const need = jsonAt + Buffer.byteLength(json, 'utf8') + 1;
      if (need > this.buf.length) {
        this.buf = Buffer.allocUnsafe(need * 2);
        DOMAIN_BYTES.copy(this.buf, 0);
      }
      room = this.buf.length - jsonAt - 1;
    }
    this.buf.write(prev, DOMAIN_BYTES.length, HASH_HEX_LENGTH, 'latin1');
    const jsonLen = this.buf.write(json, jsonAt, room, 'utf8');
    const end = jsonAt + jsonLen;
    const hash = crypto.hash('sha256', this.buf.subarray(0, end), 'hex');
    this.buf.write(hash, LINE_START, HASH_HEX_LENGTH, 'latin1');
    this.buf[jsonAt - 1] = 0x20;
    this.buf[end] = 0x0a;
    return { hash, line: this.buf.subarray(LINE_START, end + 1) };
  }
}

/** The bytes a checkpoint signature covers. */
export function checkpointMessage(cp: { size: number; head: string; time: string }): Buffer {
  return Buffer.from(CHECKPOINT_DOMAIN + canonicalJson({ size: cp.size, head: cp.head, time: cp.time }));
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Reads one whole line (without its newline) back into an entry; throws AirlockError('log.malformed'). */
export function parseLine(line: string, lineNo?: number): LogEntry {
  const where = lineNo === undefined ? 'a log line' : `line ${lineNo}`;
  const hash = line.slice(0, HASH_HEX_LENGTH);
  if (line.charCodeAt(HASH_HEX_LENGTH) !== 0x20 || !HEX64.test(hash)) {
    throw new AirlockError({ code: 'log.malformed', message: `${where} does not start with a 64-hex hash and a space.` });
  }
  let body: unknown;
  try {
    body = JSON.parse(line.slice(HASH_HEX_LENGTH + 1));
  } catch {
    throw new AirlockError({ code: 'log.malformed', message: `${where} does not hold valid JSON after its hash.` });
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new AirlockError({ code: 'log.malformed', message: `${where} does not hold a JSON object.` });
  }
  const entry = body as LogEntry;
  if (typeof entry.seq !== 'number' || typeof entry.prev !== 'string' || typeof entry.kind !== 'string') {
    throw new AirlockError({ code: 'log.malformed', message: `${where} lacks seq, prev or kind.` });
  }
  entry.hash = hash;
  return entry;
}
