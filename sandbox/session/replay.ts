// `airlock replay`: decides a session's steps or a log's recorded actions again under a changed policy, performing nothing.
import fs from 'node:fs';
import path from 'node:path';
import { AirlockError, formatProblem, type AirlockProblem } from '../errors.js';
import { readLog } from '../log/reader.js';
import { actionOf } from '../pipeline/requests.js';
import type { Scope } from '../policy/schema.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { decide } from '../policy/decide.js';
import { describeRule } from '../policy/format.js';
import { loadPolicy } from '../policy/load.js';
import { policyTestProblems, runPolicyTests } from '../policy/policyTests.js';
import { startTask, type Task } from '../policy/task.js';
import type { Action, ActionKind, Decision, Verdict } from '../policy/types.js';
import { ACTION_KINDS } from '../policy/types.js';
import { displaySafe } from '../protocol/display.js';
import { loadSessionFile } from './format.js';
import { requestOfStep } from './runner.js';

export interface ReplayedDecision {
  /** The step index (sessions) or the decision entry's seq (logs). */
  at: number;
  action: ActionKind;
  target: string;
  before: Verdict;
  after: Verdict;
  changed: boolean;
  /** The rule that decides under the changed policy, as a person reads it. */
  rule: string;
  reason: string;
  /** e.g. "allowed by grant grant-1 during the run", "a check of the real target of seq 12". */
  note?: string;
}

export interface ReplayReport {
  source: string;
  kind: 'session' | 'log';
  policy: string;
  decisions: ReplayedDecision[];
  /** What was not replayed, and why (script steps, entries that name no action). */
  skipped: { at: number; what: string; note: string }[];
  total: number;
  changes: number;
  /** What the reviewer must know, e.g. that the changed policy's own tests fail (it would not load in the harness). */
  warnings: string[];
}

export type ReplayResult = { ok: true; report: ReplayReport } | { ok: false; problems: AirlockProblem[] };

export interface ReplayOptions {
  /** The changed policy file (relative to the current directory) or a preset such as `airlock:read-only`. */
  policyFile: string;
  /** For logs: the workspace the recorded paths are relative to. Default: the current directory. */
  workspaceRoot?: string;
  homeDir?: string;
}

/** Replays a session file (`.json`) or an action log (`.jsonl`). */
export async function replay(source: string, opts: ReplayOptions): Promise<ReplayResult> {
  return source.endsWith('.jsonl') ? replayLog(source, opts) : replaySession(source, opts);
}

function load(workspaceRoot: string, opts: ReplayOptions, from: { file: string } | { inline: Record<string, unknown> } | undefined, checkExamples = true) {
  return loadPolicy({
    workspaceRoot,
    ...(from && 'file' in from ? { file: from.file } : {}),
    ...(from && 'inline' in from ? { inline: from.inline } : {}),
    ...(opts.homeDir ? { homeDir: opts.homeDir } : {}),
    checkExamples,
  });
}

/**
 * The changed policy, loaded even when its own `tests` fail: a reviewer replays exactly such a change to see what it
 * does. The failing examples become warnings (the harness would refuse to load it until they pass).
 */
function loadChanged(workspaceRoot: string, opts: ReplayOptions): { ok: true; policy: CompiledPolicy; warnings: string[] } | { ok: false; problems: AirlockProblem[] } {
  const after = load(workspaceRoot, opts, changedPolicyFile(opts.policyFile), false);
  if (!after.ok) return after;
  const failing = policyTestProblems(runPolicyTests(after.policy));
  if (failing.length === 0) return { ok: true, policy: after.policy, warnings: [] };
  const warnings = [
    `the changed policy's own tests fail (${failing.length}); the harness will not load it until they pass, so these decisions are what it would decide once they do:`,
    ...failing.map((p) => `  ${formatProblem(p)}`),
  ];
  return { ok: true, policy: after.policy, warnings };
}

function changedPolicyFile(file: string): { file: string } {
  return { file: file.startsWith('airlock:') ? file : path.resolve(file) };
}

function ruleText(d: Decision): string {
  if (d.rule.layer === 'default') return `the policy default is ${d.verdict}`;
  if (d.rule.layer === 'task' && d.rule.pattern === undefined) return d.verdict === 'ask' ? 'the policy allows it but the task scope does not' : 'the task';
  return describeRule(d.rule);
}

