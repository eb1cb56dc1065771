// Asks the user through the Prompter port, bounded by the approval timeout and the task's kill signal: no answer means deny.
import type { ApprovalAnswer, ApprovalRequest, Prompter } from './types.js';

export type AskOutcome =
  | { kind: 'answered'; answer: ApprovalAnswer }
  | { kind: 'timeout' }
  | { kind: 'killed' }
  | { kind: 'failed'; message: string };

const ANSWERS = new Set(['allow-once', 'allow-task', 'always', 'deny']);

/** Never rejects: every way a prompt can go wrong is an outcome the caller turns into a denial. */
export async function askWithDeadline(prompter: Prompter, request: ApprovalRequest, killSignal: AbortSignal, now: number): Promise<AskOutcome> {
  if (killSignal.aborted) return { kind: 'killed' };
  const promptAbort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onKill: (() => void) | undefined;
  const timeout = new Promise<AskOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timeout' }), Math.max(0, request.deadline - now));
  });
  const killed = new Promise<AskOutcome>((resolve) => {
    onKill = () => resolve({ kind: 'killed' });
    killSignal.addEventListener('abort', onKill, { once: true });
  });
  const answered = (async (): Promise<AskOutcome> => {
    try {
      const answer = await prompter.ask(request, promptAbort.signal);
      if (!answer || typeof answer !== 'object' || !ANSWERS.has(answer.answer)) {
        return { kind: 'failed', message: `the prompter gave an invalid answer ${JSON.stringify(answer)}` };
      }
      return { kind: 'answered', answer };
    } catch (err) {
      return { kind: 'failed', message: err instanceof Error ? err.message : String(err) };
    }
  })();
  try {
    return await Promise.race([answered, timeout, killed]);
  } finally {
    clearTimeout(timer);
    if (onKill) killSignal.removeEventListener('abort', onKill);
    // Tell the prompter the question is moot (e.g. close the notification in the editor).
    promptAbort.abort();
  }
}
