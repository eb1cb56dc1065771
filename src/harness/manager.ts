// Owns the harness process: finds Node, starts `airlock host`, initializes it, and restarts it with backoff after a crash.
import type { ApprovalAnswer, ApprovalRequest, AirlockProblem, InitializeResult } from '../../sandbox/protocol/protocol.js';
import { HarnessClient } from './client.js';
import type { NodeDiscovery } from './nodeDiscovery.js';

export type HarnessState =
  | { kind: 'stopped' }
  | { kind: 'starting' }
  /** `policyOk` false: the policy did not load and the harness denies everything until it does. */
  | { kind: 'ready'; policyOk: boolean; problems: AirlockProblem[]; logFile: string }
  | { kind: 'restarting'; inMs: number; attempt: number }
  /** No usable Node, an unsupported platform, or initialize failed: nothing can run; `message` says what to do. */
  | { kind: 'unavailable'; message: string; needsNode?: boolean };

export interface CrashInfo { code: number | null; signal: string | null; restartInMs: number; attempt: number; stderrTail: string }

export interface HarnessManagerOptions {
  workspaceRoot: string;
  /** The bundled harness entry (dist/harness.mjs). */
  cliPath: string;
  /** Extra Node options before the entry (tests run the TypeScript source with `--import tsx`). */
  nodeArgs?: readonly string[];
  /** Extra `airlock host` options (e.g. --key-dir). */
  hostArgs?: readonly string[];
  findNode(): Promise<NodeDiscovery>;
  /** Read at each start, so a changed setting applies on the next (re)start. */
  initOptions(): { logDir?: string; baselinePolicyFile?: string };
  onApproval(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer>;
  onState(state: HarnessState): void;
  /** The harness died on its own: everything it had pending is denied (it fails closed). Called once per crash. */
  onCrash(info: CrashInfo): void;
  onDiagnostics?(d: { file: string; problems: unknown[] }): void;
  onTaskStatus?(s: { taskId: string; status: string; reason?: string }): void;
  onLogEntry?(entry: unknown): void;
  onStderr?(text: string): void;
  env?: NodeJS.ProcessEnv;
  /** Delays before restart attempts 1, 2, 3, …; the last repeats. */
  backoffMs?: readonly number[];
  /** A harness up this long resets the backoff. */
  healthyAfterMs?: number;
}

const DEFAULT_BACKOFF = [500, 1000, 2000, 5000, 10_000, 30_000];

export class HarnessManager {
  private client: HarnessClient | null = null;
  private ready: Promise<HarnessClient> | null = null;
  private state: HarnessState = { kind: 'stopped' };
  private stopping = false;
  private attempt = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private healthyTimer: NodeJS.Timeout | undefined;
  private stderrTail = '';

  constructor(private readonly opts: HarnessManagerOptions) {}

  get current(): HarnessState { return this.state; }
  get pid(): number | undefined { return this.client?.process.pid; }
  /** The harness when it is running and initialized, else undefined (nothing is started). */
  get readyClient(): HarnessClient | undefined { return this.state.kind === 'ready' && this.client ? this.client : undefined; }

  /** The running, initialized harness; starts it on first use. Rejects with a message saying what to fix. */
  client$(): Promise<HarnessClient> {
    if (this.state.kind === 'ready' && this.client) return Promise.resolve(this.client);
    this.ready ??= this.start();
    return this.ready;
  }

  private setState(s: HarnessState): void {
    this.state = s;
    this.opts.onState(s);
  }

  private async start(): Promise<HarnessClient> {
    clearTimeout(this.restartTimer);
    this.stopping = false;
    this.setState({ kind: 'starting' });
    const node = await this.opts.findNode();
    if (!node.ok) {
      this.ready = null;
      this.setState({ kind: 'unavailable', message: node.message, needsNode: true });
      throw new Error(node.message);
    }
    this.stderrTail = '';
    const client = new HarnessClient({
      command: [node.node, '--no-node-snapshot', ...(this.opts.nodeArgs ?? []), this.opts.cliPath, 'host', ...(this.opts.hostArgs ?? [])],
      cwd: this.opts.workspaceRoot,
      ...(this.opts.env ? { env: this.opts.env } : {}),
      onApproval: (r, signal) => this.opts.onApproval(r, signal),
      onDiagnostics: (d) => this.opts.onDiagnostics?.(d),
      onTaskStatus: (s) => this.opts.onTaskStatus?.(s),
      onLogEntry: (e) => this.opts.onLogEntry?.(e),
      onStderr: (t) => {
        this.stderrTail = (this.stderrTail + t).slice(-4000);
        this.opts.onStderr?.(t);
      },
      onExit: (code, signal) => this.exited(client, code, signal),
    });
    this.client = client;
    let init: InitializeResult;
    try {
      const o = this.opts.initOptions();
      init = await client.initialize({
        workspaceRoot: this.opts.workspaceRoot, clientName: 'airlock-vscode',
        ...(o.logDir ? { logDir: o.logDir } : {}), ...(o.baselinePolicyFile ? { baselinePolicyFile: o.baselinePolicyFile } : {}),
      });
    } catch (err) {
      // A harness that exits during initialize is handled as a crash by exited(); anything else is a hard failure.
      const message = `Airlock's harness did not start: ${err instanceof Error ? err.message : String(err)}${this.stderrTail ? `\n${this.stderrTail}` : ''}`;
      if (this.client === client) {
        this.client = null;
        this.ready = null;
        client.terminate();
        this.setState({ kind: 'unavailable', message });
      }
      throw new Error(message);
    }
    this.setState({ kind: 'ready', policyOk: init.policy !== null, problems: init.problems, logFile: init.logFile });
    clearTimeout(this.healthyTimer);
    this.healthyTimer = setTimeout(() => { this.attempt = 0; }, this.opts.healthyAfterMs ?? 60_000);
    this.healthyTimer.unref?.();
    return client;
  }

  /** Updates whether the loaded policy is valid (after policy/load). */
  policyLoaded(ok: boolean, problems: AirlockProblem[]): void {
    if (this.state.kind === 'ready') this.setState({ ...this.state, policyOk: ok, problems });
  }

  private exited(client: HarnessClient, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.client !== client) return;
    this.client = null;
    this.ready = null;
    clearTimeout(this.healthyTimer);
    if (this.stopping) {
      this.setState({ kind: 'stopped' });
      return;
    }
    const backoff = this.opts.backoffMs ?? DEFAULT_BACKOFF;
    const delay = backoff[Math.min(this.attempt, backoff.length - 1)] ?? 1000;
    this.attempt++;
    this.opts.onCrash({ code, signal, restartInMs: delay, attempt: this.attempt, stderrTail: this.stderrTail });
    this.setState({ kind: 'restarting', inMs: delay, attempt: this.attempt });
    this.restartTimer = setTimeout(() => {
      this.ready ??= this.start();
      this.ready.catch(() => undefined);
    }, delay);
  }

  /** Restarts now (after a setting changed, or when the user asks). */
  async restart(): Promise<HarnessClient> {
    await this.stop();
    return this.client$();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    clearTimeout(this.healthyTimer);
    const client = this.client;
    this.ready = null;
    if (!client) {
      this.setState({ kind: 'stopped' });
      return;
    }
    const timer = setTimeout(() => client.terminate(), 3000);
    try {
      await client.shutdown();
    } finally {
      clearTimeout(timer);
      this.client = null;
      this.setState({ kind: 'stopped' });
    }
  }
}
