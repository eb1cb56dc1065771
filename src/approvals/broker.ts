// Every approval request from the harness, from arrival to its one final answer: queued, shown, answered, or withdrawn.
import type { ApprovalAnswer, ApprovalRequest } from '../../sandbox/protocol/protocol.js';
import { answerFor, approvalLabel, CHOICES, type Choice } from './format.js';

export type ApprovalStyle = 'notification' | 'modal';

/** The port to the editor's UI. */
export interface ApprovalPresenter {
  /** Shows the request and resolves with the person's choice, or undefined when they closed it without answering. */
  show(request: ApprovalRequest, style: ApprovalStyle): Promise<Choice | undefined>;
  /** Tells the person something once (a late answer, a failure). */
  tell(message: string): void;
}

export interface Pending {
  request: ApprovalRequest;
  received: number;
}

type Settled = { by: 'user'; answer: ApprovalAnswer } | { by: 'withdrawn' | 'timeout' | 'harness-lost'; answer: ApprovalAnswer };

interface Entry extends Pending {
  resolve: (answer: ApprovalAnswer) => void;
  settled?: Settled;
  timer?: NodeJS.Timeout;
}

export interface ApprovalBrokerOptions {
  presenter: ApprovalPresenter;
  style(): ApprovalStyle;
  /** Called after "Always allow in workspace" was answered: writes the rule into the workspace policy. */
  onAlways?(request: ApprovalRequest): Promise<void>;
  onChange?(pending: readonly Pending[]): void;
  now?(): number;
}

const DENY: ApprovalAnswer = { answer: 'deny' };

export class ApprovalBroker {
  private readonly entries = new Map<string, Entry>();
  /** Modal dialogs are shown one at a time, in arrival order. */
  private modalChain: Promise<unknown> = Promise.resolve();
  /** Answers of settled requests, so a late click can say what had already happened. */
  private readonly settled = new Map<string, { label: string; settled: Settled }>();

  constructor(private readonly opts: ApprovalBrokerOptions) {}

  private now(): number { return this.opts.now?.() ?? Date.now(); }

  get pending(): Pending[] {
    return [...this.entries.values()].filter((e) => !e.settled).map(({ request, received }) => ({ request, received }));
  }

  /** Handles one approval/request; resolves with the first final answer (deny when nobody answers in time). */
  handle(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    if (this.entries.has(request.id) || this.settled.has(request.id)) {
      // A second question with the same id is never a second chance to answer the first.
      return Promise.resolve(DENY);
    }
    return new Promise<ApprovalAnswer>((resolve) => {
      const entry: Entry = { request, received: this.now(), resolve };
      this.entries.set(request.id, entry);
      entry.timer = setTimeout(() => this.settle(request.id, { by: 'timeout', answer: DENY }), Math.max(0, request.deadline - this.now()));
      entry.timer.unref?.();
      if (signal.aborted) {
        this.settle(request.id, { by: 'withdrawn', answer: DENY });
        return;
      }
      signal.addEventListener('abort', () => this.settle(request.id, { by: 'withdrawn', answer: DENY }), { once: true });
      this.changed();
      this.present(entry);
    });
  }

  private present(entry: Entry): void {
    const style = this.opts.style();
    const show = () => {
      if (entry.settled) return Promise.resolve();
      return this.opts.presenter.show(entry.request, style).then((choice) => { if (choice) this.answer(entry.request.id, choice); }, () => undefined);
    };
    if (style === 'modal') {
      this.modalChain = this.modalChain.then(show, show);
    } else {
      void show();
    }
  }

  /** A person's choice, from the notification, the dialog or the pending list. Only the first answer counts. */
  answer(id: string, choice: Choice): 'accepted' | 'late' | 'unknown' {
    const entry = this.entries.get(id);
    if (entry && !entry.settled) {
      const answer = answerFor(choice);
      this.settle(id, { by: 'user', answer });
      if (choice === CHOICES.always && this.opts.onAlways) {
        this.opts.onAlways(entry.request).catch((err: unknown) => this.opts.presenter.tell(
          `Airlock allowed ${approvalLabel(entry.request)} for this task, but could not add the rule to the workspace policy: ${err instanceof Error ? err.message : String(err)}`));
      }
      return 'accepted';
    }
    const done = this.settled.get(id);
    if (!done) return 'unknown';
    if (done.settled.by !== 'user') {
      const why = done.settled.by === 'timeout' ? 'its time ran out, so it was denied'
        : done.settled.by === 'harness-lost' ? 'the harness stopped, so it was denied'
          : 'the harness withdrew the question (the task ended or was stopped), so it was denied';
      this.opts.presenter.tell(`Your answer "${choice}" to ${done.label} came too late and changes nothing: ${why}.`);
    } else {
      this.opts.presenter.tell(`${done.label} was already answered ("${done.settled.answer.answer}"); the first answer is final.`);
    }
    return 'late';
  }

  /** The harness is gone: everything pending is denied (it already denied it on its side, or died with it). */
  denyAll(by: 'harness-lost'): number {
    let n = 0;
    for (const id of [...this.entries.keys()]) {
      if (this.settle(id, { by, answer: DENY })) n++;
    }
    return n;
  }

  private settle(id: string, settled: Settled): boolean {
    const entry = this.entries.get(id);
    if (!entry || entry.settled) return false;
    entry.settled = settled;
    clearTimeout(entry.timer);
    this.entries.delete(id);
    this.settled.set(id, { label: approvalLabel(entry.request), settled });
    if (this.settled.size > 500) this.settled.delete(this.settled.keys().next().value as string);
    entry.resolve(settled.answer);
    this.changed();
    return true;
  }

  private changed(): void {
    this.opts.onChange?.(this.pending);
  }
}
