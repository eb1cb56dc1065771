// Builds an entry in one pass: validates the input, redacts it, inserts every key in RFC 8785 order, and renders its JSON.
import { AirlockError } from '../errors.js';
import { canonicalClone, cleanString, NEEDS_REFERENCE, referenceCanonical } from './canonical.js';
import { ENTRY_KINDS, type EntryInput, type LogEntry } from './entry.js';
import { redactString, redactValue } from './redact.js';

const KINDS = new Set<string>(ENTRY_KINDS);
const VERDICTS = new Set(['allow', 'ask', 'deny']);
const DECIDERS = new Set(['policy', 'user', 'timeout', 'killswitch', 'grant']);
const OUTCOMES = new Set(['done', 'denied', 'error', 'killed']);

/** A nested field's clean copy; a value that is not plain JSON data is redacted as is and flags the reference path. */
function cleanNested(value: unknown, redact: boolean, state: { needsReference: boolean }): unknown {
  try {
    return canonicalClone(value, redact);
  } catch (err) {
    if (err !== NEEDS_REFERENCE) throw err;
    state.needsReference = true;
    // Redact what will be written: toJSON (a URL, a Date) runs first, so a secret it renders is redacted too.
    return redact ? redactValue(asJsonData(value)) : value;
  }
}

/** The JSON data a value serialises to (toJSON applied); what JSON cannot hold is refused as a bad entry. */
function asJsonData(value: unknown): unknown {
  try {
    const json = JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`${v} is not a finite number`);
      return v;
    });
    return json === undefined ? null : JSON.parse(json);
  } catch (err) {
    throw badEntry(`A log entry field cannot be written as JSON: ${(err as Error).message}.`);
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
  /**
   * Its RFC 8785 JSON, the bytes the line holds and its hash covers: one JSON.stringify of body, or the `canonicalize`
   * package's output when a nested value is not plain JSON data.
   */
  json: string;
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
  return { body: b as unknown as Omit<LogEntry, 'hash'>, json: state.needsReference ? referenceCanonical(b) : JSON.stringify(b) };
}
