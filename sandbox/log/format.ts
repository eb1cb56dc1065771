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
 *   The writer canonicalises once: build.ts inserts keys in canonical order (redacting on the way), so one
 *   JSON.stringify emits RFC 8785 JSON; values JSON.stringify cannot render canonically (index-like keys, toJSON,
 *   lone surrogates ...) go through the `canonicalize` package instead (tests check both against the package).
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
import canonicalize from 'canonicalize';
import { AirlockError } from '../errors.js';
import type { LogEntry } from './entry.js';

export const ENTRY_DOMAIN = 'airlock.log.entry.v1\0';
export const GENESIS_DOMAIN = 'airlock.log.genesis.v1\0';
export const CHECKPOINT_DOMAIN = 'airlock.log.checkpoint.v1\0';
export const HASH_HEX_LENGTH = 64;

export function sha256Hex(data: string | Uint8Array): string {
  return crypto.hash('sha256', data, 'hex');
}

/** ES2024 string methods (Node has them; the project's TypeScript lib is ES2023). */
interface WellFormed { isWellFormed(): boolean; toWellFormed(): string }
export function isWellFormed(s: string): boolean {
  return (s as unknown as WellFormed).isWellFormed();
}
export function toWellFormed(s: string): string {
  return (s as unknown as WellFormed).toWellFormed();
}

/** Thrown inside sortedClone when a value needs the reference serialiser (non-plain objects, index-like keys, ...). */
const NEEDS_REFERENCE = Symbol('needs canonicalize');
const INDEX_LIKE = /^(?:0|[1-9][0-9]*)$/;

/** Keys V8 enumerates before all others (array indices), which JSON.stringify would therefore misorder. */
function indexLike(key: string): boolean {
  const c = key.charCodeAt(0);
  return c >= 0x30 && c <= 0x39 && INDEX_LIKE.test(key);
}

/**
 * A copy whose object keys are inserted in RFC 8785 order (UTF-16 code units), so JSON.stringify emits canonical JSON.
 * Only plain data takes this path; anything JSON.stringify could order or render differently from RFC 8785
 * (index-like keys, which V8 always enumerates first; a `__proto__` key, which assignment would not create;
 * toJSON and other non-plain objects; non-finite numbers; lone
 * surrogates, which RFC 8785 rejects) makes the caller use the `canonicalize` package instead.
 */
function sortedClone(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
      if (!isWellFormed(value)) throw NEEDS_REFERENCE;
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw NEEDS_REFERENCE;
      return value;
    case 'boolean':
      return value;
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) {
        const out = new Array<unknown>(value.length);
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          out[i] = item === undefined || typeof item === 'function' || typeof item === 'symbol' ? null : sortedClone(item);
        }
        return out;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw NEEDS_REFERENCE;
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).sort();
      const out: Record<string, unknown> = {};
      for (const key of keys) {
        if (indexLike(key) || key === '__proto__' || !isWellFormed(key)) throw NEEDS_REFERENCE;
        const item = obj[key];
        if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
        out[key] = sortedClone(item);
      }
      return out;
    }
    default:
      throw NEEDS_REFERENCE; // bigint, or undefined/function at the top
  }
}

export function referenceCanonical(value: unknown): string {
  let json: string | undefined;
  try {
    json = canonicalize(value);
  } catch (err) {
    throw new AirlockError({ code: 'log.bad-entry', message: `A log entry cannot be written as canonical JSON: ${(err as Error).message}.` });
  }
  if (json === undefined) throw new AirlockError({ code: 'log.bad-entry', message: 'A log entry must be JSON data.' });
  return json;
}

/**
 * RFC 8785 canonical JSON. The `canonicalize` package is the reference; plain data takes an equivalent fast path
 * (sorted copy + JSON.stringify, ~3x faster), which the tests check against the package on random values.
 */
export function canonicalJson(value: unknown): string {
  let clone: unknown;
  try {
    clone = sortedClone(value);
  } catch (err) {
    if (err === NEEDS_REFERENCE) return referenceCanonical(value);
    throw err;
  }
  return JSON.stringify(clone);
}

