// What running a session produced: one report per step (what happened, what was expected, why it failed) and per session.
import type { AirlockProblem } from '../errors.js';
import type { PromptRecord } from '../pipeline/prompters/scripted.js';
import type { DecidedBy, Outcome } from '../pipeline/types.js';
import type { RuleRef, Verdict } from '../policy/types.js';
import type { Expectation, StepAction } from './schema.js';

export interface StepReport {
  /** 0-based position in the session's steps. */
  index: number;
  name?: string;
  action: StepAction;
  /** The path, URL, argv as JSON, `script sha256:…`, or the task id for a kill step. */
  target: string;
  /** What the policy said before anyone was asked (absent for kill steps). */
  verdict?: Verdict;
  outcome: Outcome;
  decidedBy?: DecidedBy;
  rule?: RuleRef;
  reason?: string;
  error?: { code: string; message: string };
  result?: unknown;
  /** Every expectation held (a step without expectations is ok). */
  ok: boolean;
  /** One sentence per expectation that did not hold. */
  failures: string[];
  expect?: Expectation;
  /** The prompts the scripted user saw during the step; `answered: false` ones were refused for want of an answer. */
  prompts: PromptRecord[];
  /** Sequence number of the step's decision entry in the action log. */
  logSeq?: number;
  /** For script steps: what the script printed, redacted as the action log redacts it. */
  console?: { level: 'log' | 'warn' | 'error'; text: string }[];
  durationMs: number;
}

/** The final decision on a step: who allowed or refused it; an unanswered prompt is named as such. */
export interface FinalDecision { decision: 'allowed' | 'refused'; by: string; unanswered: boolean }

export function finalDecisionOf(step: Pick<StepReport, 'outcome' | 'decidedBy' | 'prompts' | 'verdict'>): FinalDecision | undefined {
  // A kill step decides nothing: it has no verdict and no final decision.
  if (step.decidedBy === undefined || step.verdict === undefined) return undefined;
  const unanswered = step.prompts.some((p) => !p.answered);
  const decision = step.outcome === 'denied' ? 'refused' : 'allowed';
  const answered = step.prompts.find((p) => p.answered && p.answer !== undefined);
  let by: string = step.decidedBy;
  if (unanswered && decision === 'refused' && step.decidedBy !== 'killswitch') by = 'unanswered prompt';
  else if (step.decidedBy === 'user' && answered?.answer) by = `user: ${answered.answer}`;
  return { decision, by, unanswered };
}

export interface VerifyReport { ok: boolean; entries: number; problem?: string }

export interface SessionReport {
  name: string;
  file: string;
  ok: boolean;
  /** The session's action log (outside the copied workspace). Absent when the session could not start. */
  log?: string;
  /** The temporary copy of the workspace the session ran in; removed after the run unless kept. */
  workspace?: string;
  task?: string;
  steps: StepReport[];
  /** Bad input found when starting the session (its policy does not load, its task template is unknown…). */
  problems?: AirlockProblem[];
  /** The log's hash chain, checked after the run when asked for. */
  verify?: VerifyReport;
  durationMs: number;
}

/** The exit code of a run: 2 when an input was bad, 1 when an expectation failed or a log did not verify, else 0. */
export function exitCodeOf(reports: readonly SessionReport[]): 0 | 1 | 2 {
  if (reports.some((r) => r.problems && r.problems.length > 0)) return 2;
  return reports.every((r) => r.ok) ? 0 : 1;
}
