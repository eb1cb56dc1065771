// Each agent's hook format: its input parsed exactly as it sends it (zod), and Airlock's answer written as it reads it.
import { z } from 'zod';
import { agentProcess, type AgentName, type HookOutput } from './output.js';

export { AGENTS, agentProcess, formatFailure, isAgentName, type AgentName, type HookOutput } from './output.js';

/** One hook call, the same for every agent. */
export interface HookCall {
  agent: AgentName;
  event: 'pre' | 'post';
  /** The agent's session (conversation) id. */
  session: string;
  toolUseId?: string;
  cwd: string;
  /** The tool as the agent names it (`Bash`, `mcp__github__get_issue`, `run_shell_command`, ...). */
  tool: string;
  input: Record<string, unknown>;
  /** post only: whether the tool failed, and what it returned (only its digest is logged). */
  failed?: boolean;
  response?: unknown;
}

/** What Airlock answers; `stop` also stops the agent (its task ended or was killed). */
export interface HookAnswer { verdict: 'allow' | 'ask' | 'deny'; reason: string; stop?: string }

const ToolInput = z.record(z.string(), z.unknown());

// Claude Code (sdk.d.ts: BaseHookInput & PreToolUseHookInput / PostToolUseHookInput / PostToolUseFailureHookInput).
const ClaudeBase = z.looseObject({
  session_id: z.string().min(1),
  transcript_path: z.string(),
  cwd: z.string().min(1),
  permission_mode: z.string().optional(),
  agent_id: z.string().optional(),
  agent_type: z.string().optional(),
});
const ClaudeInput = z.discriminatedUnion('hook_event_name', [
  ClaudeBase.extend({ hook_event_name: z.literal('PreToolUse'), tool_name: z.string().min(1), tool_input: z.unknown(), tool_use_id: z.string().min(1) }),
  ClaudeBase.extend({ hook_event_name: z.literal('PostToolUse'), tool_name: z.string().min(1), tool_input: z.unknown(), tool_response: z.unknown(), tool_use_id: z.string().min(1) }),
  ClaudeBase.extend({ hook_event_name: z.literal('PostToolUseFailure'), tool_name: z.string().min(1), tool_input: z.unknown(), tool_use_id: z.string().min(1), error: z.string() }),
]);

// Codex: Claude's shape; transcript_path and tool_use_id are not always sent.
const CodexInput = z.looseObject({
  session_id: z.string().min(1),
  transcript_path: z.string().nullable().optional(),
  cwd: z.string().min(1),
  hook_event_name: z.enum(['PreToolUse', 'PostToolUse']),
  tool_name: z.string().min(1),
  tool_input: z.unknown(),
  tool_use_id: z.string().optional(),
  tool_response: z.unknown().optional(),
});

// VS Code agent hooks (hooks-reference.md): camelCase common fields, snake_case tool fields.
const VsCodeInput = z.looseObject({
  timestamp: z.string().optional(),
  cwd: z.string().min(1),
  sessionId: z.string().min(1),
  hookEventName: z.enum(['PreToolUse', 'PostToolUse']),
  transcript_path: z.string().optional(),
  tool_name: z.string().min(1),
  tool_input: z.unknown(),
  tool_use_id: z.string().optional(),
  tool_response: z.unknown().optional(),
});

// GitHub Copilot CLI / Copilot harness: camelCase, toolArgs is a JSON string; postToolUse adds toolResult.
const CopilotInput = z.looseObject({
  timestamp: z.number().optional(),
  cwd: z.string().min(1),
  sessionId: z.string().optional(),
  toolName: z.string().min(1),
  toolArgs: z.string(),
  toolResult: z.looseObject({ resultType: z.string(), textResultForLlm: z.string().optional() }).optional(),
});

// Gemini CLI (hooks/reference.md): BeforeTool / AfterTool.
const GeminiInput = z.looseObject({
  session_id: z.string().min(1),
  transcript_path: z.string().optional(),
  cwd: z.string().min(1),
  hook_event_name: z.enum(['BeforeTool', 'AfterTool']),
  timestamp: z.string().optional(),
  tool_name: z.string().min(1),
  tool_input: z.unknown(),
  tool_response: z.unknown().optional(),
});

