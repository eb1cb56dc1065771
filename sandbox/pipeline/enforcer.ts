// Architecture invariant: every agent action passes through Enforcer.perform, and its decision is on disk before it runs.
// The pipeline: normalise → decide → ask the user when the verdict is ask → log the decision → perform through a guard
// → log the outcome. Anything that fails along the way (a prompter, a timeout, a kill) means deny.
import { randomUUID, createHash } from 'node:crypto';
import path from 'node:path';
import type { CompiledPolicy } from '../policy/compile.js';
import { decide } from '../policy/decide.js';
import { describeTarget, deniedMessage } from '../policy/format.js';
import { actionHash, exactGrantTarget, suggestGrantTargets } from '../policy/grants.js';
import { startTask, type Task } from '../policy/task.js';
import { shownAction } from '../policy/shownPath.js';
import type { Scope } from '../policy/schema.js';
import type { Action, Decision, Grant } from '../policy/types.js';
import type { ActionLog } from '../log/writer.js';
import { TaskIsolate } from '../isolate/runtime.js';
import type { CapabilityHost, JsonValue } from '../isolate/types.js';
import { AirlockError } from '../errors.js';
import { displaySafe } from '../protocol/display.js';
import { askWithDeadline } from './ask.js';
import { approvalDisplay } from './display.js';
import { boundedError, consoleRecord } from './logExcerpts.js';
import { performAction } from './perform.js';
import type { ConfineSettings } from '../confine/bwrap.js';
import { actionOf, requestOfCapability } from './requests.js';
import type { ActionRequest, ActionResult, AgentRef, ApprovalRequest, DecidedBy, Outcome, Prompter } from './types.js';

export interface EnforcerOptions {
  policy: CompiledPolicy;
  log: ActionLog;
  prompter: Prompter;
  session: string;
  /** The environment exec'd programs start from (scrubbed to an allowlist by the exec guard). Default: process.env. */
  env?: NodeJS.ProcessEnv;
  now?: () => number;
}

interface TaskState {
  task: Task;
  grants: Grant[];
  /** Aborted by the kill switch: in-flight fetches, commands and prompts listen to it. */
  kill: AbortController;
  isolate?: TaskIsolate;
  expiryTimer?: NodeJS.Timeout;
  /** Actions and scripts under way, so the kill switch can wait until their denials and outcomes are logged. */
  inflight: Set<Promise<unknown>>;
}

/** How long kill() waits for aborted work to log its outcome before it returns anyway. */
const KILL_SETTLE_MS = 1000;

/** What authorising one action produced: whether it may run, who decided, and the decision entry's sequence number. */
interface Authorization {
  allowed: boolean;
  decision: Decision;
  decidedBy: DecidedBy;
  reason: string;
  seq: number;
}

/** Context of one perform() call: the primary action and its target, so derived checks of the same target are not re-asked. */
interface CallContext {
  state: TaskState;
  primary: Action;
  primaryTarget: string;
  primarySeq: number;
  script?: string;
}

export class Enforcer {
  private policy: CompiledPolicy;
  private readonly log: ActionLog;
  private readonly prompter: Prompter;
  private readonly env: NodeJS.ProcessEnv;
  private readonly now: () => number;
  private readonly tasks = new Map<string, TaskState>();

  constructor(opts: EnforcerOptions) {
    this.policy = opts.policy;
    this.log = opts.log;
    this.prompter = opts.prompter;
    this.env = opts.env ?? process.env;
    this.now = opts.now ?? Date.now;
  }

  get currentPolicy(): CompiledPolicy { return this.policy; }

  /** Swaps in a newly loaded policy; decisions from now on use it. Tasks keep their scopes. */
  reloadPolicy(policy: CompiledPolicy): void {
    this.policy = policy;
    this.log.append({ kind: 'policy.load', data: { policyHash: policy.hash } });
  }

