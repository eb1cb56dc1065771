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
 * Runs both sides' rounds interleaved (A, B, A, B, ...; the order flips every round) so that both see the same machine
 * load, which on a shared 2-core box matters more than anything else.
 */
export async function compareSides(a: Side, b: Side, plan: ComparePlan): Promise<{ a: Stats; b: Stats }> {
  for (let i = 0; i < plan.warmup; i++) {
    await a.round();
    await b.round();
  }
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < plan.rounds; i++) {
    if (i % 2 === 0) {
      as.push(await a.round());
      bs.push(await b.round());
    } else {
      bs.push(await b.round());
      as.push(await a.round());
    }
  }
  return { a: stats(as), b: stats(bs) };
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
