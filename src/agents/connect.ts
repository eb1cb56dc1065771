// "Airlock: Connect Agents…": the logic under the command (hook command line, choices, preview text, report), no vscode.
import path from 'node:path';
import { displaySafe } from '../../sandbox/protocol/display.js';
import { HOOK_AGENT_LABELS, HOOK_AGENTS, type HookAgent, type HookApplied, type HookPlanView } from '../../sandbox/protocol/protocol.js';

/** Quotes one word for the shell an agent runs its hook command in (POSIX sh; cmd.exe takes the double quotes too). */
export function shellWord(word: string, platform: NodeJS.Platform): string {
  if (/^[A-Za-z0-9_./:@%+=-]+$/.test(word)) return word;
  if (platform === 'win32') return `"${word.replace(/"/g, '""')}"`;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command an agent runs for each tool call, up to the agent's name: the hook bundled in the installed extension
 * (dist/hook.js, the thin client of the hook server, next to dist/hook-main.js) on the Node the harness runs on. planInstall appends `<agent> [--event …]`.
 */
export function hookCommand(node: string, extensionPath: string, platform: NodeJS.Platform): string {
  const hook = (platform === 'win32' ? path.win32 : path.posix).join(extensionPath, 'dist', 'hook.js');
  return `${shellWord(node, platform)} ${shellWord(hook, platform)}`;
}

export interface AgentChoice { label: string; description: string; agent: HookAgent; picked: boolean }

/** One choice per agent; those already connected at that scope say so (and are not preselected). */
export function agentChoices(installed: ReadonlySet<HookAgent> = new Set()): AgentChoice[] {
  return HOOK_AGENTS.map((agent) => ({
    label: HOOK_AGENT_LABELS[agent], agent, picked: false,
    description: installed.has(agent) ? `${agent} · connected` : agent,
  }));
}

/** The preview shown before anything is written: every file's diff, and why a file cannot be changed. */
export function previewText(plans: readonly HookPlanView[], scope: 'project' | 'user'): string {
  const lines = [`# Airlock: Connect Agents (${scope} scope): the edits to apply. Nothing is written until you confirm.`, ''];
  for (const p of plans) {
    lines.push(`# ${HOOK_AGENT_LABELS[p.agent]}: ${displaySafe(p.file)}`);
    if (p.problem) lines.push(`#   cannot be changed: ${displaySafe(p.problem)}`);
    else if (!p.changed) lines.push('#   already connected: no change');
    else lines.push(...p.diff.replace(/\n$/, '').split('\n').map((l) => displaySafe(l)));
    lines.push('');
  }
  return lines.join('\n');
}

/** The plans that would write something (the ones to confirm). */
export function toApply(plans: readonly HookPlanView[]): HookPlanView[] {
  return plans.filter((p) => p.changed && !p.problem);
}

/** One message for the outcome: what was connected, and what was not with its reason. */
export function appliedSummary(applied: readonly HookApplied[]): { ok: boolean; text: string } {
  const written = applied.filter((a) => a.written);
  const refused = applied.filter((a) => !a.written);
  const parts: string[] = [];
  if (written.length) parts.push(`connected ${written.map((a) => `${HOOK_AGENT_LABELS[a.agent]} (${displaySafe(a.file)})`).join(', ')}`);
  for (const r of refused) parts.push(`${HOOK_AGENT_LABELS[r.agent]} not changed: ${displaySafe(r.reason)}`);
  return { ok: refused.length === 0, text: `Airlock: ${parts.join('; ')}.` };
}
