// `airlock mcp --proxy -- <command…>`: another MCP server behind Airlock; each of its tool calls is a `tool` action.
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { CLIENT_CAPABILITIES_META_KEY, inputRequired, ProtocolError, ProtocolErrorCode, Server, type CallToolResult, type ClientCapabilities, type ServerContext } from '@modelcontextprotocol/server';
import { serveStdio, StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { formatProblem } from '../errors.js';
import { stringLeaves } from '../hooks/mapping.js';
import { ActionLog } from '../log/writer.js';
import { defaultKeyDir, defaultLogDir, sessionLogFile } from '../log/paths.js';
import { Enforcer } from '../pipeline/enforcer.js';
import { loadPolicy, userBaselineFile } from '../policy/load.js';
import { AgentSession } from '../tools/session.js';
import { answerOf, APPROVAL_KEY, approvalForm, AskBroker, type PendingAsk } from './asks.js';
import { defaultConnectGateway } from './gateway.js';
import { chainPrompter } from './prompter.js';
import { formElicitation, MCP_SERVER_VERSION, type McpServeOptions, type McpServing } from './server.js';

export interface McpProxyOptions extends Omit<McpServeOptions, 'input' | 'output'> {
  /** The MCP server to run behind Airlock: argv, never a shell string. */
  command: readonly string[];
  /** The server part of `server/tool` in the policy's tool rules (default: the command's basename). */
  name?: string;
}

export async function serveMcpProxy(opts: McpProxyOptions): Promise<McpServing> {
  const [program, ...programArgs] = opts.command;
  if (!program) throw new Error('--proxy needs the MCP server to run after "--", e.g. airlock mcp --proxy -- npx some-mcp-server');
  const name = opts.name ?? path.basename(program).replace(/\.[cm]?[jt]s$/, '');
  if (!/^[^/\u0000-\u001f]+$/.test(name)) throw new Error(`--name ${JSON.stringify(name)}: a server name may not contain "/" or control characters`);
  const workspaceRoot = fs.realpathSync(path.resolve(opts.workspaceRoot));
  const logDir = path.resolve(opts.logDir ?? defaultLogDir(workspaceRoot));
  const keyDir = opts.keyDir ?? defaultKeyDir();
  fs.mkdirSync(logDir, { recursive: true, mode: 0o700 });
  const baselineFile = opts.baselineFile === 'none' ? undefined : opts.baselineFile ?? userBaselineFile();
  const loaded = loadPolicy({
    workspaceRoot, ...(opts.policyFile ? { file: opts.policyFile } : {}), ...(baselineFile ? { baselineFile } : {}),
    protectedPaths: [logDir, keyDir],
  });
  if (!loaded.ok) throw new Error(`the policy failed to load, so nothing can be proxied:\n${loaded.problems.map(formatProblem).join('\n')}`);

  // The child inherits no secrets of ours beyond what the SDK passes by default (its safe environment) plus PATH.
  const childTransport = new StdioClientTransport({ command: program, args: programArgs, cwd: workspaceRoot, stderr: 'inherit' });
  const child = new Client({ name: 'airlock-proxy', version: MCP_SERVER_VERSION }, { capabilities: {} });
  await child.connect(childTransport);
  const { tools } = await child.listTools();

  const id = randomUUID();
  const logFile = sessionLogFile(logDir, id.slice(0, 8));
  const log = ActionLog.open({
    file: logFile, session: id, policyHash: loaded.policy.hash, ...(opts.keyDir ? { keyDir: opts.keyDir } : {}),
    header: { workspaceRoot, client: `airlock mcp --proxy ${name}` },
  });
  // Asks go to the editor when it runs for this workspace, else to the client's form elicitation, else they are denied.
  const broker = new AskBroker();
  let elicitation = false;
  const prompter = chainPrompter({ workspaceRoot, connect: opts.connectGateway ?? defaultConnectGateway, elicitation: () => elicitation, broker });
  const enforcer = new Enforcer({ policy: loaded.policy, log, prompter, session: id, ...(opts.env ? { env: opts.env } : {}) });
  const session = new AgentSession({ enforcer, log, ...(opts.task ? { defaultTemplate: opts.task } : {}), defaultIntent: `MCP agent session through ${name}` });

  const refuse = (text: string): CallToolResult => ({ content: [{ type: 'text', text }], isError: true });
  const handleCall = async (tool: string, args: Record<string, unknown> | undefined): Promise<CallToolResult> => {
    if (!tools.some((t) => t.name === tool)) return refuse(`${name} has no tool ${JSON.stringify(tool)}; its tools are ${tools.map((t) => t.name).join(', ')}`);
    let taskId: string;
    try { taskId = session.taskId(); } catch (err) { return refuse(err instanceof Error ? err.message : String(err)); }
    const action = { kind: 'tool' as const, tool: `${name}/${tool}`, args: stringLeaves(args ?? {}).map((s) => s.slice(0, 4096)) };
    const agent = { name: 'mcp-proxy', session: id, tool };
    const auth = await enforcer.authorizeForAgent(taskId, action, agent);
    if (!auth.allowed) {
      return refuse(`Airlock refused ${name}/${tool}: ${auth.reason.replace(/\.$/, '')}. Do not retry this call: use another tool or other `
        + `arguments the policy allows, or ask the user to allow "${name}/${tool}" in .airlock/policy.json's tools.allow.`);
    }
    try {
      const result = await child.callTool({ name: tool, ...(args ? { arguments: args } : {}) }) as CallToolResult;
      const digest = createHash('sha256').update(JSON.stringify(result)).digest('hex');
      enforcer.recordAgentOutcome(taskId, action, auth.seq, result.isError ? 'error' : 'done', { digests: { result: digest }, data: { agent } });
      return result;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      enforcer.recordAgentOutcome(taskId, action, auth.seq, 'error', { data: { agent, error: message.slice(0, 2000) } });
      return refuse(`${name}/${tool} failed: ${message}`);
    }
  };

  /** Calls waiting for the client's answer to an ask, by their opaque requestState (random, bound to tool and arguments). */
  const pending = new Map<string, { key: string; work: Promise<CallToolResult>; ask?: PendingAsk }>();
  const handleRound = async (server: Server, tool: string, args: Record<string, unknown> | undefined, ctx: ServerContext): Promise<CallToolResult | ReturnType<typeof inputRequired>> => {
    const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
    elicitation = formElicitation((envelope?.[CLIENT_CAPABILITIES_META_KEY] as ClientCapabilities | undefined) ?? server.getClientCapabilities());
    const key = `${tool}:${createHash('sha256').update(JSON.stringify(args ?? {})).digest('hex')}`;
    const state = ctx.mcpReq.requestState();
    let callId: string;
    if (typeof state === 'string') {
      const found = pending.get(state);
      if (!found || found.key !== key) {
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'requestState does not belong to a pending Airlock call with these arguments; call the tool again without it');
      }
      callId = state;
      // The first answer is final: the ask is settled once.
      if (found.ask) {
        found.ask.settle(answerOf(ctx.mcpReq.inputResponses?.[APPROVAL_KEY], found.ask.request));
        delete found.ask;
      }
    } else {
      callId = randomUUID();
      const work = handleCall(tool, args);
      pending.set(callId, { key, work });
      // A 2026-era client that never retries leaves its call behind: forget it a while after it finished.
      const id = callId;
      void work.finally(() => setTimeout(() => pending.delete(id), 10 * 60 * 1000).unref());
    }
    const call = pending.get(callId)!;
    const claim = elicitation ? broker.claim() : null;
    let carried = false;
    try {
      const next = await Promise.race([
        call.work.then((result) => ({ kind: 'done' as const, result })),
        ...(claim ? [claim.promise.then((ask) => ({ kind: 'ask' as const, ask }))] : []),
      ]);
      if (next.kind === 'done') {
        pending.delete(callId);
        return next.result;
      }
      call.ask = next.ask;
      carried = true;
      return inputRequired({ inputRequests: { [APPROVAL_KEY]: inputRequired.elicit(approvalForm(next.ask.request)) }, requestState: callId });
    } finally {
      if (!carried) claim?.cancel();
    }
  };

  const makeServer = (): Server => {
    const server = new Server({ name: `airlock-${name}`, version: MCP_SERVER_VERSION }, {
      capabilities: { tools: {} },
      instructions: `${name}'s tools behind Airlock: each call is decided by the policy's tool rules ("${name}/<tool>") and logged.`,
      inputRequired: { maxRounds: 8 },
    });
    server.setRequestHandler('tools/list', () => ({ tools }));
    server.setRequestHandler('tools/call', (request, ctx) => handleRound(server, request.params.name, request.params.arguments, ctx));
    return server;
  };
  const input = process.stdin;
  const handle = serveStdio(() => makeServer(), {
    transport: new StdioServerTransport(input, process.stdout), onerror: (err) => process.stderr.write(`airlock mcp --proxy: ${err.message}\n`),
  });

  let closing: Promise<void> | null = null;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => { resolveDone = r; });
  const close = (reason = 'the MCP proxy stopped'): Promise<void> => {
    closing ??= (async () => {
      await enforcer.kill('all', reason);
      await enforcer.close();
      prompter.close();
      await handle.close().catch(() => undefined);
      await child.close().catch(() => undefined);
      log.close();
      resolveDone();
    })();
    return closing;
  };
  input.once('end', () => void close('the MCP client disconnected'));
  input.once('close', () => void close('the MCP client disconnected'));
  child.onclose = () => void close(`${name} exited`);
  return { logFile, done, close };
}