  startTask(opts: { intent?: string; template?: string; scope?: Scope; ttlSeconds?: number }): Task {
    const task = startTask(this.policy, { id: `task-${randomUUID().slice(0, 8)}`, now: this.now(), ...opts });
    const state: TaskState = { task, grants: [], kill: new AbortController(), inflight: new Set() };
    this.tasks.set(task.id, state);
    state.expiryTimer = setTimeout(() => this.endTask(task.id, 'expired'), Math.max(0, task.expires - this.now()));
    state.expiryTimer.unref();
    this.log.append({
      kind: 'task.start', task: task.id,
      // The explicit scope is recorded so that `airlock replay` can decide this task's actions again.
      data: { intent: task.intent, template: task.template ?? null, scope: opts.scope ?? null, started: task.started, expires: task.expires },
    });
    return task;
  }

  listTasks(): Task[] {
    return [...this.tasks.values()].map((s) => s.task);
  }

  /** Ends a task: disposes its isolate, revokes its grants, logs it. Idempotent. */
  endTask(taskId: string, reason = 'ended'): void {
    const state = this.tasks.get(taskId);
    if (!state) return;
    this.tasks.delete(taskId);
    clearTimeout(state.expiryTimer);
    state.kill.abort(new AirlockError({ code: 'task.ended', message: `task ${taskId} ${reason}` }));
    state.isolate?.dispose();
    for (const g of state.grants) this.logRevoke(g, `task ${reason}`);
    state.grants = [];
    this.log.append({ kind: 'task.end', task: taskId, data: { reason } });
  }

  listGrants(taskId?: string): Grant[] {
    const states = taskId ? [this.tasks.get(taskId)].filter((s): s is TaskState => !!s) : [...this.tasks.values()];
    return states.flatMap((s) => s.grants);
  }

  revokeGrant(grantId: string): boolean {
    for (const state of this.tasks.values()) {
      const i = state.grants.findIndex((g) => g.id === grantId);
      if (i >= 0) {
        const [g] = state.grants.splice(i, 1);
        if (g) this.logRevoke(g, 'revoked by the user');
        return true;
      }
    }
    return false;
  }

  /** The kill switch: stops one task or every task at once. Idempotent. */
  async kill(target: string, reason = 'kill switch'): Promise<string[]> {
    const ids = target === 'all' ? [...this.tasks.keys()] : this.tasks.has(target) ? [target] : [];
    for (const id of ids) {
      const state = this.tasks.get(id);
      if (!state) continue;
      this.log.append({ kind: 'kill', task: id, decidedBy: 'killswitch', data: { reason } });
      state.kill.abort(new AirlockError({ code: 'task.killed', message: `task ${id} was stopped by the kill switch (${reason})` }));
      state.isolate?.kill(reason);
      this.endTask(id, 'killed');
      await settle(state.inflight);
    }
    return ids;
  }

  /** Ends every task (status "ended": in-flight work is aborted, grants revoked) and waits for it to settle. */
  async close(reason = 'session closed'): Promise<void> {
    const states = [...this.tasks.values()];
    for (const s of states) this.endTask(s.task.id, reason);
    await Promise.all(states.map((s) => settle(s.inflight)));
  }

  private track<T>(state: TaskState | undefined, work: Promise<T>): Promise<T> {
    if (!state) return work;
    state.inflight.add(work);
    void work.finally(() => state.inflight.delete(work)).catch(() => undefined);
    return work;
  }

  /** Decides, asks, logs and performs one agent action. Denials are results, never exceptions. */
  perform(taskId: string, req: ActionRequest, script?: string): Promise<ActionResult> {
    return this.track(this.tasks.get(taskId), this.performNow(taskId, req, script));
  }

