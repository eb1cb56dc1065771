// The display-safe form of an approval request: what a person reads of the agent-chosen target, reason and intent.
import type { Action } from '../policy/types.js';
import { displayArgv, displaySafe } from '../protocol/display.js';
import type { ApprovalDisplay } from './types.js';

/** Argv shown as a shell would read it back; paths and URLs escaped as they are. */
export function approvalDisplay(action: Action, target: string, reason: string, intent: string): ApprovalDisplay {
  return {
    target: action.kind === 'exec' ? displayArgv(action.argv) : displaySafe(target),
    reason: displaySafe(reason),
    intent: displaySafe(intent),
  };
}
