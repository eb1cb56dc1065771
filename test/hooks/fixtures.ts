// Hook inputs exactly as each agent sends them. Claude Code's are typed against @anthropic-ai/claude-agent-sdk's own
// published types (sdk.d.ts, sdk-tools.d.ts), so a change in its format fails the type check.
import type { PostToolUseHookInput, PreToolUseHookInput } from '@anthropic-ai/claude-agent-sdk';
import type { BashInput, FileReadInput, FileWriteInput, GrepInput, WebFetchInput } from '@anthropic-ai/claude-agent-sdk/sdk-tools';

type ToolInputs = { Read: FileReadInput; Write: FileWriteInput; Bash: BashInput; WebFetch: WebFetchInput; Grep: GrepInput } & Record<`mcp__${string}`, Record<string, unknown>>;

export function claudePre<T extends keyof ToolInputs & string>(cwd: string, tool: T, input: ToolInputs[T], id = 'toolu_01', session = 'sess-claude-1'): PreToolUseHookInput {
  return {
    session_id: session, transcript_path: `/home/u/.claude/projects/x/${session}.jsonl`, cwd, permission_mode: 'default',
    hook_event_name: 'PreToolUse', tool_name: tool, tool_input: input, tool_use_id: id,
  };
}

export function claudePost(cwd: string, tool: string, input: unknown, response: unknown, id = 'toolu_01', session = 'sess-claude-1'): PostToolUseHookInput {
  return {
    session_id: session, transcript_path: `/home/u/.claude/projects/x/${session}.jsonl`, cwd, permission_mode: 'default',
    hook_event_name: 'PostToolUse', tool_name: tool, tool_input: input, tool_response: response, tool_use_id: id,
  };
}

/** VS Code agent hooks (hooks-reference.md): camelCase common fields. */
export function vscodePre(cwd: string, tool: string, input: Record<string, unknown>, id = 'tool-123', session = 'vs-sess-1') {
  return { timestamp: '2026-11-30T10:00:00.000Z', cwd, sessionId: session, hookEventName: 'PreToolUse', transcript_path: '/tmp/t.json', tool_name: tool, tool_input: input, tool_use_id: id };
}

/** GitHub Copilot CLI: toolArgs is a JSON string. */
export function copilotPre(cwd: string, tool: string, args: Record<string, unknown>) {
  return { timestamp: 1764496800000, cwd, toolName: tool, toolArgs: JSON.stringify(args) };
}

/** Codex CLI: Claude's shape. */
export function codexPre(cwd: string, tool: string, input: Record<string, unknown>, session = 'codex-sess-1') {
  return { session_id: session, transcript_path: null, cwd, hook_event_name: 'PreToolUse', model: 'gpt-5-codex', tool_name: tool, tool_input: input, tool_use_id: 'call_1' };
}

/** Gemini CLI BeforeTool. */
export function geminiPre(cwd: string, tool: string, input: Record<string, unknown>, session = 'gem-sess-1') {
  return { session_id: session, transcript_path: '/tmp/g.json', cwd, hook_event_name: 'BeforeTool', timestamp: '2026-11-30T10:00:00.000Z', tool_name: tool, tool_input: input };
}

/** Cursor: one input per event. */
export function cursorShell(root: string, command: string, conversation = 'cur-conv-1') {
  return { conversation_id: conversation, generation_id: 'gen-1', hook_event_name: 'beforeShellExecution', workspace_roots: [root], command, cwd: root };
}
export function cursorRead(root: string, file: string, conversation = 'cur-conv-1') {
  return { conversation_id: conversation, generation_id: 'gen-1', hook_event_name: 'beforeReadFile', workspace_roots: [root], file_path: file, content: '' };
}
