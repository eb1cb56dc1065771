// The log view: an action's FINAL decision, outcome and linked entries, and the filter vocabulary, shared by `airlock log` and the panel.
// Pure (no I/O), in sandbox/protocol so the extension (src/) uses the very same model as the CLI. Entries may come from
// a tampered or foreign file: nothing here trusts their shape, and nothing throws on a strange one.
import { displaySafe } from './display.js';

/** A log entry as the harness sends it (log/entry, log/lines parsed): the fields the view reads. Everything is optional but seq. */
export interface LogEntryMessage {
  v?: number;
  seq: number;
  ts?: string;
  session?: string;
  prev?: string;
  hash?: string;
  kind: string;
  task?: string;
  action?: string;
  target?: string;
  verdict?: string;
  rule?: unknown;
  decidedBy?: string;
  outcome?: string;
  error?: { code?: string; message?: string };
  durationMs?: number;
  digests?: Record<string, string>;
  script?: string;
  ref?: number;
  data?: Record<string, unknown>;
}

// ── vocabulary ──────────────────────────────────────────────────────────────────────────────────────────────────────

/** Who finally let an action run or stopped it; `pending` is an ask with no answer recorded (yet, or ever). */
export const FINAL_DECISIONS = [
  'allowed-by-policy', 'allowed-by-grant', 'allowed-by-user',
  'denied-by-policy', 'denied-by-user', 'denied-by-timeout', 'denied-by-killswitch',
  'pending',
] as const;
export type FinalDecision = (typeof FINAL_DECISIONS)[number];

export const DECISION_LABELS: Record<FinalDecision, string> = {
  'allowed-by-policy': 'allowed by policy',
  'allowed-by-grant': 'allowed by grant',
  'allowed-by-user': 'allowed by the user',
  'denied-by-policy': 'denied by policy',
  'denied-by-user': 'denied by the user',
  'denied-by-timeout': 'denied: no answer in time',
  'denied-by-killswitch': 'denied by the kill switch',
  pending: 'asking the user',
};

/** Filter values for the decision: each final decision, or a whole side. */
export const DECISION_FILTERS = ['allowed', 'denied', ...FINAL_DECISIONS] as const;
export type DecisionFilter = (typeof DECISION_FILTERS)[number];

/** `none`: no outcome recorded (still running, or the harness stopped before it finished). */
export const OUTCOME_FILTERS = ['done', 'denied', 'error', 'killed', 'none'] as const;
export type OutcomeFilter = (typeof OUTCOME_FILTERS)[number];

export const ACTION_FILTERS = ['fs.read', 'fs.list', 'fs.stat', 'fs.write', 'fs.delete', 'fs.mkdir', 'net.fetch', 'exec', 'script'] as const;
export type ActionFilter = (typeof ACTION_FILTERS)[number];

/** `--verdict` of older `airlock log` versions, now read as the final side (`deny` includes what the user refused). */
export const VERDICT_FILTERS = ['allow', 'ask', 'deny'] as const;

export interface LogViewFilter {
  task?: string;
  decision?: DecisionFilter;
  /** `ask`: the user was asked (whatever the answer); allow / deny: the final side. */
  verdict?: (typeof VERDICT_FILTERS)[number];
  action?: ActionFilter;
  outcome?: OutcomeFilter;
  /** Case-insensitive substring of the target, the reason or the error message (raw or as displayed). */
  text?: string;
}

export type FilterProblem = { field: keyof LogViewFilter; value: string; valid: readonly string[] };

/** Validates raw filter values (CLI options, webview messages); unknown values name the valid ones. */
export function parseFilter(raw: Partial<Record<keyof LogViewFilter, string | undefined>>): { ok: true; filter: LogViewFilter } | { ok: false; problem: FilterProblem } {
  const filter: LogViewFilter = {};
  const pick = <T extends string>(field: keyof LogViewFilter, valid: readonly T[]): FilterProblem | undefined => {
    const value = raw[field];
    if (value === undefined || value === '') return undefined;
    if (!(valid as readonly string[]).includes(value)) return { field, value, valid };
    (filter as Record<string, string>)[field] = value;
    return undefined;
  };
  const problem = pick('decision', DECISION_FILTERS) ?? pick('verdict', VERDICT_FILTERS) ?? pick('action', ACTION_FILTERS) ?? pick('outcome', OUTCOME_FILTERS);
  if (problem) return { ok: false, problem };
  if (raw.task) filter.task = raw.task;
  if (raw.text) filter.text = raw.text;
  return { ok: true, filter };
}

