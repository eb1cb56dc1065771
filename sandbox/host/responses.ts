// The first answer is final: responses are let through only for requests the host sent and has not had answered yet.
import type { Message } from 'vscode-jsonrpc';
import { StreamMessageWriter } from 'vscode-jsonrpc/node';

/** How many answered ids are remembered, to tell a repeated answer from one to an id never sent. */
const REMEMBERED = 4096;

export type ResponseVerdict = 'first' | 'repeated' | 'unknown';

/**
 * Tracks the ids of requests the host sends (approval/request) and lets one response per id through. vscode-jsonrpc
 * would otherwise keep the *last* of two responses queued for one id (its queue is keyed by id), so a deny followed by
 * an allow-once performed the write.
 */
export class ResponseGate {
  private readonly pending = new Set<string>();
  private readonly answered = new Set<string>();

  sent(id: string | number): void {
    this.pending.add(key(id));
  }

  /** `first` for the one response a pending request gets; `repeated` or `unknown` (refused) for anything else. */
  accept(id: string | number | null): ResponseVerdict {
    if (id === null) return 'unknown';
    const k = key(id);
    if (this.pending.delete(k)) {
      this.answered.add(k);
      if (this.answered.size > REMEMBERED) this.answered.delete(this.answered.values().next().value!);
      return 'first';
    }
    return this.answered.has(k) ? 'repeated' : 'unknown';
  }
}

const key = (id: string | number): string => `${typeof id}:${id}`;

/** The host's writer: records each request it sends with the gate before writing it. */
export class GatedMessageWriter extends StreamMessageWriter {
  constructor(output: NodeJS.WritableStream, private readonly gate: ResponseGate) {
    super(output);
  }

  override write(msg: Message): Promise<void> {
    const m = msg as { method?: unknown; id?: unknown };
    if (typeof m.method === 'string' && (typeof m.id === 'string' || typeof m.id === 'number')) this.gate.sent(m.id);
    return super.write(msg);
  }
}