function replayed(at: number, action: Action, target: string, before: Verdict, after: Decision, note?: string): ReplayedDecision {
  return {
    at, action: action.kind, target, before, after: after.verdict, changed: before !== after.verdict,
    rule: ruleText(after), reason: after.reason,
    ...(note ? { note } : {}),
  };
}

export async function replaySession(file: string, opts: ReplayOptions): Promise<ReplayResult> {
  const parsed = loadSessionFile(file);
  if (!parsed.ok) return parsed;
  const session = parsed.session;
  const root = fs.realpathSync(session.workspaceDir);
  const before = load(root, opts, session.policy);
  if (!before.ok) return before;
  const after = loadChanged(root, opts);
  if (!after.ok) return after;
  const now = Date.now();
  const tasks: Task[] = [];
  for (const [which, policy] of [['the session\'s policy', before.policy], ['the changed policy', after.policy]] as const) {
    try {
      tasks.push(startTask(policy, { id: 'replay', now, ...session.task }));
    } catch (err) {
      if (!(err instanceof AirlockError)) throw err;
      return { ok: false, problems: [{ code: err.code, message: `under ${which}: ${err.message}`, place: session.locate(['task']) }] };
    }
  }
  const report = emptyReport(file, 'session', opts.policyFile);
  report.warnings.push(...after.warnings);
  session.steps.forEach((step, i) => {
    const req = requestOfStep(step);
    if (!req) {
      if (step.action === 'script') {
        report.skipped.push({ at: i, what: 'script', note: 'scripts are replayed only by their capability calls recorded in a log; replay the session\'s log to include them' });
      } else {
        report.skipped.push({ at: i, what: step.action, note: 'a kill step decides nothing' });
      }
      return;
    }
    const action = actionOf(req);
    const old = decide(before.policy, tasks[0]!, [], action, now);
    const changed = decide(after.policy, tasks[1]!, [], action, now);
    report.decisions.push(replayed(i, action, targetOf(action), old.verdict, changed));
  });
  return { ok: true, report: finish(report) };
}

function targetOf(action: Action): string {
  return action.kind === 'net.fetch' ? action.url : action.kind === 'exec' ? JSON.stringify(action.argv) : action.kind === 'tool' ? action.tool : action.path;
}

/** The action a decision entry records: its kind and target, plus the address or program a guard resolved. */
function actionOfEntry(kind: string, target: string, data: Record<string, unknown> | undefined): Action | undefined {
  if (!(ACTION_KINDS as readonly string[]).includes(kind)) return undefined;
  const k = kind as ActionKind;
  if (k === 'net.fetch') {
    return { kind: k, url: target, ...(typeof data?.['address'] === 'string' ? { address: data['address'] } : {}) };
  }
  if (k === 'exec') {
    let argv: unknown;
    try {
      argv = JSON.parse(target);
    } catch {
      return undefined;
    }
    if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string')) return undefined;
    return { kind: k, argv, ...(typeof data?.['program'] === 'string' ? { program: data['program'] } : {}) };
  }
  if (k === 'tool') return { kind: k, tool: target };
  return { kind: k, path: target };
}

