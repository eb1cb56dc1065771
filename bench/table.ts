// Prints figure records as a plain-text table: Airlock and baseline medians with p99 and spread, the ratio, the goal.
import type { FigureRecord, SideResult } from './record.js';

/** A number with three significant digits, thousands grouped (1,234,567; 12.3; 0.456). */
export function formatNumber(n: number | null): string {
  if (n === null || !Number.isFinite(n)) return '—';
  const abs = Math.abs(n);
  if (abs >= 1000) return Math.round(n).toLocaleString('en-US');
  if (abs >= 100) return n.toFixed(0);
  if (abs >= 10) return n.toFixed(1);
  if (abs >= 1) return n.toFixed(2);
  return n.toPrecision(3);
}

function cell(s: SideResult): string {
  if (s.median === null) return 'unavailable';
  return `${formatNumber(s.median)} (p99 ${formatNumber(s.p99)}; ${formatNumber(s.min)}–${formatNumber(s.max)})`;
}

function verdict(r: FigureRecord): string {
  if (r.met === null) return r.goal === 'none stated' || r.goal.startsWith('none') ? '' : 'not measurable';
  return r.met ? 'MET' : 'MISSED';
}

function pad(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => [...(r[i] ?? '')].length)));
  return rows.map((r) => r.map((c, i) => c + ' '.repeat(widths[i]! - [...c].length)).join('  ').trimEnd()).join('\n');
}

export function formatTable(records: readonly FigureRecord[]): string {
  const rows: string[][] = [['figure', 'unit', 'Airlock median (p99; min–max)', 'baseline', 'baseline median (p99; min–max)', 'ratio', 'goal', '']];
  for (const r of records) {
    rows.push([
      r.name, r.unit, cell(r.airlock), r.baseline.name, cell(r.baseline),
      r.ratio === null ? '—' : `${formatNumber(r.ratio)}×`, r.goal, verdict(r),
    ]);
  }
  return pad(rows);
}
