// The human reporter of `airlock run`: a line per step as it completes, then a summary; colour only on a terminal.
import path from 'node:path';
import { formatProblem } from '../../errors.js';
import { describeRule } from '../../policy/format.js';
import { displayArgv, displaySafe } from '../../protocol/display.js';
import type { Session } from '../format.js';
import { finalDecisionOf, type SessionReport, type StepReport } from '../report.js';

export interface PrettyOptions {
  write: (text: string) => void;
  color?: boolean;
  /** Paths are shown relative to this folder. Default: process.cwd(). */
  cwd?: string;
}

export interface PrettyReporter {
  sessionStart(session: Session): void;
  step(step: StepReport): void;
  sessionEnd(report: SessionReport): void;
  summary(reports: readonly SessionReport[]): void;
}

const CODES = { green: 32, red: 31, yellow: 33, dim: 2, bold: 1 } as const;

function rel(cwd: string, file: string): string {
  const r = path.relative(cwd, file);
  return r === '' ? '.' : r.startsWith('..') || path.isAbsolute(r) ? file : r;
}

/** The target as a person may see it: an exec argv as shell words, everything display-safe (it is agent-chosen). */
function displayTarget(step: Pick<StepReport, 'action' | 'target'>): string {
  if (step.action === 'exec') {
    try {
      const argv = JSON.parse(step.target) as unknown;
      if (Array.isArray(argv) && argv.every((a) => typeof a === 'string')) return displayArgv(argv);
    } catch {
      // Not an argv: shown as text.
    }
  }
  return displaySafe(step.target);
}

/**
 * The step's stable title: its name, else its action and target — never its verdict or outcome, so a CI system
 * tracks the same test across runs whatever happens to it.
 */
export function stepTitle(step: Pick<StepReport, 'action' | 'target' | 'name'>): string {
  if (step.name) return displaySafe(step.name);
  // Script targets already say `script sha256:…`.
  return step.target.startsWith(`${step.action} `) ? displaySafe(step.target) : `${step.action} ${displayTarget(step)}`;
}

/** `ask → done (allowed by user: allow-once)  ← task scope …`: what the policy said, what happened, who decided, which rule. */
export function describeStep(step: StepReport): string {
  const what = step.target.startsWith(`${step.action} `) ? displaySafe(step.target) : `${step.action} ${displayTarget(step)}`;
  const label = step.name ? `${displaySafe(step.name)}: ${what}` : what;
  const verdict = step.verdict ? `${step.verdict} → ` : '';
  const final = finalDecisionOf(step);
  const by = final ? ` (${final.unanswered && final.by === 'unanswered prompt' ? 'unanswered prompt: refused' : `${final.decision} by ${final.by}`})` : '';
  const rule = ruleText(step);
  return `${label}  ${verdict}${step.outcome}${by}${rule}`;
}

/**
 * The deciding rule: its place and pattern, or — where no pattern decided (the default, a built-in check such as SSRF,
 * the task scope as a whole) — the decision's reason, as `airlock policy explain` shows it. A script step has none of
 * its own: each of its capability calls is decided, and logged, on its own.
 */
function ruleText(step: StepReport): string {
  if (!step.rule || step.action === 'script') return '';
  const r = step.rule;
  // Once someone was asked, the step's reason is about the answer; the rule line names the rule that made it ask.
  const byReason = step.decidedBy === 'policy' && step.prompts.length === 0
    && (r.layer === 'default' || ((r.layer === 'task' || r.layer === 'builtin') && r.pattern === undefined));
  const text = byReason && step.reason ? step.reason : describeRule(r);
  return `  ← ${displaySafe(text)}`;
}

const ms = (n: number) => `${n} ms`;

export function createPrettyReporter(opts: PrettyOptions): PrettyReporter {
  const cwd = opts.cwd ?? process.cwd();
  const paint = (code: keyof typeof CODES, text: string) => (opts.color ? `\u001b[${CODES[code]}m${text}\u001b[0m` : text);
  const line = (text: string) => opts.write(`${text}\n`);
  return {
    sessionStart(session) {
      line(`${paint('bold', `▶ ${displaySafe(session.name)}`)}  ${paint('dim', `(${displaySafe(rel(cwd, session.file))})`)}`);
    },
    step(step) {
      const mark = step.ok ? paint('green', '✓') : paint('red', '✗');
      line(`  ${mark} ${String(step.index + 1).padStart(2)} ${describeStep(step)}  ${paint('dim', ms(step.durationMs))}`);
      for (const f of step.failures) line(`       ${paint('red', displaySafe(f))}`);
      // The reason once: the error the agent got (it names the refusal and the missing approval).
      if (!step.ok && step.error) line(`       ${paint('dim', displaySafe(`${step.error.code}: ${step.error.message}`))}`);
      else {
        for (const p of step.prompts.filter((x) => !x.answered)) {
          line(`       ${paint('yellow', `unanswered prompt: ${p.action} ${displaySafe(p.target)} (refused; no scripted approval matched)`)}`);
        }
      }
    },
    sessionEnd(report) {
      for (const p of report.problems ?? []) line(`  ${paint('red', displaySafe(formatProblem(p)))}`);
      if (report.log) line(`  ${paint('dim', `log: ${rel(cwd, report.log)}`)}`);
      if (report.verify) {
        line(report.verify.ok
          ? `  ${paint('green', '✓')} log verified: ${report.verify.entries} entries, hash chain intact`
          : `  ${paint('red', '✗')} log does not verify: ${displaySafe(report.verify.problem ?? 'unknown problem')}`);
      }
      if (report.workspace && !report.problems) line(`  ${paint('dim', `workspace: ${report.workspace}`)}`);
    },
    summary(reports) {
      const steps = reports.flatMap((r) => r.steps);
      const failedSteps = steps.filter((s) => !s.ok).length;
      const passed = reports.filter((r) => r.ok).length;
      const bad = reports.filter((r) => r.problems && r.problems.length > 0).length;
      const parts = [
        `${reports.length} session${reports.length === 1 ? '' : 's'}: ${passed} passed`,
        ...(reports.length - passed - bad > 0 ? [`${reports.length - passed - bad} failed`] : []),
        ...(bad > 0 ? [`${bad} could not start`] : []),
      ];
      const total = reports.reduce((n, r) => n + r.durationMs, 0);
      const text = `${parts.join(', ')}; ${steps.length} step${steps.length === 1 ? '' : 's'}, ${failedSteps} failed (${ms(total)})`;
      line('');
      line(passed === reports.length ? paint('green', text) : paint('red', text));
    },
  };
}
