// The result of one figure as written to bench/results.json, and how a figure turns two Stats into it.
import type { Stats } from './measure.js';

export interface SideResult {
  median: number | null;
  p99: number | null;
  /** The spread over the rounds: the fastest and the slowest round. */
  min: number | null;
  max: number | null;
}

export interface FigureRecord {
  name: string;
  /** `µs` (time per operation, lower is better), `ms`, or a rate such as `entries/s` (higher is better). */
  unit: string;
  airlock: SideResult;
  baseline: { name: string } & SideResult;
  /** The headline ratio of medians, read as `ratioMeaning` says; null when a side could not be measured. */
  ratio: number | null;
  ratioMeaning: string;
  /** The goal from issue 7, in words, and whether this run met it (null: no goal, or not measurable here). */
  goal: string;
  met: boolean | null;
  rounds: number;
  /** Anything a reader needs to read the number right (what is included, why it is unavailable). */
  note?: string;
}

export type RatioKind =
  /** baseline ÷ Airlock on a time: how many times faster Airlock is. */
  | 'speedup'
  /** Airlock ÷ baseline on a time: Airlock's overhead factor. */
  | 'overhead'
  /** Airlock ÷ baseline on a rate: Airlock's share of the baseline's throughput. */
  | 'share';

const MEANING: Record<RatioKind, string> = {
  speedup: 'baseline median ÷ Airlock median (× faster)',
  overhead: 'Airlock median ÷ baseline median (overhead factor)',
  share: 'Airlock median ÷ baseline median (share of the baseline rate)',
};

function side(s: Stats | null): SideResult {
  return s ? { median: s.median, p99: s.p99, min: s.min, max: s.max } : { median: null, p99: null, min: null, max: null };
}

export interface FigureInput {
  name: string;
  unit: string;
  airlock: Stats | null;
  baselineName: string;
  baseline: Stats | null;
  ratio: RatioKind;
  goal: string;
  /** Whether the goal was met, from the ratio (null when unmeasurable) and the Airlock median; null: cannot tell. */
  meets?: (ratio: number | null, airlockMedian: number) => boolean | null;
  note?: string;
}

export function figure(f: FigureInput): FigureRecord {
  const a = f.airlock?.median;
  const b = f.baseline?.median;
  let ratio: number | null = null;
  if (a !== undefined && b !== undefined && a > 0 && b > 0) ratio = f.ratio === 'speedup' ? b / a : a / b;
  let met: boolean | null = null;
  // A goal on Airlock alone (e.g. "≤ 3 ms") needs no baseline; a goal on the ratio returns null without one.
  if (f.meets && a !== undefined) met = f.meets(ratio, a);
  return {
    name: f.name,
    unit: f.unit,
    airlock: side(f.airlock),
    baseline: { name: f.baselineName, ...side(f.baseline) },
    ratio,
    ratioMeaning: MEANING[f.ratio],
    goal: f.goal,
    met,
    rounds: Math.max(f.airlock?.rounds ?? 0, f.baseline?.rounds ?? 0),
    ...(f.note !== undefined ? { note: f.note } : {}),
  };
}
