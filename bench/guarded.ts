// Figure 2: a guarded action (decide, log the decision, perform through the guard, log the outcome) vs the raw Node call.
import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { ActionRequest, ActionResult } from '../sandbox/pipeline/types.js';
import { roundsFor, type BenchContext, type FigureModule } from './context.js';
import { EXEC_ARGV, FILE_BYTES, openFixture, READ_PATH, WRITE_PATH, type Fixture } from './fixture.js';
import { compareSides, timeAsyncBatch, type Side } from './measure.js';
import { figure, type FigureRecord } from './record.js';

/** Runs `argv` as a plain child process and collects its stdout, as any Node program would. */
export function plainSpawn(argv: readonly string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${argv.join(' ')} exited with ${code}`))));
  });
}

function done(r: ActionResult, what: string): ActionResult {
  if (r.outcome !== 'done') throw new Error(`${what} was not performed: ${r.outcome} (${r.error?.message ?? r.reason})`);
  return r;
}

interface Case {
  name: string;
  baselineName: string;
  request: ActionRequest;
  raw: (fx: Fixture) => Promise<unknown>;
  /** Checks that both sides did the same thing, once, before timing. */
  check: (airlock: ActionResult, raw: unknown, fx: Fixture) => void;
  batch: number;
  note: string;
}

const CASES: readonly Case[] = [
  {
    name: 'fs read (4 KB)', baselineName: 'fs.promises.readFile', request: { action: 'fs.read', path: READ_PATH },
    raw: (fx) => fsp.readFile(path.join(fx.workspace, READ_PATH), 'utf8'),
    check: (a, raw, fx) => {
      if (a.result !== fx.content || raw !== fx.content) throw new Error(`fs read returned ${String(a.result).length} bytes, not the ${FILE_BYTES} written`);
    },
    batch: 200, note: 'Airlock: Enforcer.perform (decide, decision entry, FsGuard: realpath walk, O_NOFOLLOW open, fstat check, read; outcome entry with a content digest)',
  },
  {
    name: 'fs write (4 KB)', baselineName: 'fs.promises.writeFile', request: { action: 'fs.write', path: WRITE_PATH, content: 'z'.repeat(FILE_BYTES) },
    raw: (fx) => fsp.writeFile(path.join(fx.workspace, 'out', 'raw.txt'), 'z'.repeat(FILE_BYTES)),
    check: () => undefined,
    batch: 200, note: 'Airlock: Enforcer.perform with FsGuard.writeFile (overwrites the same file each time), both entries logged',
  },
  {
    name: 'fetch from a loopback server (1 KB body)', baselineName: 'global fetch()', request: { action: 'net.fetch', url: '' },
    raw: async (fx) => (await fetch(fx.url)).text(),
    check: (a, raw) => {
      const body = (a.result as { body?: string } | undefined)?.body;
      if (body === undefined || body !== raw) throw new Error('the guarded fetch and fetch() returned different bodies');
    },
    batch: 100, note: 'Airlock: guardedFetch resolves, decides the address, connects without keep-alive; fetch() (undici) reuses a kept-alive connection',
  },
  {
    name: `exec of a small program (${EXEC_ARGV.join(' ')})`, baselineName: 'child_process.spawn', request: { action: 'exec', argv: EXEC_ARGV },
    raw: (fx) => plainSpawn(EXEC_ARGV, fx.workspace),
    check: (a, raw) => {
      const stdout = (a.result as { stdout?: string } | undefined)?.stdout;
      if (stdout !== raw) throw new Error(`exec printed ${JSON.stringify(stdout)}, spawn printed ${JSON.stringify(raw)}`);
    },
    batch: 20, note: 'Airlock: Enforcer.perform with guardedExec, confined (PATH lookup, realpath, scrubbed env, mount plan, proxy, bwrap); see the confine figure',
  },
];

/** Goals per action kind. exec has none here: it now includes confinement, which the confine figure measures. */
const GOALS: Record<string, { text: string; max: number }> = {};

async function measureCase(ctx: BenchContext, fx: Fixture, c: Case): Promise<FigureRecord> {
  const request: ActionRequest = c.request.action === 'net.fetch' ? { action: 'net.fetch', url: fx.url } : c.request;
  c.check(done(await fx.enforcer.perform(fx.taskId, request), c.name), await c.raw(fx), fx);
  const airlock: Side = { name: 'Airlock', round: () => timeAsyncBatch(c.batch, () => fx.enforcer.perform(fx.taskId, request)) };
  const raw: Side = { name: c.baselineName, round: () => timeAsyncBatch(c.batch, () => c.raw(fx)) };
  const [a, b] = await compareSides([airlock, raw], { rounds: roundsFor(ctx, 30), warmup: 1 });
  const goal = GOALS[c.request.action];
  return figure({
    name: `guarded ${c.name}`, unit: 'µs', airlock: a!, baselineName: c.baselineName, baseline: b!, ratio: 'overhead',
    goal: goal?.text ?? 'none stated (overhead reported)', ...(goal ? { meets: (r) => (r === null ? null : r <= goal.max) } : {}), note: c.note,
  });
}

export const guardedFigure: FigureModule = {
  id: 'guarded',
  title: '2. Guarded actions vs the raw Node call',
  async run(ctx) {
    const fx = await openFixture(ctx.airlock.lib);
    try {
      const out: FigureRecord[] = [];
      for (const c of CASES) {
        out.push(await measureCase(ctx, fx, c));
        ctx.progress(`  ${c.name}: done`);
      }
      return out;
    } finally {
      await fx.close();
    }
  },
};
