// The task an agent's tool calls run in: a default task with the policy's own scope, replaced by begin_task, restored by
// end_task and on expiry. After the kill switch nothing runs until a new task is begun.
import type { ActionLog } from '../log/writer.js';
import type { Enforcer } from '../pipeline/enforcer.js';
import type { CompiledPolicy } from '../policy/compile.js';
import type { Scope } from '../policy/schema.js';
import type { Task } from '../policy/task.js';
import { AirlockError } from '../errors.js';

export interface AgentSessionOptions {
  enforcer: Enforcer;
  log: ActionLog;
  /** Start from this policy task template instead of the policy's own scope. */
  defaultTemplate?: string;
  /** The intent recorded for the default task. */
  defaultIntent?: string;
}

/**
 * The policy's own scope: every allow rule of every source. A task with it narrows nothing, so the default task decides
 * exactly as the policy does (an allow still needs every layer; what no rule allows is asked).
 */
export function policyScope(policy: CompiledPolicy): Scope {
  const read: string[] = [];
  const write: string[] = [];
  const net: string[] = [];
  const exec: string[][] = [];
  const tools: string[] = [];
  for (const layer of policy.resolved.layers) {
    for (const s of layer.sources) {
      read.push(...(s.doc.fs?.read?.allow ?? []));
      write.push(...(s.doc.fs?.write?.allow ?? []));
      net.push(...(s.doc.net?.allow ?? []));
      exec.push(...(s.doc.exec?.allow ?? []).map((a) => [...a]));
      tools.push(...(s.doc.tools?.allow ?? []));
    }
  }
  return { fs: { read: { allow: [...new Set(read)] }, write: { allow: [...new Set(write)] } }, net: { allow: [...new Set(net)] }, exec: { allow: exec }, tools: { allow: [...new Set(tools)] } };
}

export class AgentSession {
  private readonly enforcer: Enforcer;
  private readonly opts: AgentSessionOptions;
  private current: { id: string; isDefault: boolean; intent: string } | null = null;
  /** Set when the kill switch stopped the current task: calls are refused until begin_task. */
  private killed: string | null = null;

  constructor(opts: AgentSessionOptions) {
    this.enforcer = opts.enforcer;
    this.opts = opts;
    opts.log.onAppend((e) => {
      if (e.kind === 'kill' && this.current && (e.task === this.current.id)) {
        this.killed = String((e.data as { reason?: unknown } | undefined)?.reason ?? 'kill switch');
      }
    });
  }

  /** The running task's id, starting the default task when none runs. Throws task.killed after the kill switch. */
  taskId(): string {
    if (this.killed !== null) {
      throw new AirlockError({
        code: 'task.killed',
        message: `Airlock stopped this session's task with the kill switch (${this.killed}). Stop and ask the user before going on; `
          + 'begin_task starts a new task if they agree.',
      });
    }
    if (this.current && this.running(this.current.id)) return this.current.id;
    if (this.current && !this.current.isDefault) {
      // A task the agent began (a narrower scope) expired or was ended elsewhere: never fall back to the wider default
      // scope on its own; the agent must begin a task again (or end_task to return to the policy's own scope).
      throw new AirlockError({
        code: 'task.ended',
        message: `The task this session began ("${this.current.intent}") has ended (it expired or was ended in the editor). `
          + 'Call begin_task again to continue in a task, or end_task to continue under the workspace policy alone.',
      });
    }
    // The default task expired or was ended elsewhere: continue in a fresh default task (the same scope).
    return this.startDefault().id;
  }

  currentTask(): Task | undefined {
    return this.current ? this.enforcer.listTasks().find((t) => t.id === this.current?.id) : undefined;
  }

  begin(opts: { intent: string; template?: string; scope?: Scope; ttlSeconds?: number }): Task {
    // Start first: a template that does not exist leaves the current task as it was.
    const task = this.enforcer.startTask(opts.template === undefined && opts.scope === undefined
      ? { ...opts, scope: policyScope(this.enforcer.currentPolicy) } : opts);
    this.endCurrent('replaced by begin_task');
    this.current = { id: task.id, isDefault: false, intent: task.intent };
    this.killed = null;
    return task;
  }

  /** Ends the current task and returns to a default one. */
  end(): { ended: string | null; task: Task } {
    const ended = this.current?.id ?? null;
    this.endCurrent('ended by end_task');
    this.killed = null;
    return { ended, task: this.startDefault() };
  }

  private endCurrent(reason: string): void {
    if (this.current && this.running(this.current.id)) this.enforcer.endTask(this.current.id, reason);
    this.current = null;
  }

  private startDefault(): Task {
    const intent = this.opts.defaultIntent ?? 'agent session';
    const task = this.opts.defaultTemplate !== undefined
      ? this.enforcer.startTask({ intent, template: this.opts.defaultTemplate })
      : this.enforcer.startTask({ intent, scope: policyScope(this.enforcer.currentPolicy) });
    this.current = { id: task.id, isDefault: true, intent: task.intent };
    return task;
  }

  private running(id: string): boolean {
    return this.enforcer.listTasks().some((t) => t.id === id);
  }
}
