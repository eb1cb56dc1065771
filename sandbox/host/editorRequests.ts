// Host handlers the editor needs beyond running actions: explain a decision, list task templates, run a session file.
import path from 'node:path';
import { AirlockError } from '../errors.js';
import type { Enforcer } from '../pipeline/enforcer.js';
import { ScriptedPrompter } from '../pipeline/prompters/scripted.js';
import type { ApprovalAnswer, ApprovalRequest, Prompter } from '../pipeline/types.js';
import { decide } from '../policy/decide.js';
import { actionOfTest } from '../policy/policyTests.js';
import type { Action } from '../policy/types.js';
import type * as P from '../protocol/protocol.js';
import { loadSessionFile } from '../session/format.js';
import { checkExpectation } from '../session/expect.js';
import { requestOfStep } from '../session/runner.js';
import type { z } from 'zod';

/**
 * The host's one Prompter: a task started by a session file is answered by that file's approvals first; whatever they
 * do not answer (and every other task's prompt) goes to the client, i.e. to a person.
 */
export class RoutedPrompter implements Prompter {
  private readonly scripted = new Map<string, ScriptedPrompter>();
  constructor(private readonly fallback: Prompter) {}

  route(taskId: string, prompter: ScriptedPrompter): () => void {
    this.scripted.set(taskId, prompter);
    return () => this.scripted.delete(taskId);
  }

  async ask(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    const scripted = this.scripted.get(request.task.id);
    if (scripted) {
      try {
        return await scripted.ask(request);
      } catch (err) {
        if (!(err instanceof AirlockError && err.code === 'session.unanswered-prompt')) throw err;
      }
    }
    return this.fallback.ask(request, signal);
  }
}

export function explain(enforcer: Enforcer, params: z.output<typeof P.PolicyExplainParams>, now = Date.now()): P.PolicyExplainResult {
  let action: Action;
  if (params.action === 'exec') {
    const argv = typeof params.target === 'string' ? params.target.trim().split(/\s+/) : params.target;
    action = { kind: 'exec', argv };
  } else {
    if (typeof params.target !== 'string') throw new AirlockError({ code: 'task.invalid', message: `${params.action} takes one path or URL, not an argv` });
    const built = actionOfTest(params.action, params.target);
    if (!built.ok) throw new AirlockError({ code: 'task.invalid', message: built.message });
    action = built.action;
  }
  const task = params.taskId ? enforcer.listTasks().find((t) => t.id === params.taskId) ?? null : null;
  if (params.taskId && !task) throw new AirlockError({ code: 'task.invalid', message: `task "${params.taskId}" is not running` });
  const grants = task ? enforcer.listGrants(task.id) : [];
  const decision = decide(enforcer.currentPolicy, task, grants, action, now);
  const target = action.kind === 'exec' ? JSON.stringify(action.argv) : action.kind === 'tool' ? action.tool : 'url' in action ? action.url : action.path;
  return { verdict: decision.verdict, rule: { ...decision.rule }, reason: decision.reason, target };
}

export function templates(enforcer: Enforcer): P.TaskTemplateEntry[] {
  return Object.entries(enforcer.currentPolicy.tasks).map(([name, t]) => ({ name, intent: t.intent, ttlSeconds: t.ttlSeconds }));
}

/** Runs a session file's steps in a fresh task of the live harness; its approvals answer first, a person the rest. */
export async function runSessionFile(
  enforcer: Enforcer, router: RoutedPrompter, workspaceRoot: string, file: string, onStarted: (taskId: string) => void,
): Promise<P.SessionRunResult> {
  const abs = path.resolve(workspaceRoot, file);
  const loaded = loadSessionFile(abs);
  if (!loaded.ok) return { name: path.basename(abs), file: abs, ok: false, steps: [], problems: loaded.problems };
  const session = loaded.session;
  let taskId: string;
  try {
    const intent = session.task.intent ?? (session.task.template ? undefined : `scripted session "${session.name}"`);
    taskId = enforcer.startTask({ ...(intent !== undefined ? { intent } : {}), ...withoutIntent(session.task) }).id;
  } catch (err) {
    const problem = err instanceof AirlockError ? err.toProblem() : { code: 'session.task', message: String(err) };
    return { name: session.name, file: abs, ok: false, steps: [], problems: [{ ...problem, place: session.locate(['task']) }] };
  }
  onStarted(taskId);
  const scripted = new ScriptedPrompter({ approvals: session.approvals, workspaceRoot: enforcer.currentPolicy.workspaceRoot });
  const unroute = router.route(taskId, scripted);
  const steps: P.SessionRunStep[] = [];
  try {
    for (const [index, step] of session.steps.entries()) {
      if (!enforcer.listTasks().some((t) => t.id === taskId)) {
        steps.push({ index, action: step.action, target: '', outcome: 'killed', ok: false, failures: ['the task was stopped before this step'] });
        continue;
      }
      let result: Pick<P.ActionResult, 'target' | 'outcome'> & Partial<P.ActionResult>;
      if (step.action === 'kill') {
        await enforcer.kill(taskId, step.reason ?? 'kill step of the session');
        result = { target: taskId, outcome: 'done', decidedBy: 'killswitch' };
      } else if (step.action === 'script') {
        result = await enforcer.runScript(taskId, step.code);
      } else {
        result = await enforcer.perform(taskId, requestOfStep(step)!);
      }
      const failures = checkExpectation(step.expect, result);
      steps.push({
        index, ...(step.name !== undefined ? { name: step.name } : {}), action: step.action, target: result.target, outcome: result.outcome,
        ok: failures.length === 0, failures,
        ...(result.verdict ? { verdict: result.verdict } : {}), ...(result.decidedBy ? { decidedBy: result.decidedBy } : {}),
        ...(result.error ? { error: result.error } : {}),
      });
    }
  } finally {
    unroute();
    enforcer.endTask(taskId, 'ended');
  }
  return { name: session.name, file: abs, ok: steps.every((s) => s.ok), task: taskId, steps, problems: [] };
}

function withoutIntent(task: { intent?: string; template?: string; scope?: unknown; ttlSeconds?: number }) {
  return {
    ...(task.template !== undefined ? { template: task.template } : {}),
    ...(task.scope !== undefined ? { scope: task.scope as never } : {}),
    ...(task.ttlSeconds !== undefined ? { ttlSeconds: task.ttlSeconds } : {}),
  };
}
