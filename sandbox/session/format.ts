// This module reads and validates session files: JSONC → zod, with unknown fields named and near misses suggested.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { z } from 'zod';
import type { AirlockProblem, Place } from '../errors.js';
import { compileApprovalTarget } from '../pipeline/prompters/scripted.js';
import { formatJsonPath, parseLocatedJson } from '../policy/locate.js';
import type { JsonPath, LocatedJson } from '../policy/locate.js';
import type { Scope } from '../policy/schema.js';
import {
  ApprovalRuleSchema, ExpectSchema, SessionShapeSchema, SessionTaskSchema, STEP_ACTIONS, STEP_SCHEMAS,
} from './schema.js';
import type { ApprovalRule, SessionStep, StepAction } from './schema.js';

export type { ApprovalRule, Expectation, SessionStep, StepAction } from './schema.js';

/** A validated session, its relative paths resolved against the session file. */
export interface Session {
  /** The session file as given (for reports). */
  file: string;
  name: string;
  description?: string;
  /** Absolute path of the workspace folder to copy. */
  workspaceDir: string;
  /** A policy file (absolute), an inline policy document, or neither (the workspace's own .airlock/policy.json). */
  policy: { file: string } | { inline: Record<string, unknown> } | undefined;
  task: { intent?: string; template?: string; scope?: Scope; ttlSeconds?: number };
  approvals: ApprovalRule[];
  steps: SessionStep[];
  /** Where a JSON path (e.g. ['task', 'template']) is written in the session file, for located errors later on. */
  locate(at: JsonPath): Place;
}

export type ParseResult = { ok: true; session: Session } | { ok: false; problems: AirlockProblem[] };

/** Reads and validates a session file; never throws for bad input. */
export function loadSessionFile(file: string): ParseResult {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    return { ok: false, problems: [{ code: 'session.unreadable', message: `cannot read the session file: ${reason}`, place: { file } }] };
  }
  return parseSession(text, file);
}

/** Validates session text; `file` locates errors and anchors the relative `workspace` and `policy` paths. */
export function parseSession(text: string, file: string): ParseResult {
  const parsed = parseLocatedJson(text);
  if (!parsed.ok) {
    return {
      ok: false,
      problems: parsed.errors.map((e) => ({
        code: 'session.syntax', message: e.message, place: { file, line: e.position.line, col: e.position.col },
      })),
    };
  }
  const json = parsed.json;
  const problems: AirlockProblem[] = json.duplicateKeys.map((d) => ({
    code: 'session.duplicate-key',
    message: `"${d.key}" is written twice; only one may stay`,
    place: { file, ...d.position, jsonPath: formatJsonPath([...d.path, d.key]) },
  }));
  const shape = SessionShapeSchema.safeParse(json.value);
  if (!shape.success) problems.push(...issuesToProblems(shape.error.issues, [], SessionShapeSchema, json, file));

  const rawSteps = isObject(json.value) && Array.isArray(json.value['steps']) ? json.value['steps'] : [];
  const steps: SessionStep[] = [];
  rawSteps.forEach((raw, i) => {
    const at: JsonPath = ['steps', i];
    const action = isObject(raw) ? raw['action'] : undefined;
    if (typeof action !== 'string' || !(STEP_ACTIONS as string[]).includes(action)) {
      const hint = typeof action === 'string' ? suggest(action, STEP_ACTIONS) : undefined;
      const what = action === undefined ? 'a step needs an "action"' : `unknown action ${JSON.stringify(action)}`;
      problems.push({
        code: 'session.invalid',
        message: `${what}${hint ? `; did you mean "${hint}"?` : ''} (one of ${STEP_ACTIONS.join(', ')})`,
        place: place(file, json, action === undefined ? at : [...at, 'action']),
      });
      return;
    }
    const schema = STEP_SCHEMAS[action as StepAction];
    const step = schema.safeParse(raw);
    if (step.success) steps.push(step.data as SessionStep);
    else problems.push(...issuesToProblems(step.error.issues, at, schema, json, file));
  });

  // Every independent problem at once, sorted by position: a step error must not hide a missing workspace.
  if (isObject(json.value)) problems.push(...crossChecks(json, file));
  if (problems.length > 0 || !shape.success) return { ok: false, problems: problems.sort(byPlace) };
  const doc = shape.data;
  const base = path.dirname(path.resolve(file));
  const task = doc.task ?? {};
  const session: Session = {
    file,
    name: doc.name,
    workspaceDir: path.resolve(base, doc.workspace),
    policy: doc.policy === undefined ? undefined
      : typeof doc.policy === 'string'
        ? { file: doc.policy.startsWith('airlock:') ? doc.policy : path.resolve(base, doc.policy) }
        : { inline: doc.policy },
    task: {
      ...(task.intent !== undefined ? { intent: task.intent } : {}),
      ...(task.template !== undefined ? { template: task.template } : {}),
      ...(task.scope !== undefined ? { scope: task.scope } : {}),
      ...(task.ttlSeconds !== undefined ? { ttlSeconds: task.ttlSeconds } : {}),
    },
    approvals: doc.approvals ?? [],
    steps,
    locate: (at) => place(file, json, at) ?? { file },
  };
  if (doc.description !== undefined) session.description = doc.description;
  return { ok: true, session };
}

