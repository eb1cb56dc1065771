// What every figure module gets (run mode, progress output, a place to report problems) and what it must provide.
import type { Built } from './build.js';
import type { FigureRecord } from './record.js';

export interface BenchContext {
  /** One round per figure (the CI smoke): the numbers only prove the bench still runs. */
  quick: boolean;
  /** The Airlock code under test (the bundle, or the sources with --source) and the CLI entry. */
  airlock: Built;
  /** A progress line on stderr. */
  progress(line: string): void;
  /** A semantic problem (engines disagree, a result is wrong): printed loudly; the run exits non-zero. */
  fail(message: string): void;
}

export interface FigureModule {
  /** Short name for --only, e.g. `decisions`. */
  id: string;
  title: string;
  run(ctx: BenchContext): Promise<FigureRecord[]>;
}

/** Rounds for a figure: `full` normally, `quick` (usually 1) in the smoke run. */
export function roundsFor(ctx: BenchContext, full: number, quick = 1): number {
  return ctx.quick ? quick : full;
}
