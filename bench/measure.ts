// Timing primitives: hrtime rounds (batched for sub-µs operations), interleaved side by side, and their statistics.

/** Distribution of per-operation values over the rounds of one side. */
export interface Stats {
  median: number;
  p99: number;
  min: number;
  max: number;
  rounds: number;
}

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function stats(samples: readonly number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    median: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
    rounds: sorted.length,
  };
}

/** One measured side: a name and a round, which returns the time of one operation (µs) or a rate, per round. */
export interface Side {
  name: string;
  /** Runs one round and returns its per-operation value (µs per op, or a rate for throughput figures). */
  round: () => number | Promise<number>;
}

export interface ComparePlan {
  rounds: number;
  /** Rounds run first on each side and thrown away (JIT warm-up, caches, lazy loading). */
  warmup: number;
}

/**
 * Runs every side's rounds interleaved (A, B, C, then B, C, A, ...: the order rotates each round) so that all sides see
 * the same machine load, which on a shared 2-core box matters more than anything else. Returns one Stats per side.
 */
export async function compareSides(sides: readonly Side[], plan: ComparePlan): Promise<Stats[]> {
  for (let i = 0; i < plan.warmup; i++) {
    for (const s of sides) await s.round();
  }
  const samples: number[][] = sides.map(() => []);
  for (let i = 0; i < plan.rounds; i++) {
    for (let k = 0; k < sides.length; k++) {
      const j = (i + k) % sides.length;
      samples[j]!.push(await sides[j]!.round());
    }
  }
  return samples.map(stats);
}

/** The rate view of a time distribution (µs per op → ops per second); p99 is the rate of the slowest 1% of rounds. */
export function rateOf(s: Stats, perUs = 1e6): Stats {
  return { median: perUs / s.median, p99: perUs / s.p99, min: perUs / s.max, max: perUs / s.min, rounds: s.rounds };
}

/** Microseconds since `start` (a process.hrtime.bigint() value). */
export function usSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1000;
}

/** µs per call of a synchronous operation, timed over a batch (so the timer's own cost is spread over many calls). */
export function timeSyncBatch(batch: number, op: (i: number) => unknown): number {
  let sink: unknown;
  const start = process.hrtime.bigint();
  for (let i = 0; i < batch; i++) sink = op(i);
  const us = usSince(start);
  keep(sink);
  return us / batch;
}

/** µs per call of an asynchronous operation, awaited one after another over a batch. */
export async function timeAsyncBatch(batch: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let sink: unknown;
  const start = process.hrtime.bigint();
  for (let i = 0; i < batch; i++) sink = await op(i);
  const us = usSince(start);
  keep(sink);
  return us / batch;
}

let sinkHole: unknown;
/** Keeps a result alive so the optimiser cannot drop the work that produced it. */
export function keep(value: unknown): void {
  sinkHole = value;
}
export function kept(): unknown {
  return sinkHole;
}