/**
 * The checks beyond the schema (the workspace and policy files exist, a task is named, approval targets compile), run
 * on whatever parts of the document are readable, so they are reported together with the schema's problems.
 */
function crossChecks(json: LocatedJson, file: string): AirlockProblem[] {
  const problems: AirlockProblem[] = [];
  const raw = json.value as Record<string, unknown>;
  const base = path.dirname(path.resolve(file));
  const workspace = raw['workspace'];
  let workspaceDir = base;
  if (typeof workspace === 'string' && workspace !== '') {
    workspaceDir = path.resolve(base, workspace);
    if (!fs.existsSync(workspaceDir) || !fs.statSync(workspaceDir).isDirectory()) {
      problems.push({
        code: 'session.no-workspace',
        message: `the workspace folder ${JSON.stringify(workspace)} does not exist (resolved to ${workspaceDir}); it is relative to the session file`,
        place: place(file, json, ['workspace']),
      });
    }
  }
  const task = raw['task'];
  if (task === undefined || (isObject(task) && task['template'] === undefined && task['scope'] === undefined)) {
    problems.push({
      code: 'session.no-task',
      message: 'the session needs a task with a "template" (one of the policy\'s task templates) or a "scope", e.g. "task": { "template": "fix-tests" }',
      place: place(file, json, task === undefined ? [] : ['task']),
    });
  }
  const approvals = Array.isArray(raw['approvals']) ? raw['approvals'] : [];
  approvals.forEach((candidate, i) => {
    const approval = ApprovalRuleSchema.safeParse(candidate);
    if (!approval.success) return; // the schema's problems already name it
    try {
      compileApprovalTarget(approval.data, { homeDir: os.homedir(), caseInsensitive: false, workspaceRoot: workspaceDir });
    } catch (err) {
      problems.push({ code: 'session.bad-pattern', message: (err as Error).message, place: place(file, json, ['approvals', i, 'target']) });
    }
  });
  const policy = raw['policy'];
  if (typeof policy === 'string' && policy !== '' && !policy.startsWith('airlock:') && !fs.existsSync(path.resolve(base, policy))) {
    problems.push({
      code: 'session.no-policy',
      message: `the policy file ${JSON.stringify(policy)} does not exist (resolved to ${path.resolve(base, policy)}); it is relative to the session file`,
      place: place(file, json, ['policy']),
    });
  }
  return problems;
}

