// What the editor's agent doors need, without the vscode module: the language-model tool contributions, the MCP server
// definition for the open workspace, and the texts prepareInvocation shows. The harness decides; this only describes.
import {
  AGENT_RULES, AGENT_TOOL_ANNOTATIONS, AGENT_TOOL_DESCRIPTIONS, AGENT_TOOL_NAMES, agentToolJsonSchema, type AgentToolName,
} from '../../sandbox/protocol/agentTools.js';
import { displayArgv, displaySafe } from '../../sandbox/protocol/display.js';
import type { ToolPreview } from '../../sandbox/protocol/protocol.js';

/** The id under package.json contributes.mcpServerDefinitionProviders. */
export const MCP_PROVIDER_ID = 'airlock.mcp';

/** Language-model tool names are global in the editor: Airlock's carry a prefix. */
export function lmToolName(name: AgentToolName): string {
  return `airlock_${name}`;
}

export function agentToolOf(lmName: string): AgentToolName | undefined {
  return AGENT_TOOL_NAMES.find((n) => lmToolName(n) === lmName);
}

/** contributes.languageModelTools, generated from the same definitions `airlock mcp` serves (npm run agent-tools). */
export function languageModelToolsContribution(): Record<string, unknown>[] {
  return AGENT_TOOL_NAMES.map((name) => ({
    name: lmToolName(name),
    displayName: `Airlock: ${AGENT_TOOL_ANNOTATIONS[name].title}`,
    toolReferenceName: `airlock_${name}`,
    canBeReferencedInPrompt: true,
    icon: '$(shield)',
    userDescription: AGENT_TOOL_DESCRIPTIONS[name],
    modelDescription: `${AGENT_TOOL_DESCRIPTIONS[name]}\n${AGENT_RULES}`,
    tags: ['airlock', AGENT_TOOL_ANNOTATIONS[name].readOnlyHint ? 'read-only' : 'changes-workspace'],
    inputSchema: agentToolJsonSchema(name),
  }));
}

/** The `airlock mcp` server the editor offers to its agents for one workspace folder. */
export function mcpServerDefinition(airlockCommand: readonly string[], workspaceRoot: string, folderName: string): { label: string; command: string; args: string[] } {
  const [command, ...args] = airlockCommand;
  if (!command) throw new Error('airlockCommand is empty');
  return { label: `Airlock (${folderName})`, command, args: [...args, 'mcp', '--workspace', workspaceRoot] };
}

function shownTarget(name: AgentToolName, input: Record<string, unknown>, preview: ToolPreview | undefined): string {
  if (name === 'exec' && Array.isArray(input['argv'])) return displayArgv(input['argv'].map(String));
  if (preview?.target) return displaySafe(preview.target);
  const first = input['path'] ?? input['url'] ?? input['intent'];
  return typeof first === 'string' ? displaySafe(first) : '';
}

/**
 * The progress message prepareInvocation returns: the action and Airlock's verdict. It never asks for a confirmation
 * of its own: Airlock asks in its own prompt when its verdict is ask, and that answer is the one that counts.
 */
export function invocationMessage(name: AgentToolName, input: Record<string, unknown>, preview: ToolPreview | undefined): string {
  const what = `${AGENT_TOOL_ANNOTATIONS[name].title}${shownTarget(name, input, preview) ? ` ${shownTarget(name, input, preview)}` : ''}`;
  if (!preview) return `Airlock: ${what} (Airlock decides when it runs)`;
  const reason = displaySafe(preview.reason);
  switch (preview.verdict) {
    case 'allow': return `Airlock allows: ${what} (${reason})`;
    case 'ask': return `Airlock will ask you: ${what} (${reason})`;
    case 'deny': return `Airlock will refuse: ${what} (${reason})`;
    case 'per-call': return `Airlock: ${what} (${reason})`;
  }
}

/** The package.json contributions of the agent doors (merged into contributes by npm run agent-tools). */
export function agentContributions(): { languageModelTools: Record<string, unknown>[]; mcpServerDefinitionProviders: { id: string; label: string }[] } {
  return {
    languageModelTools: languageModelToolsContribution(),
    mcpServerDefinitionProviders: [{ id: MCP_PROVIDER_ID, label: 'Airlock: sandboxed tools for the workspace' }],
  };
}