export function describeFilterProblem(p: FilterProblem): string {
  return `unknown ${p.field} "${displaySafe(p.value)}"; valid values: ${p.valid.join(', ')}`;
}

// ── rows ────────────────────────────────────────────────────────────────────────────────────────────────────────────

/** Where the deciding rule lives (a RuleRef as logged). */
export interface RuleInfo { layer?: string; file?: string; jsonPath?: string; pattern?: string; line?: number; col?: number; grantId?: string }

/** What the user was asked and answered, from the pending ask, the final decision and the grant entry. */
export interface ApprovalInfo {
  askedAt?: string;
  answeredAt?: string;
  /** allow-once | allow-task | deny | no answer (timeout) | kill switch | prompt failed. */
  answer: string;
  grant?: { id?: string; scope?: string; target?: unknown };
}

/** One line of the panel: an action (its decisions and outcome), or a session event (task start, kill, ...). */
export interface LogRow {
  /** Seq of the row's first entry: stable, used to ask for details. */
  id: number;
  type: 'action' | 'event';
  ts: string;
  task?: string;
  /** The action kind, or the event's entry kind. */
  action: string;
  target: string;
  decision?: FinalDecision;
  /** The policy's verdict before anyone was asked. */
  verdict?: string;
  rule?: RuleInfo;
  reason?: string;
  outcome?: string;
  durationMs?: number;
  error?: { code: string; message: string };
  /** Seqs of every entry of this row, in order: pending ask, grant, final decision, derived checks, outcome. */
  seqs: number[];
  decisionSeq?: number;
  pendingSeq?: number;
  grantSeq?: number;
  outcomeSeq?: number;
  derivedSeqs?: number[];
  approval?: ApprovalInfo;
  /** An action row is complete once its outcome is known (events are complete at once). */
  complete: boolean;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The final decision one decision (or script) entry records, from itself alone. */
export function decisionOfEntry(e: LogEntryMessage): FinalDecision | undefined {
  if (e.kind !== 'decision' && e.kind !== 'script') return undefined;
  const data = isRecord(e.data) ? e.data : {};
  if (data['pending'] === true) return 'pending';
  const allowed = typeof data['allowed'] === 'boolean' ? data['allowed'] : e.verdict === 'allow';
  switch (e.decidedBy) {
    case 'grant': return allowed ? 'allowed-by-grant' : 'denied-by-policy';
    case 'user': return allowed ? 'allowed-by-user' : 'denied-by-user';
    case 'timeout': return 'denied-by-timeout';
    case 'killswitch': return 'denied-by-killswitch';
    default: return allowed ? 'allowed-by-policy' : 'denied-by-policy';
  }
}

export function isAllowed(d: FinalDecision | undefined): boolean { return d !== undefined && d.startsWith('allowed'); }
export function isDenied(d: FinalDecision | undefined): boolean { return d !== undefined && d.startsWith('denied'); }

/** `-> <verdict>: <final>` for one decision entry, as `airlock log` prints it: an approval and a refusal never read alike. */
export function describeDecisionEntry(e: LogEntryMessage): string | undefined {
  const d = decisionOfEntry(e);
  if (!d) return e.verdict !== undefined ? `${e.verdict}${e.decidedBy ? ` (${e.decidedBy})` : ''}` : undefined;
  return `${e.verdict ?? '?'}: ${DECISION_LABELS[d]}`;
}

function ruleOf(v: unknown): RuleInfo | undefined {
  if (!isRecord(v)) return undefined;
  const r: RuleInfo = {};
  for (const k of ['layer', 'file', 'jsonPath', 'pattern', 'grantId'] as const) { const s = str(v[k]); if (s !== undefined) r[k] = s; }
  for (const k of ['line', 'col'] as const) { const n = num(v[k]); if (n !== undefined) r[k] = n; }
  return r;
}

function errorOf(v: unknown): { code: string; message: string } | undefined {
  if (!isRecord(v)) return undefined;
  return { code: str(v['code']) ?? 'error', message: str(v['message']) ?? '' };
}

function answerOf(d: FinalDecision, reason: string | undefined): string {
  switch (d) {
    case 'allowed-by-user': return /allow-task/.test(reason ?? '') ? 'allow-task' : /\balways\b/.test(reason ?? '') ? 'always' : 'allow-once';
    case 'denied-by-user': return 'deny';
    case 'denied-by-timeout': return 'no answer in time';
    case 'denied-by-killswitch': return 'stopped by the kill switch';
    case 'denied-by-policy': return 'the prompt failed';
    default: return 'none yet';
  }
}

/** Shows a row's rule as `layer file:line jsonPath "pattern"`. */
export function describeRule(r: RuleInfo | undefined): string {
  if (!r) return '';
  const parts: string[] = [];
  if (r.layer) parts.push(r.layer);
  if (r.file) parts.push(r.line !== undefined ? `${r.file}:${r.line}` : r.file);
  if (r.jsonPath) parts.push(r.jsonPath);
  if (r.pattern !== undefined) parts.push(JSON.stringify(r.pattern));
  if (r.grantId) parts.push(r.grantId);
  return displaySafe(parts.join(' '));
}

/**
 * Folds log entries into rows, as they arrive. Linking: a final decision names its pending ask (`data.askedIn`), a
 * derived check its primary decision (`data.derivedFrom`), an outcome its decision (`ref`); a grant comes between the
 * ask and the decision it produced. A slice of a log (an export) folds too: an outcome without its decision is a row.
 */
export class LogView {
  readonly rows: LogRow[] = [];
  private readonly rowOfSeq = new Map<number, LogRow>();
  /** Pending asks of derived checks, by seq: their answer belongs to the primary's row but is not the primary's decision. */
  private readonly derivedAsk = new Set<number>();
  private readonly pendingGrantRows: LogRow[] = [];
  readonly tasks = new Set<string>();

