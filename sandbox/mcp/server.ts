// Architecture invariant: the MCP server only translates: every tool call runs through the Enforcer (decided, asked,
// logged, guarded) and an ask goes to the editor, else to the client's elicitation, else it is denied.
// `airlock mcp`: Airlock's own tools over MCP stdio, both protocol eras (2025-11-25 initialize and stateless 2026-07-28).
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { CLIENT_CAPABILITIES_META_KEY, inputRequired, ProtocolError, ProtocolErrorCode, Server, type CallToolResult, type ClientCapabilities, type ServerContext } from '@modelcontextprotocol/server';
import { serveStdio, StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { formatProblem } from '../errors.js';
import { ActionLog } from '../log/writer.js';
import { defaultKeyDir, defaultLogDir, sessionLogFile } from '../log/paths.js';
import { Enforcer } from '../pipeline/enforcer.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { loadPolicy, userBaselineFile } from '../policy/load.js';
import {
  AGENT_RULES, AGENT_TOOL_ANNOTATIONS, AGENT_TOOL_DESCRIPTIONS, AGENT_TOOL_NAMES, AGENT_TOOL_SCHEMAS, agentToolJsonSchema,
  describeToolArgsProblem, isAgentToolName, type AgentToolName,
} from '../protocol/agentTools.js';
import { runAgentTool, type ToolOutcome } from '../tools/run.js';
import { AgentSession } from '../tools/session.js';
import { answerOf, APPROVAL_KEY, approvalForm, AskBroker, type PendingAsk } from './asks.js';
import { defaultConnectGateway, type ConnectGateway } from './gateway.js';
import { chainPrompter } from './prompter.js';
import { policySummary } from './summary.js';

export const MCP_SERVER_NAME = 'airlock';
export const MCP_SERVER_VERSION = '0.1.0';

export interface McpServeOptions {
  workspaceRoot: string;
  /** Policy file or preset; default `.airlock/policy.json`, else the default preset. */
  policyFile?: string;
  /** Baseline policy; default as the host finds it ($AIRLOCK_BASELINE_POLICY, ~/.config/airlock/policy.json); "none" for none. */
  baselineFile?: string;
  /** Default: the per-workspace folder in the state directory, as the host uses. */
  logDir?: string;
  keyDir?: string;
  /** Start in this task template instead of the policy's own scope. */
  task?: string;
  input?: Readable;
  output?: Writable;
  env?: NodeJS.ProcessEnv;
  /** How to reach the editor's approval gateway (default: the gateway client once merged). */
  connectGateway?: ConnectGateway;
}

export interface McpServing {
  logFile: string;
  /** Resolves when the client disconnected and everything was stopped and logged. */
  done: Promise<void>;
  /** Stops every task (the kill switch), closes the connection and the log. */
  close(reason?: string): Promise<void>;
}

/** One tool call across its rounds: the work runs once; each round carries one ask to the client or returns the result. */
interface CallState {
  /** The opaque requestState a 2026-era client echoes back: random, bound to the tool name and its arguments (key). */
  id: string;
  key: string;
  work: Promise<ToolOutcome>;
  finished: boolean;
  ask?: PendingAsk;
  taskId: string | undefined;
}

/** How long a finished call waits for a 2026-era client's retry before it is forgotten. */
const CALL_RETENTION_MS = 10 * 60 * 1000;

export async function serveMcp(opts: McpServeOptions): Promise<McpServing> {
  const workspaceRoot = fs.realpathSync(path.resolve(opts.workspaceRoot));
  const logDir = path.resolve(opts.logDir ?? defaultLogDir(workspaceRoot));
  const keyDir = opts.keyDir ?? defaultKeyDir();
  fs.mkdirSync(logDir, { recursive: true, mode: 0o700 });
  const baselineFile = opts.baselineFile === 'none' ? undefined : opts.baselineFile ?? userBaselineFile();
  const loaded = loadPolicy({
    workspaceRoot, ...(opts.policyFile ? { file: opts.policyFile } : {}), ...(baselineFile ? { baselineFile } : {}),
    // The log and the key that signs it: the agent may neither read nor change either.
    protectedPaths: [logDir, keyDir],
  });
  const id = randomUUID();
  const logFile = sessionLogFile(logDir, id.slice(0, 8));
  const policyProblem = loaded.ok ? null
    : `Airlock refuses every action: the policy failed to load, so nothing is allowed until it is fixed.\n${loaded.problems.map(formatProblem).join('\n')}`;
  const broker = new AskBroker();
  let elicitation = false;
  const prompter = chainPrompter({ workspaceRoot, connect: opts.connectGateway ?? defaultConnectGateway, elicitation: () => elicitation, broker });
  // The log, the Enforcer and the default task start with the first tool call: a client that only lists the tools (or
  // probes the protocol era with a throwaway process) leaves no empty log behind.
  let runtime: { log: ActionLog; enforcer: Enforcer | null; session: AgentSession | null } | null = null;
  const start = () => {
    if (runtime) return runtime;
    const log = ActionLog.open({
      file: logFile, session: id, policyHash: loaded.ok ? loaded.policy.hash : 'none: the policy failed to load',
      ...(opts.keyDir ? { keyDir: opts.keyDir } : {}), header: { workspaceRoot, client: 'airlock mcp' },
    });
    if (!loaded.ok) {
      log.append({ kind: 'policy.load', error: { code: 'policy.invalid', message: loaded.problems.map((p) => p.message).join('; ') }, data: { loaded: false } });
      runtime = { log, enforcer: null, session: null };
      return runtime;
    }
    const enforcer = new Enforcer({ policy: loaded.policy, log, prompter, session: id, ...(opts.env ? { env: opts.env } : {}) });
    const session = new AgentSession({ enforcer, log, ...(opts.task ? { defaultTemplate: opts.task } : {}), defaultIntent: 'MCP agent session' });
    runtime = { log, enforcer, session };
    return runtime;
  };
  // A --task template that does not exist is bad input: refuse to start rather than fail every call.
  if (loaded.ok && opts.task !== undefined && !Object.hasOwn(loaded.policy.tasks, opts.task)) {
    const names = Object.keys(loaded.policy.tasks);
    throw new Error(`--task ${JSON.stringify(opts.task)}: the policy has no such task template${names.length ? `; it defines ${names.map((n) => JSON.stringify(n)).join(', ')}` : ''}`);
  }

  const calls = new Map<string, CallState>();

  const handleCall = async (server: Server, name: string, rawArgs: unknown, ctx: ServerContext): Promise<CallToolResult | ReturnType<typeof inputRequired>> => {
    if (!isAgentToolName(name)) {
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool ${JSON.stringify(name)}; Airlock's tools are ${AGENT_TOOL_NAMES.join(', ')}`);
    }
    const parsed = AGENT_TOOL_SCHEMAS[name].safeParse(rawArgs ?? {});
    if (!parsed.success) throw new ProtocolError(ProtocolErrorCode.InvalidParams, describeToolArgsProblem(name, parsed.error));
    const { enforcer, session } = start();
    if (!enforcer || !session) return { content: [{ type: 'text', text: policyProblem ?? 'the policy failed to load' }], isError: true };
    // 2026-07-28: the capabilities ride on each request's envelope; 2025-11-25: they were declared at initialize.
    const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
    const caps = (envelope?.[CLIENT_CAPABILITIES_META_KEY] as ClientCapabilities | undefined) ?? server.getClientCapabilities();
    elicitation = formElicitation(caps);

    const key = `${name}:${createHash('sha256').update(JSON.stringify(rawArgs ?? {})).digest('hex')}`;
    const state = ctx.mcpReq.requestState();
    let call: CallState;
    if (typeof state === 'string') {
      const found = calls.get(state);
      if (!found || found.key !== key) {
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'requestState does not belong to a pending Airlock call with these arguments; call the tool again without it');
      }
      call = found;
      if (call.ask) {
        // The first answer is final: the ask is settled once, and a replay finds it settled.
        call.ask.settle(answerOf(ctx.mcpReq.inputResponses?.[APPROVAL_KEY], call.ask.request));
        delete call.ask;
      }
    } else {
      const callId = randomUUID();
      let taskId: string | undefined;
      try { taskId = session.taskId(); } catch { taskId = undefined; }
      const work = runAgentTool(name, parsed.data as never, { enforcer, session });
      const started: CallState = { id: callId, key, work, finished: false, taskId };
      call = started;
      calls.set(callId, started);
      void work.finally(() => {
        started.finished = true;
        setTimeout(() => calls.delete(callId), CALL_RETENTION_MS).unref();
      }).catch(() => undefined);
    }
    const callId = call.id;

    // The client cancelled (the user pressed stop): that is the kill switch for the task's work in flight.
    const onCancel = () => {
      if (!call.finished && call.taskId) void enforcer.kill(call.taskId, 'the MCP client cancelled the tool call');
    };
    ctx.mcpReq.signal.addEventListener('abort', onCancel, { once: true });
    const claim = elicitation ? broker.claim() : null;
    let carried = false;
    try {
      const next = await Promise.race([
        call.work.then((outcome) => ({ kind: 'done' as const, outcome })),
        ...(claim ? [claim.promise.then((ask) => ({ kind: 'ask' as const, ask }))] : []),
      ]);
      if (next.kind === 'done') {
        calls.delete(callId);
        return server.projectCallToolResult({ content: [{ type: 'text', text: next.outcome.text }], isError: next.outcome.isError }, undefined);
      }
      call.ask = next.ask;
      carried = true;
      return inputRequired({ inputRequests: { [APPROVAL_KEY]: inputRequired.elicit(approvalForm(next.ask.request)) }, requestState: callId });
    } finally {
      if (!carried) claim?.cancel();
      ctx.mcpReq.signal.removeEventListener('abort', onCancel);
    }
  };

  const makeServer = (): Server => {
    const summary = loaded.ok ? policySummary(loaded.policy) : null;
    const server = new Server(
      { name: MCP_SERVER_NAME, version: MCP_SERVER_VERSION },
      {
        capabilities: { tools: {} },
        instructions: `Airlock's sandboxed tools for the workspace ${workspaceRoot}. ${AGENT_RULES}`,
        // A script may ask several times; each ask is one round.
        inputRequired: { maxRounds: 64 },
      },
    );
    server.setRequestHandler('tools/list', () => ({
      tools: AGENT_TOOL_NAMES.map((name) => ({
        name,
        title: AGENT_TOOL_ANNOTATIONS[name].title,
        description: describeTool(name, summary, policyProblem),
        inputSchema: agentToolJsonSchema(name) as { type: 'object' },
        annotations: AGENT_TOOL_ANNOTATIONS[name],
      })),
    }));
    server.setRequestHandler('tools/call', (request, ctx) => handleCall(server, request.params.name, request.params.arguments, ctx));
    return server;
  };

  const input = opts.input ?? process.stdin;
  const output = opts.output ?? process.stdout;
  const transport = new StdioServerTransport(input, output);
  const handle = serveStdio(() => makeServer(), { transport, onerror: (err) => process.stderr.write(`airlock mcp: ${err.message}\n`) });

  let closing: Promise<void> | null = null;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => { resolveDone = r; });
  const close = (reason = 'the MCP server stopped'): Promise<void> => {
    closing ??= (async () => {
      if (runtime?.enforcer) {
        await runtime.enforcer.kill('all', reason);
        await runtime.enforcer.close();
      }
      prompter.close();
      await handle.close().catch(() => undefined);
      runtime?.log.close();
      resolveDone();
    })();
    return closing;
  };
  input.once('end', () => void close('the MCP client disconnected'));
  input.once('close', () => void close('the MCP client disconnected'));
  return { logFile, done, close };
}

export function formElicitation(caps: ClientCapabilities | undefined): boolean {
  const e = caps?.elicitation as { form?: unknown; url?: unknown } | undefined;
  if (!e) return false;
  // An empty elicitation capability means form mode (the spec's backwards-compatible default).
  return e.form !== undefined || e.url === undefined;
}

function describeTool(name: AgentToolName, summary: ReturnType<typeof policySummary> | null, problem: string | null): string {
  const parts = [AGENT_TOOL_DESCRIPTIONS[name], AGENT_RULES];
  if (problem) parts.push(problem);
  else if (summary) {
    if (['read_file', 'list_dir', 'search'].includes(name)) parts.push(summary.read);
    if (['write_file', 'edit_file', 'delete_path'].includes(name)) parts.push(summary.write);
    if (name === 'fetch') parts.push(summary.net);
    if (name === 'exec') parts.push(summary.exec);
    if (name === 'run_script') parts.push(summary.read, summary.write, summary.net, summary.exec);
    if (name === 'begin_task') parts.push(summary.templates);
    parts.push(summary.more);
  }
  return parts.join('\n');
}

export type { CompiledPolicy };