  private async performNow(taskId: string, req: ActionRequest, script?: string): Promise<ActionResult> {
    const started = this.now();
    let action: Action;
    try {
      action = this.shown(actionOf(req));
    } catch (err) {
      return this.refuseMalformed(taskId, req, err);
    }
    const target = describeTarget(action);
    const state = this.tasks.get(taskId);
    if (!state) return this.refuseWithoutTask(taskId, action, target, script);

    const auth = await this.authorize(state, action, { script });
    const base = { action: action.kind, target, verdict: auth.decision.verdict, decidedBy: auth.decidedBy, rule: auth.decision.rule, reason: auth.reason, logSeq: auth.seq };
    if (!auth.allowed) {
      const error = { code: auth.decidedBy === 'killswitch' ? 'task.killed' : 'denied', message: deniedMessage(action, { ...auth.decision, reason: auth.reason }) };
      const outcome: Outcome = auth.decidedBy === 'killswitch' ? 'killed' : 'denied';
      this.logOutcome(taskId, action, target, auth.seq, outcome, started, { error, script });
      return { ...base, outcome, error };
    }

    const ctx: CallContext = { state, primary: action, primaryTarget: target, primarySeq: auth.seq, ...(script ? { script } : {}) };
    try {
      const done = await performAction(req, {
        root: this.policy.workspaceRoot,
        homeDir: this.policy.homeDir,
        limits: this.policy.limits,
        env: this.env,
        signal: state.kill.signal,
        authorize: (derived) => this.authorizeDerived(ctx, derived),
        confine: this.confinement(state),
      });
      if (state.kill.signal.aborted) {
        // The guard stopped early (a command's process tree was killed): what it returns is partial, not done.
        const error = { code: 'task.killed', message: `Airlock stopped ${action.kind} "${target}": the task was killed` };
        this.logOutcome(taskId, action, target, auth.seq, 'killed', started, { error, digests: done.digests, data: done.data, script });
        return { ...base, outcome: 'killed', error, result: done.value };
      }
      this.logOutcome(taskId, action, target, auth.seq, 'done', started, { digests: done.digests, data: done.data, script });
      return { ...base, outcome: 'done', result: done.value };
    } catch (err) {
      const problem = toProblem(err);
      const outcome: Outcome = state.kill.signal.aborted ? 'killed' : problem.code === 'denied' ? 'denied' : 'error';
      this.logOutcome(taskId, action, target, auth.seq, outcome, started, { error: problem, script });
      return { ...base, outcome, error: problem };
    } finally {
      this.consumeOnceGrants(ctx);
    }
  }

  /**
   * What the policy would say about a request right now, without asking, logging or performing anything: for previews
   * (the editor's tool confirmation) and for skipping what a search may not read. Undefined when the task is not running.
   */
  preview(taskId: string, req: ActionRequest): { action: Action; target: string; decision: Decision } | undefined {
    const state = this.tasks.get(taskId);
    if (!state) return undefined;
    const action = actionOf(req);
    return { action, target: describeTarget(action), decision: decide(this.policy, state.task, state.grants, action, this.now()) };
  }

  /** Runs an agent-written script in the task's isolate; each `airlock.*` call inside it goes through perform(). */
  runScript(taskId: string, code: string): Promise<ActionResult> {
    return this.track(this.tasks.get(taskId), this.runScriptNow(taskId, code));
  }

