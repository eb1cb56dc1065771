// Runs a policy's own `tests` examples through the real decision, so a policy proves what it allows, asks and denies.
import type { AirlockProblem, Place } from '../errors.js';
import type { CompiledPolicy } from './compile.js';
import { argvFromJson } from './commandSyntax.js';
import { decide } from './decide.js';
import { formatJsonPath } from './locate.js';
import type { PolicyTest } from './schema.js';
import type { PolicySource } from './source.js';
import { startTask } from './task.js';
import type { Task } from './task.js';
import type { Action, Decision } from './types.js';

export interface PolicyTestResult {
  /** Index in the `tests` array. */
  index: number;
  test: PolicyTest;
  /** The action as decided; absent when the example itself is malformed (e.g. a bad argv). */
  action?: Action;
  decision?: Decision;
  pass: boolean;
  /** Why it failed (`expected allow, got ask: <reason>`), or empty when it passed. */
  message: string;
  place: Place;
}

/** An example's target as an action: a path, a URL, or (for exec) the command as an argv array (one syntax: commandSyntax.ts). */
export function actionOfTest(kind: PolicyTest['action'], target: string | readonly string[]): { ok: true; action: Action } | { ok: false; message: string } {
  if (kind === 'exec') {
    const parsed = argvFromJson(target, 'an exec target');
    return parsed.ok ? { ok: true, action: { kind, argv: parsed.argv } } : parsed;
  }
  if (typeof target !== 'string') {
    return { ok: false, message: `a ${kind === 'net.fetch' ? 'URL' : kind === 'tool' ? 'tool' : 'path'} target is one string, not an array` };
  }
  if (kind === 'tool') return { ok: true, action: { kind, tool: target } };
  if (kind === 'net.fetch') return { ok: true, action: { kind, url: target } };
  return { ok: true, action: { kind, path: target } };
}

/** The file whose examples are checked: the top of the workspace layer (extended presets are checked on their own). */
export function testedSource(policy: CompiledPolicy): PolicySource | undefined {
  const workspace = policy.resolved.layers.find((l) => l.layer === 'workspace');
  return workspace?.sources.at(-1);
}

function placeOf(source: PolicySource, index: number): Place {
  const path = ['tests', index];
  const pos = source.locate(path);
  return { file: source.file, ...(pos ? { line: pos.line, col: pos.col } : {}), jsonPath: formatJsonPath(path) };
}

/** Decides every example of the policy's own file, without grants, at `now`. */
export function runPolicyTests(policy: CompiledPolicy, now: number = Date.now()): PolicyTestResult[] {
  const source = testedSource(policy);
  if (!source) return [];
  return (source.doc.tests ?? []).map((test, index): PolicyTestResult => {
    const place = placeOf(source, index);
    const built = actionOfTest(test.action, test.target);
    if (!built.ok) return { index, test, pass: false, message: built.message, place };
    let task: Task | null = null;
    if (test.task !== undefined) {
      if (!Object.hasOwn(policy.tasks, test.task)) {
        const names = Object.keys(policy.tasks);
        const known = names.length > 0 ? `tasks defined: ${names.map((n) => `"${n}"`).join(', ')}` : 'this policy defines no tasks';
        return { index, test, action: built.action, pass: false, message: `unknown task "${test.task}"; ${known}`, place };
      }
      task = startTask(policy, { id: `policy-test-${index}`, now, template: test.task });
    }
    const decision = decide(policy, task, [], built.action, now);
    const pass = decision.verdict === test.expect;
    const message = pass ? '' : `expected ${test.expect}, got ${decision.verdict}: ${decision.reason}`;
    return { index, test, action: built.action, decision, pass, message, place };
  });
}

/** Failing examples as located load errors: a policy whose examples fail does not load. */
export function policyTestProblems(results: readonly PolicyTestResult[]): AirlockProblem[] {
  return results.filter((r) => !r.pass).map((r) => ({
    code: 'policy.test-failed', severity: 'error' as const, message: r.message, place: r.place,
  }));
}
