// The extension's side of the protocol: starts `airlock host` in its own Node process and calls it through typed messages.
// Architecture invariant: src/ reaches the harness only through sandbox/protocol; a crash there never takes the editor down.
import { spawn, type ChildProcess } from 'node:child_process';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { z } from 'zod';
import * as P from '../../sandbox/protocol/protocol.js';
import type { ActionRequest, ActionResult, ApprovalAnswer, ApprovalRequest } from '../../sandbox/protocol/protocol.js';

export interface HarnessClientOptions {
  /** The command that starts the harness, e.g. [nodePath, '--no-node-snapshot', '/ext/dist/cli.js', 'host']. */
  command: readonly string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Answers approval prompts; without one every prompt is denied. `signal` aborts when the harness withdraws the
   * question (its deadline passed, the task was killed); an answer after that changes nothing. */
  onApproval?: (request: ApprovalRequest, signal: AbortSignal) => Promise<ApprovalAnswer>;
  onLogEntry?: (entry: unknown) => void;
  onTaskStatus?: (status: { taskId: string; status: string; reason?: string }) => void;
  onDiagnostics?: (d: { file: string; problems: unknown[] }) => void;
  /** Called when the harness process exits, with its exit code (see HOST_EXIT). */
  onExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
  /** Lines the harness printed on stderr. */
  onStderr?: (text: string) => void;
}

