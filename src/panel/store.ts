// The extension host's copy of a log: every exact line, folded into rows; the webview gets only the window it shows.
import { displaySafe } from '../../sandbox/protocol/display.js';
import {
  csvRow, CSV_COLUMNS, describeRule, LogView, rowMatches, rowView, type LogEntryMessage, type LogRow, type LogViewFilter, type RowView,
} from '../../sandbox/protocol/logView.js';
import type { DetailView } from './messages.js';

const HASH = 64;

export class EntryStore {
  private view = new LogView();
  private readonly lines: string[] = [];
  private readonly lineOfSeq = new Map<number, number>();
  private readonly rowIndex = new WeakMap<LogRow, number>();
  private filter: LogViewFilter = {};
  private filtered: LogRow[] | null = null;
  private readonly inFilter = new Set<LogRow>();

  get total(): number { return this.view.rows.length; }
  get count(): number { return (this.filtered ?? this.view.rows).length; }
  get lineCount(): number { return this.lines.length; }
  tasks(): string[] { return [...this.view.tasks].sort(); }

  /** Folds exact log lines in; returns how many rows are new and which existing rows changed (an outcome arrived). */
  addLines(lines: readonly string[]): { created: number; changed: LogRow[] } {
    let created = 0;
    const changed: LogRow[] = [];
    let flipped = false;
    for (const line of lines) {
      const at = this.lines.length;
      this.lines.push(line);
      const entry = parseEntry(line, at);
      this.lineOfSeq.set(entry.seq, at);
      const { row, created: isNew } = this.view.add(entry);
      if (isNew) {
        created++;
        this.rowIndex.set(row, this.view.rows.length - 1);
        if (this.filtered && rowMatches(row, this.filter)) {
          this.filtered.push(row);
          this.inFilter.add(row);
        }
      } else {
        changed.push(row);
        if (this.filtered && rowMatches(row, this.filter) !== this.inFilter.has(row)) flipped = true;
      }
    }
    if (flipped) this.applyFilter();
    return { created, changed };
  }

  setFilter(filter: LogViewFilter): void {
    this.filter = filter;
    this.applyFilter();
  }

  private applyFilter(): void {
    this.inFilter.clear();
    const active = Object.values(this.filter).some((v) => v !== undefined && v !== '');
    if (!active) {
      this.filtered = null;
      return;
    }
    this.filtered = this.view.rows.filter((r) => rowMatches(r, this.filter));
    for (const r of this.filtered) this.inFilter.add(r);
  }

  /** Rows [start, start+count) of the filtered list, ready to show. */
  window(start: number, count: number): RowView[] {
    const rows = this.filtered ?? this.view.rows;
    return rows.slice(start, Math.min(rows.length, start + count)).map(rowView);
  }

  /** Position of a row in the filtered list, or -1. */
  indexOf(row: LogRow): number {
    if (!this.filtered) return this.rowIndex.get(row) ?? -1;
    const target = this.rowIndex.get(row) ?? -1;
    let lo = 0;
    let hi = this.filtered.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const at = this.rowIndex.get(this.filtered[mid] as LogRow) ?? -1;
      if (at === target) return mid;
      if (at < target) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  row(id: number): LogRow | undefined { return this.view.rowOf(id); }

  detail(id: number): DetailView | null {
    const row = this.view.rowOf(id);
    if (!row) return null;
    const role = (seq: number): string => {
      if (seq === row.pendingSeq) return 'ask';
      if (seq === row.grantSeq) return 'grant';
      if (seq === row.decisionSeq) return 'final decision';
      if (seq === row.outcomeSeq) return 'outcome';
      if (row.derivedSeqs?.includes(seq)) return 'derived check';
      return row.type === 'event' ? 'event' : 'linked';
    };
    const entries = row.seqs.map((seq) => {
      const line = this.lines[this.lineOfSeq.get(seq) ?? -1] ?? '';
      let pretty = line.slice(HASH + 1);
      let prev = '';
      try {
        const parsed = JSON.parse(pretty) as { prev?: unknown };
        prev = typeof parsed.prev === 'string' ? parsed.prev : '';
        pretty = JSON.stringify(parsed, null, 2);
      } catch {
        // shown as stored
      }
      return { seq, kind: displaySafe(kindOf(line)), role: role(seq), hash: displaySafe(line.slice(0, HASH)), prev: displaySafe(prev), json: pretty.split('\n').map(displaySafe).join('\n') };
    });
    const digests: DetailView['digests'] = [];
    for (const seq of row.seqs) {
      const line = this.lines[this.lineOfSeq.get(seq) ?? -1] ?? '';
      try {
        const d = (JSON.parse(line.slice(HASH + 1)) as { digests?: unknown }).digests;
        if (d && typeof d === 'object') for (const [name, value] of Object.entries(d)) digests.push({ entry: seq, name: displaySafe(name), value: displaySafe(String(value)) });
      } catch {
        // no digests
      }
    }
    const a = row.approval;
    const grant = a?.grant ? `${a.grant.id ?? ''} ${a.grant.scope ?? ''} ${a.grant.target !== undefined ? JSON.stringify(a.grant.target) : ''}`.trim() : '';
    return {
      id, row: rowView(row), reason: displaySafe(row.error ? `${row.error.code}: ${row.error.message}` : row.reason ?? ''), entries, digests,
      ...(a ? { approval: { askedAt: displaySafe(a.askedAt ?? ''), answeredAt: displaySafe(a.answeredAt ?? ''), answer: displaySafe(a.answer), grant: displaySafe(grant) } } : {}),
    };
  }

  /** The exact lines of every visible row's entries, in log order: the export verifies as a slice of the log. */
  exportJsonl(): string {
    const seqs = (this.filtered ?? this.view.rows).flatMap((r) => r.seqs).sort((a, b) => a - b);
    const out: string[] = [];
    for (const seq of seqs) {
      const at = this.lineOfSeq.get(seq);
      if (at !== undefined && seq > 0) out.push(this.lines[at] as string);
    }
    return out.length ? `${out.join('\n')}\n` : '';
  }

  exportCsv(): string {
    const rows = this.filtered ?? this.view.rows;
    return `${CSV_COLUMNS.join(',')}\n${rows.map(csvRow).join('\n')}${rows.length ? '\n' : ''}`;
  }

  ruleOf(id: number): { file: string; line?: number; col?: number; text: string } | undefined {
    const r = this.view.rowOf(id)?.rule;
    if (!r?.file || r.file.startsWith('airlock:')) return undefined;
    return { file: r.file, ...(r.line !== undefined ? { line: r.line } : {}), ...(r.col !== undefined ? { col: r.col } : {}), text: describeRule(r) };
  }
}

function kindOf(line: string): string {
  const m = /"kind":"([^"]*)"/.exec(line);
  return m?.[1] ?? '?';
}

/** A line as an entry; a line that is not one (a tampered or foreign file) becomes a visible `unreadable` row. */
function parseEntry(line: string, at: number): LogEntryMessage {
  try {
    const e = JSON.parse(line.slice(HASH + 1)) as LogEntryMessage;
    if (e && typeof e === 'object' && typeof e.seq === 'number' && typeof e.kind === 'string') {
      e.hash = line.slice(0, HASH);
      return e;
    }
  } catch {
    // below
  }
  return { seq: -(at + 1), kind: 'unreadable', target: line.slice(0, 300) };
}
