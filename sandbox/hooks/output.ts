// What a hook answer needs before any parsing, with only node: builtins (the thin hook client loads this, not zod):
// the agents' names, the hook's output, the fail-closed answer and the agent's process.
import { readFileSync } from 'node:fs';

export const AGENTS = ['claude-code', 'vscode', 'copilot', 'codex', 'gemini', 'cursor'] as const;
export type AgentName = (typeof AGENTS)[number];

export function isAgentName(s: string): s is AgentName {
  return (AGENTS as readonly string[]).includes(s);
}

/** What the hook process writes and how it exits. */
export interface HookOutput { stdout: string; stderr: string; exit: number }

const json = (v: unknown) => `${JSON.stringify(v)}\n`;

/** A failure before any decision: a deny that blocks in every agent (exit 2 with the reason on stderr, and JSON where read). */
export function formatFailure(agent: AgentName | undefined, reason: string): HookOutput {
  const text = `Airlock refused this tool call: ${reason}. Airlock fails closed: nothing runs until the hook can decide.`;
  if (agent === 'copilot' || agent === 'cursor') {
    const out = agent === 'copilot' ? { permissionDecision: 'deny', permissionDecisionReason: text } : { permission: 'deny', user_message: text, agent_message: text };
    return { stdout: json(out), stderr: `${text}\n`, exit: agent === 'copilot' ? 0 : 2 };
  }
  return { stdout: '', stderr: `${text}\n`, exit: 2 };
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'fish']);

/** The agent's process: the hook's parent, or its grandparent when the agent ran the hook through a shell (Linux /proc). */
export function agentProcess(): number {
  const parent = process.ppid;
  try {
    const stat = readFileSync(`/proc/${parent}/stat`, 'utf8');
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    if (!SHELLS.has(comm)) return parent;
    const grand = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(grand) && grand > 1 ? grand : parent;
  } catch {
    return parent;
  }
}