export class HarnessClient {
  readonly process: ChildProcess;
  private readonly connection: MessageConnection;
  private readonly logAppendedListeners = new Set<(batch: P.LogAppended) => void>();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(opts: HarnessClientOptions) {
    const [cmd, ...args] = opts.command;
    if (!cmd) throw new Error('HarnessClient: command is empty');
    this.process = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => {
      this.process.on('exit', (code, signal) => {
        opts.onExit?.(code, signal);
        resolve({ code, signal });
      });
    });
    this.process.stderr?.setEncoding('utf8').on('data', (d: string) => opts.onStderr?.(d));
    this.process.stdin?.on('error', () => undefined); // the harness may exit first; its exit is reported through onExit
    const reader = new StreamMessageReader(this.process.stdout!);
    // The reader re-arms a partial-message timer forever when the harness dies mid-message; nothing here listens for
    // partial messages, so turn it off rather than leak a timer per crashed harness.
    reader.partialMessageTimeout = 0;
    this.connection = createMessageConnection(reader, new StreamMessageWriter(this.process.stdin!));
    this.connection.onRequest(P.approvalRequest, async (request, token) => {
      if (!opts.onApproval) return { answer: 'deny' };
      const withdrawn = new AbortController();
      const sub = token.onCancellationRequested(() => withdrawn.abort());
      try {
        return await opts.onApproval(request, withdrawn.signal);
      } finally {
        sub.dispose();
      }
    });
    this.connection.onNotification(P.logEntry, (e) => opts.onLogEntry?.(e));
    this.connection.onNotification(P.logAppended, (batch) => {
      for (const listener of this.logAppendedListeners) listener(batch);
    });
    this.connection.onNotification(P.taskStatus, (s) => opts.onTaskStatus?.(s));
    this.connection.onNotification(P.policyDiagnostics, (d) => opts.onDiagnostics?.(d));
    this.connection.onError(() => undefined);
    this.connection.listen();
    // Once the harness is gone (all its output read), requests still waiting for it fail instead of hanging forever.
    this.process.on('close', () => this.connection.dispose());
  }

  initialize(params: {
    workspaceRoot: string; policyFile?: string; baselinePolicyFile?: string; logDir?: string; prompter?: 'client' | 'deny-all';
    clientName?: string; protocolVersion?: number;
  }): Promise<P.InitializeResult> {
    return this.connection.sendRequest(P.initialize, {
      protocolVersion: params.protocolVersion ?? P.PROTOCOL_VERSION, clientName: params.clientName ?? 'airlock-vscode',
      workspaceRoot: params.workspaceRoot,
      ...(params.policyFile ? { policyFile: params.policyFile } : {}), ...(params.logDir ? { logDir: params.logDir } : {}),
      ...(params.baselinePolicyFile ? { baselinePolicyFile: params.baselinePolicyFile } : {}),
      prompter: params.prompter ?? 'client',
    });
  }

  loadPolicy(file?: string): Promise<P.PolicyLoadResult> { return this.connection.sendRequest(P.policyLoad, file ? { file } : {}); }
  startTask(params: { intent?: string; template?: string; scope?: unknown; ttlSeconds?: number }): Promise<P.TaskInfo> {
    return this.connection.sendRequest(P.taskStart, params as never);
  }
  endTask(taskId: string): Promise<{ ended: boolean }> { return this.connection.sendRequest(P.taskEnd, { taskId }); }
  listTasks(): Promise<P.TaskInfo[]> { return this.connection.sendRequest(P.taskList); }
  listGrants(taskId?: string): Promise<P.GrantInfo[]> { return this.connection.sendRequest(P.grantList, taskId ? { taskId } : {}); }
  revokeGrant(grantId: string): Promise<{ revoked: boolean }> { return this.connection.sendRequest(P.grantRevoke, { grantId }); }
  run(taskId: string, request: ActionRequest): Promise<ActionResult> { return this.connection.sendRequest(P.actionRun, { taskId, request }); }
  runScript(taskId: string, code: string): Promise<ActionResult> { return this.connection.sendRequest(P.scriptRun, { taskId, code }); }
  /** Runs one of Airlock's agent tools (the tools `airlock mcp` serves) in a task; refusals are results with isError. */
  callTool(taskId: string, name: string, args: Record<string, unknown>): Promise<P.ToolCallResult> {
    return this.connection.sendRequest(P.toolCall, { taskId, name, arguments: args });
  }
  /** What Airlock would decide for a tool call now; nothing is asked, logged or performed. */
  previewTool(taskId: string, name: string, args: Record<string, unknown>): Promise<P.ToolPreview> {
    return this.connection.sendRequest(P.toolPreview, { taskId, name, arguments: args });
  }
  kill(target: string, reason?: string): Promise<{ killed: string[] }> {
    return this.connection.sendRequest(P.kill, { target, ...(reason ? { reason } : {}) });
  }
  readLog(params: { filter?: Record<string, string>; limit?: number } = {}): Promise<unknown[]> { return this.connection.sendRequest(P.logRead, params as never); }
  followLog(filter?: Record<string, string>): Promise<{ following: true }> { return this.connection.sendRequest(P.logFollow, filter ? { filter } : {}); }
  explain(params: { action: string; target: string | string[]; taskId?: string }): Promise<P.PolicyExplainResult> {
    return this.connection.sendRequest(P.policyExplain, params as never);
  }
  templates(): Promise<P.TaskTemplateEntry[]> { return this.connection.sendRequest(P.policyTemplates); }
  runSession(file: string): Promise<P.SessionRunResult> { return this.connection.sendRequest(P.sessionRun, { file }); }
  // The action log panel's requests: exact lines, past logs, verification (read-only).
  listLogs(): Promise<P.LogFileInfo[]> { return this.connection.sendRequest(P.logList); }
  readLogLines(params: { file?: string; offset?: number; maxBytes?: number }): Promise<P.LogLinesResult> { return this.connection.sendRequest(P.logLines, params); }
  watchLog(params: { file?: string; offset: number }): Promise<{ watching: true; file: string }> { return this.connection.sendRequest(P.logWatch, params); }
  unwatchLog(file?: string): Promise<{ watching: false }> { return this.connection.sendRequest(P.logUnwatch, file ? { file } : {}); }
  verifyLog(params: { file?: string; mode?: 'full' | 'incremental' }): Promise<P.LogVerifyResult> { return this.connection.sendRequest(P.logVerify, params); }
  // Connecting agents (their hook settings): preview, then apply what was confirmed.
  planHooks(params: z.input<typeof P.HooksPlanParams>): Promise<{ plans: P.HookPlanView[] }> { return this.connection.sendRequest(P.hooksPlan, params); }
  applyHooks(params: z.input<typeof P.HooksApplyParams>): Promise<{ applied: P.HookApplied[] }> { return this.connection.sendRequest(P.hooksApply, params); }
  /** Listens to log/appended batches (of every watched log); returns the way to stop. */
  onLogAppended(listener: (batch: P.LogAppended) => void): { dispose(): void } {
    this.logAppendedListeners.add(listener);
    return { dispose: () => this.logAppendedListeners.delete(listener) };
  }
  /** Low-level access for tests and tools: send any request by method name. */
  sendRaw(method: string, params?: unknown): Promise<unknown> { return this.connection.sendRequest(method, params); }

  /** Asks the harness to end every task and close the log, then waits for it to exit. */
  async shutdown(): Promise<{ code: number | null }> {
    await this.connection.sendRequest(P.shutdown).catch(() => undefined);
    await this.connection.sendNotification(P.exit).catch(() => undefined);
    const { code } = await this.exited;
    this.connection.dispose();
    return { code };
  }

  /** Kills the harness process (its tasks die with it). */
  terminate(): void {
    this.process.kill('SIGKILL');
    this.connection.dispose();
  }
}
