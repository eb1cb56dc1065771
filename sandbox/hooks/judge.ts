// Pure: folds the decisions on every part of one tool call into one answer: any deny denies; anything asked, inexact or
// unresolved asks; only a call whose every part is allowed is allowed.
import { describeTarget } from '../policy/format.js';
import type { Action, Decision } from '../policy/types.js';
import type { Mapped } from './mapping.js';

export interface PartDecision { action: Action; exact: boolean; decision: Decision; beneath?: string }

export interface CallVerdict {
  verdict: 'allow' | 'ask' | 'deny';
  reason: string;
  parts: PartDecision[];
  /** The part that decided a deny. */
  deniedBy?: PartDecision;
}

export function judgeCall(mapped: Mapped, decideOne: (a: Action) => Decision): CallVerdict {
  if (mapped.internal) return { verdict: 'allow', reason: `allowed: ${mapped.internal}`, parts: [] };
  const parts: PartDecision[] = mapped.items.map((i) => ({ action: i.action, exact: i.exact, decision: decideOne(i.action), ...(i.beneath ? { beneath: i.beneath } : {}) }));
  const denied = parts.find((p) => p.decision.verdict === 'deny');
  if (denied) {
    const more = parts.length > 1 ? ` (one of ${parts.length} parts of this call; every part must be allowed)` : '';
    const whole = denied.beneath !== undefined
      ? ` The call reads everything under ${JSON.stringify(denied.beneath)}, this file included: leave it out (a file filter such as a glob) or search a narrower folder.`
      : '';
    return { verdict: 'deny', reason: `${denied.decision.reason}${more}${whole}`, parts, deniedBy: denied };
  }
  const why: string[] = [...mapped.unresolved];
  for (const p of parts) {
    if (p.decision.verdict === 'ask') why.push(p.decision.reason);
    else if (!p.exact) why.push(`${p.action.kind} ${describeTarget(p.action)} runs with arguments only known when it runs`);
  }
  if (parts.length === 0 && why.length === 0) why.push('the call names nothing Airlock can judge');
  if (why.length > 0) return { verdict: 'ask', reason: `Airlock asks: ${why.join('; ')}`, parts };
  const reason = parts.length === 1 ? parts[0]!.decision.reason : `every part is allowed: ${parts.map((p) => p.decision.reason).join('; ')}`;
  return { verdict: 'allow', reason, parts };
}

