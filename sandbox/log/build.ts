// Builds an entry body in one pass: validates the input, redacts it, and inserts every key in RFC 8785 order.
import { AirlockError } from '../errors.js';
import { ENTRY_KINDS, type EntryInput, type LogEntry } from './entry.js';
import { isWellFormed } from './format.js';
import { marker, redactString, redactValue, secretKeyKind } from './redact.js';

const KINDS = new Set<string>(ENTRY_KINDS);
const VERDICTS = new Set(['allow', 'ask', 'deny']);
const DECIDERS = new Set(['policy', 'user', 'timeout', 'killswitch', 'grant']);
const OUTCOMES = new Set(['done', 'denied', 'error', 'killed']);
const INDEX_LIKE = /^(?:0|[1-9][0-9]*)$/;

/** Keys V8 enumerates before all others (array indices), which JSON.stringify would therefore misorder. */
function indexLike(key: string): boolean {
  const c = key.charCodeAt(0);
  return c >= 0x30 && c <= 0x39 && INDEX_LIKE.test(key);
}

/** Thrown while cleaning a value JSON.stringify cannot render canonically (see format.ts sortedClone). */
const NEEDS_REFERENCE = Symbol('needs canonicalize');

/** Redacted strings of nested values and task/action names, which repeat from entry to entry. */
const stringCache = new Map<string, string>();

function cleanString(text: string, redact: boolean): string {
  if (!redact) {
    if (!isWellFormed(text)) throw NEEDS_REFERENCE;
    return text;
  }
  if (text.length > 128) return redactString(text);
  let out = stringCache.get(text);
  if (out === undefined) {
    out = redactString(text);
    if (stringCache.size >= 4096) stringCache.clear();
    stringCache.set(text, out);
  }
  return out;
}

/** A redacted copy with keys in RFC 8785 order; throws NEEDS_REFERENCE for anything but plain JSON data. */
function cleanValue(value: unknown, redact: boolean): unknown {
  switch (typeof value) {
    case 'string':
      return cleanString(value, redact);
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
          out[i] = item === undefined || typeof item === 'function' || typeof item === 'symbol' ? null : cleanValue(item, redact);
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
        const kind = redact ? secretKeyKind(key) : undefined;
        if (kind !== undefined && item !== null && typeof item !== 'boolean' && item !== '') {
          out[key] = typeof item === 'string' && item.startsWith('[redacted:') ? item : marker(kind);
        } else {
          out[key] = cleanValue(item, redact);
        }
      }
      return out;
    }
    default:
      throw NEEDS_REFERENCE;
  }
}

/** A nested field's clean copy; a value that is not plain JSON data is redacted as is and flags the reference path. */
function cleanNested(value: unknown, redact: boolean, state: { needsReference: boolean }): unknown {
  try {
    return cleanValue(value, redact);
  } catch (err) {
    if (err !== NEEDS_REFERENCE) throw err;
    state.needsReference = true;
    return redact ? redactValue(value) : value;
  }
}

function badEntry(message: string): AirlockError {
  return new AirlockError({ code: 'log.bad-entry', message });
}

function oneOf(set: Set<string>, value: unknown, field: string): string {
  if (typeof value !== 'string' || !set.has(value)) throw badEntry(`Log entry field ${field} is ${JSON.stringify(value)}; expected one of ${[...set].join(', ')}.`);
  return value;
}

function finite(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw badEntry(`Log entry field ${field} must be a finite number.`);
  return value;
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string') throw badEntry(`Log entry field ${field} must be a string.`);
  return value;
}

export interface BuiltEntry {
  /** The entry without its hash, keys inserted in canonical order (so JSON.stringify of it is canonical JSON). */
  body: Omit<LogEntry, 'hash'>;
  /** True when a nested value is not plain JSON data: the line must then be serialised by the `canonicalize` package. */
  needsReference: boolean;
}

/**
 * Validates and redacts an entry (redact=false for the log's own entries: checkpoints, pre-redacted headers) and
 * adds the chain fields. Unknown input fields are dropped: only the documented fields reach the log.
 */
export function buildEntry(input: EntryInput, chain: { seq: number; ts: string; session: string; prev: string }, redact: boolean): BuiltEntry {
  const state = { needsReference: false };
  const kind = oneOf(KINDS, input.kind, 'kind');
  const b: Record<string, unknown> = {};
  if (input.action !== undefined) b['action'] = cleanString(text(input.action, 'action'), redact);
  if (input.data !== undefined) b['data'] = cleanNested(input.data, redact, state);
  if (input.decidedBy !== undefined) b['decidedBy'] = oneOf(DECIDERS, input.decidedBy, 'decidedBy');
  if (input.digests !== undefined) b['digests'] = cleanNested(input.digests, redact, state);
  if (input.durationMs !== undefined) b['durationMs'] = finite(input.durationMs, 'durationMs');
  if (input.error !== undefined) {
    b['error'] = { code: cleanString(text(input.error.code, 'error.code'), redact), message: redact ? redactString(text(input.error.message, 'error.message')) : text(input.error.message, 'error.message') };
  }
  b['kind'] = kind;
  if (input.outcome !== undefined) b['outcome'] = oneOf(OUTCOMES, input.outcome, 'outcome');
  b['prev'] = chain.prev;
  if (input.ref !== undefined) b['ref'] = finite(input.ref, 'ref');
  if (input.rule !== undefined) b['rule'] = cleanNested(input.rule, redact, state);
  if (input.script !== undefined) b['script'] = cleanString(text(input.script, 'script'), redact);
  b['seq'] = chain.seq;
  b['session'] = chain.session;
  if (input.target !== undefined) b['target'] = redact ? redactString(text(input.target, 'target')) : text(input.target, 'target');
  if (input.task !== undefined) b['task'] = cleanString(text(input.task, 'task'), redact);
  b['ts'] = chain.ts;
  b['v'] = 1;
  if (input.verdict !== undefined) b['verdict'] = oneOf(VERDICTS, input.verdict, 'verdict');
  return { body: b as unknown as Omit<LogEntry, 'hash'>, needsReference: state.needsReference };
}