  /** Adds one entry; returns its row and whether the row is new. */
  add(e: LogEntryMessage): { row: LogRow; created: boolean } {
    if (typeof e.task === 'string') this.tasks.add(e.task);
    const data = isRecord(e.data) ? e.data : {};
    if (e.kind === 'decision') {
      const askedIn = num(data['askedIn']);
      const derivedFrom = num(data['derivedFrom']);
      const asked = askedIn !== undefined ? this.rowOfSeq.get(askedIn) : undefined;
      if (asked && askedIn !== undefined) {
        this.link(asked, e.seq);
        const d = decisionOfEntry(e) as FinalDecision;
        asked.approval = { ...asked.approval, answeredAt: e.ts ?? '', answer: answerOf(d, str(data['reason'])) };
        if (this.derivedAsk.has(askedIn)) this.applyDerived(asked, e, d);
        else this.applyDecision(asked, e, d);
        return { row: asked, created: false };
      }
      const primary = derivedFrom !== undefined ? this.rowOfSeq.get(derivedFrom) : undefined;
      if (primary) {
        this.link(primary, e.seq);
        (primary.derivedSeqs ??= []).push(e.seq);
        const d = decisionOfEntry(e) as FinalDecision;
        if (d === 'pending') {
          this.derivedAsk.add(e.seq);
          primary.approval = { askedAt: e.ts ?? '', answer: 'none yet' };
          this.pendingGrantRows.push(primary);
        } else this.applyDerived(primary, e, d);
        return { row: primary, created: false };
      }
      const row = this.newRow(e, 'action');
      const d = decisionOfEntry(e) as FinalDecision;
      if (d === 'pending') {
        row.pendingSeq = e.seq;
        row.decision = 'pending';
        row.verdict = e.verdict;
        row.rule = ruleOf(e.rule);
        row.reason = str(data['reason']);
        row.approval = { askedAt: e.ts ?? '', answer: 'none yet' };
        this.pendingGrantRows.push(row);
      } else this.applyDecision(row, e, d);
      if (e.error) row.error = errorOf(e.error);
      return { row, created: true };
    }
    if (e.kind === 'script') {
      const row = this.newRow(e, 'action');
      this.applyDecision(row, e, decisionOfEntry(e) as FinalDecision);
      if (e.outcome !== undefined) this.applyOutcome(row, e);
      return { row, created: true };
    }
    if (e.kind === 'outcome') {
      const row = e.ref !== undefined ? this.rowOfSeq.get(e.ref) : undefined;
      if (row && row.type === 'action') {
        this.link(row, e.seq);
        this.applyOutcome(row, e);
        return { row, created: false };
      }
      const orphan = this.newRow(e, 'action');
      this.applyOutcome(orphan, e);
      return { row: orphan, created: true };
    }
    if (e.kind === 'grant') {
      const row = this.grantRowFor(e);
      if (row) {
        this.link(row, e.seq);
        row.grantSeq = e.seq;
        const g = isRecord(data['grant']) ? data['grant'] : {};
        row.approval = { ...(row.approval ?? { answer: 'none yet' }), grant: { ...(str(g['id']) ? { id: str(g['id']) } : {}), ...(str(g['scope']) ? { scope: str(g['scope']) } : {}), ...(g['target'] !== undefined ? { target: g['target'] } : {}) } };
        return { row, created: false };
      }
    }
    const row = this.newRow(e, 'event');
    row.complete = true;
    const reason = str(data['reason']) ?? str(data['intent']);
    if (reason !== undefined) row.reason = reason;
    if (e.error) row.error = errorOf(e.error);
    return { row, created: true };
  }

