// Airlock's agent tools run in a task the client started (the harness's tool/call and tool/preview, for the editor's
// language-model tools): the same tools as `airlock mcp`, but the editor owns the task, so begin_task/end_task go
// through task/start and task/end instead.
import { AirlockError } from '../errors.js';
import type { Enforcer } from '../pipeline/enforcer.js';
import { AGENT_TOOL_SCHEMAS, describeToolArgsProblem, isAgentToolName, primaryRequestOf, AGENT_TOOL_NAMES, type AgentToolName } from '../protocol/agentTools.js';
import type { ToolCallResult, ToolPreview } from '../protocol/protocol.js';
import { runAgentTool, type TaskSource } from './run.js';

export type Checked = { ok: true; name: AgentToolName; args: Record<string, unknown> } | { ok: false; message: string };

/** Validates a tool name and its arguments; the message names the field to fix. */
export function checkToolCall(name: string, args: unknown): Checked {
  if (!isAgentToolName(name)) return { ok: false, message: `Unknown tool ${JSON.stringify(name)}; Airlock's tools are ${AGENT_TOOL_NAMES.join(', ')}` };
  const parsed = AGENT_TOOL_SCHEMAS[name].safeParse(args ?? {});
  if (!parsed.success) return { ok: false, message: describeToolArgsProblem(name, parsed.error) };
  return { ok: true, name, args: parsed.data as Record<string, unknown> };
}

function fixedTask(taskId: string): TaskSource {
  const refuse = (): never => {
    throw new AirlockError({ code: 'task.editor-owned', message: 'In the editor, tasks are begun and ended by the editor (Airlock: Start Task / End Task), not by a tool call.' });
  };
  return { taskId: () => taskId, begin: refuse, end: refuse };
}

export async function callToolInTask(enforcer: Enforcer, taskId: string, checked: Extract<Checked, { ok: true }>): Promise<ToolCallResult> {
  const out = await runAgentTool(checked.name, checked.args as never, { enforcer, session: fixedTask(taskId) });
  return { text: out.text, isError: out.isError };
}

/** Side-effect free: decides the call's primary action as it stands, nothing asked, logged or performed. */
export function previewToolInTask(enforcer: Enforcer, taskId: string, checked: Extract<Checked, { ok: true }>): ToolPreview {
  const req = primaryRequestOf(checked.name, checked.args);
  if (!req) {
    return { tool: checked.name, verdict: 'per-call', reason: checked.name === 'run_script' ? 'each airlock.* call inside the script is decided on its own' : 'this tool changes the task, not the workspace' };
  }
  const preview = enforcer.preview(taskId, req);
  if (!preview) return { tool: checked.name, action: req.action, verdict: 'deny', reason: `task "${taskId}" is not running; start a task first` };
  return { tool: checked.name, action: preview.action.kind, target: preview.target, verdict: preview.decision.verdict, reason: preview.decision.reason };
}
