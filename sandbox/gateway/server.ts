// The gateway `airlock host` serves for agent hooks and the MCP server: a token-authenticated JSON-RPC socket per
// workspace. A hook's call is decided in the host's own Enforcer (the editor's tasks, grants, prompts, log, kill switch).
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import { createMessageConnection, ErrorCodes, ResponseError, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { z } from 'zod';
import * as P from '../protocol/protocol.js';
import { GuardedMessageReader } from '../host/framing.js';
import type { Enforcer } from '../pipeline/enforcer.js';
import type { ActionLog } from '../log/writer.js';
import type { CompiledPolicy } from '../policy/compile.js';
import type { Action, Decision } from '../policy/types.js';
import type { AgentRef, ApprovalAnswer, ApprovalRequest } from '../pipeline/types.js';
import { displaySafe } from '../protocol/display.js';
import { agentTaskOptions } from '../hooks/tasks.js';
import { gatewayFiles, type GatewayFiles } from './paths.js';

export interface GatewayBackend {
  workspaceRoot: string;
  session: string;
  log: ActionLog;
  enforcer(): Enforcer | null;
  policy(): CompiledPolicy | null;
  /** Asks the editor (approval/request); rejects or resolves deny when nobody answers. */
  askEditor(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer>;
  /** An agent session started its own task: the editor lists it (Tasks view, status bar) like one it started. */
  taskStarted?(taskId: string): void;
}

export interface Gateway { files: GatewayFiles; close(): Promise<void> }

interface AgentSession { taskId: string; created: boolean }

/** Remembered decisions, so a post-tool call's outcome is logged against its decision. */
const MAX_REMEMBERED = 4096;

export async function startGateway(backend: GatewayBackend): Promise<Gateway> {
  const files = gatewayFiles(backend.workspaceRoot);
  fs.mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(files.dir, 0o700);
  const token = crypto.randomBytes(32).toString('base64url');
  // A stale socket of a host that died is replaced; a live one means another host serves this workspace: we take over.
  fs.rmSync(files.socket, { force: true });
  const tokenTmp = `${files.token}.${process.pid}`;
  fs.writeFileSync(tokenTmp, token, { mode: 0o600 });
  fs.renameSync(tokenTmp, files.token);

  const sessions = new Map<string, AgentSession>();
  const decisions = new Map<string, { taskId: string; seq: number; action: Action }>();
  const connections = new Set<MessageConnection>();
  const sockets = new Set<net.Socket>();

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveConnection(socket);
  });
  server.maxConnections = 64;

  function serveConnection(socket: net.Socket): void {
    const writer = new StreamMessageWriter(socket);
    const reader = new GuardedMessageReader(socket, P.GATEWAY_MAX_MESSAGE_BYTES, () => socket.destroy());
    const connection = createMessageConnection(reader, writer);
    connections.add(connection);
    let authed = false;
    const gone = new AbortController();
    socket.once('close', () => gone.abort());
    // A client that does not authenticate within 2 s is dropped.
    const helloTimer = setTimeout(() => { if (!authed) socket.destroy(); }, 2000);
    helloTimer.unref();
    const guard = <S extends z.ZodType, R>(method: string, schema: S, fn: (p: z.output<S>, signal: AbortSignal) => Promise<R> | R) => {
      connection.onRequest(method, async (raw: unknown, token) => {
        if (!authed) { socket.destroy(); throw new ResponseError(ErrorCodes.InvalidRequest, 'authenticate with gateway/hello first'); }
        const parsed = schema.safeParse(raw);
        if (!parsed.success) throw new ResponseError(ErrorCodes.InvalidParams, P.describeInvalid(method, parsed.error));
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        return fn(parsed.data, AbortSignal.any([abort.signal, gone.signal]));
      });
    };
    connection.onRequest(P.gatewayHello.method, (raw: unknown) => {
      const parsed = P.GatewayHelloParams.safeParse(raw);
      const given = parsed.success ? Buffer.from(parsed.data.token) : Buffer.alloc(0);
      const expected = Buffer.from(token);
      if (authed || !parsed.success || given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
        setTimeout(() => socket.destroy(), 100);
        throw new ResponseError(ErrorCodes.InvalidRequest, 'gateway/hello refused: wrong token');
      }
      authed = true;
      clearTimeout(helloTimer);
      return { workspaceRoot: backend.workspaceRoot, session: backend.session } satisfies P.GatewayHelloResult;
    });
    guard(P.gatewayHook.method, P.GatewayHookParams, (p) => handleHook(p));
    guard(P.gatewayAsk.method, P.GatewayAskParams, async ({ request }, signal) => {
      const timeout = AbortSignal.timeout(Math.max(0, Math.min(request.deadline - Date.now(), 3600_000)));
      try {
        return await backend.askEditor(request, AbortSignal.any([signal, timeout]));
      } catch {
        return { answer: 'deny' } satisfies ApprovalAnswer;
      }
    });
    connection.onClose(() => { connections.delete(connection); socket.destroy(); });
    connection.onError(() => undefined);
    connection.listen();
  }

  /** The agent session's task: the one it started in, else the editor's newest task, else one it starts now. */
  function taskFor(enforcer: Enforcer, policy: CompiledPolicy, agent: string, session: string): { taskId: string } | { ended: string; endedTask: string } {
    const key = `${agent}\u0000${session}`;
    const known = sessions.get(key);
    if (known) {
      return enforcer.isRunning(known.taskId) ? { taskId: known.taskId }
        : { ended: `the Airlock task ${known.taskId} this ${agent} session ran in has ended or was stopped by the kill switch; start a new session`, endedTask: known.taskId };
    }
    const created = new Set([...sessions.values()].filter((s) => s.created).map((s) => s.taskId));
    const editorTask = enforcer.listTasks().filter((t) => !created.has(t.id) && enforcer.isRunning(t.id)).sort((a, b) => b.started - a.started)[0];
    if (editorTask) {
      sessions.set(key, { taskId: editorTask.id, created: false });
      return { taskId: editorTask.id };
    }
    const task = enforcer.startTask(agentTaskOptions(policy, `${agent} session ${session}`));
    sessions.set(key, { taskId: task.id, created: true });
    backend.taskStarted?.(task.id);
    return { taskId: task.id };
  }

  function remember(toolUseKey: string, value: { taskId: string; seq: number; action: Action }): void {
    decisions.set(toolUseKey, value);
    if (decisions.size > MAX_REMEMBERED) decisions.delete(decisions.keys().next().value!);
  }

  async function handleHook(p: z.output<typeof P.GatewayHookParams>): Promise<P.GatewayHookResult> {
    const enforcer = backend.enforcer();
    const policy = backend.policy();
    if (!enforcer || !policy) return { verdict: 'deny', reason: 'the workspace policy failed to load, so Airlock denies everything; fix .airlock/policy.json' };
    const agent: AgentRef = { name: p.agent, session: p.session, tool: p.tool, ...(p.toolUseId ? { toolUseId: p.toolUseId } : {}) };
    const useKey = `${p.agent}\u0000${p.session}\u0000${p.toolUseId ?? ''}`;
    const t = taskFor(enforcer, policy, p.agent, p.session);
    if (p.event === 'post') {
      const d = decisions.get(useKey);
      if (d) {
        decisions.delete(useKey);
        enforcer.recordAgentOutcome(d.taskId, d.action, d.seq, p.outcome?.failed ? 'error' : 'done', {
          ...(p.outcome ? { digests: { response: p.outcome.digest } } : {}), data: { agent },
        });
      }
      return 'ended' in t ? { verdict: 'deny', reason: t.ended, stop: t.ended } : { verdict: 'allow', reason: 'outcome logged' };
    }
    if ('ended' in t) {
      const seq = backend.log.append({ kind: 'decision', task: t.endedTask, action: p.whole.kind, verdict: 'deny', decidedBy: 'killswitch', rule: { layer: 'task' }, data: { allowed: false, reason: t.ended, agent } }).seq;
      return { verdict: 'deny', reason: t.ended, stop: t.ended, logSeq: seq };
    }
    const taskId = t.taskId;
    if (p.internal) {
      const seq = backend.log.append({ kind: 'decision', task: taskId, action: 'tool', target: `${p.agent}/${p.tool}`, verdict: 'allow', decidedBy: 'policy', rule: { layer: 'builtin' }, data: { allowed: true, reason: p.internal, agent } }).seq;
      return { verdict: 'allow', reason: p.internal, task: taskId, logSeq: seq };
    }
    // A deny anywhere decides before anybody is asked about another part.
    const items = p.items as { action: Action; exact: boolean }[];
    const order = [...items].sort((a, b) => rank(enforcer.decisionFor(taskId, a.action)) - rank(enforcer.decisionFor(taskId, b.action)));
    let last: { seq: number; reason: string } | undefined;
    const shown = `${displaySafe(p.agent)} wants to run ${displaySafe(p.tool)}`;
    for (const item of order) {
      const forced: Decision | undefined = item.exact ? undefined
        : { verdict: 'ask', rule: { layer: 'default' }, reason: `${shown}: this part runs with arguments Airlock only learns when it runs` };
      const auth = await enforcer.authorizeForAgent(taskId, item.action, agent, forced);
      if (!auth.allowed) return denied(auth, taskId, enforcer);
      last = auth;
    }
    if (p.unresolved.length > 0 || items.length === 0) {
      const why = p.unresolved.length > 0 ? p.unresolved.join('; ') : 'the call names nothing Airlock can judge';
      const forced: Decision = { verdict: 'ask', rule: { layer: 'default' }, reason: `${shown}, which Airlock cannot judge in full: ${why}` };
      const auth = await enforcer.authorizeForAgent(taskId, p.whole as Action, agent, forced);
      if (!auth.allowed) return denied(auth, taskId, enforcer);
      last = auth;
    }
    if (p.toolUseId && last) remember(useKey, { taskId, seq: last.seq, action: p.whole as Action });
    return { verdict: 'allow', reason: last?.reason ?? 'allowed', task: taskId, ...(last ? { logSeq: last.seq } : {}) };
  }

  function denied(auth: { reason: string; seq: number; decidedBy: string }, taskId: string, enforcer: Enforcer): P.GatewayHookResult {
    const stopped = !enforcer.isRunning(taskId);
    const stop = stopped ? `the Airlock task ${taskId} was stopped (${auth.reason}); the agent session stops here` : undefined;
    return { verdict: 'deny', reason: auth.reason, task: taskId, logSeq: auth.seq, ...(stop ? { stop } : {}) };
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const oldMask = process.umask(0o177);
    server.listen(files.socket, () => { process.umask(oldMask); server.off('error', reject); resolve(); });
  });
  fs.chmodSync(files.socket, 0o600);

  return {
    files,
    async close() {
      for (const c of connections) c.dispose();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // Only our own files: a newer host may have replaced them.
      try { if (fs.readFileSync(files.token, 'utf8') === token) { fs.rmSync(files.token, { force: true }); fs.rmSync(files.socket, { force: true }); } } catch { /* already gone */ }
    },
  };
}

function rank(d: Decision): number {
  return d.verdict === 'deny' ? 0 : d.verdict === 'ask' ? 2 : 1;
}
