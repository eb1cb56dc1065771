// The editor's picture of the harness's tasks and grants: refreshed from the harness, expired tasks dropped on time.
import type { GrantInfo, TaskInfo } from '../../sandbox/protocol/protocol.js';
import { displaySafe } from '../../sandbox/protocol/display.js';

export interface TasksSource {
  listTasks(): Promise<TaskInfo[]>;
  listGrants(): Promise<GrantInfo[]>;
}

export class TasksModel {
  tasks: TaskInfo[] = [];
  grants: GrantInfo[] = [];
  /** True after the kill switch until a new task starts: the status bar stays in the error colour. */
  killed = false;
  private expiryTimer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly now: () => number = Date.now) {}

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(): void {
    this.scheduleExpiry();
    for (const fn of this.listeners) fn();
  }

  async refresh(source: TasksSource): Promise<void> {
    const [tasks, grants] = await Promise.all([source.listTasks(), source.listGrants()]);
    this.set(tasks, grants);
  }

  set(tasks: TaskInfo[], grants: GrantInfo[]): void {
    const now = this.now();
    this.tasks = tasks.filter((t) => t.expires > now).sort((a, b) => b.started - a.started);
    this.grants = grants.filter((g) => this.tasks.some((t) => t.id === g.taskId));
    this.emit();
  }

  started(task: TaskInfo): void {
    this.killed = false;
    this.tasks = [task, ...this.tasks.filter((t) => t.id !== task.id)];
    this.emit();
  }

  removed(taskId: string): void {
    this.tasks = this.tasks.filter((t) => t.id !== taskId);
    this.grants = this.grants.filter((g) => g.taskId !== taskId);
    this.emit();
  }

  /** The kill switch was pulled: every task is gone, at once, before the harness confirms. */
  killedAll(): void {
    this.killed = true;
    this.tasks = [];
    this.grants = [];
    this.emit();
  }

  clear(): void {
    this.tasks = [];
    this.grants = [];
    this.emit();
  }

  get active(): TaskInfo | undefined { return this.tasks[0]; }

  /** Drops tasks the moment they expire, without waiting for the harness's notice. */
  private scheduleExpiry(): void {
    clearTimeout(this.expiryTimer);
    const next = Math.min(...this.tasks.map((t) => t.expires));
    if (!Number.isFinite(next)) return;
    this.expiryTimer = setTimeout(() => {
      const now = this.now();
      const before = this.tasks.length;
      this.tasks = this.tasks.filter((t) => t.expires > now);
      this.grants = this.grants.filter((g) => this.tasks.some((t) => t.id === g.taskId));
      if (this.tasks.length !== before) this.emit();
      else this.scheduleExpiry();
    }, Math.max(0, next - this.now()) + 5);
    this.expiryTimer.unref?.();
  }

  dispose(): void {
    clearTimeout(this.expiryTimer);
    this.listeners.clear();
  }
}

export function timeLeft(expires: number, now: number): string {
  const s = Math.max(0, Math.round((expires - now) / 1000));
  if (s < 60) return `${s} s left`;
  if (s < 3600) return `${Math.round(s / 60)} min left`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min left`;
}

/** Tree rows: a task (intent, origin, time left) and its grants. */
export function taskRow(t: TaskInfo, now: number): { label: string; description: string; tooltip: string } {
  const origin = t.template ? `template ${displaySafe(t.template)}` : 'typed scope';
  return {
    label: displaySafe(t.intent),
    description: `${origin} · ${timeLeft(t.expires, now)}`,
    tooltip: `${displaySafe(t.intent)}\n${t.id}\nscope: ${origin}\nexpires ${new Date(t.expires).toLocaleTimeString()}`,
  };
}

export function grantRow(g: GrantInfo): { label: string; description: string } {
  const target = g.target === undefined ? '(this exact action)' : typeof g.target === 'string' ? displaySafe(g.target) : displaySafe(JSON.stringify(g.target));
  return { label: `${g.kind} ${target}`, description: g.scope === 'once' ? 'once' : 'for the task' };
}

export interface StatusView { text: string; tooltip: string; tone: 'normal' | 'warning' | 'error' }

/** The status bar item: the active task and pending approvals, or what is wrong (stopped, invalid policy, no harness). */
export function statusView(s: {
  harness: 'ready' | 'starting' | 'restarting' | 'unavailable' | 'stopped'; policyOk: boolean; killed: boolean;
  active?: TaskInfo; tasks: number; pending: number;
}): StatusView {
  const pending = s.pending > 0 ? ` · ${s.pending} pending` : '';
  if (s.harness === 'unavailable') return { text: '$(error) Airlock: harness unavailable', tooltip: 'The harness cannot run: every agent action is refused. Click for details.', tone: 'error' };
  if (s.harness === 'restarting') return { text: `$(sync~spin) Airlock: restarting${pending}`, tooltip: 'The harness stopped; pending work was denied. Restarting…', tone: 'warning' };
  if (s.harness === 'starting') return { text: '$(sync~spin) Airlock', tooltip: 'Starting the harness…', tone: 'normal' };
  if (!s.policyOk) return { text: `$(error) Airlock: policy invalid — all denied${pending}`, tooltip: 'The workspace policy does not load: Airlock denies every agent action until it is fixed (see Problems).', tone: 'error' };
  if (s.killed) return { text: `$(stop-circle) Airlock: all agents stopped${pending}`, tooltip: 'The kill switch stopped every task. Start a task to let agents work again.', tone: 'error' };
  if (s.active) {
    const more = s.tasks > 1 ? ` (+${s.tasks - 1})` : '';
    return { text: `$(shield) ${displaySafe(s.active.intent).slice(0, 40)}${more}${pending}`, tooltip: `Airlock task: ${displaySafe(s.active.intent)}. Click for pending approvals and the kill switch.`, tone: s.pending > 0 ? 'warning' : 'normal' };
  }
  return { text: `$(shield) Airlock: no task${pending}`, tooltip: 'No task is running: agent actions are refused. Click to start one.', tone: s.pending > 0 ? 'warning' : 'normal' };
}
