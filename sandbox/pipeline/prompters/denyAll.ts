// The headless prompter: nobody is there to ask, so every out-of-scope action is denied.
import type { ApprovalAnswer, Prompter } from '../types.js';

export const denyAllPrompter: Prompter = {
  async ask(): Promise<ApprovalAnswer> {
    return { answer: 'deny' };
  },
};