  private async runScriptNow(taskId: string, code: string): Promise<ActionResult> {
    const sha = createHash('sha256').update(code).digest('hex');
    const target = `script sha256:${sha.slice(0, 16)}`;
    const state = this.tasks.get(taskId);
    const rule = { layer: 'default' as const };
    if (!state) {
      const error = { code: 'task.unknown', message: `Airlock refused the script: task "${taskId}" is not running; start a task first` };
      const seq = this.log.append({ kind: 'script', task: taskId, action: 'script', target, verdict: 'deny', decidedBy: 'policy', outcome: 'denied', error, digests: { code: `sha256:${sha}` } }).seq;
      return { action: 'script', target, verdict: 'deny', decidedBy: 'policy', rule, reason: error.message, outcome: 'denied', error, logSeq: seq };
    }
    const reason = 'scripts may run; each airlock.* call inside is decided on its own';
    const seq = this.log.append({
      kind: 'script', task: taskId, action: 'script', target, verdict: 'allow', decidedBy: 'policy',
      digests: { code: `sha256:${sha}` }, data: { bytes: Buffer.byteLength(code) },
    }).seq;
    const started = this.now();
    state.isolate ??= new TaskIsolate({ memoryMb: this.policy.limits.memoryMb, cpuMs: this.policy.limits.cpuMs, wallMs: this.policy.limits.wallMs });
    const host: CapabilityHost = {
      call: async (name, args): Promise<JsonValue> => {
        const req = requestOfCapability(name, args);
        const result = await this.perform(taskId, req, sha);
        if (result.outcome !== 'done') {
          throw new AirlockError({ code: result.error?.code ?? 'denied', message: result.error?.message ?? result.reason });
        }
        return (result.result ?? null) as JsonValue;
      },
    };
    const outcome = await state.isolate.run(code, host);
    if (state.isolate.disposed && this.tasks.has(taskId)) delete state.isolate; // recreated for the next script
    const base = { action: 'script' as const, target, verdict: 'allow' as const, decidedBy: 'policy' as const, rule, reason, logSeq: seq };
    if (outcome.ok) {
      this.log.append({
        kind: 'outcome', task: taskId, action: 'script', target, ref: seq, outcome: 'done', script: sha,
        durationMs: this.now() - started, data: { cpuMs: outcome.cpuMs, console: consoleRecord(outcome.console) },
      });
      return { ...base, outcome: 'done', result: outcome.value, console: outcome.console };
    }
    const result: Outcome = outcome.error.code === 'script.killed' ? 'killed' : 'error';
    this.log.append({
      kind: 'outcome', task: taskId, action: 'script', target, ref: seq, outcome: result, script: sha, error: boundedError(outcome.error),
      durationMs: this.now() - started, data: { cpuMs: outcome.cpuMs, console: consoleRecord(outcome.console) },
    });
    return { ...base, outcome: result, error: outcome.error, console: outcome.console };
  }

  // ── authorisation ────────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * A real agent's tool call, reached through its pre-tool hook: decided, asked and logged like any action, but performed
   * by the agent itself (its outcome comes later through recordAgentOutcome). `forced` replaces the policy's decision
   * when the hook found that the call cannot be judged in full (it is then asked about as a whole).
   */
  async authorizeForAgent(taskId: string, asSent: Action, agent: AgentRef, forced?: Decision): Promise<{ allowed: boolean; decision: Decision; decidedBy: DecidedBy; reason: string; seq: number }> {
    // Agents send absolute paths: the question, the reason and the log show them as the policy writes them.
    const action = this.shown(asSent);
    const state = this.tasks.get(taskId);
    if (!state) {
      const reason = `task "${taskId}" is not running (it ended, expired or was killed)`;
      const rule = { layer: 'default' as const };
      const seq = this.log.append({
        kind: 'decision', task: taskId, action: action.kind, target: describeTarget(action), verdict: 'deny', rule, decidedBy: 'killswitch',
        data: { allowed: false, reason, agent },
      }).seq;
      return { allowed: false, decision: { verdict: 'deny', rule, reason }, decidedBy: 'killswitch', reason, seq };
    }
    const auth = await this.track(state, this.authorize(state, action, { agent, ...(forced ? { forced } : {}) }));
    const once = state.grants.filter((g) => g.scope === 'once');
    for (const g of once) this.logRevoke(g, 'used once');
    state.grants = state.grants.filter((g) => g.scope !== 'once');
    return auth;
  }

  /** Logs what an agent's own tool call came to (from its post-tool hook), against the decision entry `ref`. */
  recordAgentOutcome(taskId: string, action: Action, ref: number | undefined, outcome: Outcome, extra: { digests?: Record<string, string>; data?: Record<string, unknown> }): number {
    return this.log.append({
      kind: 'outcome', task: taskId, action: action.kind, target: describeTarget(this.shown(action)), ...(ref !== undefined ? { ref } : {}), outcome,
      ...(extra.digests ? { digests: extra.digests } : {}), ...(extra.data ? { data: extra.data } : {}),
    }).seq;
  }

