// The MCP server's Prompter: (a) the editor, through its approval gateway, when it serves this workspace; (b) else the
// MCP client, through elicitation, when it offers it; (c) else nobody: the ask fails, which the pipeline turns into a
// denial with that reason.
import type { ApprovalAnswer, ApprovalRequest, Prompter } from '../pipeline/types.js';
import type { AskBroker } from './asks.js';
import type { ConnectGateway, GatewayClient } from './gateway.js';

export const NOBODY_TO_ASK = 'nobody could be asked: no editor is connected to Airlock for this workspace and the MCP client offers no elicitation';

export interface ChainPrompter extends Prompter {
  close(): void;
}

export function chainPrompter(opts: { workspaceRoot: string; connect: ConnectGateway; elicitation: () => boolean; broker: AskBroker }): ChainPrompter {
  let gateway: GatewayClient | null = null;
  return {
    async ask(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
      // The editor may open after the server started: while none is connected, each ask looks again.
      gateway ??= await opts.connect(opts.workspaceRoot).catch(() => null);
      if (gateway) {
        const connected = gateway;
        try {
          // The editor's answer is final; its failure is a denial (the user may have seen the question).
          return await connected.ask(request, signal);
        } catch (err) {
          // A broken connection is dropped, so the next ask reconnects (or falls back to elicitation).
          if (gateway === connected) gateway = null;
          connected.close();
          throw err;
        }
      }
      if (opts.elicitation()) return opts.broker.ask(request, signal);
      throw new Error(NOBODY_TO_ASK);
    },
    close() {
      gateway?.close();
      gateway = null;
    },
  };
}