export async function replayLog(file: string, opts: ReplayOptions): Promise<ReplayResult> {
  if (!fs.existsSync(file)) {
    return { ok: false, problems: [{ code: 'replay.no-log', message: 'no such log file', place: { file } }] };
  }
  const root = fs.realpathSync(opts.workspaceRoot ?? process.cwd());
  const after = loadChanged(root, opts);
  if (!after.ok) return after;
  const policy: CompiledPolicy = after.policy;
  const report = emptyReport(file, 'log', opts.policyFile);
  report.warnings.push(...after.warnings);
  /** Tasks as replayed: from their template when the log names one the changed policy has, else the policy alone. */
  const tasks = new Map<string, { task: Task | null; note?: string }>();
  const now = Date.now();
  try {
    for await (const entry of readLog(file)) {
      if (entry.kind === 'task.start' && entry.task) {
        const template = entry.data?.['template'];
        const intent = entry.data?.['intent'];
        const scope = entry.data?.['scope'];
        const hasScope = scope !== null && typeof scope === 'object';
        if (typeof template === 'string' || hasScope) {
          try {
            tasks.set(entry.task, { task: startTask(policy, {
              id: entry.task, now, ...(typeof template === 'string' ? { template } : {}), ...(hasScope ? { scope: scope as Scope } : {}),
              ...(typeof intent === 'string' ? { intent } : {}),
            }) });
          } catch (err) {
            const what = typeof template === 'string' ? `task template ${JSON.stringify(template)}` : 'the task\'s recorded scope';
            tasks.set(entry.task, { task: null, note: `${what}: ${(err as Error).message} Decided under the policy alone` });
          }
        } else {
          tasks.set(entry.task, { task: null, note: 'the log records neither a template nor a scope for the task; decided under the policy alone' });
        }
        continue;
      }
      if (entry.kind === 'script') {
        report.skipped.push({ at: entry.seq, what: entry.target ?? 'script', note: 'a script is replayed by its capability calls, the decisions that follow it in the log' });
        continue;
      }
      // A pending ask is followed by the decision that answered it; replay compares that one.
      if (entry.kind !== 'decision' || (entry.data as { pending?: unknown } | undefined)?.pending === true) continue;
      const action = entry.action && entry.target !== undefined ? actionOfEntry(entry.action, entry.target, entry.data) : undefined;
      if (!action || !entry.verdict) {
        report.skipped.push({ at: entry.seq, what: `${entry.action ?? '?'} ${entry.target ?? ''}`.trim(), note: 'the entry names no action that can be decided (e.g. a malformed request)' });
        continue;
      }
      const known = entry.task ? tasks.get(entry.task) : undefined;
      const decision = decide(policy, known?.task ?? null, [], action, now);
      const rule = entry.rule as { layer?: string; grantId?: string } | undefined;
      // A grant only ever answers what the policy asked: compare against that, not against the grant.
      const byGrant = rule?.layer === 'grant';
      const notes = [
        byGrant ? `allowed by ${rule.grantId ?? 'a grant'} during the run` : undefined,
        typeof entry.data?.['derivedFrom'] === 'number' ? `a check of the real target of seq ${entry.data['derivedFrom']}` : undefined,
        known?.note,
      ].filter((n): n is string => n !== undefined);
      report.decisions.push(replayed(entry.seq, action, entry.target!, byGrant ? 'ask' : entry.verdict, decision, notes.join('; ') || undefined));
    }
  } catch (err) {
    return { ok: false, problems: [{ code: (err as AirlockError).code ?? 'replay.bad-log', message: (err as Error).message, place: { file } }] };
  }
  return { ok: true, report: finish(report) };
}

function emptyReport(source: string, kind: ReplayReport['kind'], policy: string): ReplayReport {
  return { source, kind, policy, decisions: [], skipped: [], total: 0, changes: 0, warnings: [] };
}

function finish(report: ReplayReport): ReplayReport {
  report.total = report.decisions.length;
  report.changes = report.decisions.filter((d) => d.changed).length;
  return report;
}

/** `fs.write src/a.ts: ask → allow (workspace policy fs.write.allow[0] "src/**")` per change, notes, then the summary. */
export function formatReplay(report: ReplayReport): string {
  const lines: string[] = [];
  const where = (d: ReplayedDecision) => (report.kind === 'session' ? `step ${d.at + 1}` : `seq ${d.at}`);
  for (const d of report.decisions.filter((x) => x.changed)) {
    // Targets are agent-chosen (and recorded in logs): escaped before a reviewer reads them.
    lines.push(`${d.action} ${displaySafe(d.target)}: ${d.before} → ${d.after} (${displaySafe(d.rule)})  [${where(d)}${d.note ? `; ${displaySafe(d.note)}` : ''}]`);
  }
  // One line per reason, not per skipped entry: a log with a hundred scripts says so once.
  const byNote = new Map<string, ReplayReport['skipped']>();
  for (const s of report.skipped) byNote.set(s.note, [...(byNote.get(s.note) ?? []), s]);
  for (const [note, group] of byNote) {
    const unit = report.kind === 'session' ? 'step' : 'seq';
    const at = group.map((s) => (report.kind === 'session' ? s.at + 1 : s.at));
    const shown = at.length > 8 ? `${at.slice(0, 8).join(', ')}, …` : at.join(', ');
    const kinds = [...new Set(group.map((s) => s.what.split(' ')[0] ?? s.what))].join(', ');
    lines.push(`skipped ${group.length} (${kinds}; ${unit}${at.length === 1 ? '' : 's'} ${shown}): ${note}`);
  }
  lines.push(`${report.total} decision${report.total === 1 ? '' : 's'}, ${report.changes} change${report.changes === 1 ? '' : 's'}`
    + (report.skipped.length > 0 ? ` (${report.skipped.length} skipped)` : ''));
  return `${lines.join('\n')}\n`;
}