  /** The decision an action would get in a task now (pure: nothing is logged or asked). */
  decisionFor(taskId: string, action: Action): Decision {
    const state = this.tasks.get(taskId);
    return decide(this.policy, state?.task ?? null, state?.grants ?? [], action, this.now());
  }

  /** Whether a task is running (not ended, expired or killed). */
  isRunning(taskId: string): boolean {
    const s = this.tasks.get(taskId);
    return !!s && !s.kill.signal.aborted && s.task.expires > this.now();
  }

  private async authorize(state: TaskState, action: Action, opts: { script?: string | undefined; derivedFrom?: number; agent?: AgentRef; forced?: Decision }): Promise<Authorization> {
    const computed = decide(this.policy, state.task, state.grants, action, this.now());
    // A forced ask never hides a deny: the policy's deny still wins.
    const decision = opts.forced && computed.verdict !== 'deny' ? opts.forced : computed;
    const target = describeTarget(action);
    const pending: { seq?: number } = {};
    const entry = (verdict: Decision, allowed: boolean, decidedBy: DecidedBy, reason: string): Authorization => {
      const seq = this.log.append({
        kind: 'decision', task: state.task.id, action: action.kind, target, verdict: verdict.verdict, rule: verdict.rule,
        decidedBy, ...(opts.script ? { script: opts.script } : {}),
        data: {
          allowed, reason,
          ...(pending.seq !== undefined ? { askedIn: pending.seq } : {}),
          ...(opts.derivedFrom !== undefined ? { derivedFrom: opts.derivedFrom } : {}),
          ...(opts.agent ? { agent: opts.agent } : {}),
          ...('address' in action && action.address ? { address: action.address } : {}),
          ...('program' in action && action.program ? { program: action.program } : {}),
        },
      }).seq;
      return { allowed, decision: verdict, decidedBy, reason, seq };
    };
    if (state.kill.signal.aborted) return entry(decision, false, 'killswitch', `task ${state.task.id} was stopped by the kill switch`);
    if (decision.verdict === 'allow') return entry(decision, true, decision.rule.layer === 'grant' ? 'grant' : 'policy', decision.reason);
    if (decision.verdict === 'deny') return entry(decision, false, 'policy', decision.reason);

    // The question itself is evidence: if the harness dies while the user thinks, the log shows what was pending.
    pending.seq = this.log.append({
      kind: 'decision', task: state.task.id, action: action.kind, target, verdict: 'ask', rule: decision.rule, decidedBy: 'policy',
      ...(opts.script ? { script: opts.script } : {}), data: { allowed: false, pending: true, reason: decision.reason, ...(opts.agent ? { agent: opts.agent } : {}) },
    }).seq;
    const request: ApprovalRequest = {
      id: randomUUID(),
      task: { id: state.task.id, intent: state.task.intent },
      action, target, decision,
      suggestions: suggestionsFor(this.policy, action, target),
      deadline: this.now() + this.policy.approval.timeoutSeconds * 1000,
      ...(opts.agent ? { agent: opts.agent } : {}),
      display: approvalDisplay(action, target, decision.reason, state.task.intent),
    };
    const asked = await askWithDeadline(this.prompter, request, state.kill.signal, this.now());
    switch (asked.kind) {
      case 'timeout':
        return entry(decision, false, 'timeout', `no answer within ${this.policy.approval.timeoutSeconds} s, so Airlock denied it (${decision.reason})`);
      case 'killed':
        return entry(decision, false, 'killswitch', `task ${state.task.id} was stopped by the kill switch while asking`);
      case 'failed':
        return entry(decision, false, 'policy', `the approval prompt failed (${asked.message}), so Airlock denied it`);
      case 'answered': {
        const { answer } = asked;
        if (answer.answer === 'deny') return entry(decision, false, 'user', `the user refused it (${decision.reason})`);
        if (!this.tasks.has(state.task.id)) return entry(decision, false, 'killswitch', `task ${state.task.id} ended while asking`);
        // Without a target, the grant covers the path itself, literally (its glob characters escaped), never a pattern.
        const grant = this.addGrant(state, action, target, answer.answer === 'allow-once' ? undefined : answer.target ?? exactGrantTarget(this.policy, action));
        return entry(decision, true, 'user', `the user allowed it (${answer.answer}, grant ${grant.id})`);
      }
    }
  }

