// The machine-readable report of `airlock run`: one object per session with its log path and every step.
import { finalDecisionOf, type SessionReport } from '../report.js';

/** `{ "sessions": [ { name, file, ok, log, steps: [ { index, action, target, verdict, outcome, ok, decidedBy, rule, error, result, … } ] } ] }` */
export function formatJsonReport(reports: readonly SessionReport[]): string {
  return `${JSON.stringify({
    ok: reports.every((r) => r.ok),
    sessions: reports.map((r) => ({
      name: r.name,
      file: r.file,
      ok: r.ok,
      log: r.log ?? null,
      ...(r.task ? { task: r.task } : {}),
      ...(r.problems ? { problems: r.problems } : {}),
      ...(r.verify ? { verify: r.verify } : {}),
      durationMs: r.durationMs,
      steps: r.steps.map((s) => ({
        index: s.index,
        ...(s.name ? { name: s.name } : {}),
        action: s.action,
        target: s.target,
        verdict: s.verdict ?? null,
        outcome: s.outcome,
        ok: s.ok,
        decidedBy: s.decidedBy ?? null,
        final: finalDecisionOf(s) ?? null,
        rule: s.rule ?? null,
        reason: s.reason ?? null,
        error: s.error ?? null,
        result: s.result ?? null,
        failures: s.failures,
        prompts: s.prompts,
        ...(s.console !== undefined ? { console: s.console } : {}),
        durationMs: s.durationMs,
        ...(s.logSeq !== undefined ? { logSeq: s.logSeq } : {}),
      })),
    })),
  }, null, 2)}\n`;
}
