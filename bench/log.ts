// Figure 4: the action log's append rate (hash chain, write(2) per entry, grouped fsync, signed checkpoints) vs pino
// writing the same entries synchronously without hashing; and verification of a 1,000,000-entry log.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { pino } from 'pino';
import type { EntryInput } from '../sandbox/log/entry.js';
import type { AirlockLib } from './build.js';
import { roundsFor, type BenchContext, type FigureModule } from './context.js';
import { compareSides, rateOf, usSince, type Side } from './measure.js';
import { figure, type FigureRecord } from './record.js';

/** Entries between two yields to the event loop, so the log's 5 ms group fsync (a timer) runs as it would in use. */
const YIELD_EVERY = 100;

/** A decision entry as the pipeline writes one, varied per index so no string is reused. */
export function sampleEntry(i: number): EntryInput {
  const target = `src/module-${i % 997}/file-${i}.ts`;
  return {
    kind: 'decision', task: 'task-1a2b3c4d', action: 'fs.read', target, verdict: 'allow', decidedBy: 'policy',
    rule: { layer: 'workspace', file: '.airlock/policy.json', jsonPath: 'fs.read.allow[0]', pattern: 'src/**', line: 5, col: 7 },
    data: { allowed: true, reason: `fs.read ${JSON.stringify(target)} is allowed by workspace policy fs.read.allow[0] "src/**".` },
  };
}

interface Dirs { base: string; keyDir: string; remove(): void }

function tempDirs(): Dirs {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-bench-log-'));
  const keyDir = path.join(base, 'keys');
  return { base, keyDir, remove: () => fs.rmSync(base, { recursive: true, force: true }) };
}

let files = 0;
function freshFile(dirs: Dirs, stem: string): string {
  return path.join(dirs.base, `${stem}-${++files}.jsonl`);
}

/** Appends `n` entries to a new Airlock log (opened and closed inside the round); returns µs per entry. */
async function airlockAppend(lib: AirlockLib, dirs: Dirs, n: number): Promise<number> {
  const file = freshFile(dirs, 'airlock');
  const start = process.hrtime.bigint();
  const log = lib.ActionLog.open({ file, session: 'bench', policyHash: '0'.repeat(64), keyDir: dirs.keyDir });
  for (let i = 0; i < n; i++) {
    log.append(sampleEntry(i));
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await yieldToLoop();
  }
  log.close();
  const us = usSince(start);
  fs.rmSync(file, { force: true });
  return us / n;
}

/** The same entries through pino with a synchronous destination (write(2) per line, no hash, no fsync). */
async function pinoAppend(dirs: Dirs, n: number): Promise<number> {
  const file = freshFile(dirs, 'pino');
  const start = process.hrtime.bigint();
  const dest = pino.destination({ dest: file, sync: true });
  const logger = pino({ base: { session: 'bench' }, timestamp: pino.stdTimeFunctions.isoTime }, dest);
  for (let i = 0; i < n; i++) {
    logger.info(sampleEntry(i));
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await yieldToLoop();
  }
  dest.flushSync();
  dest.end();
  const us = usSince(start);
  fs.rmSync(file, { force: true });
  return us / n;
}

async function appendFigure(ctx: BenchContext, dirs: Dirs): Promise<FigureRecord> {
  const n = ctx.quick ? 20_000 : 100_000;
  const lib = ctx.airlock.lib;
  const [a, p] = await compareSides([
    { name: 'Airlock', round: () => airlockAppend(lib, dirs, n) },
    { name: 'pino', round: () => pinoAppend(dirs, n) },
  ], { rounds: roundsFor(ctx, 7), warmup: 1 });
  return figure({
    name: 'log append rate', unit: 'entries/s', airlock: rateOf(a!), baselineName: 'pino 10, sync destination, no hashing', baseline: rateOf(p!),
    ratio: 'share', goal: '≥ 75% of pino (ratio ≥ 0.75)', meets: (r) => (r === null ? null : r >= 0.75),
    note: `${n.toLocaleString('en-US')} decision entries per round into a new file (open and close inside the round); Airlock: redaction, SHA-256 chain, write(2) per entry, fsync within 5 ms, a signed checkpoint every 4,096 entries`,
  });
}

