// One hook input in, the agent's answer out: parse, find the workspace and its policy, decide (through the editor's
// gateway when a host serves the workspace, else here), format. Shared by `airlock hook`, the hook server and its HTTP endpoint.
import crypto from 'node:crypto';
import { findGatewayRoot } from '../gateway/paths.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { formatAnswer, formatFailure, formatPostAnswer, HookInputError, isAgentName, parseHookInput, type AgentName, type HookCall, type HookOutput } from './agents.js';
import { decideLocally, findWorkspaceRoot, loadWorkspacePolicy, type WorkspacePolicy } from './local.js';
import { mapTool } from './mapping.js';
import { expandTrees } from './trees.js';

/** Beyond the policy's approval timeout, how long the hook may take before it denies on its own. */
const MARGIN_MS = 5000;

/**
 * Answers one hook input (the text an agent sent) for `agentArg`, in that agent's format; never throws, never allows on a
 * failure. The command hook, the hook server and the HTTP endpoint all answer through here.
 */
export async function answerHook(agentArg: string, text: string, opts: AnswerOptions = {}): Promise<HookOutput> {
  try {
    return await answerOrThrow(agentArg, text, opts);
  } catch (err) {
    return formatFailure(isAgentName(agentArg) ? agentArg : undefined, `the hook crashed (${err instanceof Error ? err.message : String(err)})`);
  }
}

export interface AnswerOptions {
  /** `--event pre|post`, for agents whose input does not say (Copilot). */
  event?: 'pre' | 'post';
  /** The agent's process, for agents that send no session id (Copilot); default: this process's parent. */
  parentPid?: number;
  /** How the workspace's policy is loaded; default: from its files, every time (the hook server passes its cache). */
  loadPolicy?: (workspaceRoot: string) => WorkspacePolicy;
}

async function answerOrThrow(agentArg: string, text: string, opts: AnswerOptions): Promise<HookOutput> {
  if (!isAgentName(agentArg)) {
    return formatFailure(undefined, `unknown agent ${JSON.stringify(agentArg)}; use one of claude-code, vscode, copilot, codex, gemini, cursor`);
  }
  const agent: AgentName = agentArg;
  let call: HookCall;
  try {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new HookInputError('the hook input is not JSON');
    }
    call = parseHookInput(agent, raw, { ...(opts.event ? { event: opts.event } : {}), ...(opts.parentPid ? { parentPid: opts.parentPid } : {}) });
  } catch (err) {
    return formatFailure(agent, err instanceof Error ? err.message : String(err));
  }
  let workspaceRoot: string;
  try {
    workspaceRoot = findWorkspaceRoot(call.cwd);
  } catch {
    return formatFailure(agent, `the working directory ${JSON.stringify(call.cwd)} does not exist`);
  }
  const loaded = (opts.loadPolicy ?? loadWorkspacePolicy)(workspaceRoot);
  if ('problem' in loaded) return call.event === 'post' ? formatPostAnswer(agent) : formatFailure(agent, loaded.problem);
  const { policy } = loaded;
  const budget = policy.approval.timeoutSeconds * 1000 + MARGIN_MS;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<HookOutput>((resolve) => {
    timer = setTimeout(() => resolve(formatFailure(agent, `no decision within ${Math.round(budget / 1000)} s`)), budget);
    timer.unref();
  });
  try {
    return await Promise.race([decide(agent, call, workspaceRoot, policy), late]);
  } finally {
    clearTimeout(timer);
  }
}

async function decide(agent: AgentName, call: HookCall, workspaceRoot: string, policy: CompiledPolicy): Promise<HookOutput> {
  // A search of a folder is also a read of every denied file beneath it (trees.ts), here and through the editor's gateway.
  const mapped = call.event === 'pre' ? expandTrees(await mapTool(call, { workspaceRoot, homeDir: policy.homeDir }), policy) : undefined;

  // The JSON-RPC client (and the protocol's schemas) load only when a host serves this workspace.
  const gatewayRoot = findGatewayRoot(call.cwd) ?? findGatewayRoot(workspaceRoot);
  const client = gatewayRoot !== undefined ? await import('../gateway/client.js') : undefined;
  const gateway = client && gatewayRoot !== undefined ? await client.connectGateway(gatewayRoot) : null;
  const wireAction = client?.wireAction;
  if (gateway && wireAction) {
    try {
      const response = JSON.stringify(call.response ?? null) ?? 'null';
      const result = await gateway.hook({
        agent, session: call.session, tool: call.tool, cwd: call.cwd, event: call.event,
        ...(call.toolUseId ? { toolUseId: call.toolUseId } : {}),
        whole: wireAction(mapped?.whole ?? { kind: 'tool', tool: `${agent}/${call.tool}` }),
        items: (mapped?.items ?? []).map((i) => ({ action: wireAction(i.action), exact: i.exact })),
        unresolved: mapped?.unresolved ?? [],
        ...(mapped?.internal ? { internal: mapped.internal } : {}),
        ...(call.event === 'post' ? { outcome: { failed: call.failed === true, digest: `sha256:${crypto.hash('sha256', response, 'hex')}` } } : {}),
      });
      if (call.event === 'post') return formatPostAnswer(agent, result.stop);
      // The editor has asked already: its answer is final (allow or deny), never a second question.
      return formatAnswer(agent, { verdict: result.verdict === 'ask' ? 'deny' : result.verdict, reason: result.reason, ...(result.stop ? { stop: result.stop } : {}) });
    } catch (err) {
      return call.event === 'post' ? formatPostAnswer(agent) : formatFailure(agent, `the Airlock harness did not answer (${err instanceof Error ? err.message : String(err)})`);
    } finally {
      gateway.close();
    }
  }
  const answer = await decideLocally(call, workspaceRoot, policy, mapped);
  if (call.event === 'post') return formatPostAnswer(agent, answer.stop);
  return formatAnswer(agent, answer);
}
