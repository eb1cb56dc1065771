// What a person sees for an approval request: every agent-chosen string escaped, the deadline in seconds, four answers.
import { displayArgv, displaySafe } from '../../sandbox/protocol/display.js';
import type { ApprovalAnswer, ApprovalRequest } from '../../sandbox/protocol/protocol.js';

export const CHOICES = {
  once: 'Allow once',
  task: 'Allow for this task',
  always: 'Always allow in workspace',
  deny: 'Deny',
} as const;
export type Choice = (typeof CHOICES)[keyof typeof CHOICES];
export const CHOICE_ORDER: readonly Choice[] = [CHOICES.once, CHOICES.task, CHOICES.always, CHOICES.deny];

/**
 * displaySafe, and a notification's link syntax broken: VS Code turns `[text](command:…)` in a message into a clickable
 * link, so an agent could name a file to look like a button. `](` becomes `]\(`, visibly.
 */
export function uiSafe(value: string): string {
  return displaySafe(value).replace(/\]\(/g, ']\\(');
}

/** The target as a person should read it: argv as a shell line, paths and URLs escaped. */
export function shownTarget(request: ApprovalRequest): string {
  const action = request.action as { kind: string; argv?: readonly string[] };
  if (action.kind === 'exec' && Array.isArray(action.argv)) return uiSafe(displayArgv(action.argv));
  return uiSafe(request.target);
}

export function secondsLeft(request: ApprovalRequest, now: number): number {
  return Math.max(0, Math.ceil((request.deadline - now) / 1000));
}

/** Who is asking: an agent name (hooks and MCP requests carry one) or the scripted session / task. */
function agentOf(request: ApprovalRequest): string | undefined {
  const agent = (request as { agent?: unknown }).agent;
  if (typeof agent === 'string' && agent) return uiSafe(agent);
  if (agent && typeof agent === 'object' && typeof (agent as { name?: unknown }).name === 'string') return uiSafe((agent as { name: string }).name);
  return undefined;
}

/** One line for a notification (no newlines: VS Code shows one paragraph), plus a detail text for the modal. */
export function approvalMessage(request: ApprovalRequest, now: number): { message: string; detail: string } {
  const agent = agentOf(request);
  const who = agent ? `${agent} (task "${uiSafe(request.task.intent)}")` : `Task "${uiSafe(request.task.intent)}"`;
  const left = secondsLeft(request, now);
  const message = `Airlock: ${who} asks to ${request.action.kind} ${shownTarget(request)} — ${uiSafe(request.decision.reason)} `
    + `Denied automatically in ${left} s.`;
  const detail = [
    `Action: ${request.action.kind}`,
    `Target: ${shownTarget(request)}`,
    `Task: ${uiSafe(request.task.intent)} (${uiSafe(request.task.id)})`,
    ...(agent ? [`Agent: ${agent}`] : []),
    `Why asked: ${uiSafe(request.decision.reason)}`,
    `No answer within ${left} s means deny.`,
  ].join('\n');
  return { message, detail };
}

/** The protocol answer for a choice. "Always" is sent as `always`: the harness grants it for the task, the extension
 * writes the rule into the workspace policy. */
export function answerFor(choice: Choice): ApprovalAnswer {
  switch (choice) {
    case CHOICES.once: return { answer: 'allow-once' };
    case CHOICES.task: return { answer: 'allow-task' };
    case CHOICES.always: return { answer: 'always' };
    case CHOICES.deny: return { answer: 'deny' };
  }
}

/** A short label for lists (the pending quick pick, the late-answer message). */
export function approvalLabel(request: ApprovalRequest): string {
  return `${request.action.kind} ${shownTarget(request)}`;
}
