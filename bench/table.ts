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

function verdict(r: FigureRecord): string {
  if (r.met === null) return r.goal.startsWith('none') ? r.goal : `goal ${r.goal}: not measurable here`;
  return `goal ${r.goal}: ${r.met ? 'MET' : 'MISSED'}`;
}

function ratioText(r: FigureRecord): string {
  if (r.ratio === null) return 'no ratio';
  const n = `${formatNumber(r.ratio)}×`;
  if (r.ratioMeaning.includes('faster')) return `${n} faster`;
  if (r.ratioMeaning.includes('overhead')) return `${n} the baseline's time`;
  return `${n} the baseline's rate`;
}

function sideLine(label: string, unit: string, s: SideResult, width: number): string {
  const head = label + ' '.repeat(Math.max(1, width - [...label].length));
  if (s.median === null) return `    ${head}unavailable`;
  return `    ${head}${formatNumber(s.median)} ${unit}   p99 ${formatNumber(s.p99)}   spread ${formatNumber(s.min)}–${formatNumber(s.max)}`;
}

/** Two to three lines per figure: the headline (ratio and goal), then each side's median, p99 and spread. */
export function formatTable(records: readonly FigureRecord[]): string {
  return records.map((r) => {
    const width = Math.max('Airlock'.length, [...r.baseline.name].length) + 2;
    return [
      `${r.name}: ${ratioText(r)}; ${verdict(r)}`,
      sideLine('Airlock', r.unit, r.airlock, width),
      sideLine(r.baseline.name, r.unit, r.baseline, width),
      ...(r.note && r.baseline.median === null ? [`    ${r.note}`] : []),
    ].join('\n');
  }).join('\n');
}
