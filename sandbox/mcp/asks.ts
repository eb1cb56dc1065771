// Asks that wait for a tool call to carry them to the MCP client as an elicitation form, and the answers coming back.
// The Enforcer's prompt is pending inside a tool call's work; the call's handler takes it, returns it to the client as
// input_required (a 2026-07-28 client retries with the answer; on 2025-era connections the SDK elicits and re-enters),
// and the answer settles the prompt. The first answer is final; a missing, declined or malformed one means deny.
// Calls run concurrently, so whichever call is waiting carries the next ask: each answer settles exactly the ask it
// answers, whichever call carried it.
import { randomUUID } from 'node:crypto';
import type { ApprovalAnswer, ApprovalRequest } from '../pipeline/types.js';
import { displayArgv, displaySafe } from '../protocol/display.js';

export interface PendingAsk {
  readonly id: string;
  readonly request: ApprovalRequest;
  /** Settles the prompt; false when it was already settled or is moot (timed out, killed). */
  settle(answer: ApprovalAnswer): boolean;
  readonly settled: boolean;
}

interface Entry extends PendingAsk { claimed: boolean }

export class AskBroker {
  private readonly queue: Entry[] = [];
  private readonly waiters: ((ask: Entry) => void)[] = [];

  /** The Prompter side: resolves with the user's answer; rejects when the question became moot. */
  ask(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    return new Promise<ApprovalAnswer>((resolve, reject) => {
      let settled = false;
      const remove = () => {
        const i = this.queue.indexOf(entry);
        if (i >= 0) this.queue.splice(i, 1);
      };
      const entry: Entry = {
        id: randomUUID(), request, claimed: false,
        get settled() { return settled; },
        settle: (answer) => {
          if (settled) return false;
          settled = true;
          remove();
          resolve(answer);
          return true;
        },
      };
      signal.addEventListener('abort', () => {
        if (settled) return;
        settled = true;
        remove();
        reject(new Error('the question is moot'));
      }, { once: true });
      this.queue.push(entry);
      this.offer();
    });
  }

  /** The tool call side: waits for the next unclaimed ask. cancel() stops waiting and gives back an ask taken too late. */
  claim(): { promise: Promise<PendingAsk>; cancel: () => void } {
    let taken: Entry | undefined;
    let cancelled = false;
    let waiter!: (ask: Entry) => void;
    const promise = new Promise<PendingAsk>((resolve) => {
      waiter = (ask) => { taken = ask; resolve(ask); };
    });
    this.waiters.push(waiter);
    this.offer();
    return {
      promise,
      cancel: () => {
        if (cancelled) return;
        cancelled = true;
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        if (taken && !taken.settled) this.release(taken);
      },
    };
  }

  /** An ask taken by a call that will not carry it (the call finished first) goes back to the queue. */
  release(ask: PendingAsk): void {
    const entry = this.queue.find((e) => e.id === ask.id);
    if (!entry) return;
    entry.claimed = false;
    this.offer();
  }

  get pending(): number { return this.queue.filter((e) => !e.settled).length; }

  private offer(): void {
    for (const entry of this.queue) {
      if (entry.claimed || entry.settled) continue;
      const waiter = this.waiters.shift();
      if (!waiter) return;
      entry.claimed = true;
      waiter(entry);
    }
  }
}

/** The key of Airlock's question in inputRequests / inputResponses. */
export const APPROVAL_KEY = 'airlock_approval';

/** The answers offered: allow once, allow for this task (each suggested pattern), deny. */
export function approvalChoices(request: ApprovalRequest): { const: string; title: string }[] {
  const choices: { const: string; title: string }[] = [];
  request.suggestions.forEach((s, i) => {
    if (s.answer === 'allow-once') choices.push({ const: 'allow-once', title: `Allow once: ${displaySafe(request.target)}` });
    if (s.answer === 'allow-task' && s.target !== undefined) {
      const shown = typeof s.target === 'string' ? displaySafe(s.target) : displayArgv(s.target);
      choices.push({ const: `allow-task:${i}`, title: `Allow for this task: ${shown}` });
    }
  });
  choices.push({ const: 'deny', title: 'Deny' });
  return choices;
}

/** The elicitation form (form mode): the action, its target and the reason in the message; one choice to make. */
export interface ApprovalForm {
  mode: 'form';
  message: string;
  requestedSchema: {
    type: 'object';
    properties: { decision: { type: 'string'; title: string; description: string; oneOf: { const: string; title: string }[]; default: string } };
    required: string[];
  };
}

export function approvalForm(request: ApprovalRequest): ApprovalForm {
  const target = request.action.kind === 'exec' ? displayArgv(request.action.argv) : displaySafe(request.target);
  const message = [
    `Airlock asks: may the agent ${request.action.kind} ${target}?`,
    `Action: ${request.action.kind}`,
    `Target: ${target}`,
    `Reason: ${displaySafe(request.decision.reason)}`,
    `Task: ${displaySafe(request.task.intent)}`,
  ].join('\n');
  return {
    mode: 'form',
    message,
    requestedSchema: {
      type: 'object',
      properties: {
        decision: { type: 'string', title: 'Your answer', description: `${request.action.kind} ${target}`, oneOf: approvalChoices(request), default: 'deny' },
      },
      required: ['decision'],
    },
  };
}

/** The user's answer from an elicitation response; anything but an accepted, known choice is a denial. */
export function answerOf(response: unknown, request: ApprovalRequest): ApprovalAnswer {
  if (!response || typeof response !== 'object') return { answer: 'deny' };
  const r = response as { action?: unknown; content?: { decision?: unknown } };
  if (r.action !== 'accept') return { answer: 'deny' };
  const decision = r.content?.decision;
  if (decision === 'allow-once') return { answer: 'allow-once' };
  if (typeof decision === 'string' && decision.startsWith('allow-task:')) {
    const s = request.suggestions[Number(decision.slice('allow-task:'.length))];
    if (s && s.answer === 'allow-task' && s.target !== undefined) return { answer: 'allow-task', target: s.target };
  }
  return { answer: 'deny' };
}
