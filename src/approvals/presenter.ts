// The approval presenter in VS Code: a notification (or a modal dialog) with the four answers; thin over format.ts.
import * as vscode from 'vscode';
import type { ApprovalRequest } from '../../sandbox/protocol/protocol.js';
import type { ApprovalPresenter, ApprovalStyle } from './broker.js';
import { approvalMessage, CHOICE_ORDER, type Choice } from './format.js';

export function vscodePresenter(trace: (event: string, data?: Record<string, unknown>) => void): ApprovalPresenter {
  return {
    async show(request: ApprovalRequest, style: ApprovalStyle): Promise<Choice | undefined> {
      const { message, detail } = approvalMessage(request, Date.now());
      trace('approval.shown', { id: request.id });
      const choice = style === 'modal'
        ? await vscode.window.showWarningMessage(message, { modal: true, detail }, ...CHOICE_ORDER)
        : await vscode.window.showWarningMessage(message, ...CHOICE_ORDER);
      return choice as Choice | undefined;
    },
    tell(message: string): void {
      void vscode.window.showInformationMessage(message);
    },
  };
}
