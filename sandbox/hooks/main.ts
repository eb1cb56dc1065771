// `airlock hook <agent> [--event pre|post]`: the entry of dist/hook.js, kept apart from the CLI so that an agent's every
// tool call starts only what the decision needs. Reads one hook input, answers in the agent's format, fails closed.
import crypto from 'node:crypto';
import { findGatewayRoot } from '../gateway/paths.js';
import { formatAnswer, formatFailure, formatPostAnswer, HookInputError, isAgentName, parseHookInput, type AgentName, type HookCall, type HookOutput } from './agents.js';
import { decideLocally, findWorkspaceRoot, loadWorkspacePolicy } from './local.js';
import { mapTool } from './mapping.js';

const MAX_INPUT_BYTES = 4 * 1024 * 1024;
/** Beyond the policy's approval timeout, how long the hook may take before it denies on its own. */
const MARGIN_MS = 5000;

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    process.stdin.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_INPUT_BYTES) reject(new HookInputError(`the hook input is larger than ${MAX_INPUT_BYTES} bytes`));
      else chunks.push(c);
    });
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

function emit(out: HookOutput): never {
  if (out.stderr) process.stderr.write(out.stderr);
  process.stdout.write(out.stdout, () => process.exit(out.exit));
  // process.exit above runs once stdout drained; this keeps the type honest.
  return undefined as never;
}

export async function runHook(args: readonly string[]): Promise<HookOutput> {
  const agentArg = args[0] ?? '';
  if (!isAgentName(agentArg)) {
    return formatFailure(undefined, `unknown agent ${JSON.stringify(agentArg)}; use one of claude-code, vscode, copilot, codex, gemini, cursor`);
  }
  const agent: AgentName = agentArg;
  const eventArg = args.includes('--event') ? args[args.indexOf('--event') + 1] : undefined;
  const event = eventArg === 'post' || eventArg === 'pre' ? eventArg : undefined;
  let call: HookCall;
  try {
    const text = await readStdin();
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new HookInputError('the hook input is not JSON');
    }
    call = parseHookInput(agent, raw, event ? { event } : {});
  } catch (err) {
    return formatFailure(agent, err instanceof Error ? err.message : String(err));
  }
  let workspaceRoot: string;
  try {
    workspaceRoot = findWorkspaceRoot(call.cwd);
  } catch {
    return formatFailure(agent, `the working directory ${JSON.stringify(call.cwd)} does not exist`);
  }
  const loaded = loadWorkspacePolicy(workspaceRoot);
  if ('problem' in loaded) return call.event === 'post' ? formatPostAnswer(agent) : formatFailure(agent, loaded.problem);
  const { policy } = loaded;
  const budget = policy.approval.timeoutSeconds * 1000 + MARGIN_MS;
  const timer = setTimeout(() => emit(formatFailure(agent, `no decision within ${Math.round(budget / 1000)} s`)), budget);
  timer.unref();
  const mapped = call.event === 'pre' ? await mapTool(call, { workspaceRoot, homeDir: policy.homeDir }) : undefined;

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

process.on('uncaughtException', (err) => emit(formatFailure(undefined, `the hook crashed (${err.message})`)));
process.on('unhandledRejection', (err) => emit(formatFailure(undefined, `the hook crashed (${err instanceof Error ? err.message : String(err)})`)));

const argv = process.argv.slice(2);
// Invoked as `airlock hook <agent>` (bin/airlock.js) or `node dist/hook.js <agent>`.
emit(await runHook(argv[0] === 'hook' ? argv.slice(1) : argv).catch((err: unknown) => formatFailure(undefined, `the hook crashed (${err instanceof Error ? err.message : String(err)})`)));