// Cursor (.cursor/hooks.json): one input per event; the workspace comes as workspace_roots.
const CursorBase = z.looseObject({
  conversation_id: z.string().min(1),
  generation_id: z.string().optional(),
  workspace_roots: z.array(z.string()).optional(),
  cwd: z.string().optional(),
});
const CursorInput = z.discriminatedUnion('hook_event_name', [
  CursorBase.extend({ hook_event_name: z.literal('preToolUse'), tool_name: z.string().min(1), tool_input: z.unknown(), tool_use_id: z.string().optional() }),
  CursorBase.extend({ hook_event_name: z.literal('postToolUse'), tool_name: z.string().min(1), tool_input: z.unknown(), tool_output: z.unknown().optional(), tool_use_id: z.string().optional() }),
  CursorBase.extend({ hook_event_name: z.literal('beforeShellExecution'), command: z.string(), cwd: z.string().optional() }),
  CursorBase.extend({ hook_event_name: z.literal('beforeReadFile'), file_path: z.string().min(1), content: z.string().optional() }),
  CursorBase.extend({ hook_event_name: z.literal('beforeMCPExecution'), tool_name: z.string().min(1), tool_input: z.unknown(), server: z.string().optional() }),
]);

export class HookInputError extends Error {}

function parseWith<S extends z.ZodType>(schema: S, raw: unknown, agent: AgentName): z.output<S> {
  const r = schema.safeParse(raw);
  if (!r.success) {
    const first = r.error.issues[0];
    const where = first && first.path.length ? first.path.join('.') : '(input)';
    throw new HookInputError(`the ${agent} hook input is not in the shape ${agent} sends: ${where}: ${first?.message ?? 'invalid'}`);
  }
  return r.data;
}

/** A tool input object; a JSON string (Copilot's toolArgs) is parsed; anything else is malformed. */
function inputObject(v: unknown, agent: AgentName): Record<string, unknown> {
  let value = v;
  if (typeof v === 'string') {
    try {
      value = JSON.parse(v);
    } catch {
      throw new HookInputError(`the ${agent} tool arguments are not JSON`);
    }
  }
  const r = ToolInput.safeParse(value ?? {});
  if (!r.success) throw new HookInputError(`the ${agent} tool input is not an object`);
  return r.data;
}

/** Parses one hook input. `event` overrides the event for agents whose input does not say (Copilot). */
export function parseHookInput(agent: AgentName, raw: unknown, opts: { event?: 'pre' | 'post'; parentPid?: number } = {}): HookCall {
  switch (agent) {
    case 'claude-code': {
      const d = parseWith(ClaudeInput, raw, agent);
      const call: HookCall = { agent, event: d.hook_event_name === 'PreToolUse' ? 'pre' : 'post', session: d.session_id, toolUseId: d.tool_use_id, cwd: d.cwd, tool: d.tool_name, input: inputObject(d.tool_input, agent) };
      if (d.hook_event_name === 'PostToolUse') call.response = d.tool_response;
      if (d.hook_event_name === 'PostToolUseFailure') { call.failed = true; call.response = d.error; }
      return call;
    }
    case 'codex': {
      const d = parseWith(CodexInput, raw, agent);
      return { agent, event: d.hook_event_name === 'PreToolUse' ? 'pre' : 'post', session: d.session_id, ...(d.tool_use_id ? { toolUseId: d.tool_use_id } : {}), cwd: d.cwd, tool: d.tool_name, input: inputObject(d.tool_input, agent), ...(d.hook_event_name === 'PostToolUse' ? { response: d.tool_response } : {}) };
    }
    case 'vscode': {
      const d = parseWith(VsCodeInput, raw, agent);
      return { agent, event: d.hookEventName === 'PreToolUse' ? 'pre' : 'post', session: d.sessionId, ...(d.tool_use_id ? { toolUseId: d.tool_use_id } : {}), cwd: d.cwd, tool: d.tool_name, input: inputObject(d.tool_input, agent), ...(d.hookEventName === 'PostToolUse' ? { response: d.tool_response } : {}) };
    }
    case 'copilot': {
      const d = parseWith(CopilotInput, raw, agent);
      const event = opts.event ?? (d.toolResult ? 'post' : 'pre');
      // The Copilot CLI sends no session id to hooks: its process stands for the session (see agentProcess).
      const session = d.sessionId ?? `pid-${opts.parentPid ?? agentProcess()}`;
      return {
        agent, event, session, cwd: d.cwd, tool: d.toolName, input: inputObject(d.toolArgs, agent),
        ...(d.toolResult ? { response: d.toolResult.textResultForLlm ?? '', failed: d.toolResult.resultType !== 'success' } : {}),
      };
    }
    case 'gemini': {
      const d = parseWith(GeminiInput, raw, agent);
      return { agent, event: d.hook_event_name === 'BeforeTool' ? 'pre' : 'post', session: d.session_id, cwd: d.cwd, tool: d.tool_name, input: inputObject(d.tool_input, agent), ...(d.hook_event_name === 'AfterTool' ? { response: d.tool_response } : {}) };
    }
    case 'cursor': {
      const d = parseWith(CursorInput, raw, agent);
      const cwd = d.cwd ?? d.workspace_roots?.[0];
      if (!cwd) throw new HookInputError('the cursor hook input names no workspace (workspace_roots) or cwd');
      const base = { agent, session: d.conversation_id, cwd } as const;
      switch (d.hook_event_name) {
        case 'beforeShellExecution': return { ...base, event: 'pre', tool: 'Shell', input: { command: d.command } };
        case 'beforeReadFile': return { ...base, event: 'pre', tool: 'Read', input: { file_path: d.file_path } };
        case 'beforeMCPExecution': return { ...base, event: 'pre', tool: d.tool_name.startsWith('mcp__') ? d.tool_name : `mcp__${d.server ?? 'unknown'}__${d.tool_name}`, input: inputObject(d.tool_input, agent) };
        case 'preToolUse': return { ...base, event: 'pre', tool: d.tool_name, input: inputObject(d.tool_input, agent), ...(d.tool_use_id ? { toolUseId: d.tool_use_id } : {}) };
        case 'postToolUse': return { ...base, event: 'post', tool: d.tool_name, input: inputObject(d.tool_input, agent), response: d.tool_output, ...(d.tool_use_id ? { toolUseId: d.tool_use_id } : {}) };
      }
    }
  }
}

