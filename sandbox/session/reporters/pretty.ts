// The human reporter of `airlock run`: a line per step as it completes, then a summary; colour only on a terminal.
import path from 'node:path';
import { formatProblem } from '../../errors.js';
import type { Session } from '../format.js';
import type { SessionReport, StepReport } from '../report.js';

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

/** `ask → denied (user)` and the rest of a step line, shared with the summary. */
export function describeStep(step: StepReport): string {
  // Script targets already say `script sha256:…`; kill targets are the task id.
  const what = step.target.startsWith(`${step.action} `) ? step.target : `${step.action} ${step.target}`;
  const label = step.name ? `${step.name}: ${what}` : what;
  const verdict = step.verdict ? `${step.verdict} → ` : '';
  const by = step.decidedBy ? ` (${step.decidedBy})` : '';
  return `${label}  ${verdict}${step.outcome}${by}`;
}

export function createPrettyReporter(opts: PrettyOptions): PrettyReporter {
  const cwd = opts.cwd ?? process.cwd();
  const paint = (code: keyof typeof CODES, text: string) => (opts.color ? `\u001b[${CODES[code]}m${text}\u001b[0m` : text);
  const line = (text: string) => opts.write(`${text}\n`);
  return {
    sessionStart(session) {
      line(`${paint('bold', `▶ ${session.name}`)}  ${paint('dim', `(${rel(cwd, session.file)})`)}`);
    },
    step(step) {
      const mark = step.ok ? paint('green', '✓') : paint('red', '✗');
      line(`  ${mark} ${String(step.index + 1).padStart(2)} ${describeStep(step)}`);
      for (const f of step.failures) line(`       ${paint('red', f)}`);
      if (!step.ok && step.error) line(`       ${paint('dim', `${step.error.code}: ${step.error.message}`)}`);
      for (const p of step.prompts.filter((x) => !x.answered)) {
        line(`       ${paint('yellow', `unanswered prompt: ${p.action} ${p.target} (refused; no scripted approval matched)`)}`);
      }
    },
    sessionEnd(report) {
      for (const p of report.problems ?? []) line(`  ${paint('red', formatProblem(p))}`);
      if (report.log) line(`  ${paint('dim', `log: ${rel(cwd, report.log)}`)}`);
      if (report.verify) {
        line(report.verify.ok
          ? `  ${paint('green', '✓')} log verified: ${report.verify.entries} entries, hash chain intact`
          : `  ${paint('red', '✗')} log does not verify: ${report.verify.problem ?? 'unknown problem'}`);
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
      const text = `${parts.join(', ')}; ${steps.length} steps, ${failedSteps} failed`;
      line('');
      line(passed === reports.length ? paint('green', text) : paint('red', text));
    },
  };
}