  rowOf(seq: number): LogRow | undefined { return this.rowOfSeq.get(seq); }

  private newRow(e: LogEntryMessage, type: LogRow['type']): LogRow {
    const row: LogRow = {
      id: e.seq, type, ts: str(e.ts) ?? '', action: str(type === 'action' ? e.action : e.kind) ?? str(e.kind) ?? '?',
      target: str(e.target) ?? '', seqs: [e.seq], complete: false,
      ...(typeof e.task === 'string' ? { task: e.task } : {}),
    };
    this.rows.push(row);
    this.rowOfSeq.set(e.seq, row);
    return row;
  }

  private link(row: LogRow, seq: number): void {
    row.seqs.push(seq);
    this.rowOfSeq.set(seq, row);
  }

  private applyDecision(row: LogRow, e: LogEntryMessage, d: FinalDecision): void {
    const data = isRecord(e.data) ? e.data : {};
    row.decision = d;
    row.decisionSeq = e.seq;
    row.verdict = e.verdict;
    row.rule = ruleOf(e.rule);
    const reason = str(data['reason']);
    if (reason !== undefined) row.reason = reason;
    if (d === 'pending') return;
    this.dropPending(row);
  }

  /** A derived check (a symlink's target, a redirect, the resolved program) that denies makes the whole action denied. */
  private applyDerived(row: LogRow, e: LogEntryMessage, d: FinalDecision): void {
    this.dropPending(row);
    if (!isDenied(d) || isDenied(row.decision)) return;
    const data = isRecord(e.data) ? e.data : {};
    row.decision = d;
    row.rule = ruleOf(e.rule);
    const reason = str(data['reason']);
    if (reason !== undefined) row.reason = `${str(e.action) ?? ''} ${displaySafe(str(e.target) ?? '')}: ${reason}`;
  }

  private applyOutcome(row: LogRow, e: LogEntryMessage): void {
    row.outcome = str(e.outcome);
    row.outcomeSeq = e.seq;
    const ms = num(e.durationMs);
    if (ms !== undefined) row.durationMs = ms;
    if (e.error) row.error = errorOf(e.error);
    row.complete = true;
  }

  private dropPending(row: LogRow): void {
    const i = this.pendingGrantRows.indexOf(row);
    if (i >= 0) this.pendingGrantRows.splice(i, 1);
  }