/** Agents whose hook cannot hand a question to the user's own prompt: an ask is answered deny, with the reason. */
export function canAsk(agent: AgentName): boolean {
  return agent === 'claude-code' || agent === 'vscode' || agent === 'cursor';
}

const json = (v: unknown) => `${JSON.stringify(v)}\n`;

/** Writes Airlock's answer to a pre-tool call in the agent's format, with the exit code that agent reads. */
export function formatAnswer(agent: AgentName, a: HookAnswer): HookOutput {
  const verdict = a.verdict === 'ask' && !canAsk(agent) ? 'deny' : a.verdict;
  const reason = verdict !== a.verdict ? `${a.reason} (${agent} cannot ask the user from a hook, so Airlock denies it; ask the user to allow it in Airlock)` : a.reason;
  const stop = a.stop !== undefined ? { continue: false, stopReason: a.stop } : {};
  switch (agent) {
    case 'claude-code':
    case 'vscode':
      return { stdout: json({ ...stop, hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: verdict, permissionDecisionReason: reason } }), stderr: '', exit: 0 };
    case 'codex':
      // Codex reads a block as exit 2 with the reason on stderr.
      if (verdict === 'deny') return { stdout: '', stderr: `${reason}\n`, exit: 2 };
      return { stdout: json({ ...stop, hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: verdict, permissionDecisionReason: reason } }), stderr: '', exit: 0 };
    case 'copilot':
      return { stdout: json({ permissionDecision: verdict, permissionDecisionReason: reason }), stderr: '', exit: 0 };
    case 'gemini':
      return { stdout: json({ ...stop, decision: verdict, reason }), stderr: verdict === 'deny' ? `${reason}\n` : '', exit: verdict === 'deny' ? 2 : 0 };
    case 'cursor':
      return { stdout: json({ ...stop, permission: verdict, user_message: reason, agent_message: reason }), stderr: '', exit: 0 };
  }
}

/** The answer to a post-tool call: nothing to decide, only to acknowledge (and stop the agent if its task ended). */
export function formatPostAnswer(agent: AgentName, stop?: string): HookOutput {
  if (stop === undefined) return { stdout: agent === 'copilot' ? '' : json({}), stderr: '', exit: 0 };
  return { stdout: json({ continue: false, stopReason: stop }), stderr: '', exit: 0 };
}
