// RFC 8785 canonical JSON: one cloner inserts keys in canonical order (redacting on the way when asked); JSON.stringify renders it.
/*
 * JSON.stringify emits keys in insertion order, so a copy whose keys were inserted sorted by UTF-16 code units renders
 * as RFC 8785 JSON, several times faster than the `canonicalize` package, which stays the reference (the tests compare
 * both on random values). Only plain data takes the fast path: anything JSON.stringify could order or render
 * differently (index-like keys, which V8 always enumerates first; a `__proto__` key, which assignment would not create;
 * toJSON and other non-plain objects; non-finite numbers; bigint; lone surrogates, which RFC 8785 rejects) makes
 * canonicalClone throw NEEDS_REFERENCE, and the caller serialises with the package instead.
 * The writer clones each entry once (build.ts, redact = true); canonicalJson clones without redacting.
 */
import canonicalize from 'canonicalize';
import { AirlockError } from '../errors.js';
import { marker, redactString, secretKeyKind } from './redact.js';
import { isWellFormed } from './unicode.js';

/** Thrown by canonicalClone for a value only the reference serialiser renders canonically. */
export const NEEDS_REFERENCE = Symbol('needs canonicalize');

const INDEX_LIKE = /^(?:0|[1-9][0-9]*)$/;

/** Keys V8 enumerates before all others (array indices), which JSON.stringify would therefore misorder. */
function indexLike(key: string): boolean {
  const c = key.charCodeAt(0);
  return c >= 0x30 && c <= 0x39 && INDEX_LIKE.test(key);
}

/**
 * An object's key set as Object.keys lists it, with the canonical order and each key's secret kind worked out once:
 * entries repeat the same few shapes (rules, headers, reasons), so sorting and classifying keys per entry is waste.
 */
interface Shape {
  keys: readonly string[];
  /** The keys sorted by UTF-16 code units (RFC 8785 order). */
  sorted: readonly string[];
  /** The secret kind each sorted key announces (redaction), or undefined. */
  kinds: readonly (string | undefined)[];
}

/** The last shape seen per first key; a miss only costs the sort the cache saves. */
const shapes = new Map<string, Shape>();
const SHAPES_MAX = 1024;
/** Key lists longer than this (in characters) are not kept: they are unlikely to repeat and would pin memory. */
const SHAPE_CHARS_MAX = 4096;

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The shape of a non-empty key list; throws NEEDS_REFERENCE if a key needs the reference serialiser. */
function shapeOf(keys: string[]): Shape {
  const first = keys[0] as string;
  let shape = shapes.get(first);
  if (shape !== undefined && sameKeys(shape.keys, keys)) return shape;
  let chars = 0;
  for (const key of keys) {
    if (indexLike(key) || key === '__proto__' || !isWellFormed(key)) throw NEEDS_REFERENCE;
    chars += key.length;
  }
  const sorted = keys.slice().sort();
  shape = { keys, sorted, kinds: sorted.map((key) => secretKeyKind(key)) };
  if (chars <= SHAPE_CHARS_MAX) {
    if (shapes.size >= SHAPES_MAX) shapes.clear();
    shapes.set(first, shape);
  }
  return shape;
}

/**
 * Redacted strings up to this length are cached: task and action names and rule fields repeat from entry to entry,
 * while longer ones (reasons, commands, URLs) rarely do, and hashing them into the cache costs more than it saves.
 */
const CACHED_STRING_MAX = 64;
const stringCache = new Map<string, string>();

/** A string as the log holds it: redacted (lone surrogates replaced), or else checked to be well formed. */
export function cleanString(text: string, redact: boolean): string {
  if (!redact) {
    if (!isWellFormed(text)) throw NEEDS_REFERENCE;
    return text;
  }
  if (text.length > CACHED_STRING_MAX) return redactString(text);
  let out = stringCache.get(text);
  if (out === undefined) {
    out = redactString(text);
    if (stringCache.size >= 4096) stringCache.clear();
    stringCache.set(text, out);
  }
  return out;
}

/**
 * A copy of plain JSON data with object keys inserted in RFC 8785 order, so JSON.stringify of it is canonical JSON;
 * with `redact`, strings are redacted and values under secret-named keys replaced by a marker on the way (the same
 * result as redactValue). Members JSON.stringify would drop (undefined, functions, symbols) are dropped, and become
 * null in arrays, as JSON.stringify and the `canonicalize` package do. Throws NEEDS_REFERENCE for anything else.
 */
export function canonicalClone(value: unknown, redact: boolean): unknown {
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
          out[i] = item === undefined || typeof item === 'function' || typeof item === 'symbol' ? null : canonicalClone(item, redact);
        }
        return out;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw NEEDS_REFERENCE;
      const obj = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      const keys = Object.keys(obj);
      if (keys.length === 0) return out;
      const { sorted, kinds } = shapeOf(keys);
      for (let i = 0; i < sorted.length; i++) {
        const key = sorted[i] as string;
        const item = obj[key];
        if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
        const kind = redact ? kinds[i] : undefined;
        if (kind !== undefined && item !== null && typeof item !== 'boolean' && item !== '') {
          out[key] = typeof item === 'string' && item.startsWith('[redacted:') ? item : marker(kind);
        } else {
          out[key] = canonicalClone(item, redact);
        }
      }
      return out;
    }
    default:
      throw NEEDS_REFERENCE; // bigint, or undefined/function/symbol at the top
  }
}

/** RFC 8785 JSON by the `canonicalize` package; what it cannot represent is refused as log.bad-entry. */
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

/** RFC 8785 canonical JSON of any value (no redaction): the fast path for plain data, else the reference serialiser. */
export function canonicalJson(value: unknown): string {
  let clone: unknown;
  try {
    clone = canonicalClone(value, false);
  } catch (err) {
    if (err === NEEDS_REFERENCE) return referenceCanonical(value);
    throw err;
  }
  return JSON.stringify(clone);
}