/** The `prev` of a file's first entry: it commits to the session header (and so to the policy's hash). */
export function genesisPrev(header: Record<string, unknown>): string {
  return sha256Hex(GENESIS_DOMAIN + canonicalJson(header));
}

export function entryHash(prev: string, json: string): string {
  return sha256Hex(ENTRY_DOMAIN + prev + json);
}

/** A top-level value as JSON.stringify may render it canonically; anything unusual goes to the reference serialiser. */
function plain(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
      if (!isWellFormed(value)) throw NEEDS_REFERENCE;
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw NEEDS_REFERENCE;
      return value;
    case 'boolean':
      return value;
    case 'object':
      return sortedClone(value);
    default:
      throw NEEDS_REFERENCE;
  }
}

/**
 * Canonical JSON of an entry body. Its top-level keys are known, so a copy is built with them inserted in their fixed
 * canonical order (unrolled: named reads, no sorting; nested values through sortedClone) and serialised by one
 * JSON.stringify call. Equal to canonicalize(body) (tested on random bodies); a body with any other key, or with a
 * value the fast path cannot vouch for, goes to the `canonicalize` package.
 */
export function entryJson(body: Omit<LogEntry, 'hash'>): string {
  try {
    return JSON.stringify(canonicalOrder(body));
  } catch (err) {
    if (err === NEEDS_REFERENCE) return referenceCanonical(body);
    throw err;
  }
}

function canonicalOrder(body: Omit<LogEntry, 'hash'>): Record<string, unknown> {
  const b = body as Omit<LogEntry, 'hash'> & Record<string, unknown>;
  const o: Record<string, unknown> = {};
  let n = 0;
  if (b.action !== undefined) { n++; o['action'] = plain(b.action); }
  if (b.data !== undefined) { n++; o['data'] = plain(b.data); }
  if (b.decidedBy !== undefined) { n++; o['decidedBy'] = plain(b.decidedBy); }
  if (b.digests !== undefined) { n++; o['digests'] = plain(b.digests); }
  if (b.durationMs !== undefined) { n++; o['durationMs'] = plain(b.durationMs); }
  if (b.error !== undefined) { n++; o['error'] = plain(b.error); }
  if (b.kind !== undefined) { n++; o['kind'] = plain(b.kind); }
  if (b.outcome !== undefined) { n++; o['outcome'] = plain(b.outcome); }
  if (b.prev !== undefined) { n++; o['prev'] = plain(b.prev); }
  if (b.ref !== undefined) { n++; o['ref'] = plain(b.ref); }
  if (b.rule !== undefined) { n++; o['rule'] = plain(b.rule); }
  if (b.script !== undefined) { n++; o['script'] = plain(b.script); }
  if (b.seq !== undefined) { n++; o['seq'] = plain(b.seq); }
  if (b.session !== undefined) { n++; o['session'] = plain(b.session); }
  if (b.target !== undefined) { n++; o['target'] = plain(b.target); }
  if (b.task !== undefined) { n++; o['task'] = plain(b.task); }
  if (b.ts !== undefined) { n++; o['ts'] = plain(b.ts); }
  if (b.v !== undefined) { n++; o['v'] = plain(b.v); }
  if (b.verdict !== undefined) { n++; o['verdict'] = plain(b.verdict); }
  // Any other key (or a present-but-undefined one) leaves the fast path.
  if (n !== Object.keys(b).length) throw NEEDS_REFERENCE;
  return o;
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

  /** Returns the hash and the line as a view into the encoder's buffer (valid until the next call). */
  encode(body: Omit<LogEntry, 'hash'>): { hash: string; line: Buffer } {
    return this.encodeJson(body.prev, entryJson(body));
  }

  /** Same, for JSON already known to be the entry's canonical JSON (the writer builds it in canonical key order). */
  encodeJson(prev: string, json: string): { hash: string; line: Buffer } {
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
