// The Prompter adapter that asks the extension over the protocol (approval/request); a bad or missing answer means deny.
import { CancellationTokenSource, type MessageConnection } from 'vscode-jsonrpc';
import { approvalRequest, ApprovalAnswerSchema } from '../protocol/protocol.js';
import type { ApprovalAnswer, Prompter } from '../pipeline/types.js';

export function clientPrompter(connection: MessageConnection): Prompter {
  return {
    async ask(request, signal): Promise<ApprovalAnswer> {
      const cancel = new CancellationTokenSource();
      const onAbort = () => cancel.cancel();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        const raw: unknown = await connection.sendRequest(approvalRequest, request, cancel.token);
        const parsed = ApprovalAnswerSchema.safeParse(raw);
        if (!parsed.success) throw new Error(`the client answered approval/request with an invalid answer: ${JSON.stringify(raw)}`);
        return parsed.data;
      } finally {
        signal.removeEventListener('abort', onAbort);
        cancel.dispose();
      }
    },
  };
}
