// Architecture invariant: the bench measures Airlock and its baseline side by side in the same run and never asserts a time; only semantic problems (engines disagreeing, a wrong result) fail it.
// Entry point of `npm run bench [-- --quick] [--only decisions,log] [--out file]`: runs the figures, prints the table,
// writes the results as JSON (default bench/results.json, not committed).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildAirlock } from './build.js';
import type { BenchContext, FigureModule } from './context.js';
import { bridgeFigure } from './bridge.js';
import { coldStartFigure } from './coldStart.js';
import { killSwitchFigure } from './killSwitch.js';
import { decisionsFigure } from './decisions/figure.js';
import { guardedFigure } from './guarded.js';
import { logFigure } from './log.js';
import { editorFigure } from './editor.js';
import { hooksFigure } from './hooks.js';
import { hookHttpFigure } from './hookHttp.js';
import { panelFigure } from './panel.js';
import { sessionFigure } from './session.js';
import { mcpFigure } from './mcp.js';
import { confineFigure } from './confine.js';
import type { FigureRecord } from './record.js';
import { formatTable } from './table.js';

export const FIGURES: readonly FigureModule[] = [decisionsFigure, guardedFigure, bridgeFigure, coldStartFigure, killSwitchFigure, sessionFigure, logFigure, editorFigure, mcpFigure, confineFigure, hooksFigure, hookHttpFigure, panelFigure];

const HERE = path.dirname(fileURLToPath(import.meta.url));

export interface BenchRun {
  date: string;
  quick: boolean;
  /** How the Airlock code under test was loaded. */
  airlock: string;
  machine: { cpus: number; model: string; platform: string; node: string; memoryGb: number };
  figures: FigureRecord[];
  problems: string[];
}

export async function runBench(opts: { quick: boolean; source?: boolean; only?: readonly string[] }, io: { err: (s: string) => void }): Promise<BenchRun> {
  const problems: string[] = [];
  const airlock = await buildAirlock({ source: opts.source ?? false });
  io.err(`Airlock under test: ${airlock.how}\n`);
  const ctx: BenchContext = {
    quick: opts.quick,
    airlock,
    progress: (line) => io.err(`${line}\n`),
    fail: (message) => {
      problems.push(message);
      io.err(`\n!!! ${message}\n\n`);
    },
  };
  const unknown = (opts.only ?? []).filter((id) => !FIGURES.some((f) => f.id === id));
  if (unknown.length > 0) throw new Error(`unknown figure ${unknown.join(', ')}; figures: ${FIGURES.map((f) => f.id).join(', ')}`);
  const figures: FigureRecord[] = [];
  for (const f of FIGURES) {
    if (opts.only && opts.only.length > 0 && !opts.only.includes(f.id)) continue;
    const started = Date.now();
    io.err(`${f.title}\n`);
    try {
      figures.push(...(await f.run(ctx)));
    } catch (err) {
      ctx.fail(`figure ${f.id} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    }
    io.err(`  (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  }
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    quick: opts.quick,
    airlock: airlock.how,
    machine: {
      cpus: cpus.length, model: cpus[0]?.model ?? 'unknown', platform: `${os.platform()} ${os.release()}`,
      node: process.version, memoryGb: Math.round(os.totalmem() / 2 ** 30),
    },
    figures,
    problems,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      source: { type: 'boolean', default: false },
      only: { type: 'string' },
      out: { type: 'string', default: path.join(HERE, 'results.json') },
    },
  });
  const only = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
  const run = await runBench({ quick: values.quick, source: values.source, ...(only ? { only } : {}) }, { err: (s) => process.stderr.write(s) });
  process.stdout.write(`\n${run.date.slice(0, 10)}, ${run.machine.cpus} cpus (${run.machine.model}), node ${run.machine.node}\n`);
  process.stdout.write(`\n${formatTable(run.figures)}\n`);
  if (run.quick) process.stdout.write('\n--quick: one round per figure; the numbers only show the bench still runs.\n');
  // One record per figure, each stamped with when, how and where it was measured.
  const machine = `${run.machine.cpus} cpus (${run.machine.model}), ${run.machine.memoryGb} GB, ${run.machine.platform}, node ${run.machine.node}`;
  const records = run.figures.map((f) => ({ ...f, date: run.date, quick: run.quick, airlockBuild: run.airlock, machine }));
  fs.writeFileSync(values.out, `${JSON.stringify(records, null, 2)}\n`);
  process.stdout.write(`\nwrote ${path.relative(process.cwd(), values.out) || values.out}\n`);
  if (run.problems.length > 0) {
    process.stderr.write(`\n${run.problems.length} problem(s):\n${run.problems.map((p) => `  - ${p}`).join('\n')}\n`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