  /** The asking row a grant entry answers: same task, action and target, still waiting. */
  private grantRowFor(e: LogEntryMessage): LogRow | undefined {
    for (let i = this.pendingGrantRows.length - 1; i >= 0; i--) {
      const row = this.pendingGrantRows[i] as LogRow;
      if (row.task === e.task && row.grantSeq === undefined) {
        const derivedTarget = row.derivedSeqs !== undefined;
        if (derivedTarget || (row.action === e.action && row.target === e.target)) return row;
      }
    }
    return undefined;
  }
}

/** Whether a row passes a filter. Events pass only filters on task and text. */
export function rowMatches(row: LogRow, f: LogViewFilter): boolean {
  if (f.task !== undefined && row.task !== f.task) return false;
  if (row.type === 'event' && (f.decision !== undefined || f.verdict !== undefined || f.action !== undefined || f.outcome !== undefined)) return false;
  if (f.action !== undefined && row.action !== f.action) return false;
  if (f.decision !== undefined) {
    if (f.decision === 'allowed') { if (!isAllowed(row.decision)) return false; }
    else if (f.decision === 'denied') { if (!isDenied(row.decision)) return false; }
    else if (row.decision !== f.decision) return false;
  }
  if (f.verdict !== undefined) {
    if (f.verdict === 'allow' && !isAllowed(row.decision)) return false;
    if (f.verdict === 'deny' && !isDenied(row.decision)) return false;
    if (f.verdict === 'ask' && row.pendingSeq === undefined && row.verdict !== 'ask') return false;
  }
  if (f.outcome !== undefined) {
    if (f.outcome === 'none' ? row.outcome !== undefined : row.outcome !== f.outcome) return false;
  }
  if (f.text !== undefined && f.text !== '') {
    const needle = f.text.toLowerCase();
    const hay = [row.target, displaySafe(row.target), row.reason ?? '', row.error?.message ?? '', row.action];
    if (!hay.some((s) => s.toLowerCase().includes(needle))) return false;
  }
  return true;
}

/** Whether a filter needs a row to be complete before it can tell (the decision, outcome or error may still change). */
export function filterNeedsCompleteRows(f: LogViewFilter): boolean {
  return f.decision !== undefined || f.verdict !== undefined || f.outcome !== undefined || (f.text !== undefined && f.text !== '');
}

/** The summary a row shows, every agent-chosen string made display-safe. */
export interface RowView {
  id: number;
  type: LogRow['type'];
  time: string;
  task: string;
  action: string;
  target: string;
  decision?: FinalDecision;
  decisionLabel: string;
  rule: string;
  ruleOpenable: boolean;
  outcome: string;
  duration: string;
  reason: string;
}

export function rowView(row: LogRow): RowView {
  return {
    id: row.id, type: row.type,
    time: displaySafe(row.ts.length >= 23 ? row.ts.slice(11, 23) : row.ts),
    task: displaySafe(row.task ?? ''),
    action: displaySafe(row.action),
    target: displaySafe(row.target),
    ...(row.decision ? { decision: row.decision } : {}),
    decisionLabel: row.decision ? DECISION_LABELS[row.decision] : '',
    rule: describeRule(row.rule),
    ruleOpenable: row.rule?.file !== undefined && !row.rule.file.startsWith('airlock:'),
    outcome: displaySafe(row.outcome ?? (row.type === 'action' ? (row.decision === 'pending' ? '' : 'running') : '')),
    duration: row.durationMs !== undefined ? `${row.durationMs} ms` : '',
    reason: displaySafe(row.error?.message || row.reason || ''),
  };
}

/** One CSV field (RFC 4180), display-safe, and never read as a formula by a spreadsheet. */
export function csvField(value: string): string {
  let v = displaySafe(value);
  if (/^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export const CSV_COLUMNS = ['seq', 'time', 'task', 'action', 'target', 'decision', 'rule', 'outcome', 'durationMs', 'reason', 'entries'] as const;

export function csvRow(row: LogRow): string {
  return [
    String(row.id), row.ts, row.task ?? '', row.action, row.target, row.decision ? DECISION_LABELS[row.decision] : '',
    describeRule(row.rule), row.outcome ?? '', row.durationMs !== undefined ? String(row.durationMs) : '',
    row.error?.message || row.reason || '', row.seqs.join(' '),
  ].map(csvField).join(',');
}