function byPlace(a: AirlockProblem, b: AirlockProblem): number {
  return (a.place?.line ?? 0) - (b.place?.line ?? 0) || (a.place?.col ?? 0) - (b.place?.col ?? 0);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function place(file: string, json: LocatedJson, at: JsonPath, key = false): AirlockProblem['place'] {
  const pos = key ? json.locateKey(at) : json.locate(at);
  return { file, ...(pos ? { line: pos.line, col: pos.col } : {}), ...(at.length > 0 ? { jsonPath: formatJsonPath(at) } : {}) };
}

type Issue = z.core.$ZodIssue;

/** zod issues → located problems; unknown keys get a "did you mean" from the fields the object accepts. */
function issuesToProblems(issues: readonly Issue[], prefix: JsonPath, schema: z.ZodType, json: LocatedJson, file: string): AirlockProblem[] {
  const out: AirlockProblem[] = [];
  for (const issue of issues) {
    const at = [...prefix, ...(issue.path as (string | number)[])];
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(schemaAt(schema, issue.path as (string | number)[]));
      for (const key of issue.keys) {
        const hint = suggest(key, known);
        out.push({
          code: 'session.unknown-field',
          message: `unknown field "${key}"${hint ? `; did you mean "${hint}"?` : ''}${known.length > 0 ? ` (allowed: ${known.join(', ')})` : ''}`,
          place: place(file, json, [...at, key], true),
        });
      }
      continue;
    }
    const present = valueAt(json.value, at) !== undefined;
    out.push({ code: 'session.invalid', message: describeIssue(issue, present), place: place(file, json, at) });
  }
  return out;
}

function valueAt(value: unknown, at: JsonPath): unknown {
  let cur = value;
  for (const part of at) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string | number, unknown>)[part];
  }
  return cur;
}

function describeIssue(issue: Issue, present = true): string {
  switch (issue.code) {
    case 'invalid_type':
      return !present ? `missing required field (expected ${issue.expected})` : `expected ${issue.expected}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      return 'does not match any accepted form: ' + [...new Set(issue.errors.flat().map((e) => describeIssue(e, present)))].join('; or ');
    case 'too_small':
      return issue.origin === 'array' ? `needs at least ${String(issue.minimum)} entr${issue.minimum === 1 ? 'y' : 'ies'}`
        : issue.origin === 'string' ? 'must not be empty' : `must be at least ${String(issue.minimum)}`;
    default:
      return issue.message;
  }
}

interface ZodDefLike { _zod: { def: { type: string; innerType?: ZodDefLike; element?: ZodDefLike; valueType?: ZodDefLike; options?: ZodDefLike[]; shape?: Record<string, ZodDefLike> } } }

/** The (object) schema at a path inside `schema`, looking through optional/default wrappers, arrays, records and unions. */
function schemaAt(schema: z.ZodType, at: readonly (string | number)[]): ZodDefLike | undefined {
  let cur: ZodDefLike | undefined = schema as unknown as ZodDefLike;
  const unwrap = (s: ZodDefLike | undefined): ZodDefLike | undefined => {
    let x = s;
    while (x && x._zod.def.innerType) x = x._zod.def.innerType;
    if (x?._zod.def.type === 'union') x = x._zod.def.options?.find((o) => unwrap(o)?._zod.def.type === 'object' || unwrap(o)?._zod.def.type === 'array');
    return x && x._zod.def.innerType ? unwrap(x) : x;
  };
  for (const part of at) {
    cur = unwrap(cur);
    if (!cur) return undefined;
    const def = cur._zod.def;
    if (def.type === 'object' && typeof part === 'string') cur = def.shape?.[part];
    else if (def.type === 'array') cur = def.element;
    else if (def.type === 'record') cur = def.valueType;
    else return undefined;
  }
  return unwrap(cur);
}

function knownKeys(s: ZodDefLike | undefined): string[] {
  return s && s._zod.def.type === 'object' ? Object.keys(s._zod.def.shape ?? {}) : [];
}

/** The closest candidate within a small edit distance, for "did you mean" hints. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] ?? 0;
      row[j] = Math.min(cur + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length] ?? 0;
}

// Re-exported so reporters and tests need one import for the schema pieces they name.
export { ApprovalRuleSchema, ExpectSchema, SessionTaskSchema, STEP_ACTIONS };