/** A log of about `n` entries written by ActionLog itself (the real format: session start, checkpoints, end). */
async function writeLog(lib: AirlockLib, dirs: Dirs, n: number): Promise<string> {
  const file = freshFile(dirs, 'verify');
  const log = lib.ActionLog.open({ file, session: 'bench', policyHash: '0'.repeat(64), keyDir: dirs.keyDir });
  let last = 0;
  log.onAppend((e) => { last = e.seq; });
  // close() adds session.end and a checkpoint; the checkpoints every 4,096 entries count as entries too.
  for (let i = 0; last < n - 2; i++) {
    log.append(sampleEntry(i));
    if (i % 10_000 === 9_999) await yieldToLoop();
  }
  log.close();
  return file;
}

/** What reading a log back costs without any integrity check: every line JSON.parse'd (read in 4 MB chunks). */
function parseEveryLine(file: string): number {
  const fd = fs.openSync(file, 'r');
  try {
    let buf = Buffer.allocUnsafe(4 << 20);
    let have = 0;
    let count = 0;
    for (;;) {
      if (have === buf.length) buf = Buffer.concat([buf, Buffer.allocUnsafe(buf.length)]);
      const got = fs.readSync(fd, buf, have, buf.length - have, null);
      if (got === 0) break;
      have += got;
      let at = 0;
      for (let nl = buf.indexOf(0x0a, at); nl >= 0 && nl < have; nl = buf.indexOf(0x0a, at)) {
        // Airlock lines are `<hash> <json>`: parse the JSON part, as a reader of an unverified log would.
        JSON.parse(buf.toString('utf8', buf[at + 64] === 0x20 ? at + 65 : at, nl));
        count++;
        at = nl + 1;
      }
      buf.copy(buf, 0, at, have);
      have -= at;
    }
    return count;
  } finally {
    fs.closeSync(fd);
  }
}

async function verifyFigure(ctx: BenchContext, dirs: Dirs): Promise<FigureRecord> {
  const n = ctx.quick ? 200_000 : 1_000_000;
  const lib = ctx.airlock.lib;
  const started = Date.now();
  const file = await writeLog(lib, dirs, n);
  const entries = parseEveryLine(file);
  ctx.progress(`  wrote a ${entries.toLocaleString('en-US')}-entry log (${(fs.statSync(file).size / 2 ** 20).toFixed(0)} MB) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  try {
    const verify: Side = {
      name: 'verifyLog',
      round: () => {
        const start = process.hrtime.bigint();
        const report = lib.verifyLog(file, { keyDir: dirs.keyDir });
        const us = usSince(start);
        if (!report.ok || report.entries !== entries) throw new Error(`verifyLog says ${JSON.stringify(report)} for a clean ${entries}-entry log`);
        return us / entries;
      },
    };
    const parse: Side = {
      name: 'JSON.parse',
      round: () => {
        const start = process.hrtime.bigint();
        const count = parseEveryLine(file);
        const us = usSince(start);
        if (count !== entries) throw new Error(`parsed ${count} lines, not ${entries}`);
        return us / entries;
      },
    };
    const [v, p] = await compareSides([verify, parse], { rounds: roundsFor(ctx, 3), warmup: ctx.quick ? 0 : 1 });
    return figure({
      name: `log verification (${entries.toLocaleString('en-US')} entries)`, unit: 'entries/s', airlock: rateOf(v!),
      baselineName: 'read + JSON.parse every line (no integrity check)', baseline: rateOf(p!), ratio: 'share',
      goal: '≥ 500,000 entries/s', meets: (_r, median) => median >= 500_000,
      note: 'verifyLog: every line re-hashed and chained, seq order, every checkpoint signature checked',
    });
  } finally {
    fs.rmSync(file, { force: true });
  }
}

export const logFigure: FigureModule = {
  id: 'log',
  title: '4. Action log: append rate vs pino, verification',
  async run(ctx) {
    const dirs = tempDirs();
    try {
      const append = await appendFigure(ctx, dirs);
      ctx.progress('  append: done');
      return [append, await verifyFigure(ctx, dirs)];
    } finally {
      dirs.remove();
    }
  },
};
