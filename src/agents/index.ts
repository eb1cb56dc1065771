// The editor's doors for agents: Airlock's MCP server for the open workspace (mcpServerDefinitionProviders) and the same
// tools as language-model tools (vscode.lm.registerTool), which reach the harness only through the protocol.
// The lead calls registerAgentTools(context, deps) from activate().
import * as vscode from 'vscode';
import type { ToolCallResult, ToolPreview } from '../../sandbox/protocol/protocol.js';
import { AGENT_TOOL_NAMES, type AgentToolName } from '../../sandbox/protocol/agentTools.js';
import { invocationMessage, lmToolName, MCP_PROVIDER_ID, mcpServerDefinition } from './tools.js';

/** What the language-model tools need of the harness: the protocol's tool/call, tool/preview and kill (HarnessClient has them). */
export interface AgentHarness {
  callTool(taskId: string, name: string, args: Record<string, unknown>): Promise<ToolCallResult>;
  previewTool(taskId: string, name: string, args: Record<string, unknown>): Promise<ToolPreview>;
  kill(target: string, reason?: string): Promise<{ killed: string[] }>;
}

export interface AgentToolsDeps {
  /** The harness serving the open workspace; undefined when it is not running (then every call is refused). */
  harness(): AgentHarness | undefined;
  /** The editor's tasks: the current one without side effects, the one to run in (started if none), begin and end. */
  tasks: {
    peek(): string | undefined;
    current(): Promise<string>;
    begin(params: { intent: string; template?: string; scope?: unknown; ttlSeconds?: number }): Promise<string>;
    end(): Promise<void>;
  };
  /** How to start the bundled `airlock` CLI on a Node the harness can run on, e.g. [node, '--no-node-snapshot', <extension>/dist/harness.mjs]. */
  airlockCommand(): Promise<readonly string[]>;
  /** Shown in the MCP server list; changing it makes the editor refresh the tools. */
  version: string;
}

/** Registers the MCP server definition provider and one language-model tool per Airlock tool. */
export function registerAgentTools(context: vscode.ExtensionContext, deps: AgentToolsDeps): void {
  const changed = new vscode.EventEmitter<void>();
  context.subscriptions.push(changed, vscode.workspace.onDidChangeWorkspaceFolders(() => changed.fire()));
  context.subscriptions.push(vscode.lm.registerMcpServerDefinitionProvider(MCP_PROVIDER_ID, {
    onDidChangeMcpServerDefinitions: changed.event,
    provideMcpServerDefinitions: async () => {
      const command = await deps.airlockCommand().catch(() => undefined);
      if (!command) return []; // no Node the harness can run on: the harness manager has told the user what to install
      return (vscode.workspace.workspaceFolders ?? [])
      .filter((f) => f.uri.scheme === 'file')
      .map((f) => {
        const d = mcpServerDefinition(command, f.uri.fsPath, f.name);
        const def = new vscode.McpStdioServerDefinition(d.label, d.command, d.args, {}, deps.version);
        def.cwd = f.uri;
        return def;
      });
    },
  }));
  for (const name of AGENT_TOOL_NAMES) context.subscriptions.push(vscode.lm.registerTool(lmToolName(name), tool(name, deps)));
}

function tool(name: AgentToolName, deps: AgentToolsDeps): vscode.LanguageModelTool<Record<string, unknown>> {
  return {
    // Side-effect free: a preview decides nothing that sticks, logs nothing, starts no task.
    async prepareInvocation(options) {
      const harness = deps.harness();
      const taskId = deps.tasks.peek();
      const preview = harness && taskId ? await harness.previewTool(taskId, name, options.input).catch(() => undefined) : undefined;
      return { invocationMessage: invocationMessage(name, options.input, preview) };
    },
    async invoke(options, token) {
      if (name === 'begin_task') {
        const input = options.input as { intent: string; template?: string; scope?: unknown; ttl_seconds?: number };
        const id = await deps.tasks.begin({ intent: input.intent, ...(input.template ? { template: input.template } : {}), ...(input.scope ? { scope: input.scope } : {}), ...(input.ttl_seconds ? { ttlSeconds: input.ttl_seconds } : {}) });
        return text(`Began task ${id}. Actions outside its scope are asked of the user.`);
      }
      if (name === 'end_task') {
        await deps.tasks.end();
        return text('Ended the task; its grants are revoked.');
      }
      const harness = deps.harness();
      if (!harness) throw new Error('Airlock refused it: the Airlock harness is not running for this workspace. Ask the user to start it (Airlock: Restart Harness).');
      const taskId = await deps.tasks.current();
      // The user stopped the chat request: that is the kill switch for the task's work in flight, as in `airlock mcp`.
      const onCancel = token.onCancellationRequested(() => void harness.kill(taskId, 'the editor cancelled the tool call').catch(() => undefined));
      try {
        const result = await harness.callTool(taskId, name, options.input);
        // A refusal reaches the model as the tool's error, with what to do instead.
        if (result.isError) throw new Error(result.text);
        return text(result.text);
      } finally {
        onCancel.dispose();
      }
    },
  };
}

function text(value: string): vscode.LanguageModelToolResult {
  return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(value)]);
}