  /** A guard found that the real target differs (symlink, redirect, address, program): decide again, ask only for a new target. */
  private async authorizeDerived(ctx: CallContext, derived: Action): Promise<void> {
    // A guard's derived command (the resolved program) runs in the primary's working directory: decide it there too.
    const cwd = ctx.primary.kind === 'exec' ? ctx.primary.cwd : undefined;
    const action = this.shown(derived.kind === 'exec' && cwd !== undefined ? { ...derived, cwd } : derived);
    const target = describeTarget(action);
    const sameTarget = action.kind === ctx.primary.kind && target === ctx.primaryTarget;
    if (sameTarget) {
      // The user or the policy already allowed this exact target; only a deny (e.g. a private address) still counts.
      const decision = decide(this.policy, ctx.state.task, ctx.state.grants, action, this.now());
      if (decision.verdict !== 'deny' && !ctx.state.kill.signal.aborted) return;
    }
    const auth = await this.authorize(ctx.state, action, { script: ctx.script, derivedFrom: ctx.primarySeq });
    if (!auth.allowed) {
      throw new AirlockError({ code: auth.decidedBy === 'killswitch' ? 'task.killed' : 'denied', message: deniedMessage(action, { ...auth.decision, reason: auth.reason }) });
    }
  }

  /**
   * What a confined command may see and change: the same decisions as the agent's own file actions (built-ins, baseline,
   * workspace, task scope and the task's grants), taken when the command starts; or 'off' when the policy opted out.
   */
  private confinement(state: TaskState): ConfineSettings | 'off' {
    const policy = this.policy;
    if (policy.execConfine === 'off') return 'off';
    const now = this.now();
    const allowed = (kind: 'fs.read' | 'fs.write', abs: string) => decide(policy, state.task, state.grants, { kind, path: abs }, now).verdict === 'allow';
    const inWorkspace = (f: string) => !f.startsWith('airlock:');
    const sources = policy.resolved.layers.flatMap((l) => l.sources.filter((s) => inWorkspace(s.file)).map((s) => ({ layer: l.layer, file: path.resolve(policy.workspaceRoot, s.file) })));
    return {
      judge: { read: (abs) => allowed('fs.read', abs), write: (abs) => allowed('fs.write', abs) },
      homes: [policy.homeDir, ...(this.env.HOME ? [this.env.HOME] : [])],
      protectedOutside: [...policy.matchers.builtin.absRoots.map((r) => r.root), ...sources.filter((s) => s.layer === 'baseline').map((s) => s.file)],
      protectedInside: sources.map((s) => s.file),
    };
  }

  /** Guards report real paths as absolute; inside the workspace, prompts and the log show them as the agent would. */
  /**
   * The action with its path in the form prompts, reports, reasons and the log show (shownPath): a path leaving the
   * workspace as `~/…` or absolute. It names the same file, so the decision and the guard are unchanged.
   */
  private shown(action: Action): Action {
    return shownAction({ workspaceRoot: this.policy.workspaceRoot, homeDir: this.policy.homeDir, caseInsensitive: this.policy.matchers.caseInsensitive }, action);
  }

