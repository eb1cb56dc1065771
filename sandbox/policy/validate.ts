// Validates a parsed policy document against PolicySchema and turns each zod issue into a located problem with a fix.
import type { z } from 'zod';
import type { AirlockProblem } from '../errors.js';
import { formatJsonPath } from './locate.js';
import type { JsonPath, Position } from './locate.js';
import { PolicySchema } from './schema.js';
import type { PolicyDoc } from './schema.js';

/** Where a problem is in the document being validated: a file name (absent for inline policies) and a locator. */
export interface DocPlace {
  file?: string;
  locate(path: JsonPath): Position | undefined;
  locateKey(path: JsonPath): Position | undefined;
}

export function placeAt(where: DocPlace, path: JsonPath, key = false): AirlockProblem['place'] {
  const pos = key ? where.locateKey(path) : where.locate(path);
  return {
    ...(where.file !== undefined ? { file: where.file } : {}),
    ...(pos ? { line: pos.line, col: pos.col } : {}),
    jsonPath: formatJsonPath(path),
  };
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/** The closest candidate when it is close enough to be a typo (or a plural, a case slip, or a longer spelling: network → net). */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const prefixed = candidates.find((c) => c.length >= 3 && lower.startsWith(c.toLowerCase()));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = c.toLowerCase() === word.toLowerCase() ? 0 : editDistance(word, c);
    if (d < bestDistance) { best = c; bestDistance = d; }
  }
  if (best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3))) return best;
  return prefixed;
}

type ZodAny = z.core.$ZodType;

/** The zod schema at a JSON path inside PolicySchema, to list the fields an object accepts. */
function schemaAt(path: JsonPath): ZodAny | undefined {
  const unwrap = (schema: ZodAny | undefined): ZodAny | undefined => {
    let current = schema;
    for (;;) {
      const def = current?._zod.def as { type: string; innerType?: ZodAny } | undefined;
      if (!def || !['optional', 'default', 'nullable', 'readonly'].includes(def.type) || !def.innerType) return current;
      current = def.innerType;
    }
  };
  let schema = unwrap(PolicySchema);
  for (const part of path) {
    const def = schema?._zod.def as { type: string; shape?: Record<string, ZodAny>; element?: ZodAny; valueType?: ZodAny } | undefined;
    if (!def) return undefined;
    if (def.type === 'object' && typeof part === 'string') schema = def.shape?.[part];
    else if (def.type === 'array') schema = def.element;
    else if (def.type === 'record') schema = def.valueType;
    else return undefined;
    schema = unwrap(schema);
  }
  return schema;
}

function knownFields(path: JsonPath): string[] {
  const def = schemaAt(path)?._zod.def as { type: string; shape?: Record<string, unknown> } | undefined;
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

function valueAt(root: unknown, path: JsonPath): unknown {
  let v = root;
  for (const part of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[part];
  }
  return v;
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  if (typeof v === 'number') return `the number ${v}`;
  return String(v);
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string', number: 'a number', int: 'a whole number', boolean: 'true or false', object: 'an object', array: 'an array',
};

const quoteList = (values: readonly unknown[]) => values.map((v) => JSON.stringify(v)).join(', ');

/** One located, fixable problem per zod issue (and one per unknown field). */
function problemsOfIssue(issue: z.core.$ZodIssue, input: unknown, where: DocPlace): AirlockProblem[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const name = formatJsonPath(path);
  const value = valueAt(input, path);
  const err = (code: string, message: string, p: JsonPath = path, key = false): AirlockProblem =>
    ({ code, message, place: placeAt(where, p, key), severity: 'error' });

  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownFields(path);
      return issue.keys.map((key) => {
        const full = formatJsonPath([...path, key]);
        const guess = closest(key, known);
        const hint = guess ? `did you mean "${guess}"?` : `known fields here: ${quoteList(known)}`;
        return err('policy.unknown-field', `unknown field "${full}"; ${hint}`, [...path, key], true);
      });
    }
    case 'invalid_value': {
      if (value === undefined) {
        const example = issue.values.length === 1 ? `, e.g. "${String(path.at(-1))}": ${JSON.stringify(issue.values[0])}` : '';
        return [err('policy.missing-field', `missing required field "${name}"${example}`)];
      }
      if (issue.values.length === 1) return [err('policy.invalid-value', `${name} must be ${JSON.stringify(issue.values[0])}, not ${describeValue(value)}`)];
      const guess = typeof value === 'string' ? closest(value, issue.values.map(String)) : undefined;
      const hint = guess ? `; did you mean "${guess}"?` : '';
      return [err('policy.invalid-value', `${name} must be one of ${quoteList(issue.values)}, not ${describeValue(value)}${hint}`)];
    }
    case 'invalid_type': {
      const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
      if (value === undefined) return [err('policy.missing-field', `missing required field "${name}" (${expected})`)];
      if (path.length === 0) return [err('policy.invalid-type', `a policy must be a JSON object such as {"version": 1}, not ${describeValue(value)}`)];
      return [err('policy.invalid-type', `${name} must be ${expected}, not ${describeValue(value)}`)];
    }
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'string') return [err('policy.invalid-value', `${name} must not be empty`)];
      if (issue.origin === 'array') {
        const what = path.some((p) => p === 'exec') ? '; an argv pattern names at least the program, e.g. ["npm", "test"]' : '';
        return [err('policy.invalid-value', `${name} must have at least ${min} element${min === 1 ? '' : 's'}${what}`)];
      }
      return [err('policy.invalid-value', `${name} must be ${issue.inclusive ? 'at least' : 'greater than'} ${min}, not ${describeValue(value)}`)];
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      return [err('policy.invalid-value', `${name} must be ${issue.inclusive ? 'at most' : 'less than'} ${max}, not ${describeValue(value)}`)];
    }
    case 'invalid_key':
      return [err('policy.invalid-key', `${name}: names here must not be empty`, path, true)];
    default:
      return [err('policy.invalid', `${name || 'policy'}: ${issue.message}`)];
  }
}

/**
 * The top-level sections of an invalid document that are valid on their own, as a document lint can read: so a
 * version error does not hide five too-broad patterns. Only sections that validate are kept.
 */
export function validSections(input: unknown): PolicyDoc {
  const partial: Record<string, unknown> = { version: 1 };
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return partial as PolicyDoc;
  const shape = PolicySchema.shape as Record<string, z.ZodType>;
  for (const key of ['fs', 'net', 'exec', 'tasks', 'lint']) {
    const value = (input as Record<string, unknown>)[key];
    const schema = shape[key];
    if (value === undefined || !schema) continue;
    const parsed = schema.safeParse(value);
    if (parsed.success) partial[key] = parsed.data;
  }
  return partial as PolicyDoc;
}

/** The document typed as PolicyDoc, or every problem zod found, located and with a fix. */
export function validatePolicyDoc(input: unknown, where: DocPlace): { ok: true; doc: PolicyDoc } | { ok: false; problems: AirlockProblem[] } {
  const result = PolicySchema.safeParse(input);
  if (result.success) return { ok: true, doc: result.data };
  return { ok: false, problems: result.error.issues.flatMap((issue) => problemsOfIssue(issue, input, where)) };
}