  private addGrant(state: TaskState, action: Action, target: string, pattern: string | string[] | undefined): Grant {
    const id = `grant-${randomUUID().slice(0, 8)}`;
    const grant: Grant = pattern === undefined
      ? { id, taskId: state.task.id, scope: 'once', kind: action.kind, actionHash: actionHash(this.policy, action), created: this.now() }
      : { id, taskId: state.task.id, scope: 'task', kind: action.kind, target: pattern, created: this.now() };
    state.grants.push(grant);
    this.log.append({ kind: 'grant', task: state.task.id, action: action.kind, target, decidedBy: 'user', data: { grant } });
    return grant;
  }

  private consumeOnceGrants(ctx: CallContext): void {
    const once = ctx.state.grants.filter((g) => g.scope === 'once');
    for (const g of once) this.logRevoke(g, 'used once');
    ctx.state.grants = ctx.state.grants.filter((g) => g.scope !== 'once');
  }

  private logRevoke(grant: Grant, reason: string): void {
    this.log.append({ kind: 'revoke', task: grant.taskId, action: grant.kind, data: { grantId: grant.id, reason } });
  }

  private logOutcome(taskId: string, action: Action, target: string, ref: number, outcome: Outcome, started: number,
    extra: { error?: { code: string; message: string }; digests?: Record<string, string>; data?: Record<string, unknown>; script?: string | undefined }): void {
    this.log.append({
      kind: 'outcome', task: taskId, action: action.kind, target, ref, outcome, durationMs: this.now() - started,
      ...(extra.error ? { error: boundedError(extra.error) } : {}), ...(extra.digests ? { digests: extra.digests } : {}),
      ...(extra.data ? { data: extra.data } : {}), ...(extra.script ? { script: extra.script } : {}),
    });
  }

  private refuseWithoutTask(taskId: string, action: Action, target: string, script: string | undefined): ActionResult {
    const reason = `task "${taskId}" is not running (it ended, expired, was killed, or never started); start a task first`;
    const rule = { layer: 'default' as const };
    const seq = this.log.append({
      kind: 'decision', task: taskId, action: action.kind, target, verdict: 'deny', rule, decidedBy: 'policy',
      ...(script ? { script } : {}), data: { allowed: false, reason },
    }).seq;
    const error = { code: 'task.unknown', message: `Airlock denied ${action.kind} "${target}": ${reason}` };
    return { action: action.kind, target, verdict: 'deny', decidedBy: 'policy', rule, reason, outcome: 'denied', error, logSeq: seq };
  }

  private refuseMalformed(taskId: string, req: ActionRequest, err: unknown): ActionResult {
    const problem = toProblem(err);
    const rule = { layer: 'default' as const };
    const seq = this.log.append({ kind: 'decision', task: taskId, action: String(req.action), verdict: 'deny', rule, decidedBy: 'policy', error: problem, data: { allowed: false } }).seq;
    return { action: req.action, target: '', verdict: 'deny', decidedBy: 'policy', rule, reason: problem.message, outcome: 'denied', error: problem, logSeq: seq };
  }
}

async function settle(work: Set<Promise<unknown>>): Promise<void> {
  if (work.size === 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled([...work]),
    new Promise((r) => { timer = setTimeout(r, KILL_SETTLE_MS); }),
  ]);
  clearTimeout(timer);
}

function suggestionsFor(policy: CompiledPolicy, action: Action, target: string): ApprovalRequest['suggestions'] {
  const wider = suggestGrantTargets(policy, action) as (string | string[])[];
  return [
    { answer: 'allow-once', label: `Allow once: ${displaySafe(target)}` },
    ...wider.map((t) => ({ answer: 'allow-task' as const, target: t, label: `Allow for this task: ${displaySafe(typeof t === 'string' ? t : JSON.stringify(t))}` })),
    { answer: 'deny', label: 'Deny' },
  ];
}

function toProblem(err: unknown): { code: string; message: string } {
  if (err instanceof AirlockError) return { code: err.code, message: err.message };
  if (err instanceof Error) return { code: (err as NodeJS.ErrnoException).code ?? 'error', message: err.message };
  return { code: 'error', message: String(err) };
}
